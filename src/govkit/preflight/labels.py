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
MAX_CLASSES = 20


def _label_key(value: Any) -> tuple[str, Any]:
    """A label for comparing two columns: 1, 1.0 and True are one number; '1' is text."""
    import numpy as np

    if isinstance(value, (numbers.Number, np.bool_)) and not isinstance(value, complex):
        try:
            return ("number", float(value))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            pass
    return ("text", str(value))


def label_keys(values: list[Any]) -> dict[tuple[str, Any], Any]:
    """Distinct labels by comparison key (1, 1.0 and True are one; '1' is another)."""
    return {_label_key(v): v for v in values}


def _keys(series: pd.Series) -> dict[tuple[str, Any], Any]:
    import pandas as pd

    try:
        distinct = pd.unique(series.dropna())
    except TypeError:  # unhashable values: compare their text
        distinct = pd.unique(series.dropna().astype(str))
    return label_keys(list(distinct))


def _sorted(values: Any) -> list[Any]:
    """Labels in a stable order for messages."""
    return sorted(values, key=lambda v: (type(v).__name__, str(v)))


def continuous(keys: dict[tuple[str, Any], Any]) -> bool:
    """Numbers that are not a handful of whole-number classes: a regression output or a score."""
    if not keys or any(kind != "number" for kind, _ in keys):
        return False
    values = [number for _, number in keys]
    if len(values) > MAX_CLASSES:
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
    if not truth or continuous(truth):
        return  # no known target yet (checks that need it say so), or a regression target
    if continuous(predicted):
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
    if not truth or continuous(truth) or continuous(predicted):
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


# The only labels whose meaning govkit infers (compared as lower-case text): a favourable outcome is
# inferred when one label is truthy and the other falsy, never from the order of the classes. Any other
# pair (approved/denied, <=50K/>50K, -1/1) needs the user's word: --positive-label.
TRUTHY = frozenset({"1", "1.0", "true", "yes", "y"})
FALSY = frozenset({"0", "0.0", "false", "no", "n"})


def task_and_label(
    observed: Any,
    classes: Any,
    positive_label: Any,
    from_model: bool,
    has_scores: bool = False,
    requested: str | None = None,
    infer: bool = True,
) -> tuple[Task, Any]:
    """The task (binary, multiclass, regression) and the favourable label(s), typed like the data.

    ``observed`` are the labels seen (a model's ``classes`` when ``from_model``; None for a regressor).
    The rule for the favourable outcome is the same with a model or with prediction columns: binary,
    one label (given, or inferred only from a truthy/falsy pair); multiclass, a list (given) or None
    (fairness one-vs-rest per class); regression, None. ``requested`` (``--task``) must fit the evidence.
    ``infer=False`` (a target without predictions: nothing is judged on the favourable outcome) checks a
    given label but infers none.
    """
    import pandas as pd

    from govkit.preflight.tasks import detected_task, settle_task

    if from_model and classes is None:
        labels: list[Any] = []
    else:
        labels = list(pd.unique(pd.Series(observed))) if observed is not None else []
    task = settle_task(detected_task(labels, from_model, has_scores), requested, labels, from_model, has_scores)
    if task in ("regression", "unknown"):
        return task, None
    if positive_label is None and not infer:
        return task, None
    return task, favourable(task, labels, positive_label, from_model)


