"""Which model outputs are explained, and the model's own value of them in the explainer's space.

The explainer's space is fixed by the model family (``raw_output``): boosted trees and linear
classifiers are explained in their raw margin (binary: the log-odds of the second class; multiclass:
one raw score per class), forests and the permutation explainer in probability, regressors in their
prediction. ``choose_outputs`` then picks what a governance reader asks about: a binary model's
favourable class; a multiclass model's favourable classes (their probabilities summed into one
output, or in margin space each class on its own, since margins do not add across classes); every
class (at most ``MAX_OUTPUTS``) when no favourable set is given; a regressor's prediction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

MAX_OUTPUTS = 10  # classes explained at most when no favourable set narrows them (in class order)
TREE_NAMES = (
    "RandomForest",
    "ExtraTrees",
    "GradientBoosting",
    "HistGradientBoosting",
    "DecisionTree",
    "ExtraTree",
    "IsolationForest",
)
# scikit-learn tree models whose TreeExplainer values add up to probabilities, not to a margin.
PROBABILITY_TREES = ("RandomForest", "ExtraTrees", "DecisionTree", "ExtraTree")
# Linear classifiers whose binary margin is a distance to the boundary, not a log-odds.
PLAIN_MARGINS = ("SVC", "LinearSVC", "NuSVC", "RidgeClassifier", "SGDClassifier", "Perceptron", "PassiveAggressive")


@dataclass(frozen=True)
class OutputChoice:
    """Which of the explainer's raw outputs are kept, how they are combined, and what they are called."""

    indices: tuple[int, ...]  # positions among the explainer's outputs
    negate: bool  # a binary margin turned round to speak for the first class
    sum_outputs: bool  # probabilities of a favourable set, summed into one output
    names: list[str]
    space: str


def is_tree(estimator: Any) -> bool:
    name = type(estimator).__name__
    module = type(estimator).__module__
    return (
        hasattr(estimator, "tree_")
        or name.startswith(TREE_NAMES)
        or module.startswith(("xgboost", "lightgbm", "catboost"))
    )


def tree_explainable(estimator: Any) -> bool:
    """A tree model shap's TreeExplainer reads: not scikit-learn's multiclass GradientBoostingClassifier,
    which it refuses (one tree per class per stage), and which the permutation explainer handles instead."""
    multiclass_gb = type(estimator).__name__ == "GradientBoostingClassifier" and len(estimator.classes_) > 2
    return is_tree(estimator) and not multiclass_gb


def is_linear(estimator: Any) -> bool:
    return hasattr(estimator, "coef_") and hasattr(estimator, "intercept_")


def unwrap(estimator: Any) -> tuple[Any, list[Any] | None]:
    """(the estimator to explain, the class labels its outputs speak for).

    scikit-learn's OneVsRestClassifier around a single binary estimator (how XGBoost, which only
    takes classes 0..n-1, is given text labels) is explained through that estimator: its second
    class is the wrapper's second label.
    """
    inner: Any = getattr(estimator, "estimators_", None)
    single = type(estimator).__name__ == "OneVsRestClassifier" and inner is not None and len(inner) == 1
    if single and (tree_explainable(inner[0]) or is_linear(inner[0])):
        return inner[0], estimator_classes(estimator)
    return estimator, estimator_classes(estimator)


def estimator_classes(estimator: Any) -> list[Any] | None:
    """A classifier's class labels in output order; None for a regressor (CatBoost's regressor has [])."""
    classes = getattr(estimator, "classes_", None)
    if classes is None or len(classes) == 0 or not hasattr(estimator, "predict_proba"):
        return None
    return list(classes)


def raw_output(estimator: Any, x: Any, classes: list[Any] | None) -> tuple[np.ndarray, str]:
    """(rows x outputs, space): the model's own output in the space its exact explainer decomposes."""
    import numpy as np

    module = type(estimator).__module__
    name = type(estimator).__name__
    if module.startswith("xgboost"):
        raw = estimator.predict(x, output_margin=True)
    elif module.startswith("lightgbm"):
        raw = estimator.predict(x, raw_score=True)
    elif module.startswith("catboost"):
        raw = estimator.predict(x, prediction_type="RawFormulaVal")
    elif classes is not None and name.startswith(PROBABILITY_TREES):
        return np.asarray(estimator.predict_proba(x), dtype=float), "probability"
    elif classes is not None:
        raw = estimator.decision_function(x)
    else:
        raw = estimator.predict(x)
    matrix = np.asarray(raw, dtype=float)
    matrix = matrix.reshape(len(matrix), -1)
    if classes is None:
        return matrix, "prediction"
    if matrix.shape[1] == 1 and not name.startswith(PLAIN_MARGINS):
        return matrix, "log-odds"
    return matrix, "margin"


def _position(classes: list[Any], label: Any) -> int | None:
    text = str(label)
    return next((i for i, c in enumerate(classes) if str(c) == text), None)


def choose_outputs(classes: list[Any] | None, favourable: list[Any], task: str, space: str) -> OutputChoice:
    """The outputs a reader asks about, among those the explainer makes in ``space``."""
    if classes is None or task == "regression":
        return OutputChoice((0,), False, False, ["prediction"], "prediction")
    if len(classes) == 2:
        found = _position(classes, favourable[0]) if favourable else None
        positive = len(classes) - 1 if found is None else found
        name = f"{space} of '{classes[positive]}'"
        if space != "probability":  # one output: the second class's log-odds (or margin)
            return OutputChoice((0,), positive == 0, False, [name], space)
        return OutputChoice((positive,), False, False, [name], space)
    picks = [p for p in (_position(classes, label) for label in favourable) if p is not None]
    word = "margin" if space == "margin" else "probability"
    if not picks:
        chosen = tuple(range(min(len(classes), MAX_OUTPUTS)))
        return OutputChoice(chosen, False, False, [f"{word} of '{classes[i]}'" for i in chosen], space)
    if space == "probability" and len(picks) > 1:
        joined = " or ".join(f"'{classes[i]}'" for i in picks)
        return OutputChoice(tuple(picks), False, True, [f"probability of {joined}"], space)
    return OutputChoice(tuple(picks), False, False, [f"{word} of '{classes[i]}'" for i in picks], space)
