"""Preflight: turn the user's inputs into an AuditContext, or stop with one clear line.

Everything that would make the whole audit meaningless (a missing file, a target that is not a
column, predictions that are not labels of the target, a model that cannot predict on the data) is
found here, before any engine runs, and raised as an ``InputError`` with a stable code (see
``govkit.inputs.ERROR_CODES``). Problems confined to one column (all missing, mixed types, a target
with one class, a sensitive column with thousands of values) are let through on purpose: the
families downgrade only the checks they affect. Predictions are computed here, once, for both frames.
"""

from __future__ import annotations

import difflib
import math
import numbers
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govkit.context import AuditContext, Predictions, Task
from govkit.errors import InputError
from govkit.inputs import (
    MEMORY_GUARD_ENV,
    _duplicate_headers,
    _size,
    available_memory,
    check_sha256_pin,
    coded,
    duplicate_columns_error,
    load_model,
    memory_guard_enabled,
    read_table,
    sha256_file,
)

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

# Memory an audit needs beyond the frames themselves, in multiples of their size. Measured: the peak
# is drift's per-column conversion for evidently, about 1.3x the data at 150k rows x 18 columns (it
# samples above max_rows); the rest stays under 0.3x. 2 leaves a margin for the allocator.
PEAK_COPIES = 2
# Above this many distinct values a numeric label column is taken for a regression output.
_MAX_CLASSES = 20


@dataclass
class Prepared:
    """The context, plus what provenance needs to know about where the inputs came from."""

    context: AuditContext
    files: dict[str, dict[str, str]] = field(default_factory=dict)
    model_type: str | None = None
    notes: list[str] = field(default_factory=list)
    # with prepare(defer_predictions=True): the model's predictions, still to compute with finish()
    pending: Callable[[], None] | None = None

    def finish(self) -> None:
        """Compute the deferred predictions (a no-op when there are none)."""
        if self.pending is not None:
            pending, self.pending = self.pending, None
            pending()


def _show(value: Any, limit: int = 40) -> str:
    """A value or column name for a one-line message: quoted, escaped, shortened."""
    text = repr(str(value))
    return text if len(text) <= limit else text[: limit - 4] + "...'"


def _shown(values: Any, count: int = 10) -> str:
    values = list(values)
    return ", ".join(_show(v) for v in values[:count]) + (", ..." if len(values) > count else "")


def _frame(value: Any, role: str, option: str, files: dict[str, dict[str, str]]) -> tuple[pd.DataFrame, str]:
    """A DataFrame from a path or a DataFrame; returns it with the name used in messages."""
    import pandas as pd

    if isinstance(value, pd.DataFrame):
        where = f"{role} DataFrame"
        names = [str(c) for c in value.columns]
        # str() also catches 1 and '1', which are two columns to pandas and one to every report
        duplicates = _duplicate_headers(names)
        if duplicates:
            raise duplicate_columns_error(where, duplicates)
        if not names:
            raise coded("GK104", f"{where}: has no columns; an audit needs data")
        if len(value) == 0:
            raise coded("GK105", f"{where}: has no rows; an audit needs data")
        frame = value.copy(deep=False)
        frame.columns = names
        # A repeated index (common after pd.concat) would misalign anything built from the columns.
        frame.index = pd.RangeIndex(len(frame))
        return frame, f"{role} data"
    if not isinstance(value, (str, os.PathLike)):
        raise coded(
            "GK106",
            f"{role} data: a {type(value).__name__} is not a table; give a pandas DataFrame or the path of "
            "a CSV or Parquet file",
        )
    path = Path(value)
    frame = read_table(path, role=role, option=option)
    files[role] = {"path": str(path), "sha256": sha256_file(path)}
    return frame, path.name


def _missing_column(where: str, column: str, columns: list[str], what: str, option: str) -> InputError:
    close = difflib.get_close_matches(column, columns, n=1, cutoff=0.6)
    hint = f" (did you mean {_show(close[0])}?)" if close else ""
    shown = ", ".join(_show(c)[1:-1] for c in columns[:12]) + (", ..." if len(columns) > 12 else "")
    return coded("GK201", f"{where}: {what} column {_show(column)} not found{hint}; fix {option} (columns: {shown})")


