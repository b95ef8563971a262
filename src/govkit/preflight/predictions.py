"""The model's side of preflight: its input columns, its task, and its predictions on both frames, once."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from govkit.context import AuditContext, Predictions, seeded_positions
from govkit.inputs import coded
from govkit.preflight.frames import missing_column_error, show_value, show_values
from govkit.preflight.labels import (
    check_labels,
    check_model_labels,
    class_matrix,
    probabilities_from_column,
    task_and_label,
)
from govkit.preflight.tasks import check_target_task, model_classes

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from govkit.policy import Policy


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


def plan_model_task(ctx: AuditContext, positive_label: Any, requested: str | None, name: str) -> None:
    """The task and favourable label, from the model's classes: known before any prediction is made."""
    model = ctx.model
    if not hasattr(model, "predict"):
        raise coded("GK308", f"the model ({type(model).__name__}) has no predict method; give a fitted estimator")
    classes = model_classes(model)
    ctx.task, ctx.positive_label = task_and_label(classes, classes, positive_label, True, requested=requested)
    check_target_task(ctx, name)


def predict_with_model(ctx: AuditContext, current_name: str, reference_name: str, policy: Policy | None) -> None:
    """The model's outputs on every current row, and on the reference rows ``policy``'s checks read."""
    ctx.current_predictions = _model_outputs(ctx, ctx.current, current_name)
    check_model_labels(ctx, ctx.current_predictions.labels, current_name)
    if ctx.reference is None or not all(c in ctx.reference.columns for c in ctx.features):
        return
    sizes = reference_sample_sizes(policy)
    if sizes == []:
        return  # no check of the policy reads them
    rows = reference_rows(sizes, len(ctx.reference), ctx.seed)
    if rows is None:
        ctx.reference_predictions = _model_outputs(ctx, ctx.reference, reference_name)
        return
    ctx.reference_predictions = _model_outputs(ctx, ctx.reference, reference_name, rows)
    ctx.reference_predictions.rows = rows


def reference_sample_sizes(policy: Policy | None) -> list[int | None] | None:
    """How many reference rows each check of ``policy`` reads the model's outputs for (None: every row),
    from ``CheckDef.reference_prediction_rows``; None when that is not known: no policy (a library caller
    may run any check on the context), or a check of a third-party family (it may read them undeclared)."""
    from govkit.registry import BUILTIN_FAMILIES, find_check, split_check_id

    if policy is None:
        return None
    sizes: list[int | None] = []
    for check in policy.checks:
        found = find_check(check.spec.id)
        if found is None or split_check_id(check.spec.id)[0] not in BUILTIN_FAMILIES:
            return None
        if found[1].reference_prediction_rows is not None:
            sizes.append(found[1].reference_prediction_rows(check.params))
    return sizes


def reference_rows(sizes: list[int | None] | None, length: int, seed: int) -> np.ndarray | None:
    """The reference rows to predict, ascending: those of every check's seeded sample (the sample a check
    of ``size`` rows takes with the audit's seed: ``govkit.context.seeded_positions``). None: every row,
    when the sizes are not known or some check reads every row.

    Predicting only these gives each check exactly the outputs it would read from a prediction of every
    row (each row's prediction is its own); at 500,000 reference rows and the drift checks' 100,000 that
    is a fifth of the model's work on the reference.
    """
    import numpy as np

    if sizes is None or any(size is None or size >= length for size in sizes):
        return None
    picked = [seeded_positions(length, size, seed) for size in sorted({s for s in sizes if s is not None})]
    return np.unique(np.concatenate(picked)) if picked else None


