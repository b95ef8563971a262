"""Seeded synthetic data and model for the benchmark: realistic mixed tabular data, with a real shift.

N rows x 30 columns: numeric features (normal, lognormal, gamma, beta, integer counts), categorical
features (3 to 50 levels), two sensitive attributes with unequal groups (sex 65/35; race in five
groups, one of them 1.5%), missing values in four columns, and a binary target that depends on the
features and weakly on the sensitive attributes. Half the rows are the reference period and half the
current one; the current period really moved: ``credit_score`` by 0.3 std, ``loan_amount`` by about
0.2 std (on the log scale), and the frequencies of ``channel`` changed. Every other column is drawn
from the same distribution in both halves.

The model is a scikit-learn Pipeline (one-hot encoding and median imputation, then a
GradientBoostingClassifier, as in examples/adult/train.py) trained on a separate 50k-row sample of the
reference distribution and saved with skops, so that govkit loads it as it would a user's model.

Everything is cached under ``benchmarks/.cache/``: the data by (rows, seed), the model by seed (it does
not depend on the number of rows), so reruns start at once.

A half of more than ``CHUNK_ROWS`` rows (the 20M-row engines benchmark) is generated and written
``CHUNK_ROWS`` rows at a time, one Parquet row group each, drawing from the same seeded stream, so that
generating it never holds more than one chunk in memory. Smaller halves are one frame, as they always
were, so the data of those sizes does not change.

    python benchmarks/generate.py --rows 100000 --seed 7
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
TARGET = "approved"
SENSITIVE = ["sex", "race"]
TRAIN_ROWS = 50_000
DEFAULT_SEED = 7
# Bump when the generator or the model changes, so that stale caches are not reused.
VERSION = 1
# A half larger than this is generated and written in chunks (row groups) of this many rows.
CHUNK_ROWS = 1_000_000

REGIONS = [f"R{i:02d}" for i in range(1, 51)]
OCCUPATIONS = [
    "clerical",
    "sales",
    "service",
    "technician",
    "engineer",
    "manager",
    "teacher",
    "nurse",
    "driver",
    "construction",
    "farming",
    "retail",
    "hospitality",
    "finance",
    "legal",
    "it",
    "student",
    "retired",
    "self-employed",
    "other",
]
EDUCATION = ["none", "primary", "secondary", "vocational", "associate", "bachelor", "master", "doctorate"]
MARITAL = ["single", "married", "divorced", "widowed", "separated"]
HOUSING = ["rent", "own", "mortgage"]
CHANNELS = ["branch", "web", "mobile", "partner"]
PRODUCTS = ["personal", "auto", "home", "student", "business", "credit-line"]
EMPLOYMENT = ["full-time", "part-time", "contract", "unemployed", "self"]
DEVICES = ["desktop", "phone", "tablet"]
TIERS = ["A", "B", "C", "D"]
SEGMENTS = ["retail", "premium", "small-business"]
SEXES = ["Male", "Female"]
RACES = ["White", "Black", "Asian", "Hispanic", "Other"]

# The shift between periods (effect sizes chosen well clear of evidently's 0.1 distance threshold, so
# that sampling cannot flip a verdict).
CREDIT_SHIFT_STD = 0.3
LOAN_SHIFT_LOG_STD = 0.2
CHANNEL_REFERENCE = [0.45, 0.30, 0.17, 0.08]
CHANNEL_CURRENT = [0.28, 0.30, 0.24, 0.18]


@dataclass(frozen=True)
class Paths:
    """Where one (rows, seed) data set and its seed's model live."""

    reference: Path
    current: Path
    model: Path
    meta: Path

    def exist(self) -> bool:
        return all(p.exists() for p in (self.reference, self.current, self.model, self.meta))


def paths(rows: int, seed: int, cache: Path = CACHE) -> Paths:
    data = cache / f"v{VERSION}" / f"rows{rows}_seed{seed}"
    model = cache / f"v{VERSION}" / f"model_seed{seed}"
    return Paths(
        data / "reference.parquet", data / "current.parquet", model / "model.skops", model / "meta.json"
    )


