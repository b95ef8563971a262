"""Data drift between the reference and the current data, with evidently 0.7.

Each feature column is tested on its own with evidently's ``ValueDrift`` metric, all columns in one
evidently ``Report`` run that every check of this family shares. Evidently picks the test by column
type and size unless the policy names one: with more than 1000 reference rows, the normed Wasserstein
distance for numerical columns and the Jensen-Shannon distance for categorical ones; with fewer, the
K-S test and the chi-square or Z test (p-values). Evidently decides whether each column drifted; the
policy judges the share or count of drifted columns.

Evidently treats every column it is given as a feature unless told otherwise, so it is given only the
tested columns, each with an explicit type in a ``DataDefinition``, and the results are checked to
cover exactly those columns. Next to evidently's score, each column gets an effect size that does not
shrink as the data grows (a p-value does): the Wasserstein distance in reference standard deviations
for numerical columns, the Jensen-Shannon distance (base 2, from 0 to 1) for categorical ones.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from govkit.registry import CheckDef, NoParams
from govkit.results import Measurement

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from govkit.context import AuditContext

NAME = "drift"
TITLE = "Data drift"
INTRO = (
    "Has the data moved since the reference period? Each feature column is compared between the "
    "reference and the current data."
)

Kind = Literal["numerical", "categorical"]

# Evidently's drift methods by their registered name: the column types each accepts and what its
# score is. Kept here, rather than read from evidently, so that a policy can be validated without
# importing evidently; tests/test_drift.py checks the table against evidently's own registry
# (evidently/legacy/calculations/stattests/*.py). For a p-value, drift is a score below the threshold;
# for a distance, a score at or above it.
_METHODS: dict[str, tuple[frozenset[str], Literal["p_value", "distance"]]] = {
    "anderson": (frozenset({"numerical"}), "p_value"),
    "chisquare": (frozenset({"categorical"}), "p_value"),
    "cramer_von_mises": (frozenset({"numerical"}), "p_value"),
    "ed": (frozenset({"numerical"}), "distance"),
    "es": (frozenset({"numerical"}), "p_value"),
    "fisher_exact": (frozenset({"categorical"}), "p_value"),
    "g_test": (frozenset({"categorical"}), "p_value"),
    "hellinger": (frozenset({"numerical", "categorical"}), "distance"),
    "jensenshannon": (frozenset({"numerical", "categorical"}), "distance"),
    "kl_div": (frozenset({"numerical", "categorical"}), "distance"),
    "ks": (frozenset({"numerical"}), "p_value"),
    "mannw": (frozenset({"numerical"}), "p_value"),
    "empirical_mmd": (frozenset({"numerical"}), "p_value"),
    "psi": (frozenset({"numerical", "categorical"}), "distance"),
    "t_test": (frozenset({"numerical"}), "p_value"),
    "TVD": (frozenset({"categorical"}), "p_value"),
    "wasserstein": (frozenset({"numerical"}), "distance"),
    "z": (frozenset({"categorical"}), "p_value"),
}

HISTOGRAM_BINS = 10
TOP_CATEGORIES = 10
# evidently floors the reference std at this value in its normed Wasserstein distance, so a constant
# reference column gives a large finite distance instead of a division by zero; the effect size does too.
_MIN_STD = 0.001


def _check_method(name: str | None) -> str | None:
    if name is not None and name not in _METHODS:
        known = ", ".join(sorted(_METHODS))
        raise ValueError(f"unknown drift method {name!r}; use one of evidently's: {known}")
    return name


class ValueDriftParams(BaseModel):
    """How one series (model scores, target) is compared between reference and current."""

    model_config = ConfigDict(extra="forbid")

    method: str | None = Field(
        default=None,
        description="Evidently drift method, e.g. 'ks', 'wasserstein', 'psi', 'jensenshannon', 'chisquare' "
        "(default: evidently's choice by type and size).",
    )
    threshold: float | None = Field(
        default=None,
        description="Evidently's drift threshold for the method: a p-value below it, or a distance at or "
        "above it, means drift (default: the method's own, e.g. 0.05 for p-values, 0.1 for distances).",
    )
    max_rows: int | None = Field(
        default=100_000,
        ge=1,
        description="Rows used from each of reference and current; larger data is sampled with the audit "
        "seed and the sample is recorded (None: use every row).",
    )
    categorical_max_unique: int = Field(
        default=10,
        ge=1,
        description="A numeric column with at most this many distinct values is compared as categorical "
        "(evidently's own limit for integer columns is 10).",
    )

    @field_validator("method")
    @classmethod
    def _known_method(cls, value: str | None) -> str | None:
        return _check_method(value)


class ColumnDriftParams(ValueDriftParams):
    """Which feature columns are tested for drift, and with which evidently method."""

    columns: list[str] | None = Field(
        default=None,
        description="Columns to test, used exactly as given (default: the audit's features minus sensitive, "
        "target, prediction and probability columns).",
    )
    include_sensitive: bool = Field(
        default=False, description="Also test the sensitive columns when the columns are not given."
    )
    method: str | None = Field(
        default=None,
        description="Evidently drift method for every column whose type it supports, e.g. 'ks', 'psi' "
        "(default: evidently's choice by type and size).",
    )
    per_column_method: dict[str, str] = Field(
        default_factory=dict, description="Evidently drift method for single columns, e.g. {age: ks}."
    )
    per_column_threshold: dict[str, float] = Field(
        default_factory=dict, description="Drift threshold for single columns, e.g. {age: 0.2}."
    )
    p_value_correction: Literal["benjamini-hochberg", "none"] = Field(
        default="benjamini-hochberg",
        description="When several columns are tested with p-values, adjust them for multiple testing "
        "(Benjamini-Hochberg false discovery rate) before comparing with the threshold.",
    )
    min_effect_size: float | None = Field(
        default=0.1,
        ge=0,
        description="On large data a p-value test also needs at least this effect size to count as drift "
        "(None: the test alone decides).",
    )
    large_data_rows: int = Field(
        default=10_000,
        ge=1,
        description="From this many rows (in the smaller of reference and current) p-value tests are gated "
        "on effect size.",
    )

    @field_validator("per_column_method")
    @classmethod
    def _known_methods(cls, value: dict[str, str]) -> dict[str, str]:
        for method in value.values():
            _check_method(method)
        return value


_COLUMNS = frozenset({"current", "reference"})

CHECKS: dict[str, CheckDef] = {
    "drifted_columns_share": CheckDef(
        title="Share of drifted columns",
        doc="Share of the tested feature columns whose distribution drifted between reference and current, "
        "each column tested with evidently's drift method for its type and size.",
        requires=_COLUMNS,
        params=ColumnDriftParams,
        unit="share",
        higher_is_better=False,
    ),
    "drifted_columns_count": CheckDef(
        title="Number of drifted columns",
        doc="Number of tested feature columns whose distribution drifted between reference and current.",
        requires=_COLUMNS,
        params=ColumnDriftParams,
        unit="count",
        higher_is_better=False,
    ),
    "prediction_drift": CheckDef(
        title="Prediction drift",
        doc="Effect size of the shift in the model's positive-class scores (its labels when it gives no "
        "scores) between reference and current: Wasserstein distance over the reference std for scores, "
        "Jensen-Shannon distance for labels. Evidently's own test and verdict are in the details.",
        requires=_COLUMNS | {"prediction"},
        params=ValueDriftParams,
        unit="effect size",
        higher_is_better=False,
    ),
    "target_drift": CheckDef(
        title="Target drift",
        doc="Effect size of the shift in the target between reference and current (normalised Wasserstein "
        "distance for numbers, Jensen-Shannon distance for labels); evidently's test is in the details.",
        requires=_COLUMNS | {"target"},
        params=ValueDriftParams,
        unit="effect size",
        higher_is_better=False,
    ),
    "schema_differences": CheckDef(
        title="Schema differences",
        doc="Number of columns missing from reference or current, or whose type changed between them.",
        requires=_COLUMNS,
        params=NoParams,
        unit="count",
        higher_is_better=False,
    ),
}


def warm_up() -> None:
    """Import evidently ahead of the first check (the parallel worker does this while the model loads)."""
    from evidently import Report  # noqa: F401
    from evidently.metrics import ValueDrift  # noqa: F401


def run(name: str, params: Any, ctx: AuditContext) -> Measurement:
    """Measure one drift check; the policy's thresholds judge the value."""
    if ctx.reference is None:
        raise ValueError("drift checks need reference data; give --reference")
    if name in ("drifted_columns_share", "drifted_columns_count"):
        return _columns_measurement(name, _coerce(ColumnDriftParams, params), ctx)
    if name == "prediction_drift":
        return _prediction_measurement(_coerce(ValueDriftParams, params), ctx)
    if name == "target_drift":
        return _target_measurement(_coerce(ValueDriftParams, params), ctx)
    if name == "schema_differences":
        return _schema_measurement(ctx)
    raise KeyError(f"drift has no check {name!r}; it has {', '.join(CHECKS)}")


