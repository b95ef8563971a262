"""Fitted models of every task and family on the example data, for tests: built once per test session.

``build(task, family)`` returns a :class:`ZooCase`: reference and current CSVs, a model saved with skops,
and what an audit needs to know about them (target, sensitive columns, favourable-label suggestion,
the exact ``--trust-type`` list the skops file needs). Everything is deterministic (seeded sample of
the vendored Adult data, seeded estimators, one thread) and cached per (task, family, arrays) in a
temporary folder that lives for the test session, so many tests can share one model.

Tasks (``TASKS``): ``binary_text`` (``decision``: approved/denied), ``binary_01`` (``high_income``:
1/0), ``multiclass`` (``education_band``: 0/1/2 from years of education), ``regression``
(``hours-per-week``). Families (``FAMILIES``): ``sklearn`` (HistGradientBoosting), ``xgboost``,
``lightgbm`` (each behind one-hot encoding in a Pipeline), plus ``random_forest``, ``linear``
(logistic / ridge), ``svc`` (SVC(probability=True) / SVR) and ``catboost`` for the explainer tests.

XGBoost's scikit-learn wrapper only accepts classes 0..n-1, so for text labels (``binary_text``) the
booster sits inside scikit-learn's ``OneVsRestClassifier``, whose ``classes_`` are the text labels and
whose single binary estimator is the booster (how a team ships XGBoost with text labels without
custom code, which a skops file could not load).

``arrays=True`` gives a model fitted on a NumPy array of the numeric columns (no feature names):
its case lists the feature order, which an audit must be told (``features``).
"""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ADULT = ROOT / "examples" / "adult" / "data" / "adult.csv.gz"
SEED = 20240601
ROWS = 6000  # 3000 to train, 1500 reference, 1500 current
SENSITIVE = ("sex", "race")
TASKS = ("binary_text", "binary_01", "multiclass", "regression")
MATRIX_FAMILIES = ("sklearn", "xgboost", "lightgbm")
FAMILIES = (*MATRIX_FAMILIES, "random_forest", "linear", "svc", "catboost")
NUMERIC = ("age", "education-num", "capital-gain", "capital-loss", "hours-per-week")

# zoo task -> (target column, govkit task, favourable-label suggestion, classes in sorted order)
_TASK_INFO: dict[str, tuple[str, str, Any, tuple[Any, ...] | None]] = {
    "binary_text": ("decision", "binary", "approved", ("approved", "denied")),
    "binary_01": ("high_income", "binary", 1, (0, 1)),
    "multiclass": ("education_band", "multiclass", [1, 2], (0, 1, 2)),
    "regression": ("hours-per-week", "regression", None, None),
}
# Columns that are never inputs: a census sampling weight, a duplicate of education-num, and the
# column each task's target is derived from (it would give the answer away).
_NOT_INPUTS = {
    "binary_text": {"fnlwgt", "education", "income-per-year"},
    "binary_01": {"fnlwgt", "education", "income-per-year"},
    "multiclass": {"fnlwgt", "education", "education-num"},
    "regression": {"fnlwgt", "education", "hours-per-week"},
}


@dataclass(frozen=True)
class ZooCase:
    """One fitted model and its data, as an audit would be given them."""

    task: str  # the zoo's task name (``TASKS``)
    govkit_task: str  # binary / multiclass / regression
    family: str
    model: Path
    reference: Path
    current: Path
    target: str
    features: tuple[str, ...]  # the model's inputs, in the order it was fitted on
    sensitive: tuple[str, ...]
    positive_label: Any  # favourable label (binary), list of favourable labels (multiclass), None (regression)
    classes: tuple[Any, ...] | None
    model_kind: str  # "classifier" or "regressor"
    trusted_types: tuple[str, ...]  # exactly what skops.io.get_untrusted_types reports for the file
    fitted_on_arrays: bool

    def trust_args(self) -> list[str]:
        """``--trust-type T`` for every type the model file needs, for the CLI."""
        return [arg for name in self.trusted_types for arg in ("--trust-type", name)]

    def cli_args(self) -> list[str]:
        """The ``govkit audit`` options for this case (no policy, output or positive label); a model fitted on
        an array is told its feature order with ``--features a,b,c``."""
        args = [
            "--data",
            str(self.current),
            "--reference",
            str(self.reference),
            "--model",
            str(self.model),
            "--target",
            self.target,
        ]
        for column in self.sensitive:
            args += ["--sensitive", column]
        if self.fitted_on_arrays:
            args += ["--features", ",".join(self.features)]
        return args + self.trust_args()

    def load(self) -> Any:
        """The fitted model, loaded from its skops file with its trusted types."""
        return _load(self.model, self.trusted_types)


@functools.cache
def _root() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="govkit-zoo-"))
    atexit.register(shutil.rmtree, folder, True)
    return folder


@functools.cache
def _adult() -> Any:
    import pandas as pd

    data = pd.read_csv(ADULT, na_values="?", skipinitialspace=True)
    return data.sample(n=ROWS, random_state=SEED).reset_index(drop=True)


def frame(task: str) -> Any:
    """The task's full frame (inputs, sensitive columns and target), deterministic; a copy."""
    if task not in _TASK_INFO:
        raise ValueError(f"unknown zoo task {task!r}; one of {', '.join(TASKS)}")
    data = _adult().copy()
    high = data["income-per-year"] == ">50K"
    if task == "binary_text":
        data["decision"] = high.map({True: "approved", False: "denied"})
    elif task == "binary_01":
        data["high_income"] = high.astype(int)
    elif task == "multiclass":
        years = data["education-num"]
        # 0: up to high school, 1: some college or associate, 2: a degree
        data["education_band"] = (years >= 10).astype(int) + (years >= 13).astype(int)
    return data


