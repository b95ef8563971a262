"""The model's side of preflight: its input columns, its task, and its predictions on both frames, once."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from govkit.context import AuditContext, Predictions
from govkit.inputs import coded
from govkit.preflight.frames import missing_column_error, show_value, show_values
from govkit.preflight.labels import check_labels, check_model_labels, probabilities_from_column, task_and_label

if TYPE_CHECKING:
    import pandas as pd


def model_features(
    model: Any, given: list[str] | None, columns: list[str], excluded: set[str], where: str
) -> list[str]:
    """The model's input columns: as fitted, as configured, or every column but target and predictions."""
    fitted_names = getattr(model, "feature_names_in_", None)
    if fitted_names is not None:
        names = [str(n) for n in fitted_names]
        missing = [n for n in names if n not in columns]
        if missing:
            raise coded(
                "GK306",
                f"{where}: the model needs column(s) {show_values(missing)} that the data does not have; "
                "give data with the model's input columns",
            )
        return names
    if given:
        missing = [n for n in given if n not in columns]
        if missing:
            raise missing_column_error(where, missing[0], columns, "feature", "features in govkit.yaml")
        return list(given)
    return [c for c in columns if c not in excluded]


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def plan_model_task(ctx: AuditContext, positive_label: Any) -> None:
    """The task and favourable label, from the model's classes: known before any prediction is made."""
    import numpy as np

    model = ctx.model
    if not hasattr(model, "predict"):
        raise coded("GK308", f"the model ({type(model).__name__}) has no predict method; give a fitted estimator")
    classes = getattr(model, "classes_", None)
    ctx.task, ctx.positive_label = task_and_label(
        None if classes is None else np.asarray(classes), classes, positive_label, True
    )


def predict_with_model(ctx: AuditContext, current_name: str, reference_name: str) -> None:
    ctx.current_predictions = _model_outputs(ctx, ctx.current, current_name)
    check_model_labels(ctx, ctx.current_predictions.labels, current_name)
    if ctx.reference is not None and all(c in ctx.reference.columns for c in ctx.features):
        ctx.reference_predictions = _model_outputs(ctx, ctx.reference, reference_name)


def _model_outputs(ctx: AuditContext, frame: pd.DataFrame, name: str) -> Predictions:

    from govkit.predict import model_outputs

    inputs = frame[ctx.features]
    try:
        labels, scores = model_outputs(ctx.model, inputs, ctx.positive_label, binary=ctx.task == "binary")
    except Exception as error:  # any estimator error here means the data does not fit the model
        raise coded(
            "GK307",
            f"{name}: the model could not predict on this data ({_first_line(error)}); give data in the "
            "form the model was trained on",
        ) from None
    if len(labels) != len(frame):
        raise coded(
            "GK307",
            f"{name}: the model returned {len(labels)} predictions for {len(frame)} rows; "
            "give a model that predicts one label per row",
        )
    return Predictions(labels=labels, scores=None if scores is None else _probabilities(ctx.model, scores, name))


def _probabilities(model: Any, scores: Any, name: str) -> Any:
    """The model's scores as floats, refused (GK205) unless every one is a finite probability."""
    import numpy as np

    try:
        values = np.asarray(scores, dtype=np.float64)
    except (TypeError, ValueError):
        values = np.full(len(scores), np.nan)
    bad = ~np.isfinite(values) | (values < 0) | (values > 1)
    if bad.any():
        first = np.asarray(scores)[bad][0]
        raise coded(
            "GK205",
            f"{name}: the model ({type(model).__name__}) returned {int(bad.sum())} score(s) that are not "
            f"probabilities between 0 and 1 (first: {show_value(first)}); give a model whose predict_proba "
            "returns probabilities",
        )
    return values


def predictions_from_columns(ctx: AuditContext, positive_label: Any, current_name: str, reference_name: str) -> None:
    import pandas as pd

    column = ctx.prediction_column
    assert column is not None
    predicted = ctx.current[column]
    if predicted.isna().any():
        count = int(predicted.isna().sum())
        raise coded(
            "GK203",
            f"{current_name}: prediction column {show_value(column)} has {count} empty value(s); every row needs "
            "a prediction, so drop the rows without one",
        )
    check_labels(ctx, current_name)
    observed = pd.concat([predicted, ctx.current[ctx.target]]) if ctx.target is not None else predicted
    ctx.task, ctx.positive_label = task_and_label(
        observed.dropna(), None, positive_label, False, has_scores=ctx.probability_column is not None
    )
    ctx.current_predictions = Predictions(
        labels=predicted.to_numpy(), scores=probabilities_from_column(ctx.current, ctx.probability_column, current_name)
    )
    if ctx.reference is not None and column in ctx.reference.columns:
        ctx.reference_predictions = Predictions(
            labels=ctx.reference[column].to_numpy(),
            scores=probabilities_from_column(ctx.reference, ctx.probability_column, reference_name)
            if ctx.probability_column in ctx.reference.columns
            else None,
        )