def _coerce(model: type[BaseModel], params: Any) -> Any:
    """The check's params as its model, also when a library caller passes a dict or nothing."""
    if isinstance(params, model):
        return params
    if isinstance(params, BaseModel):
        params = params.model_dump()
    return model.model_validate(params or {})


# ---------------------------------------------------------------------------------------------
# The checks


def _columns_measurement(name: str, params: ColumnDriftParams, ctx: AuditContext) -> Measurement:
    drift = column_drift(ctx, params)
    columns: list[dict[str, Any]] = drift["columns"]
    tested = len(columns)
    drifted = [c for c in columns if c["drifted"]]
    details = {
        "columns": columns,
        "tested": tested,
        "drifted": len(drifted),
        "drifted_columns": [c["column"] for c in drifted],
        "schema_differences": drift["schema_differences"],
        "method_note": drift["method_note"],
        "column_selection": drift["column_selection"],
        "reference_rows": drift["reference_rows"],
        "current_rows": drift["current_rows"],
    }
    summary = _columns_summary(columns, drifted, drift["schema_differences"])
    if tested == 0:
        return Measurement(
            inconclusive_reason="no column could be compared between reference and current",
            details=details,
            summary=summary,
            method=drift["method"],
        )
    value = len(drifted) / tested if name == "drifted_columns_share" else float(len(drifted))
    return Measurement(
        value=float(value),
        sample_size=drift["current_rows"],
        method=drift["method"],
        details=details,
        summary=summary,
    )