def favourable(task: Task, labels: list[Any], positive_label: Any, from_model: bool) -> Any:
    """The favourable label (binary) or labels (multiclass; None when not given), as the data types them."""
    import numpy as np

    wanted = list(positive_label) if isinstance(positive_label, (list, tuple)) else [positive_label]
    wanted = [value for value in wanted if value is not None]
    if wanted:
        matched = [_match(value, labels, from_model) for value in wanted]
        if task == "multiclass":
            return list(dict.fromkeys(matched))
        if len(set(map(str, matched))) > 1:
            raise coded(
                "GK206",
                f"a binary task has one favourable outcome, but {show_values(wanted)} were given; pass one "
                "--positive-label",
            )
        return matched[0]
    if task == "multiclass":
        return None  # no favourable set: fairness compares every class one-vs-rest
    as_text = {str(label).strip().lower(): label for label in labels}
    truthy = [label for text, label in as_text.items() if text in TRUTHY]
    falsy = [label for text, label in as_text.items() if text in FALSY]
    if len(labels) == 2 and len(truthy) == 1 and len(falsy) == 1:
        return truthy[0]
    if len(labels) == 1 and truthy:
        return truthy[0]
    if len(labels) == 1 and falsy and not isinstance(labels[0], str):
        # only the negative class of a 0/1 (or False/True) column occurs; the favourable one is 1
        return _typed_like(True if isinstance(labels[0], (bool, np.bool_)) else 1, labels)
    raise coded(
        "GK207",
        f"cannot tell which label is the favourable outcome among {show_values(_sorted(labels))} (govkit infers it "
        "only for 1/0, true/false, yes/no, y/n); pass --positive-label (or positive_label: in govkit.yaml)",
    )


def _match(wanted: Any, labels: list[Any], from_model: bool) -> Any:
    """The observed label ``wanted`` names (1 matches 1.0 and '1'); GK206 naming it when none does."""
    for label in labels:
        if str(label) == str(wanted) or _same_number(label, wanted):
            return label
    if len(labels) <= 1 and not from_model:
        # one class observed (a target with one class, say): the favourable label may be absent
        return _typed_like(wanted, labels)
    raise coded(
        "GK206",
        f"positive label {show_value(wanted)} is not one of the labels ({show_values(_sorted(labels))}); "
        "fix --positive-label",
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


def check_class_columns(frame: pd.DataFrame, name: str, mapping: dict[Any, str]) -> None:
    """Every column named by ``--class-probability`` exists (GK201 with a did-you-mean otherwise)."""
    from govkit.preflight.frames import missing_column_error

    for column in mapping.values():
        if column not in frame.columns:
            raise missing_column_error(name, column, list(frame.columns), "probability", "--class-probability")


def class_matrix(
    frame: pd.DataFrame, mapping: dict[Any, str], labels: list[Any], name: str
) -> tuple[np.ndarray, list[Any]]:
    """The per-class probability columns as a matrix (rows x classes) and its classes, typed like ``labels``.

    Every label seen needs a column (a one-vs-rest score needs every class), every column must hold
    probabilities (GK205), and each row's probabilities must add up to 1.
    """
    import numpy as np

    classes = [_class_of(wanted, labels, name) for wanted in mapping]
    named = {str(label) for label in classes}
    unnamed = [label for label in labels if str(label) not in named]
    if unnamed:
        raise coded(
            "GK204",
            f"{name}: label(s) {show_values(_sorted(unnamed), 5)} have no probability column; give one "
            "--class-probability LABEL=COLUMN for every class",
        )
    columns = [probabilities_from_column(frame, column, name) for column in mapping.values()]
    matrix = np.column_stack([column for column in columns if column is not None])
    sums = matrix.sum(axis=1)
    off = np.abs(sums - 1.0) > 1e-3  # written probabilities are rounded; a row that is not a distribution is wrong
    if off.any():
        row = int(np.flatnonzero(off)[0])
        raise coded(
            "GK205",
            f"{name}: the class probabilities of {int(off.sum())} row(s) do not add up to 1 (row {row + 1}: "
            f"{sums[row]:.4g}); give every class's probability, one column per class",
        )
    return matrix, classes


def _class_of(wanted: Any, labels: list[Any], name: str) -> Any:
    for label in labels:
        if str(label) == str(wanted) or _same_number(label, wanted):
            return label
    raise coded(
        "GK204",
        f"{name}: --class-probability names class {show_value(wanted)}, which is not one of the labels "
        f"({show_values(_sorted(labels), 5)}); name the classes as the predictions write them",
    )