def _zipf_probs(count: int, exponent: float) -> np.ndarray:
    weights = 1.0 / np.arange(1, count + 1) ** exponent
    return weights / weights.sum()


def _choice(
    rng: np.random.Generator, levels: list[str], probs: np.ndarray | list[float], n: int
) -> np.ndarray:
    return np.asarray(levels, dtype=object)[rng.choice(len(levels), size=n, p=np.asarray(probs, dtype=float))]


def _with_missing(rng: np.random.Generator, values: np.ndarray, share: float) -> np.ndarray:
    out = values.astype(object) if values.dtype == object else values.astype(float)
    mask = rng.random(len(values)) < share
    out[mask] = None if out.dtype == object else np.nan
    return out


def make_frame(n: int, rng: np.random.Generator, period: str) -> pd.DataFrame:
    """``n`` rows of one period ("reference" or "current"); the current period carries the shift."""
    current = period == "current"
    sex = _choice(rng, SEXES, [0.65, 0.35], n)
    race = _choice(rng, RACES, [0.62, 0.18, 0.12, 0.065, 0.015], n)
    age = np.clip(np.round(rng.normal(42, 13, n)), 18, 90).astype(np.int64)
    education = _choice(rng, EDUCATION, [0.03, 0.07, 0.30, 0.15, 0.10, 0.22, 0.11, 0.02], n)
    edu_rank = pd.Categorical(education, categories=EDUCATION).codes.astype(float)
    occupation = _choice(rng, OCCUPATIONS, _zipf_probs(len(OCCUPATIONS), 0.6), n)
    region = _choice(rng, REGIONS, _zipf_probs(len(REGIONS), 0.9), n)

    log_income = 10.6 + 0.08 * edu_rank + 0.006 * (age - 42) + rng.normal(0, 0.55, n)
    income = np.round(np.exp(log_income), 2)
    credit = rng.normal(680, 60, n) + 8 * (edu_rank - 3) + (CREDIT_SHIFT_STD * 60 if current else 0.0)
    credit_score = np.clip(np.round(credit), 300, 850)
    debt_to_income = np.round(rng.beta(2.2, 6.0, n) * 1.2, 4)
    utilization = np.round(rng.beta(1.5, 3.0, n), 4)
    log_loan = (
        9.4
        + 0.35 * (log_income - 10.6)
        + rng.normal(0, 0.7, n)
        + (LOAN_SHIFT_LOG_STD * 0.75 if current else 0)
    )
    loan_amount = np.round(np.exp(log_loan), 2)
    interest_rate = np.round(np.clip(rng.normal(9.0, 2.5, n) - 0.01 * (credit_score - 680), 1.0, 30.0), 3)
    account_balance = np.round(rng.normal(2500, 4000, n) + 0.02 * income, 2)
    last_payment_days = np.round(rng.exponential(21.0, n), 1)
    monthly_spend = np.round(rng.gamma(2.0, 600.0, n), 2)
    num_accounts = rng.poisson(4.0, n).astype(np.int64)
    num_late_payments = rng.poisson(0.4, n).astype(np.int64)
    num_inquiries = rng.poisson(1.6, n).astype(np.int64)
    tenure_months = rng.integers(0, 241, n).astype(np.int64)
    household_size = np.clip(rng.poisson(1.6, n) + 1, 1, 8).astype(np.int64)
    channel = _choice(rng, CHANNELS, CHANNEL_CURRENT if current else CHANNEL_REFERENCE, n)

    frame = pd.DataFrame(
        {
            "age": age,
            "income": income,
            "credit_score": credit_score,
            "debt_to_income": _with_missing(rng, debt_to_income, 0.03),
            "utilization": utilization,
            "loan_amount": loan_amount,
            "interest_rate": interest_rate,
            "account_balance": account_balance,
            "last_payment_days": _with_missing(rng, last_payment_days, 0.08),
            "monthly_spend": monthly_spend,
            "num_accounts": num_accounts,
            "num_late_payments": num_late_payments,
            "num_inquiries": num_inquiries,
            "tenure_months": tenure_months,
            "household_size": household_size,
            "region": region,
            "occupation": occupation,
            "education": education,
            "marital_status": _with_missing(
                rng, _choice(rng, MARITAL, [0.38, 0.42, 0.12, 0.04, 0.04], n), 0.02
            ),
            "housing": _choice(rng, HOUSING, [0.40, 0.25, 0.35], n),
            "channel": channel,
            "product": _choice(rng, PRODUCTS, [0.35, 0.20, 0.15, 0.10, 0.08, 0.12], n),
            "employment_type": _with_missing(
                rng, _choice(rng, EMPLOYMENT, [0.60, 0.12, 0.10, 0.06, 0.12], n), 0.01
            ),
            "device": _choice(rng, DEVICES, [0.45, 0.45, 0.10], n),
            "branch_tier": _choice(rng, TIERS, [0.25, 0.35, 0.25, 0.15], n),
            "segment": _choice(rng, SEGMENTS, [0.70, 0.20, 0.10], n),
            "sex": sex,
            "race": race,
        }
    )
    frame[TARGET] = _target(frame, rng)
    return frame