def _prediction_measurement(params: ValueDriftParams, ctx: AuditContext) -> Measurement:
    if ctx.reference_predictions is None:
        raise ValueError(
            "prediction drift needs the model's predictions on the reference data; give a model, or a "
            "prediction column that is present in the reference data too"
        )
    if ctx.current_predictions is None:
        raise ValueError("prediction drift needs the model's predictions on the current data")
    reference, current = ctx.reference_predictions, ctx.current_predictions
    use_scores = reference.scores is not None and current.scores is not None
    what = "positive-class score" if use_scores else "predicted label"
    ref_values = reference.scores if use_scores else reference.labels
    cur_values = current.scores if use_scores else current.labels

    def compute() -> dict[str, Any]:
        import pandas as pd

        return _series_drift(pd.Series(ref_values), pd.Series(cur_values), what, params, ctx)

    key = ("drift", "prediction", what, params.model_dump_json())
    result = ctx.memo(key, compute)
    subject = "The model's scores" if use_scores else "The model's predicted labels"
    return _series_measurement(result, subject)


def _target_measurement(params: ValueDriftParams, ctx: AuditContext) -> Measurement:
    target = ctx.target
    assert ctx.reference is not None  # checked by run()
    if target is None:
        raise ValueError("target drift needs a target column; give --target")
    for frame, which in ((ctx.reference, "reference"), (ctx.current, "current")):
        if target not in frame.columns:
            raise ValueError(f"target column {target!r} is not in the {which} data")
    reference, current = ctx.reference[target], ctx.current[target]

    def compute() -> dict[str, Any]:
        return _series_drift(reference, current, str(target), params, ctx)

    result = ctx.memo(("drift", "target", target, params.model_dump_json()), compute)
    return _series_measurement(result, f"The target {target!r}")


def _series_measurement(result: dict[str, Any], subject: str) -> Measurement:
    if "problem" in result:
        return Measurement(inconclusive_reason=result["problem"], details=result, summary=result["problem"])
    if result["score"] is None or result.get("effect_size") is None:
        reason = f"evidently's {result['method']} score or the effect size is not a finite number for these values"
        return Measurement(inconclusive_reason=reason, details=result, summary=reason)
    drifted = result["drifted"]
    # a p-value signals drift when small, a distance when large
    signals_drift = "<" if result["score_kind"] == "p_value" else "≥"
    comparison = signals_drift if drifted else {"<": "≥", "≥": "<"}[signals_drift]
    summary = (
        f"{subject} {'shifted' if drifted else 'did not shift'} between the reference and current data "
        f"({_score_words(result)} {result['score']:.3g} {comparison} threshold {result['threshold']:g}; "
        f"effect size {result['effect_size']:.3g})."
    )
    # The value is the effect size, not evidently's score: the score is a p-value on small data and a
    # distance on large data, so a policy threshold on it would flip meaning with the sample size.
    return Measurement(
        value=result["effect_size"],
        sample_size=result["current_rows"],
        method=result["evidently"],
        details=result,
        summary=summary,
    )


def _schema_measurement(ctx: AuditContext) -> Measurement:
    assert ctx.reference is not None  # checked by run()
    differences = schema_differences(ctx.reference, ctx.current, _kind_lookup(ctx))
    if not differences:
        summary = "The reference and current data have the same columns, with the same types."
    else:
        described = "; ".join(f"{d['column']} {d['problem']}" for d in differences[:3])
        more = f" and {len(differences) - 3} more" if len(differences) > 3 else ""
        noun = "column differs" if len(differences) == 1 else "columns differ"
        summary = f"{len(differences)} {noun} between the reference and current data: {described}{more}."
    return Measurement(
        value=float(len(differences)),
        sample_size=len(ctx.current.columns),
        method="column names and types compared",
        details={"schema_differences": differences},
        summary=summary,
    )


# ---------------------------------------------------------------------------------------------
# Which columns, of which type