def inputs(task: str, arrays: bool = False) -> list[str]:
    """The model's input columns for ``task``: all usable columns, or the numeric ones for arrays."""
    target = _TASK_INFO[task][0]
    skip = _NOT_INPUTS[task] | {target}
    columns = list(NUMERIC) if arrays else list(_adult().columns)
    return [c for c in columns if c not in skip]


@functools.cache
def _data(task: str) -> tuple[Path, Path, Any]:
    """(reference CSV, current CSV, training frame) for ``task``, written once."""
    data = frame(task)
    train, reference, current = data.iloc[:3000], data.iloc[3000:4500], data.iloc[4500:]
    folder = _root() / task
    folder.mkdir(parents=True, exist_ok=True)
    reference.to_csv(folder / "reference.csv", index=False)
    current.to_csv(folder / "current.csv", index=False)
    return folder / "reference.csv", folder / "current.csv", train


def _encoder(columns: list[str], categorical: list[str], scale: bool) -> Any:
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    numeric = [c for c in columns if c not in categorical]
    return ColumnTransformer(
        [
            ("categorical", OneHotEncoder(handle_unknown="ignore", sparse_output=False), categorical),
            ("numeric", StandardScaler() if scale else "passthrough", numeric),
        ]
    )


def estimator(family: str, classifier: bool, text_labels: bool = False) -> Any:
    """A small, seeded, single-threaded estimator of ``family`` (unfitted)."""
    if family == "sklearn":
        from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

        kind = HistGradientBoostingClassifier if classifier else HistGradientBoostingRegressor
        return kind(max_iter=60, random_state=SEED)
    if family == "random_forest":
        from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

        forest = RandomForestClassifier if classifier else RandomForestRegressor
        return forest(n_estimators=30, max_depth=8, random_state=SEED, n_jobs=1)
    if family == "linear":
        from sklearn.linear_model import LogisticRegression, Ridge

        return LogisticRegression(max_iter=2000) if classifier else Ridge()
    if family == "svc":
        from sklearn.svm import SVC, SVR

        return SVC(probability=True, random_state=SEED) if classifier else SVR()
    if family == "xgboost":
        import xgboost

        if not classifier:
            return xgboost.XGBRegressor(n_estimators=60, max_depth=4, random_state=SEED, n_jobs=1)
        booster = xgboost.XGBClassifier(n_estimators=60, max_depth=4, random_state=SEED, n_jobs=1)
        if text_labels:
            from sklearn.multiclass import OneVsRestClassifier

            return OneVsRestClassifier(booster)
        return booster
    if family == "lightgbm":
        import lightgbm

        kind = lightgbm.LGBMClassifier if classifier else lightgbm.LGBMRegressor
        return kind(n_estimators=60, num_leaves=15, random_state=SEED, n_jobs=1, verbose=-1)
    if family == "catboost":
        import catboost

        kind = catboost.CatBoostClassifier if classifier else catboost.CatBoostRegressor
        return kind(iterations=60, depth=4, random_seed=SEED, thread_count=1, verbose=0, allow_writing_files=False)
    raise ValueError(f"unknown zoo family {family!r}; one of {', '.join(FAMILIES)}")


def fit(task: str, family: str, arrays: bool = False) -> Any:
    """A freshly fitted model of ``family`` for ``task`` (not saved, not cached).

    One thread: OpenMP and BLAS thread pools spin against each other on a busy machine, which makes
    a small fit slower, never faster.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        return _fit(task, family, arrays)


def _fit(task: str, family: str, arrays: bool) -> Any:
    _, _, train = _data(task)
    target, govkit_task, _, _ = _TASK_INFO[task]
    columns = inputs(task, arrays)
    classifier = govkit_task != "regression"
    final = estimator(family, classifier, text_labels=task == "binary_text")
    if arrays:
        return final.fit(train[columns].to_numpy(dtype=float), train[target].to_numpy())
    from sklearn.pipeline import Pipeline

    categorical = [c for c in columns if train[c].dtype == object]
    encode = _encoder(columns, categorical, scale=family in ("linear", "svc"))
    return Pipeline([("encode", encode), ("model", final)]).fit(train[columns], train[target])


@functools.cache
def build(task: str, family: str, arrays: bool = False) -> ZooCase:
    """The (cached) case for ``task`` x ``family``: data CSVs, a fitted model saved with skops."""
    import skops.io as sio

    reference, current, _ = _data(task)
    target, govkit_task, positive, classes = _TASK_INFO[task]
    model = fit(task, family, arrays)
    path = _root() / task / f"{family}{'-arrays' if arrays else ''}.skops"
    sio.dump(model, path)
    return ZooCase(
        task=task,
        govkit_task=govkit_task,
        family=family,
        model=path,
        reference=reference,
        current=current,
        target=target,
        features=tuple(inputs(task, arrays)),
        sensitive=SENSITIVE,
        positive_label=list(positive) if isinstance(positive, list) else positive,
        classes=classes,
        model_kind="regressor" if govkit_task == "regression" else "classifier",
        trusted_types=tuple(sio.get_untrusted_types(file=path)),
        fitted_on_arrays=arrays,
    )


@functools.cache
def _load(path: Path, trusted: tuple[str, ...]) -> Any:
    import skops.io as sio

    return sio.load(path, trusted=list(trusted))


def matrix() -> list[tuple[str, str]]:
    """Every (task, family) pair of the end-to-end matrix."""
    return [(task, family) for task in TASKS for family in MATRIX_FAMILIES]