def _target(frame: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """Approval drawn from a logistic model of the features, weakly dependent on sex and race."""
    dti = frame["debt_to_income"].fillna(0.3).to_numpy()
    occupation_effect = {
        o: e for o, e in zip(OCCUPATIONS, np.linspace(-0.4, 0.4, len(OCCUPATIONS)), strict=True)
    }
    logit = (
        -0.3
        + 0.022 * (frame["credit_score"].to_numpy() - 680)
        - 3.0 * (dti - 0.3)
        + 0.9 * (np.log(frame["income"].to_numpy()) - 10.6)
        - 0.5 * (np.log(frame["loan_amount"].to_numpy()) - 9.4)
        - 0.6 * frame["num_late_payments"].to_numpy()
        - 0.15 * frame["num_inquiries"].to_numpy()
        + 0.004 * frame["tenure_months"].to_numpy()
        - 1.2 * (frame["utilization"].to_numpy() - 0.33)
        + frame["occupation"].map(occupation_effect).to_numpy(dtype=float)
        + np.where(frame["housing"].to_numpy() == "own", 0.3, 0.0)
        + np.where(frame["employment_type"].to_numpy() == "unemployed", -1.0, 0.0)
        # the weak dependence on the sensitive attributes
        + np.where(frame["sex"].to_numpy() == "Male", 0.25, 0.0)
        + frame["race"]
        .map({"White": 0.1, "Black": -0.2, "Asian": 0.1, "Hispanic": -0.1, "Other": -0.3})
        .to_numpy(dtype=float)
    )
    return (rng.random(len(frame)) < 1 / (1 + np.exp(-logit))).astype(np.int64)


def build_model(features: pd.DataFrame) -> object:
    """One-hot (categorical) and median imputation (numeric) in front of gradient boosting."""
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import GradientBoostingClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder

    categorical = [c for c in features.columns if features[c].dtype == object]
    numeric = [c for c in features.columns if c not in categorical]
    encode = ColumnTransformer(
        [
            ("categorical", OneHotEncoder(handle_unknown="ignore", sparse_output=False), categorical),
            ("numeric", SimpleImputer(strategy="median"), numeric),
        ]
    )
    booster = GradientBoostingClassifier(
        n_estimators=80, max_depth=3, learning_rate=0.15, subsample=0.5, random_state=0
    )
    return Pipeline([("encode", encode), ("model", booster)])


def _seeds(seed: int) -> tuple[np.random.Generator, np.random.Generator, np.random.Generator]:
    """Independent streams for the training sample, the reference half and the current half."""
    train, reference, current = np.random.SeedSequence(seed).spawn(3)
    return np.random.default_rng(train), np.random.default_rng(reference), np.random.default_rng(current)


def compile_govkit() -> None:
    """Byte-compile govkit's modules before any timed run, as pip does when it installs a wheel.

    The libraries the baseline calls were compiled when they were installed; an editable install of govkit
    under PYTHONDONTWRITEBYTECODE (set on some CI images and on the benchmark's machine) would otherwise be
    compiled from source again in every timed process (about 0.3 s of CPU for all of govkit).
    """
    import compileall

    import govkit

    compileall.compile_dir(str(Path(govkit.__file__).parent), quiet=1)


def ensure_model(seed: int, cache: Path = CACHE, verbose: bool = True) -> Paths:
    """Train and save the model for ``seed`` unless it is cached."""
    import skops.io as sio

    where = paths(0, seed, cache)
    if where.model.exists() and where.meta.exists():
        return where
    where.model.parent.mkdir(parents=True, exist_ok=True)
    train_rng, _, _ = _seeds(seed)
    started = time.perf_counter()
    train = make_frame(TRAIN_ROWS, train_rng, "reference")
    inputs = [c for c in train.columns if c != TARGET]
    model = build_model(train[inputs]).fit(train[inputs], train[TARGET])
    seconds = time.perf_counter() - started
    sio.dump(model, where.model)
    untrusted = sio.get_untrusted_types(file=where.model)
    meta = {
        "seed": seed,
        "version": VERSION,
        "train_rows": TRAIN_ROWS,
        "train_seconds": round(seconds, 2),
        "features": inputs,
        "target": TARGET,
        "sensitive": SENSITIVE,
        # the types skops does not trust by default; the benchmark reviewed them (it built the model)
        "trusted_types": untrusted,
    }
    where.meta.write_text(json.dumps(meta, indent=2), encoding="utf-8")
    if verbose:
        print(f"trained the model on {TRAIN_ROWS} rows in {seconds:.1f} s; wrote {where.model}")
    return where


def ensure(rows: int, seed: int = DEFAULT_SEED, cache: Path = CACHE, verbose: bool = True) -> Paths:
    """The cached data set of ``rows`` rows (half reference, half current) and the model; built if missing."""
    ensure_model(seed, cache, verbose)
    where = paths(rows, seed, cache)
    if where.exist():
        return where
    where.reference.parent.mkdir(parents=True, exist_ok=True)
    _, reference_rng, current_rng = _seeds(seed)
    started = time.perf_counter()
    half = rows // 2
    for rng, period, path in (
        (reference_rng, "reference", where.reference),
        (current_rng, "current", where.current),
    ):
        count = rows - half if period == "reference" else half
        temporary = path.with_suffix(".parquet.tmp")
        if count <= CHUNK_ROWS:
            make_frame(count, rng, period).to_parquet(temporary, index=False)
        else:
            _write_chunked(count, rng, period, temporary)
        temporary.replace(path)
    if verbose:
        print(
            f"generated {rows} rows (seed {seed}) in {time.perf_counter() - started:.1f} s; "
            f"wrote {where.reference.parent}"
        )
    return where


def _write_chunked(rows: int, rng: np.random.Generator, period: str, path: Path) -> None:
    """``rows`` rows of one period written ``CHUNK_ROWS`` at a time (one row group each), in bounded memory."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    writer: pq.ParquetWriter | None = None
    try:
        for start in range(0, rows, CHUNK_ROWS):
            frame = make_frame(min(CHUNK_ROWS, rows - start), rng, period)
            table = pa.Table.from_pandas(frame, preserve_index=False)
            del frame
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema)
            writer.write_table(table.cast(writer.schema), row_group_size=CHUNK_ROWS)
    finally:
        if writer is not None:
            writer.close()


def load_meta(where: Paths) -> dict:
    return json.loads(where.meta.read_text(encoding="utf-8"))


# The seed of every sample govkit takes in the benchmark's audits.
AUDIT_SEED = 0


def audit_arguments(where: Paths, meta: dict) -> dict:
    """The keyword arguments of the benchmark's ``govkit.audit`` call (default policy), for every harness."""
    return {
        "model": where.model,
        "data": where.current,
        "reference": where.reference,
        "target": meta["target"],
        "sensitive": meta["sensitive"],
        "policy": "default",
        "trusted_types": meta["trusted_types"],
        "seed": AUDIT_SEED,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rows", type=int, default=100_000, help="total rows, half reference and half current"
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args()
    where = ensure(args.rows, args.seed)
    print(f"reference: {where.reference}\ncurrent:   {where.current}\nmodel:     {where.model}")


if __name__ == "__main__":
    main()