def _model_outputs(ctx: AuditContext, frame: pd.DataFrame, name: str, rows: np.ndarray | None = None) -> Predictions:
    """The model's outputs on ``frame``'s rows (or on those at the positions ``rows`` only), checked."""
    from govkit.predict import model_outputs

    if rows is None:
        inputs = frame[ctx.features]
    else:  # the rows and columns at once: no copy of the other rows or columns
        import pandas as pd

        inputs = frame.iloc[rows, frame.columns.get_indexer(pd.Index(ctx.features))]
    favourable = ctx.favourable_labels if ctx.task in ("binary", "multiclass") else []
    try:
        predictions = model_outputs(ctx.model, inputs, favourable)
    except Exception as error:  # any estimator error here means the data does not fit the model
        raise coded(
            "GK307",
            f"{name}: the model could not predict on this data ({_first_line(error)}); give data in the "
            f"form the model was trained on{_features_hint(ctx.model, ctx.features)}",
        ) from None
    if len(predictions.labels) != len(inputs):
        raise coded(
            "GK307",
            f"{name}: the model returned {len(predictions.labels)} predictions for {len(inputs)} rows; "
            "give a model that predicts one label per row",
        )
    if predictions.probabilities is not None:
        predictions.probabilities = _probabilities(ctx.model, predictions.probabilities, name)
    if predictions.scores is not None:
        predictions.scores = _probabilities(ctx.model, predictions.scores, name)
    return predictions


def _features_hint(model: Any, features: list[str]) -> str:
    """For a model fitted on arrays with another number of columns: how to name its input columns."""
    expected = getattr(model, "n_features_in_", None)
    if getattr(model, "feature_names_in_", None) is not None or expected is None or expected == len(features):
        return ""
    return (
        f" (it was fitted on {expected} columns, and {len(features)} were given: name its input columns in "
        "order with --features a,b,c or features: in govkit.yaml)"
    )


def _probabilities(model: Any, scores: Any, name: str) -> Any:
    """The model's scores as floats, refused (GK205) unless every one is a finite probability."""
    import numpy as np

    try:
        values = np.asarray(scores, dtype=np.float64)
    except (TypeError, ValueError):
        values = np.full(np.shape(scores), np.nan)
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


def predictions_from_columns(
    ctx: AuditContext,
    positive_label: Any,
    requested: str | None,
    current_name: str,
    reference_name: str,
    class_columns: dict[Any, str] | None = None,
) -> None:
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
        observed.dropna(), None, positive_label, False, ctx.probability_column is not None, requested
    )
    check_target_task(ctx, current_name)
    labels = list(pd.unique(observed.dropna()))
    mapping = dict(class_columns or {})
    ctx.current_predictions = _column_predictions(ctx, ctx.current, labels, current_name, mapping)
    if ctx.reference is not None and column in ctx.reference.columns:
        given = mapping if all(c in ctx.reference.columns for c in mapping.values()) else {}
        ctx.reference_predictions = _column_predictions(ctx, ctx.reference, labels, reference_name, given)


def _column_predictions(
    ctx: AuditContext, frame: pd.DataFrame, labels: list[Any], name: str, mapping: dict[Any, str]
) -> Predictions:
    """Predictions read from columns; a binary probability column also as the two-column matrix
    (negative class, favourable class) a model's predict_proba would give; per-class columns as the matrix."""
    import numpy as np

    assert ctx.prediction_column is not None
    predicted = frame[ctx.prediction_column].to_numpy()
    if mapping and ctx.task == "regression":
        raise coded(
            "GK208",
            f"{name}: --class-probability gives a classifier's class probabilities, but the task is "
            "regression; drop --class-probability, or check --task and the prediction column",
        )
    if mapping:
        matrix, classes = class_matrix(frame, mapping, labels, name)
        positions = [[str(c) for c in classes].index(str(label)) for label in ctx.favourable_labels]
        summed = np.clip(matrix[:, positions].sum(axis=1), 0.0, 1.0) if positions else None
        return Predictions(labels=predicted, scores=summed, probabilities=matrix, classes=classes)
    column = ctx.probability_column if ctx.probability_column in frame.columns else None
    scores = probabilities_from_column(frame, column, name)
    predictions = Predictions(labels=predicted, scores=scores)
    others = [label for label in labels if str(label) != str(ctx.positive_label)]
    if scores is not None and ctx.task == "binary" and len(others) == 1 and len(labels) == 2:
        predictions.probabilities = np.column_stack([1.0 - scores, scores])
        predictions.classes = [others[0], ctx.positive_label]
    return predictions