def frame_bytes(frame: pd.DataFrame) -> int:
    """The memory a frame holds, strings included, estimated from at most 1000 evenly spaced rows."""
    rows = len(frame)
    if rows == 0:
        return 0
    step = max(1, rows // 1000)
    sample = frame.iloc[::step]
    return int(sample.memory_usage(index=False, deep=True).sum() * rows / len(sample))


def _guard_memory(given: list[tuple[pd.DataFrame | None, str]]) -> None:
    """Stop before the engines run out of memory half-way (the OS would kill govkit without a word)."""
    frames = [(frame, name) for frame, name in given if frame is not None]
    if not memory_guard_enabled():
        return
    available = available_memory()
    if available is None:
        return
    sizes = [(frame_bytes(frame), name) for frame, name in frames]
    needed = sum(size for size, _ in sizes) * PEAK_COPIES
    if needed > available:
        largest = max(sizes)
        raise coded(
            "GK112",
            f"{largest[1]}: the audit would need about {_size(needed)} of memory for "
            f"{_size(sum(s for s, _ in sizes))} of data, but only {_size(available)} is free; audit a sample "
            f"of the rows, or set {MEMORY_GUARD_ENV}=off to try anyway",
        )


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
    defer_predictions: bool = False,
    on_frames: Callable[[AuditContext], None] | None = None,
    trusted_types: list[str] | None = None,
    trust_pickle: bool = False,
    model_sha256: str | None = None,
) -> Prepared:
    """Read, check and predict; raise ``InputError`` with one clear line on anything unusable."""
    files: dict[str, dict[str, str]] = {}
    if data is None:
        raise coded("GK100", "no current data given; pass --data FILE (or data: in govkit.yaml)")
    if model is not None and prediction_column is not None:
        raise coded("GK202", "give either --model or --prediction-column, not both")
    if model_sha256 and not isinstance(model, (str, os.PathLike)):
        raise coded(
            "GK309",
            "--model-sha256 pins a model file, but no model file was given; pass the model as a path, or drop the pin",
        )
    if model_sha256:
        check_sha256_pin(model_sha256)  # a malformed pin is reported before any file is read
    current, current_name = _frame(data, "current", "--data", files)
    reference_frame, reference_name = (None, "")
    if reference is not None:
        reference_frame, reference_name = _frame(reference, "reference", "--reference", files)
        shared = set(current.columns) & set(reference_frame.columns)
        if not shared:
            raise coded(
                "GK113",
                f"{reference_name}: shares no column with {current_name}; give reference data with the same columns",
            )
    _guard_memory([(current, current_name), (reference_frame, reference_name)])
    sensitive = list(dict.fromkeys(sensitive or []))
    columns = list(current.columns)

    if target is not None and target not in current.columns:
        raise _missing_column(current_name, target, columns, "target", "--target")
    for column in sensitive:
        if column not in current.columns:
            raise _missing_column(current_name, column, columns, "sensitive", "--sensitive")
    for column, option in (
        (prediction_column, "--prediction-column"),
        (probability_column, "--probability-column"),
    ):
        if column is not None and column not in current.columns:
            raise _missing_column(current_name, column, columns, "prediction", option)
    _distinct_roles(target, prediction_column, probability_column)

    # The context exists from here on; model, features and task are filled in below. ``on_frames``
    # lets the caller start work that needs only the frames (see govkit.parallel) while the model loads.
    ctx = AuditContext(
        current=current,
        reference=reference_frame,
        target=target,
        sensitive=sensitive,
        features=[],
        task="unknown",
        positive_label=None,
        seed=seed,
        prediction_column=prediction_column,
        probability_column=probability_column,
    )
    if on_frames is not None:
        on_frames(ctx)

    fitted, model_type = None, None
    if model is not None:
        if isinstance(model, (str, os.PathLike)):
            path = Path(model)
            fitted = load_model(
                path, trusted_types=trusted_types, trust_pickle=trust_pickle, expected_sha256=model_sha256
            )
            files["model"] = {"path": str(path), "sha256": sha256_file(path)}
        else:
            fitted = model
        model_type = f"{type(fitted).__module__}.{type(fitted).__qualname__}"

    excluded = {target, prediction_column, probability_column} - {None}
    ctx.features = _features(fitted, features, columns, excluded, current_name)
    ctx.model = fitted
    prepared = Prepared(context=ctx, files=files, model_type=model_type)
    if fitted is not None:
        _plan_model_task(ctx, positive_label)
        prepared.pending = lambda: _predict_with_model(ctx, current_name, reference_name)
        if not defer_predictions:
            prepared.finish()
    elif prediction_column is not None:
        _predictions_from_columns(ctx, positive_label, current_name, reference_name)
    elif target is not None:
        ctx.task, ctx.positive_label = _task_and_label(ctx.current[target].dropna(), None, positive_label, False)
    return prepared


