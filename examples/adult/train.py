"""Train the example model: a scikit-learn pipeline on the UCI Adult census income data.

Splits the vendored data into training, reference and current sets (seeded), fits a gradient
boosting classifier behind one-hot encoding, and saves it with skops (no pickle). The reference
set stands for the data the model was validated on, the current set for the data it now sees.

    python examples/adult/train.py [--out examples/adult/build]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
import skops.io as sio
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

HERE = Path(__file__).resolve().parent
TARGET = "income-per-year"
SEED = 20240601
# fnlwgt is a census sampling weight and education duplicates education-num: neither is a model input.
NOT_INPUTS = {"fnlwgt", "education", TARGET}


def load_adult() -> pd.DataFrame:
    """The vendored data, with the census's '?' read as missing."""
    return pd.read_csv(HERE / "data" / "adult.csv.gz", na_values="?", skipinitialspace=True)


def build_model(features: pd.DataFrame) -> Pipeline:
    categorical = [c for c in features.columns if features[c].dtype == object]
    numeric = [c for c in features.columns if c not in categorical]
    encode = ColumnTransformer(
        [
            ("categorical", OneHotEncoder(handle_unknown="ignore", sparse_output=False), categorical),
            ("numeric", "passthrough", numeric),
        ]
    )
    booster = GradientBoostingClassifier(n_estimators=150, max_depth=3, learning_rate=0.1, random_state=SEED)
    return Pipeline([("encode", encode), ("model", booster)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE / "build", help="folder for the model and data sets")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    data = load_adult()
    train, rest = train_test_split(data, test_size=0.5, random_state=SEED, stratify=data[TARGET])
    reference, current = train_test_split(rest, test_size=0.5, random_state=SEED, stratify=rest[TARGET])
    inputs = [c for c in data.columns if c not in NOT_INPUTS]

    model = build_model(train[inputs]).fit(train[inputs], train[TARGET])
    sio.dump(model, args.out / "model.skops")
    reference.to_csv(args.out / "reference.csv", index=False)
    current.to_csv(args.out / "current.csv", index=False)
    accuracy = (model.predict(current[inputs]) == current[TARGET]).mean()
    print(
        f"trained on {len(train)} rows; reference {len(reference)}, current {len(current)} rows; "
        f"current accuracy {accuracy:.3f}; wrote {args.out}"
    )


if __name__ == "__main__":
    main()