def _dtype_kind(series: pd.Series) -> str:
    """What a column holds, coarsely: numeric, boolean, text, datetime, mixed, or empty (all missing).

    Integers and floats are one kind on purpose: an integer column with one missing value is read as
    floats, which is not a change of type.
    """
    import pandas as pd
    from pandas.api import types

    if not series.notna().any():
        # checked first: a column of NaN is float64 to pandas, but holds no value to have a type
        return "empty"
    dtype = series.dtype
    if types.is_bool_dtype(dtype):
        return "boolean"
    if types.is_numeric_dtype(dtype):
        return "numeric"
    if types.is_datetime64_any_dtype(dtype):
        return "datetime"
    values: Any = dtype.categories if isinstance(dtype, pd.CategoricalDtype) else series
    inferred = types.infer_dtype(values, skipna=True)
    if inferred in ("string", "bytes"):
        return "text"
    if inferred in ("integer", "floating", "mixed-integer-float", "decimal"):
        return "numeric"
    if inferred == "boolean":
        return "boolean"
    if inferred.startswith(("datetime", "date")):
        return "datetime"
    if inferred == "empty":
        return "empty"
    return "mixed"


def _kind_lookup(ctx: AuditContext) -> Callable[[str, str], str]:
    """``kind(which, column)`` for 'reference' or 'current', computed once per column per audit.

    Telling a column's kind scans it; the column checks, the schema check and the series checks all
    need the same answers, on the full frames.
    """
    frames = {"reference": ctx.reference, "current": ctx.current}

    def kind(which: str, column: str) -> str:
        return ctx.memo(("drift.kind", which, column), lambda: _dtype_kind(frames[which][column]))

    return kind


def schema_differences(
    reference: pd.DataFrame, current: pd.DataFrame, kind: Callable[[str, str], str] | None = None
) -> list[dict[str, str]]:
    """Every column missing from one frame, or whose kind of values changed, in reference order."""
    if kind is None:
        frames = {"reference": reference, "current": current}

        def kind(which: str, column: str) -> str:
            return _dtype_kind(frames[which][column])

    differences: list[dict[str, str]] = []
    current_columns = set(current.columns)
    for column in reference.columns:
        if column not in current_columns:
            differences.append({"column": str(column), "problem": "missing in current"})
            continue
        problem = _kind_change(kind("reference", column), kind("current", column))
        if problem:
            differences.append({"column": str(column), "problem": problem})
    reference_columns = set(reference.columns)
    differences += [
        {"column": str(column), "problem": "missing in reference"}
        for column in current.columns
        if column not in reference_columns
    ]
    return differences


def _type_change(reference: pd.Series, current: pd.Series) -> str | None:
    return _kind_change(_dtype_kind(reference), _dtype_kind(current))


def _kind_change(before: str, after: str) -> str | None:
    # An all-missing column has no type to compare; the drift checks report it on its own.
    if before == after or "empty" in (before, after):
        return None
    return f"type changed from {before} to {after}"


def _requested_columns(ctx: AuditContext, params: ColumnDriftParams) -> tuple[list[str], str]:
    """The columns to test, and how they were chosen (for the report)."""
    if params.columns is not None:
        return list(dict.fromkeys(params.columns)), "explicit"
    assert ctx.reference is not None
    candidates = list(ctx.features) or list(dict.fromkeys([*ctx.reference.columns, *ctx.current.columns]))
    excluded = {ctx.target, ctx.prediction_column, ctx.probability_column} - {None}
    if not params.include_sensitive:
        excluded |= set(ctx.sensitive)
    chosen = [c for c in candidates if c not in excluded]
    how = "features" if ctx.features else "all columns"
    how += " including sensitive" if params.include_sensitive else " without sensitive"
    return chosen, f"{how}, target and prediction columns"


def _column_kind(reference: pd.Series, current: pd.Series, dtype_kind: str, max_unique: int) -> Kind:
    """Numerical for numbers with more than a few distinct values; categorical for everything else."""
    import pandas as pd

    if dtype_kind != "numeric":
        return "categorical"
    values = pd.concat([_as_float(reference), _as_float(current)], ignore_index=True)
    return "numerical" if values.nunique(dropna=True) > max_unique else "categorical"


def _as_float(series: pd.Series) -> pd.Series:
    import numpy as np
    import pandas as pd

    values = pd.to_numeric(series, errors="coerce").astype("float64")
    # evidently drops infinities along with missing values; so do the effect size and histograms
    return values.replace([np.inf, -np.inf], np.nan)


def _prepared(series: pd.Series, kind: Kind, dtype_kind: str) -> pd.Series:
    """The values as evidently gets them: floats for numbers, strings for categories.

    Numbers compared as categories stay floats, so that 1 (an integer column) and 1.0 (the same column
    read with a missing value) are one category; other categories become strings, so that a column
    mixing types can be counted and sorted.
    """
    if kind == "numerical" or dtype_kind == "numeric":
        return _as_float(series)
    values = series.astype(object)
    return values.astype(str).where(values.notna())


