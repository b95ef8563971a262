"""Preflight: turn the user's inputs into an AuditContext, or stop with one clear line.

Everything that would make the whole audit meaningless (a missing file, a target that is not a
column, a model that cannot predict on the data) is found here, before any engine runs.
Predictions are computed here, once, for both frames.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govkit.context import AuditContext, Predictions, Task
from govkit.errors import InputError
from govkit.inputs import load_model, read_table, sha256_file

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

@dataclass
class Prepared:
    """The context, plus what provenance needs to know about where the inputs came from."""

    context: AuditContext
    files: dict[str, dict[str, str]] = field(default_factory=dict)
    model_type: str | None = None
    notes: list[str] = field(default_factory=list)


def _frame(value: Any, role: str, option: str, files: dict[str, dict[str, str]]) -> tuple[pd.DataFrame, str]:
    """A DataFrame from a path or a DataFrame; returns it with the name used in messages."""
    import pandas as pd

    if isinstance(value, pd.DataFrame):
        if value.columns.duplicated().any():
            duplicated = sorted({str(c) for c in value.columns[value.columns.duplicated()]})
            raise InputError(f"{role} DataFrame: duplicate column name(s) {', '.join(duplicated)}; rename them")
        if len(value) == 0:
            raise InputError(f"{role} DataFrame: has no rows; an audit needs data")
        frame = value.copy(deep=False)
        frame.columns = [str(c) for c in frame.columns]
        return frame, f"{role} data"
    path = Path(value)
    frame = read_table(path, role=role, option=option)
    files[role] = {"path": str(path), "sha256": sha256_file(path)}
    return frame, path.name


def _missing_column(where: str, column: str, columns: list[str], what: str, option: str) -> InputError:
    close = difflib.get_close_matches(column, columns, n=1, cutoff=0.6)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    shown = ", ".join(columns[:12]) + (", ..." if len(columns) > 12 else "")
    return InputError(f"{where}: {what} column '{column}' not found{hint}; fix {option} (columns: {shown})")


def prepare(
    *,
    data: Any,
    reference: Any = None,
    model: Any = None,
    target: str | None = None,
    sensitive: list[str] | None = None,
    features: list[str] | None = None,
    prediction_column: str | None = None,
    probability_column: str | None = None,
    positive_label: Any = None,
    seed: int = 0,
    trusted_types: list[str] | None = None,
    trust_pickle: bool = False,
    model_sha256: str | None = None,
) -> Prepared:
    """Read, check and predict; raise ``InputError`` with one clear line on anything unusable."""
    files: dict[str, dict[str, str]] = {}
    if data is None:
        raise InputError("no current data given; pass --data FILE (or data: in govkit.yaml)")
    current, current_name = _frame(data, "current", "--data", files)
    reference_frame, reference_name = (None, "")
    if reference is not None:
        reference_frame, reference_name = _frame(reference, "reference", "--reference", files)
        shared = set(current.columns) & set(reference_frame.columns)
        if not shared:
            raise InputError(
                f"{reference_name}: shares no column with {current_name}; give reference data with the same columns"
            )
    sensitive = list(sensitive or [])
    columns = list(current.columns)

    if target is not None and target not in current.columns:
        raise _missing_column(current_name, target, columns, "target", "--target")
    for column in sensitive:
        if column not in current.columns:
            raise _missing_column(current_name, column, columns, "sensitive", "--sensitive")
    for column, option in ((prediction_column, "--prediction-column"), (probability_column, "--probability-column")):
        if column is not None and column not in current.columns:
            raise _missing_column(current_name, column, columns, "prediction", option)
    if model is not None and prediction_column is not None:
        raise InputError("give either --model or --prediction-column, not both")

    fitted, model_type = None, None
    if model is not None:
        if isinstance(model, (str, Path)):
            path = Path(model)
            fitted = load_model(path, trusted_types=trusted_types, trust_pickle=trust_pickle, expected_sha256=model_sha256)
            files["model"] = {"path": str(path), "sha256": sha256_file(path)}
        else:
            fitted = model
        model_type = f"{type(fitted).__module__}.{type(fitted).__qualname__}"

    excluded = {target, prediction_column, probability_column} - {None}
    features = _features(fitted, features, columns, excluded, current_name)

    prepared = Prepared(
        context=AuditContext(
            current=current,
            reference=reference_frame,
            target=target,
            sensitive=sensitive,
            features=features,
            task="unknown",
            positive_label=None,
            seed=seed,
            model=fitted,
            prediction_column=prediction_column,
            probability_column=probability_column,
        ),
        files=files,
        model_type=model_type,
    )
    ctx = prepared.context
    if fitted is not None:
        _predict_with_model(ctx, positive_label, current_name, reference_name)
    elif prediction_column is not None:
        _predictions_from_columns(ctx, positive_label, current_name, reference_name)
    elif target is not None:
        ctx.task, ctx.positive_label = _task_and_label(ctx.current[target].dropna(), None, positive_label, False)
    return prepared


def _features(
    model: Any, given: list[str] | None, columns: list[str], excluded: set[str], where: str
) -> list[str]:
    """The model's input columns: as fitted, as configured, or every column but target and predictions."""
    fitted_names = getattr(model, "feature_names_in_", None)
    if fitted_names is not None:
        names = [str(n) for n in fitted_names]
        missing = [n for n in names if n not in columns]
        if missing:
            raise InputError(
                f"{where}: the model needs column(s) {', '.join(missing)} that the data does not have; "
                "give data with the model's input columns"
            )
        return names
    if given:
        missing = [n for n in given if n not in columns]
        if missing:
            raise _missing_column(where, missing[0], columns, "feature", "features in govkit.yaml")
        return list(given)
    return [c for c in columns if c not in excluded]


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def _predict_with_model(ctx: AuditContext, positive_label: Any, current_name: str, reference_name: str) -> None:
    import numpy as np

    model = ctx.model
    if not hasattr(model, "predict"):
        raise InputError(f"the model ({type(model).__name__}) has no predict method; give a fitted estimator")
    classes = getattr(model, "classes_", None)
    ctx.task, ctx.positive_label = _task_and_label(
        None if classes is None else np.asarray(classes), classes, positive_label, True
    )
    ctx.current_predictions = _model_outputs(ctx, ctx.current, current_name)
    if ctx.reference is not None and all(c in ctx.reference.columns for c in ctx.features):
        ctx.reference_predictions = _model_outputs(ctx, ctx.reference, reference_name)


