"""The task of an audit (binary, multiclass, regression), decided from the evidence and checked.

A model says what it is: a classifier has ``classes_`` (two: binary; more: multiclass), a regressor has
none. Without a model, the labels say it: numbers that are not a handful of whole numbers are a
regression output. A task the user asks for (``--task``, ``task:`` in govkit.yaml, ``task=``) must fit
that evidence, and so must the target: a classifier audited against a column of thousands of distinct
numbers is a wrong ``--target`` (or a wrong model), refused here in one line (GK208) before any check
runs, never left to surface as a library's error inside each check.
"""

from __future__ import annotations

import numbers
from typing import Any

from govkit.context import AuditContext, Task
from govkit.inputs import coded
from govkit.preflight.frames import show_value, show_values
from govkit.preflight.labels import MAX_CLASSES, continuous, label_keys

TASKS: tuple[str, ...] = ("binary", "multiclass", "regression")
_FIX = "drop --task (task: in govkit.yaml)"


def model_classes(model: Any) -> list[Any] | None:
    """A classifier's classes in its own order; None for a regressor."""
    import numpy as np

    classes = getattr(model, "classes_", None)
    if classes is None or len(classes) == 0:  # CatBoostRegressor exposes an empty classes_
        return None
    return list(np.asarray(classes))


def _numeric(labels: list[Any]) -> bool:
    """Numbers only (True/False are labels, not numbers)."""
    import numpy as np

    return bool(labels) and all(
        isinstance(label, numbers.Number) and not isinstance(label, (bool, np.bool_)) for label in labels
    )


def detected_task(labels: list[Any], from_model: bool, has_scores: bool) -> Task:
    """What the evidence says: a model's classes (``labels``; [] for a regressor) or the labels seen."""
    if from_model:
        if not labels:
            return "regression"
        if _numeric(labels) and continuous(label_keys(labels)):
            raise coded(
                "GK208",
                f"the model is a classifier with {len(labels)} numeric classes ({show_values(labels, 5)}): a "
                "number fitted as classes; fit a regressor on it, or a classifier on a target with a few labels",
            )
        return "binary" if len(labels) <= 2 else "multiclass"
    if not labels:
        return "unknown"  # no label known (an empty target, say): the checks that need labels say so
    if _numeric(labels) and not has_scores and continuous(label_keys(labels)):
        return "regression"
    return "binary" if len(labels) <= 2 or has_scores else "multiclass"


def settle_task(detected: Task, requested: str | None, labels: list[Any], from_model: bool, has_scores: bool) -> Task:
    """The task asked for when the evidence allows it, else GK208 naming both; the detected one otherwise."""
    if requested is None or requested == detected:
        return detected
    if requested not in TASKS:
        raise coded("GK208", f"task {show_value(requested)} is not one of {', '.join(TASKS)}; fix --task")
    shown = show_values(labels, 5)
    if from_model:
        what = "a regressor (it has no classes_)" if detected == "regression" else f"a {detected} classifier ({shown})"
        raise coded(
            "GK208", f"task {requested} was asked for, but the model is {what}; {_FIX}, or give a {requested} model"
        )
    fits = (
        detected == "unknown"
        or (requested == "regression" and _numeric(labels))
        or (requested == "multiclass" and detected == "binary" and not has_scores)
    )
    if fits:
        return requested  # type: ignore[return-value]  # one of TASKS, checked above
    if detected == "regression":
        why = f"the labels are {len(labels)} distinct numbers ({shown}), a regression output"
    elif requested == "regression":
        why = f"the labels ({shown}) are not numbers"
    elif has_scores:
        why = "a probability column means a binary classifier"
    else:
        why = f"there are {len(labels)} labels ({shown})"
    raise coded("GK208", f"task {requested} was asked for, but {why}; {_FIX}, or check the prediction columns")


def check_target_task(ctx: AuditContext, name: str) -> None:
    """The target must be a target of the task: no regression column for a classifier, no text for a regressor."""
    if ctx.target is None or ctx.task == "unknown":
        return
    truth = label_keys(list(ctx.current[ctx.target].dropna().unique()))
    if not truth:
        return
    source = f"the model ({type(ctx.model).__name__})" if ctx.model is not None else "the predictions"
    values = show_values(list(truth.values()), 5)
    if ctx.task in ("binary", "multiclass") and continuous(truth):
        raise coded(
            "GK208",
            f"{name}: target {show_value(ctx.target)} holds {len(truth)} distinct numbers (such as {values}), a "
            f"regression target, but {source} is a {ctx.task} classifier; check --target (the column the "
            "classifier predicts), or give a regressor",
        )
    if ctx.task == "regression" and any(kind == "text" for kind, _ in truth):
        raise coded(
            "GK208",
            f"{name}: target {show_value(ctx.target)} holds text labels (such as {values}), but {source} is a "
            "regressor; check --target (the number the regressor predicts), or give a classifier",
        )


__all__ = ["MAX_CLASSES", "TASKS", "check_target_task", "detected_task", "model_classes", "settle_task"]