# ---------------------------------------------------------------------------------------------
# One evidently run for all columns


def column_drift(ctx: AuditContext, params: ColumnDriftParams) -> dict[str, Any]:
    """Per-column drift for the audit's feature columns, computed once per audit and parameters."""
    return ctx.memo(("drift", "columns", params.model_dump_json()), lambda: _column_drift(ctx, params))


def _column_drift(ctx: AuditContext, params: ColumnDriftParams) -> dict[str, Any]:
    import pandas as pd

    assert ctx.reference is not None
    reference, current = ctx.reference, ctx.current
    requested, selection = _requested_columns(ctx, params)

    problems: list[dict[str, str]] = []
    candidates: list[tuple[str, str]] = []  # (column, dtype kind)
    frames = (("reference", reference), ("current", current))
    kind_of = _kind_lookup(ctx)
    for column in requested:
        missing = [which for which, frame in frames if column not in frame]
        if missing:
            problems.append({"column": column, "problem": "missing in " + " and ".join(missing)})
            continue
        change = _kind_change(kind_of("reference", column), kind_of("current", column))
        if change:
            problems.append({"column": column, "problem": change})
            continue
        empty = [which for which, _ in frames if kind_of(which, column) == "empty"]
        if empty:
            problems.append({"column": column, "problem": "all values missing in " + " and ".join(empty)})
            continue
        kind = kind_of("reference", column)
        if kind == "datetime":
            problems.append({"column": column, "problem": "a datetime column, not tested for drift"})
            continue
        candidates.append((column, kind))

    names = [c for c, _ in candidates]
    # sample the rows before selecting the columns, so the full frames are never copied
    reference = _limited_rows(reference, names, params.max_rows, ctx, "reference rows tested for column drift")
    current = _limited_rows(current, names, params.max_rows, ctx, "current rows tested for column drift")

    kinds: dict[str, Kind] = {}
    ref_frame: dict[str, pd.Series] = {}
    cur_frame: dict[str, pd.Series] = {}
    for column, dtype_kind in candidates:
        kind = _column_kind(reference[column], current[column], dtype_kind, params.categorical_max_unique)
        ref_values, cur_values = (
            _prepared(reference[column], kind, dtype_kind),
            _prepared(current[column], kind, dtype_kind),
        )
        # infinities alone leave nothing to compare; evidently would raise on the empty column
        empty = [w for w, s in (("reference", ref_values), ("current", cur_values)) if s.notna().sum() == 0]
        if empty:
            problems.append({"column": column, "problem": "no finite values in " + " and ".join(empty)})
            continue
        kinds[column] = kind
        ref_frame[column], cur_frame[column] = ref_values, cur_values

    methods, notes = _resolve_methods(kinds, params)
    thresholds = {c: params.per_column_threshold.get(c, params.threshold) for c in kinds}
    evidently = _run_evidently(
        pd.DataFrame(ref_frame, index=reference.index),
        pd.DataFrame(cur_frame, index=current.index),
        kinds,
        methods,
        thresholds,
    )
    results = [
        _column_result(column, kinds[column], evidently[column], ref_frame[column], cur_frame[column])
        for column in kinds
    ]
    notes += _adjust_p_value_decisions(results, params, min(len(reference), len(current)))
    results.sort(key=lambda r: (r["effect_size"] is None, -(r["effect_size"] or 0.0), r["column"]))
    return {
        "columns": results,
        "schema_differences": problems,
        "method_note": _method_note(results, notes),
        "method": f"evidently {_evidently_version()} ValueDrift per column",
        "column_selection": selection,
        "reference_rows": len(reference),
        "current_rows": len(current),
    }


def _series_drift(
    reference: pd.Series, current: pd.Series, name: str, params: ValueDriftParams, ctx: AuditContext
) -> dict[str, Any]:
    """Drift of one series (scores, labels, target) through the same evidently run as the columns."""
    import pandas as pd

    reference = _limited(reference.reset_index(drop=True), params.max_rows, ctx, f"reference {name} values")
    current = _limited(current.reset_index(drop=True), params.max_rows, ctx, f"current {name} values")
    base: dict[str, Any] = {"column": name, "reference_rows": len(reference), "current_rows": len(current)}
    change = _type_change(reference, current)
    if change:
        return {**base, "problem": f"{name}: {change}; it cannot be compared"}
    dtype_kind = _dtype_kind(reference) if _dtype_kind(reference) != "empty" else _dtype_kind(current)
    kind = _column_kind(reference, current, dtype_kind, params.categorical_max_unique)
    ref_values, cur_values = _prepared(reference, kind, dtype_kind), _prepared(current, kind, dtype_kind)
    for values, which in ((ref_values, "reference"), (cur_values, "current")):
        if values.notna().sum() == 0:
            return {**base, "problem": f"{name}: no values in the {which} data; drift cannot be measured"}
    column = "value"
    method = params.method if params.method and kind in _METHODS[params.method][0] else None
    if params.method and method is None:
        raise ValueError(f"drift method {params.method!r} does not apply to {kind} values ({name})")
    evidently = _run_evidently(
        pd.DataFrame({column: ref_values}),
        pd.DataFrame({column: cur_values}),
        {column: kind},
        {column: method},
        {column: params.threshold},
    )
    result = _column_result(name, kind, evidently[column], ref_values, cur_values)
    return {**base, **result, "evidently": f"evidently {_evidently_version()} ValueDrift"}


