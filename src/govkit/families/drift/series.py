"""Drift of one series: the model's scores or labels (``prediction_drift``), the target (``target_drift``),
a regressor's residuals (``residual_drift``).

The series goes through the same evidently run as the feature columns; the check's value is the
effect size, not evidently's score (see ``series_measurement``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from govkit.families.drift import evidently_adapter, prose, statistics
from govkit.families.drift.params import PredictionDriftParams, ValueDriftParams, applies
from govkit.families.drift.sampling import limited, limited_values
from govkit.families.drift.schema import dtype_kind, type_change
from govkit.results import Measurement

if TYPE_CHECKING:
    import pandas as pd

    from govkit.context import AuditContext, Predictions


def _both_predictions(ctx: AuditContext, check: str) -> tuple[Predictions, Predictions]:
    if ctx.reference_predictions is None:
        raise ValueError(
            f"{check} needs the model's predictions on the reference data; give a model, or a "
            "prediction column that is present in the reference data too"
        )
    if ctx.current_predictions is None:
        raise ValueError(f"{check} needs the model's predictions on the current data")
    return ctx.reference_predictions, ctx.current_predictions


def prediction_measurement(params: PredictionDriftParams, ctx: AuditContext) -> Measurement:
    """The shift in the model's favourable-outcome scores, or in its labels (a regressor's predictions)."""
    reference, current = _both_predictions(ctx, "prediction drift")
    has_scores = reference.scores is not None and current.scores is not None
    if params.of == "scores" and not has_scores:
        raise ValueError("prediction drift of scores needs probabilities of the favourable outcome; use of: labels")
    use_scores = has_scores and params.of != "labels"
    regression = ctx.task == "regression"
    what = "positive-class score" if use_scores else "prediction" if regression else "predicted label"
    ref_values = reference.scores if use_scores else reference.labels
    cur_values = current.scores if use_scores else current.labels

    def compute() -> dict[str, Any]:
        assert ctx.reference is not None and ref_values is not None and cur_values is not None  # checked above
        ref, cur = (
            limited_values(values, outputs.rows, len(frame), params.max_rows, ctx, f"{which} {what} values")
            for values, outputs, frame, which in (
                (ref_values, reference, ctx.reference, "reference"),
                (cur_values, current, ctx.current, "current"),
            )
        )
        return sampled_series_drift(ref, cur, what, params)

    key = ("drift", "prediction", what, params.model_dump_json())
    result = ctx.memo(key, compute)
    subject = {"prediction": "The model's predictions", "predicted label": "The model's predicted labels"}
    return series_measurement(result, subject.get(what, "The model's scores"))


def residual_measurement(params: ValueDriftParams, ctx: AuditContext) -> Measurement:
    """The shift in a regressor's residuals (target minus prediction): has its error changed?"""
    import numpy as np
    import pandas as pd

    reference, current = _both_predictions(ctx, "residual drift")
    target = ctx.target
    if target is None:
        raise ValueError("residual drift needs a target column; give --target")
    residuals = []
    for frame, predictions, which in ((ctx.reference, reference, "reference"), (ctx.current, current, "current")):
        if frame is None or target not in frame.columns:
            raise ValueError(f"target column {target!r} is not in the {which} data")
        truth = pd.to_numeric(frame[target], errors="coerce").to_numpy(dtype=float)
        if np.isnan(truth).all():
            raise ValueError(f"target column {target!r} holds no numbers in the {which} data; residuals need them")
        held = truth if predictions.rows is None else truth[predictions.rows]
        sample = limited_values(
            held - np.asarray(predictions.labels, dtype=float),
            predictions.rows,
            len(frame),
            params.max_rows,
            ctx,
            f"{which} residual values",
        )
        residuals.append(sample)

    def compute() -> dict[str, Any]:
        return sampled_series_drift(residuals[0], residuals[1], "residual", params)

    result = ctx.memo(("drift", "residual", target, params.model_dump_json()), compute)
    return series_measurement(result, "The model's residuals (target minus prediction)")


def target_measurement(params: ValueDriftParams, ctx: AuditContext) -> Measurement:
    """The shift in the target column."""
    target = ctx.target
    assert ctx.reference is not None  # checked by run()
    if target is None:
        raise ValueError("target drift needs a target column; give --target")
    for frame, which in ((ctx.reference, "reference"), (ctx.current, "current")):
        if target not in frame.columns:
            raise ValueError(f"target column {target!r} is not in the {which} data")
    reference, current = ctx.reference[target], ctx.current[target]

    def compute() -> dict[str, Any]:
        return series_drift(reference, current, str(target), params, ctx)

    result = ctx.memo(("drift", "target", target, params.model_dump_json()), compute)
    return series_measurement(result, f"The target {target!r}")


def series_measurement(result: dict[str, Any], subject: str) -> Measurement:
    if "problem" in result:
        return Measurement(inconclusive_reason=result["problem"], details=result, summary=result["problem"])
    if result["score"] is None or result.get("effect_size") is None:
        reason = prose.not_finite(result)
        return Measurement(inconclusive_reason=reason, details=result, summary=reason)
    # The value is the effect size, not evidently's score: the score is a p-value on small data and a
    # distance on large data, so a policy threshold on it would flip meaning with the sample size.
    return Measurement(
        value=result["effect_size"],
        sample_size=result["current_rows"],
        method=result["evidently"],
        details=result,
        summary=prose.series_summary(result, subject),
    )


def series_drift(
    reference: pd.Series, current: pd.Series, name: str, params: ValueDriftParams, ctx: AuditContext
) -> dict[str, Any]:
    """Drift of one series (scores, labels, target) through the same evidently run as the columns."""
    reference = limited(reference.reset_index(drop=True), params.max_rows, ctx, f"reference {name} values")
    current = limited(current.reset_index(drop=True), params.max_rows, ctx, f"current {name} values")
    return sampled_series_drift(reference, current, name, params)


def sampled_series_drift(
    reference: pd.Series, current: pd.Series, name: str, params: ValueDriftParams
) -> dict[str, Any]:
    """``series_drift`` of series already limited to ``params.max_rows`` rows each."""
    import pandas as pd

    base: dict[str, Any] = {"column": name, "reference_rows": len(reference), "current_rows": len(current)}
    change = type_change(reference, current)
    if change:
        return {**base, "problem": f"{name}: {change}; it cannot be compared"}
    held = dtype_kind(reference) if dtype_kind(reference) != "empty" else dtype_kind(current)
    kind = statistics.column_kind(reference, current, held, params.categorical_max_unique)
    ref_values, cur_values = statistics.prepared(reference, kind, held), statistics.prepared(current, kind, held)
    for values, which in ((ref_values, "reference"), (cur_values, "current")):
        if values.notna().sum() == 0:
            return {**base, "problem": f"{name}: no values in the {which} data; drift cannot be measured"}
    column = "value"
    method = params.method if params.method and applies(params.method, kind) else None
    if params.method and method is None:
        raise ValueError(f"drift method {params.method!r} does not apply to {kind} values ({name})")
    evidently = evidently_adapter.run_evidently(
        pd.DataFrame({column: ref_values}),
        pd.DataFrame({column: cur_values}),
        {column: kind},
        {column: method},
        {column: params.threshold},
    )
    result = statistics.column_result(name, kind, evidently[column], ref_values, cur_values)
    return {**base, **result, "evidently": f"evidently {evidently_adapter.evidently_version()} ValueDrift"}