def _distinct_roles(target: str | None, prediction: str | None, probability: str | None) -> None:
    """The target, predictions and probabilities are three different columns."""
    roles = [("--target", target), ("--prediction-column", prediction), ("--probability-column", probability)]
    given = [(option, column) for option, column in roles if column is not None]
    for i, (first, column) in enumerate(given):
        for second, other in given[i + 1 :]:
            if column == other:
                raise coded(
                    "GK202",
                    f"{first} and {second} both name column {_show(column)}; each needs its own column",
                )


def _features(model: Any, given: list[str] | None, columns: list[str], excluded: set[str], where: str) -> list[str]:
    """The model's input columns: as fitted, as configured, or every column but target and predictions."""
    fitted_names = getattr(model, "feature_names_in_", None)
    if fitted_names is not None:
        names = [str(n) for n in fitted_names]
        missing = [n for n in names if n not in columns]
        if missing:
            raise coded(
                "GK306",
                f"{where}: the model needs column(s) {_shown(missing)} that the data does not have; "
                "give data with the model's input columns",
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


def _plan_model_task(ctx: AuditContext, positive_label: Any) -> None:
    """The task and favourable label, from the model's classes: known before any prediction is made."""
    import numpy as np

    model = ctx.model
    if not hasattr(model, "predict"):
        raise coded("GK308", f"the model ({type(model).__name__}) has no predict method; give a fitted estimator")
    classes = getattr(model, "classes_", None)
    ctx.task, ctx.positive_label = _task_and_label(
        None if classes is None else np.asarray(classes), classes, positive_label, True
    )


def _predict_with_model(ctx: AuditContext, current_name: str, reference_name: str) -> None:
    ctx.current_predictions = _model_outputs(ctx, ctx.current, current_name)
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
    return Predictions(labels=labels, scores=None if scores is None else scores.astype(float))


def _predictions_from_columns(ctx: AuditContext, positive_label: Any, current_name: str, reference_name: str) -> None:
    import pandas as pd

    column = ctx.prediction_column
    assert column is not None
    predicted = ctx.current[column]
    if predicted.isna().any():
        count = int(predicted.isna().sum())
        raise coded(
            "GK203",
            f"{current_name}: prediction column {_show(column)} has {count} empty value(s); every row needs "
            "a prediction, so drop the rows without one",
        )
    _check_labels(ctx, current_name)
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


# ---------------------------------------------------------------------------------------------
# Labels


def _label_key(value: Any) -> tuple[str, Any]:
    """A label for comparing two columns: 1, 1.0 and True are one number; '1' is text."""
    import numpy as np

    if isinstance(value, (numbers.Number, np.bool_)) and not isinstance(value, complex):
        try:
            return ("number", float(value))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            pass
    return ("text", str(value))


def _keys(series: pd.Series) -> dict[tuple[str, Any], Any]:
    import pandas as pd

    try:
        distinct = pd.unique(series.dropna())
    except TypeError:  # unhashable values: compare their text
        distinct = pd.unique(series.dropna().astype(str))
    return {_label_key(v): v for v in distinct}


def _sorted(values: Any) -> list[Any]:
    """Labels in a stable order for messages."""
    return sorted(values, key=lambda v: (type(v).__name__, str(v)))


def _continuous(keys: dict[tuple[str, Any], Any]) -> bool:
    """Numbers that are not a handful of whole-number classes: a regression output or a score."""
    if not keys or any(kind != "number" for kind, _ in keys):
        return False
    values = [number for _, number in keys]
    if len(values) > _MAX_CLASSES:
        return True
    return any(not math.isfinite(v) or v != round(v) for v in values)


def _check_labels(ctx: AuditContext, name: str) -> None:
    """Predicted labels must be labels: of the target when it is a classification target, two with scores."""
    column = ctx.prediction_column
    assert column is not None
    predicted = _keys(ctx.current[column])
    if ctx.probability_column is not None and len(predicted) > 2:
        raise coded(
            "GK204",
            f"{name}: prediction column {_show(column)} holds {len(predicted)} distinct labels "
            f"({_shown(_sorted(predicted.values()), 5)}), but a probability column means a binary classifier; give "
            "its predicted labels (two values) in --prediction-column",
        )
    if ctx.target is None:
        return
    truth = _keys(ctx.current[ctx.target])
    if not truth or _continuous(truth):
        return  # no known target yet (checks that need it say so), or a regression target
    if _continuous(predicted):
        in_unit_interval = all(0.0 <= number <= 1.0 for _, number in predicted)
        if len(truth) == 2 and in_unit_interval:
            raise coded(
                "GK204",
                f"{name}: prediction column {_show(column)} holds scores between 0 and 1, not the target's "
                f"labels ({_shown(_sorted(truth.values()))}); give the scores with --probability-column and the "
                "predicted labels with --prediction-column",
            )
        return  # a regression output against a target with few values: the task decides
    stray = [value for key, value in predicted.items() if key not in truth]
    wrong = (
        (len(truth) == 2 and stray)
        or (len(truth) > 2 and len(stray) == len(predicted))
        or (len(truth) == 1 and len(set(predicted) | set(truth)) > 2)
    )
    if not wrong:
        return
    same_text = {str(v) for v in stray} & {str(v) for v in truth.values()}
    fix = (
        "the two columns write the same labels as different types (text and numbers); make them the same type"
        if same_text
        else "predictions must use the target's labels (check --prediction-column and --target)"
    )
    raise coded(
        "GK204",
        f"{name}: prediction column {_show(column)} has value(s) {_shown(_sorted(stray), 5)} that never "
        f"occur in target {_show(ctx.target)} (labels: {_shown(_sorted(truth.values()), 5)}); {fix}",
    )


def _probabilities(frame: pd.DataFrame, column: str | None, name: str) -> np.ndarray | None:
    import numpy as np
    import pandas as pd

    if column is None:
        return None
    raw = frame[column]
    missing = raw.isna()
    if missing.any():
        raise coded(
            "GK205",
            f"{name}: probability column {_show(column)} has {int(missing.sum())} empty value(s); every row "
            "needs a probability between 0 and 1",
        )
    if pd.api.types.is_bool_dtype(raw):
        values = pd.Series(np.nan, index=raw.index)  # True/False are labels, not probabilities
    else:
        values = pd.to_numeric(raw, errors="coerce")
    bad = values.isna() | (values < 0) | (values > 1)
    if bad.any():
        first = raw[bad].iloc[0]
        raise coded(
            "GK205",
            f"{name}: probability column {_show(column)} has {int(bad.sum())} value(s) that are not "
            f"probabilities between 0 and 1 (first: {_show(first)}); give the positive class's probability",
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
    if len(values) == 0 and not from_model:
        # no label known (an empty target, say): the checks that need labels say so themselves
        return "unknown", None
    kind = pd.Series(values)
    numeric = pd.api.types.is_numeric_dtype(kind) and not pd.api.types.is_bool_dtype(kind)
    if not from_model and numeric and not has_scores:
        as_float = pd.Series(values, dtype=float)
        if (as_float != as_float.round()).any() or len(values) > _MAX_CLASSES:
            return "regression", None
    labels = list(values)
    task: Task = "binary" if len(labels) <= 2 or has_scores else "multiclass"
    if positive_label is not None:
        for label in labels:
            if str(label) == str(positive_label) or _same_number(label, positive_label):
                return task, label
        if len(labels) <= 1 and not from_model:
            # one class observed (a target with one class, say): the favourable label may be absent
            return task, _typed_like(positive_label, labels)
        raise coded(
            "GK206",
            f"positive label {_show(positive_label)} is not one of the labels ({_shown(labels)}); fix --positive-label",
        )
    if task != "binary":
        return task, None
    as_text = {str(v) for v in labels}
    for default in ("1", "True", "1.0"):
        if default in as_text:
            return task, next(v for v in labels if str(v) == default)
    if len(labels) == 1 and as_text <= {"0", "False", "0.0"}:
        # only the negative class of a 0/1 (or False/True) column occurs; the favourable one is 1
        return task, _typed_like(1 if as_text != {"False"} else True, labels)
    if from_model and len(labels) == 2:
        return task, labels[1]  # scikit-learn's convention: predict_proba[:, 1] is classes_[1]
    raise coded(
        "GK207",
        f"cannot tell which label is the favourable outcome among {_shown(labels)}; pass --positive-label "
        "(or positive_label: in govkit.yaml)",
    )


def _typed_like(wanted: Any, labels: list[Any]) -> Any:
    """``wanted`` as the type of the observed labels (so 1 == label comparisons work), when it fits."""
    import numpy as np

    if not labels:
        return wanted
    sample = labels[0]
    if isinstance(sample, (bool, np.bool_)):
        text = str(wanted).strip().lower()
        if text not in ("0", "1", "true", "false", "0.0", "1.0"):
            return wanted
        return type(sample)(text in ("1", "true", "1.0"))
    if isinstance(sample, numbers.Number):
        try:
            number = float(wanted)
        except (TypeError, ValueError):
            return wanted
        if isinstance(sample, (numbers.Integral,)) and number.is_integer():
            return type(sample)(int(number))
        return type(sample)(number) if isinstance(sample, numbers.Real) else wanted
    return str(wanted) if isinstance(sample, str) else wanted


def _same_number(label: Any, wanted: Any) -> bool:
    try:
        return float(label) == float(wanted)
    except (TypeError, ValueError):
        return False