def _limited(frame: Any, max_rows: int | None, ctx: AuditContext, what: str) -> Any:
    """The frame (or series) itself, or a seeded sample of ``max_rows`` rows, recorded in the audit."""
    if max_rows is None or len(frame) <= max_rows:
        return frame
    ctx.record_sampling(NAME, what, len(frame), max_rows, ctx.seed)
    return frame.sample(n=max_rows, random_state=ctx.seed)


def _limited_rows(
    frame: pd.DataFrame, columns: list[str], max_rows: int | None, ctx: AuditContext, what: str
) -> pd.DataFrame:
    """``frame[columns]`` on the same seeded rows ``_limited`` would pick, without copying every row first."""
    if max_rows is None or len(frame) <= max_rows:
        return frame[columns]
    ctx.record_sampling(NAME, what, len(frame), max_rows, ctx.seed)
    import pandas as pd

    # Series.sample draws positions from the length alone, exactly as DataFrame.sample does
    positions = pd.RangeIndex(len(frame)).to_series().sample(n=max_rows, random_state=ctx.seed).to_numpy()
    return frame.iloc[positions, [frame.columns.get_loc(c) for c in columns]]


def _resolve_methods(kinds: dict[str, Kind], params: ColumnDriftParams) -> tuple[dict[str, str | None], list[str]]:
    """Method per column (None: evidently's default), with notes on global choices that did not apply."""
    methods: dict[str, str | None] = {}
    notes: list[str] = []
    for column, kind in kinds.items():
        explicit = params.per_column_method.get(column)
        if explicit is not None:
            if kind not in _METHODS[explicit][0]:
                raise ValueError(
                    f"drift method {explicit!r} for column {column!r} does not apply to {kind} columns; "
                    f"use one of {', '.join(m for m, (types, _) in _METHODS.items() if kind in types)}"
                )
            methods[column] = explicit
        elif params.method is not None and kind in _METHODS[params.method][0]:
            methods[column] = params.method
        else:
            methods[column] = None
            if params.method is not None:
                notes.append(f"{column}: {params.method} does not apply to {kind} columns, evidently's default used")
    return methods, notes


def _run_evidently(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    kinds: dict[str, Kind],
    methods: dict[str, str | None],
    thresholds: dict[str, float | None],
) -> dict[str, dict[str, Any]]:
    """One evidently Report, a ValueDrift metric per column: column -> method, threshold, score, drifted."""
    if not kinds:
        return {}
    from evidently import DataDefinition, Dataset, Report
    from evidently.metrics import ValueDrift

    # Every list is given, even empty, so that evidently infers no type and adds no column of its own
    # (evidently/core/datasets.py, PandasDataset.__init__ infers the lists left as None).
    definition = DataDefinition(
        numerical_columns=[c for c, k in kinds.items() if k == "numerical"],
        categorical_columns=[c for c, k in kinds.items() if k == "categorical"],
        text_columns=[],
        datetime_columns=[],
        unknown_columns=[],
        list_columns=[],
    )
    metrics = [ValueDrift(column=c, method=methods[c], threshold=thresholds[c]) for c in kinds]
    # include_tests makes ValueDrift attach evidently's own drift decision as a test result
    report = Report(metrics, include_tests=True)
    snapshot = report.run(
        Dataset.from_pandas(current[list(kinds)], data_definition=definition),
        Dataset.from_pandas(reference[list(kinds)], data_definition=definition),
    )
    found: dict[str, dict[str, Any]] = {}
    for result in snapshot.metric_results.values():
        config = result.metric_value_location.metric.params
        column = config["column"]
        tests = [t for t in result.tests if t.id == "drift"]
        if not tests:
            raise RuntimeError(f"evidently gave no drift decision for column {column!r}")
        found[column] = {
            "method": _method_name(config.get("method")),
            "threshold": _finite(config.get("threshold")),
            "score": _finite(result.value),
            "drifted": getattr(tests[0].status, "value", tests[0].status) == "FAIL",
        }
    if set(found) != set(kinds):
        # Never report a column evidently did not test, or hide one it tested that was not asked for.
        raise RuntimeError(f"evidently tested {sorted(found)} instead of {sorted(kinds)}")
    return found


def _method_name(method: Any) -> str:
    """Evidently's registered method name ('wasserstein'), also when it reports its display name."""
    if method in _METHODS:
        return str(method)
    return _display_names().get(str(method), str(method))