def _model_outputs(ctx: AuditContext, frame: pd.DataFrame, name: str) -> Predictions:
    import numpy as np

    inputs = frame[ctx.features]
    try:
        labels = np.asarray(ctx.model.predict(inputs))
        scores = None
        if ctx.task == "binary" and hasattr(ctx.model, "predict_proba"):
            classes = [str(c) for c in ctx.model.classes_]
            scores = np.asarray(ctx.model.predict_proba(inputs))[:, classes.index(str(ctx.positive_label))]
    except Exception as error:  # any estimator error here means the data does not fit the model
        raise InputError(f"{name}: the model could not predict on this data ({_first_line(error)})") from None
    return Predictions(labels=labels, scores=None if scores is None else scores.astype(float))


def _predictions_from_columns(
    ctx: AuditContext, positive_label: Any, current_name: str, reference_name: str
) -> None:
    import pandas as pd

    column = ctx.prediction_column
    assert column is not None
    predicted = ctx.current[column]
    if predicted.isna().any():
        count = int(predicted.isna().sum())
        raise InputError(f"{current_name}: prediction column '{column}' has {count} empty value(s); every row needs one")
    observed = pd.concat([predicted, ctx.current[ctx.target]]) if ctx.target is not None else predicted
    ctx.task, ctx.positive_label = _task_and_label(
        observed.dropna(), None, positive_label, False, has_scores=ctx.probability_column is not None
    )
    ctx.current_predictions = Predictions(
        labels=predicted.to_numpy(), scores=_probabilities(ctx.current, ctx.probability_column, current_name)
    )
    if ctx.reference is not None and column in ctx.reference.columns:
        ctx.reference_predictions = Predictions(
            labels=ctx.reference[column].to_numpy(),
            scores=_probabilities(ctx.reference, ctx.probability_column, reference_name)
            if ctx.probability_column in ctx.reference.columns
            else None,
        )
    if ctx.task == "binary":
        labels = {str(v) for v in pd.unique(predicted)}
        if str(ctx.positive_label) not in labels | {str(v) for v in pd.unique(observed)}:
            raise InputError(
                f"{current_name}: positive label '{ctx.positive_label}' never occurs in '{column}'; "
                "check --positive-label"
            )


def _probabilities(frame: pd.DataFrame, column: str | None, name: str) -> np.ndarray | None:
    import numpy as np
    import pandas as pd

    if column is None:
        return None
    values = pd.to_numeric(frame[column], errors="coerce")
    bad = values.isna() | (values < 0) | (values > 1)
    if bad.any():
        first = frame[column][bad].iloc[0]
        raise InputError(
            f"{name}: probability column '{column}' has {int(bad.sum())} value(s) that are not probabilities "
            f"between 0 and 1 (first: {first!r})"
        )
    return values.to_numpy(dtype=np.float64)


def _task_and_label(
    observed: Any, classes: Any, positive_label: Any, from_model: bool, has_scores: bool = False
) -> tuple[Task, Any]:
    """The task (binary, multiclass, regression) and the favourable label, typed like the data."""
    import numpy as np
    import pandas as pd

    if from_model and classes is None:
        return "regression", None
    values = pd.unique(pd.Series(observed)) if observed is not None else np.array([])
    numeric = pd.api.types.is_numeric_dtype(pd.Series(values)) and not pd.api.types.is_bool_dtype(pd.Series(values))
    if not from_model and numeric and not has_scores:
        as_float = pd.Series(values, dtype=float)
        if (as_float != as_float.round()).any() or len(values) > 20:
            return "regression", None
    labels = list(values)
    task: Task = "binary" if len(labels) <= 2 or has_scores else "multiclass"
    if positive_label is not None:
        for label in labels:
            if str(label) == str(positive_label) or _same_number(label, positive_label):
                return task, label
        shown = ", ".join(repr(str(v)) for v in labels[:10])
        raise InputError(f"positive label '{positive_label}' is not one of the labels ({shown}); fix --positive-label")
    if task != "binary":
        return task, None
    as_text = {str(v) for v in labels}
    for default in ("1", "True", "1.0"):
        if default in as_text:
            return task, next(v for v in labels if str(v) == default)
    if from_model and len(labels) == 2:
        return task, labels[1]  # scikit-learn's convention: predict_proba[:, 1] is classes_[1]
    shown = ", ".join(repr(str(v)) for v in labels)
    raise InputError(
        f"cannot tell which label is the favourable outcome among {shown}; pass --positive-label "
        "(or positive_label: in govkit.yaml)"
    )


def _same_number(label: Any, wanted: Any) -> bool:
    try:
        return float(label) == float(wanted)
    except (TypeError, ValueError):
        return False
