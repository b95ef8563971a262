"""Data drift between the reference and the current data, with evidently 0.7.

Each feature column is tested on its own with the calculation of evidently's ``ValueDrift`` metric, once
per audit for all the checks of this family. Evidently picks the test by column
type and size unless the policy names one: with more than 1000 reference rows, the normed Wasserstein
distance for numerical columns and the Jensen-Shannon distance for categorical ones; with fewer, the
K-S test and the chi-square or Z test (p-values). Evidently decides whether each column drifted; the
policy judges the share or count of drifted columns. Next to evidently's score, each column gets an
effect size that does not shrink as the data grows (a p-value does).

The package, by seam: ``params`` (what a policy may set, evidently's method table), ``columns`` and
``series`` (the checks), ``schema`` (columns that cannot be compared), ``evidently_adapter`` (every
call into evidently), ``statistics`` (effect sizes, histograms, multiple testing), ``sampling``,
``prose`` (the sentences) and ``evidence`` (the typed details of each check).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from govkit.families.drift import columns, evidently_adapter, schema, series
from govkit.families.drift.evidence import ColumnDriftEvidence, SchemaEvidence, SeriesDriftEvidence
from govkit.families.drift.params import ColumnDriftParams, PredictionDriftParams, ValueDriftParams, coerce
from govkit.registry import TASKS, CheckDef, NoParams

if TYPE_CHECKING:
    from govkit.context import AuditContext
    from govkit.results import Measurement

__all__ = [
    "CHECKS",
    "INTRO",
    "NAME",
    "TITLE",
    "ColumnDriftParams",
    "PredictionDriftParams",
    "ValueDriftParams",
    "run",
    "warm_up",
]

NAME = "drift"
TITLE = "Data drift"
INTRO = (
    "Has the data moved since the reference period? Each feature column is compared between the "
    "reference and the current data."
)

_COLUMNS = frozenset({"current", "reference"})

CHECKS: dict[str, CheckDef] = {
    "drifted_columns_share": CheckDef(
        title="Share of drifted columns",
        doc="Share of the tested feature columns whose distribution drifted between reference and current, "
        "each column tested with evidently's drift method for its type and size.",
        requires=_COLUMNS,
        params=ColumnDriftParams,
        evidence=ColumnDriftEvidence,
        unit="share",
        higher_is_better=False,
        tasks=TASKS,
    ),
    "drifted_columns_count": CheckDef(
        title="Number of drifted columns",
        doc="Number of tested feature columns whose distribution drifted between reference and current.",
        requires=_COLUMNS,
        params=ColumnDriftParams,
        evidence=ColumnDriftEvidence,
        unit="count",
        higher_is_better=False,
        tasks=TASKS,
    ),
    "prediction_drift": CheckDef(
        title="Prediction drift",
        doc="Effect size of the shift in the model's favourable-outcome scores (its labels when it gives no "
        "scores: a multiclass model's predicted classes, a regressor's predictions) between reference and current: "
        "Wasserstein distance over the reference std for numbers, Jensen-Shannon distance for labels. Evidently's "
        "own test and verdict are in the details.",
        requires=_COLUMNS | {"prediction"},
        params=PredictionDriftParams,
        reference_prediction_rows=lambda params: coerce(PredictionDriftParams, params).max_rows,
        evidence=SeriesDriftEvidence,
        unit="effect size",
        higher_is_better=False,
        tasks=TASKS,
    ),
    "residual_drift": CheckDef(
        title="Residual drift",
        doc="Effect size of the shift in a regressor's residuals (target minus prediction: positive "
        "means the model under-predicts) between reference "
        "and current, normalised Wasserstein distance: has the model's error changed? Evidently's test is in "
        "the details.",
        requires=_COLUMNS | {"prediction", "target"},
        params=ValueDriftParams,
        reference_prediction_rows=lambda params: coerce(ValueDriftParams, params).max_rows,
        evidence=SeriesDriftEvidence,
        unit="effect size",
        higher_is_better=False,
        tasks=frozenset({"regression"}),
    ),
    "target_drift": CheckDef(
        title="Target drift",
        doc="Effect size of the shift in the target between reference and current (normalised Wasserstein "
        "distance for numbers, Jensen-Shannon distance for labels); evidently's test is in the details.",
        requires=_COLUMNS | {"target"},
        params=ValueDriftParams,
        evidence=SeriesDriftEvidence,
        unit="effect size",
        higher_is_better=False,
        tasks=TASKS,
    ),
    "schema_differences": CheckDef(
        title="Schema differences",
        doc="Number of columns missing from reference or current, or whose type changed between them.",
        requires=_COLUMNS,
        params=NoParams,
        evidence=SchemaEvidence,
        unit="count",
        higher_is_better=False,
        tasks=TASKS,
    ),
}


def warm_up() -> None:
    """Import evidently ahead of the first check (the parallel worker does this while the model loads)."""
    evidently_adapter.warm_up()


def run(name: str, params: Any, ctx: AuditContext) -> Measurement:
    """Measure one drift check; the policy's thresholds judge the value."""
    if ctx.reference is None:
        raise ValueError("drift checks need reference data; give --reference")
    if name in ("drifted_columns_share", "drifted_columns_count"):
        return columns.columns_measurement(name, coerce(ColumnDriftParams, params), ctx)
    if name == "prediction_drift":
        return series.prediction_measurement(coerce(PredictionDriftParams, params), ctx)
    if name == "residual_drift":
        return series.residual_measurement(coerce(ValueDriftParams, params), ctx)
    if name == "target_drift":
        return series.target_measurement(coerce(ValueDriftParams, params), ctx)
    if name == "schema_differences":
        return schema.schema_measurement(ctx)
    raise KeyError(f"drift has no check {name!r}; it has {', '.join(CHECKS)}")