def _display_names() -> dict[str, str]:
    from evidently.legacy.calculations.stattests.registry import get_registered_stattest
    from evidently.legacy.core import ColumnType

    names: dict[str, str] = {}
    for name, (types, _) in _METHODS.items():
        for kind in types:
            column_type = ColumnType.Numerical if kind == "numerical" else ColumnType.Categorical
            names[get_registered_stattest(name, column_type).display_name] = name
    return names


def _evidently_version() -> str:
    from evidently import __version__

    return str(__version__)


# ---------------------------------------------------------------------------------------------
# Effect sizes, histograms, words


def _column_result(
    column: str, kind: Kind, evidently: dict[str, Any], reference: pd.Series, current: pd.Series
) -> dict[str, Any]:
    score_kind = _METHODS.get(evidently["method"], (frozenset(), "score"))[1]
    ref_values, cur_values = reference.dropna(), current.dropna()
    if kind == "numerical":
        if evidently["method"] == "wasserstein" and evidently["score"] is not None:
            # evidently's normed Wasserstein is this very effect size, on the same non-missing finite
            # values (evidently/legacy/calculations/stattests/wasserstein_distance_norm.py); no need to
            # sort every column twice. tests/test_drift.py checks the two agree.
            effect = evidently["score"]
        else:
            effect = _wasserstein_effect(ref_values.to_numpy(), cur_values.to_numpy())
        effect_kind = "wasserstein_distance / reference std"
        histogram = _numeric_histogram(ref_values.to_numpy(), cur_values.to_numpy())
    else:
        effect = _jensen_shannon_effect(ref_values, cur_values)
        effect_kind = "jensen-shannon distance (base 2)"
        histogram = _category_histogram(ref_values, cur_values)
    return {
        "column": column,
        "type": kind,
        "method": evidently["method"],
        "score": evidently["score"],
        "score_kind": score_kind,
        "threshold": evidently["threshold"],
        "drifted": bool(evidently["drifted"]),
        "effect_size": effect,
        "effect_size_kind": effect_kind,
        "null_share": {
            "reference": _share(reference.isna().sum(), len(reference)),
            "current": _share(current.isna().sum(), len(current)),
        },
        "histogram": histogram,
    }


def _wasserstein_effect(reference: np.ndarray, current: np.ndarray) -> float | None:
    """Wasserstein distance in units of the reference standard deviation (population std, as evidently)."""
    import numpy as np
    from scipy.stats import wasserstein_distance

    std = max(float(np.std(reference)), _MIN_STD)
    return _finite(wasserstein_distance(reference, current) / std)


def _jensen_shannon_effect(reference: pd.Series, current: pd.Series) -> float | None:
    """Jensen-Shannon distance between the category frequencies, base 2 so it runs from 0 to 1."""
    import pandas as pd
    from scipy.spatial.distance import jensenshannon

    counts = pd.concat([reference.value_counts(), current.value_counts()], axis=1).fillna(0.0)
    return _finite(jensenshannon(counts.iloc[:, 0].to_numpy(), counts.iloc[:, 1].to_numpy(), base=2))


def _numeric_histogram(reference: np.ndarray, current: np.ndarray) -> dict[str, Any]:
    """Shares of the non-missing values in 10 bins common to both, over the range of both."""
    import numpy as np

    edges = np.histogram_bin_edges(np.concatenate([reference, current]), bins=HISTOGRAM_BINS)
    ref_counts = np.histogram(reference, bins=edges)[0]
    cur_counts = np.histogram(current, bins=edges)[0]
    return {
        "kind": "bins",
        "edges": [float(e) for e in edges],
        "reference": [_share(c, len(reference)) for c in ref_counts],
        "current": [_share(c, len(current)) for c in cur_counts],
    }


def _category_histogram(reference: pd.Series, current: pd.Series) -> dict[str, Any]:
    """Shares of the 10 most common categories (over both frames) among the non-missing values of each."""
    import pandas as pd

    ref_shares = reference.value_counts(normalize=True)
    cur_shares = current.value_counts(normalize=True)
    both = pd.concat([ref_shares, cur_shares], axis=1).fillna(0.0)
    # most common over both frames, so a category that only appears in current is shown too
    order = both.sum(axis=1).sort_values(ascending=False, kind="stable").index[:TOP_CATEGORIES]
    top = both.loc[order]
    return {
        "kind": "categories",
        "categories": [_label(v) for v in order],
        "reference": [float(v) for v in top.iloc[:, 0]],
        "current": [float(v) for v in top.iloc[:, 1]],
        "other": {
            "reference": max(0.0, 1.0 - float(top.iloc[:, 0].sum())),
            "current": max(0.0, 1.0 - float(top.iloc[:, 1].sum())),
        },
    }


