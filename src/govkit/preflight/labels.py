"""Labels, task and favourable outcome: what the predictions mean, decided before any check runs."""

from __future__ import annotations

import math
import numbers
from typing import TYPE_CHECKING, Any

from govkit.context import AuditContext, Task
from govkit.inputs import coded
from govkit.preflight.frames import show_value, show_values

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

# Above this many distinct values a numeric label column is taken for a regression output.
_MAX_CLASSES = 20


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


def check_labels(ctx: AuditContext, name: str) -> None:
    """Predicted labels must be labels: of the target when it is a classification target, two with scores."""
    column = ctx.prediction_column
    assert column is not None
    predicted = _keys(ctx.current[column])
    if ctx.probability_column is not None and len(predicted) > 2:
        raise coded(
            "GK204",
            f"{name}: prediction column {show_value(column)} holds {len(predicted)} distinct labels "
            f"({show_values(_sorted(predicted.values()), 5)}), but a probability column means a binary classifier; "
            "give its predicted labels (two values) in --prediction-column",
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
                f"{name}: prediction column {show_value(column)} holds scores between 0 and 1, not the target's "
                f"labels ({show_values(_sorted(truth.values()))}); give the scores with --probability-column and the "
                "predicted labels with --prediction-column",
            )
        return  # a regression output against a target with few values: the task decides
    stray = stray_labels(predicted, truth)
    if not stray:
        return
    raise coded(
        "GK204",
        f"{name}: prediction column {show_value(column)} has value(s) {show_values(stray, 5)} that never "
        f"occur in target {show_value(ctx.target)} (labels: {show_values(_sorted(truth.values()), 5)}); "
        f"{_label_fix(stray, truth, 'the two columns', 'check --prediction-column and --target')}",
    )


def check_model_labels(ctx: AuditContext, labels: Any, name: str) -> None:
    """A classifier's predicted labels must be the target's labels (a 0/1 model against a yes/no target is not)."""
    import pandas as pd

    if ctx.target is None or ctx.task not in ("binary", "multiclass"):
        return
    truth = _keys(ctx.current[ctx.target])
    predicted = _keys(pd.Series(labels))
    if not truth or _continuous(truth) or _continuous(predicted):
        return  # no known target yet, or a regression: the task decides
    stray = stray_labels(predicted, truth)
    if not stray:
        return
    fix = _label_fix(stray, truth, "the model and the target", "give the model trained on this target")
    raise coded(
        "GK204",
        f"{name}: the model ({type(ctx.model).__name__}) predicts labels "
        f"{show_values(_sorted(predicted.values()), 5)} but target {show_value(ctx.target)} holds "
        f"{show_values(_sorted(truth.values()), 5)}; {fix}",
    )


def stray_labels(predicted: dict[tuple[str, Any], Any], truth: dict[tuple[str, Any], Any]) -> list[Any]:
    """The predicted labels that show the predictions are not the target's labels; [] when they are."""
    stray = [value for key, value in predicted.items() if key not in truth]
    wrong = (
        (len(truth) == 2 and stray)
        or (len(truth) > 2 and len(stray) == len(predicted))
        or (len(truth) == 1 and len(set(predicted) | set(truth)) > 2)
    )
    return _sorted(stray) if wrong else []


def _label_fix(stray: list[Any], truth: dict[tuple[str, Any], Any], both: str, otherwise: str) -> str:
    """How to fix labels that differ from the target's: a type mismatch, or the wrong columns or model."""
    if {str(v) for v in stray} & {str(v) for v in truth.values()}:
        return f"{both} write the same labels as different types (text and numbers); make them the same type"
    return f"predictions must use the target's labels ({otherwise})"


def probabilities_from_column(frame: pd.DataFrame, column: str | None, name: str) -> np.ndarray | None:
    import numpy as np
    import pandas as pd

    if column is None:
        return None
    raw = frame[column]
    missing = raw.isna()
    if missing.any():
        raise coded(
            "GK205",
            f"{name}: probability column {show_value(column)} has {int(missing.sum())} empty value(s); every row "
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
            f"{name}: probability column {show_value(column)} has {int(bad.sum())} value(s) that are not "
            f"probabilities between 0 and 1 (first: {show_value(first)}); give the positive class's probability",
        )
    return values.to_numpy(dtype=np.float64)


def task_and_label(
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
            f"positive label {show_value(positive_label)} is not one of the labels ({show_values(labels)}); "
            "fix --positive-label",
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
        f"cannot tell which label is the favourable outcome among {show_values(labels)}; pass --positive-label "
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
        kind: Any = type(sample)  # a numpy or Python number type, called to convert
        if isinstance(sample, numbers.Integral) and number.is_integer():
            return kind(int(number))
        return kind(number) if isinstance(sample, numbers.Real) else wanted
    return str(wanted) if isinstance(sample, str) else wanted


def _same_number(label: Any, wanted: Any) -> bool:
    try:
        return float(label) == float(wanted)
    except (TypeError, ValueError):
        return False