def _label(value: Any) -> str:
    """A category as text; whole floats without '.0', since they came from an integer column."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _share(count: Any, total: int) -> float:
    return float(count) / total if total else 0.0


def _finite(value: Any) -> float | None:
    """A plain float, or None for NaN and infinities (results.json is written with allow_nan=False)."""
    import math

    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _score_words(result: dict[str, Any]) -> str:
    kind = "p-value" if result["score_kind"] == "p_value" else "distance"
    return f"{result['method']} {kind}"


def benjamini_hochberg(p_values: list[float]) -> list[float]:
    """Benjamini-Hochberg adjusted p-values (q-values), in the order given."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [0.0] * m
    running = 1.0
    for rank in range(m, 0, -1):  # from the largest p-value down, keeping the running minimum
        index = order[rank - 1]
        running = min(running, p_values[index] * m / rank)
        adjusted[index] = min(running, 1.0)
    return adjusted


def _adjust_p_value_decisions(results: list[dict[str, Any]], params: ColumnDriftParams, rows: int) -> list[str]:
    """Correct p-value decisions for multiple testing, and gate them on effect size on large data.

    Evidently decides each column alone. With many columns some p-values fall below 0.05 by chance,
    so they are adjusted (Benjamini-Hochberg); and with many rows every p-value becomes tiny, so a
    p-value test also needs a minimum effect size there. Distance-based decisions are left as they are.
    """
    notes: list[str] = []
    tested = [r for r in results if r["score_kind"] == "p_value" and r["score"] is not None]
    for result in tested:
        result["drifted_by_test"] = result["drifted"]
    if params.p_value_correction == "benjamini-hochberg" and len(tested) > 1:
        adjusted = benjamini_hochberg([float(r["score"]) for r in tested])
        for result, q_value in zip(tested, adjusted, strict=True):
            result["p_value_adjusted"] = q_value
            result["drifted"] = bool(q_value < result["threshold"])
        notes.append(
            f"p-values of the {len(tested)} columns tested with p-values were adjusted for multiple testing "
            "(Benjamini-Hochberg) before comparing with the threshold"
        )
    if params.min_effect_size is not None and rows >= params.large_data_rows and tested:
        for result in tested:
            effect = result["effect_size"]
            gated = bool(result["drifted"] and (effect is None or effect < params.min_effect_size))
            result["effect_gate"] = gated
            if gated:
                result["drifted"] = False
        notes.append(
            f"with {rows:,} rows, a p-value test counts as drift only with an effect size of at least "
            f"{params.min_effect_size:g}"
        )
    return notes


def _method_note(results: list[dict[str, Any]], notes: list[str]) -> str:
    used: dict[str, int] = {}
    for result in results:
        used[result["method"]] = used.get(result["method"], 0) + 1
    described = ", ".join(
        f"{method} ({_METHODS.get(method, (None, 'score'))[1].replace('_', '-')}) on {count} "
        f"column{'s' if count != 1 else ''}"
        for method, count in sorted(used.items())
    )
    note = (
        f"Drift tested per column with evidently {_evidently_version()}: {described or 'no column'}. "
        "Unless the policy sets a method, evidently chooses it by column type and size: above 1000 reference "
        "rows, normed Wasserstein distance (numerical) and Jensen-Shannon distance (categorical, natural "
        "log), "
        "drift at distance ≥ 0.1; otherwise K-S (numerical) and chi-square or Z test (categorical), drift at "
        "p-value < 0.05. Effect size, which unlike a p-value does not shrink with more rows: Wasserstein "
        "distance over the reference standard deviation (numerical), Jensen-Shannon distance in base 2 "
        "(categorical, 0 to 1)."
    )
    return note + ("" if not notes else " " + "; ".join(notes) + ".")


def _columns_summary(
    columns: list[dict[str, Any]], drifted: list[dict[str, Any]], problems: list[dict[str, str]]
) -> str:
    tested = len(columns)
    plural = "column" if tested == 1 else "columns"
    if tested == 0:
        sentence = "No column could be compared between the reference and current data."
    elif not drifted:
        sentence = f"None of the {tested} {plural} drifted."
    else:
        names = [c["column"] for c in drifted[:2]]  # already sorted by effect size, largest first
        if len(drifted) == 1:
            sentence = f"1 of {tested} {plural} drifted: {names[0]}."
        elif len(drifted) == 2:
            sentence = f"2 of {tested} {plural} drifted: {names[0]} and {names[1]}."
        else:
            sentence = f"{len(drifted)} of {tested} {plural} drifted; {names[0]} and {names[1]} shifted most."
    if problems:
        shown = "; ".join(f"{p['column']}: {p['problem']}" for p in problems[:3])
        more = f" and {len(problems) - 3} more" if len(problems) > 3 else ""
        count = "1 column was" if len(problems) == 1 else f"{len(problems)} columns were"
        sentence += f" {count} not compared ({shown}{more})."
    return sentence
