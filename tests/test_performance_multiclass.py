"""The performance family on a multiclass model: macro and weighted averages, one-vs-rest ROC AUC from
the probability matrix, average precision and log loss, each worked out by hand on a tiny frame and
cross-checked against scikit-learn."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from govkit.context import AuditContext, Predictions
from govkit.families import performance
from govkit.registry import NoParams

EXACT = 1e-12

# Seven rows, three classes. Probability columns in the order a, b, c; the label is the row's argmax.
#   row    1   2   3   4   5   6   7
#   truth  a   a   b   b   c   c   a
#   P(a)  .7  .3  .2  .5  .1  .2  .6
#   P(b)  .2  .4  .6  .3  .2  .5  .3
#   P(c)  .1  .3  .2  .2  .7  .3  .1
#   label  a   b   b   a   c   b   a
TRUTH = list("aabbcca")
PROBABILITIES = [
    [0.7, 0.2, 0.1],
    [0.3, 0.4, 0.3],
    [0.2, 0.6, 0.2],
    [0.5, 0.3, 0.2],
    [0.1, 0.2, 0.7],
    [0.2, 0.5, 0.3],
    [0.6, 0.3, 0.1],
]
LABELS = list("abbacba")

# One class against the rest, pairs (positive, negative) ranked right, ties count 1/2:
#   a: positives .7 .3 .6 vs negatives .2 .5 .1 .2 -> 4 + 3 + 4 = 11 of 12
#   b: positives .6 .3 vs negatives .2 .4 .2 .5 .3 -> 5 + (2 + 0.5 for the tie with .3) = 7.5 of 10
#   c: positives .7 .3 vs negatives .1 .3 .2 .2 .1 -> 5 + (4 + 0.5) = 9.5 of 10
AUC = {"a": 11 / 12, "b": 0.75, "c": 0.95}
SUPPORT = {"a": 3, "b": 2, "c": 2}
# Confusion: a -> a 2, a -> b 1; b -> b 1, b -> a 1; c -> c 1, c -> b 1. Predicted a 3, b 3, c 1.
#   a: precision 2/3, recall 2/3, F1 2/3;  b: precision 1/3, recall 1/2, F1 2*1/(3+2) = 2/5;
#   c: precision 1, recall 1/2, F1 2*1/(1+2) = 2/3
PER_CLASS = {"a": (2 / 3, 2 / 3, 2 / 3), "b": (1 / 3, 1 / 2, 2 / 5), "c": (1.0, 1 / 2, 2 / 3)}


def weighted(values: dict[str, float]) -> float:
    return sum(values[k] * SUPPORT[k] for k in values) / sum(SUPPORT.values())


HAND = {
    "accuracy": 4 / 7,
    "roc_auc": sum(AUC.values()) / 3,
    "weighted_roc_auc": weighted(AUC),  # (3 * 11/12 + 2 * 0.75 + 2 * 0.95) / 7 = 6.15 / 7
    "precision": (2 / 3 + 1 / 3 + 1) / 3,
    "recall": (2 / 3 + 1 / 2 + 1 / 2) / 3,
    "f1": (2 / 3 + 2 / 5 + 2 / 3) / 3,
    "weighted_precision": weighted({k: v[0] for k, v in PER_CLASS.items()}),
    "weighted_recall": weighted({k: v[1] for k, v in PER_CLASS.items()}),  # = accuracy
    "weighted_f1": weighted({k: v[2] for k, v in PER_CLASS.items()}),
    # minus the mean log probability of the true class: .7 .3 .6 .3 .7 .3 .6
    "log_loss": -(2 * math.log(0.7) + 3 * math.log(0.3) + 2 * math.log(0.6)) / 7,
    # balanced accuracy is the mean recall
    "balanced_accuracy": (2 / 3 + 1 / 2 + 1 / 2) / 3,
}


def make_context(
    truth: Any = TRUTH,
    labels: Any = LABELS,
    probabilities: Any = PROBABILITIES,
    classes: Any = ("a", "b", "c"),
    positive_label: Any = None,
) -> AuditContext:
    frame = pd.DataFrame({"y": truth, "x": np.arange(len(truth), dtype=float)})
    matrix = None if probabilities is None else np.asarray(probabilities, dtype=float)
    return AuditContext(
        current=frame,
        reference=None,
        target="y",
        sensitive=[],
        features=["x"],
        task="multiclass",
        positive_label=positive_label,
        current_predictions=Predictions(
            labels=np.asarray(labels, dtype=object),
            scores=None,
            probabilities=matrix,
            classes=None if classes is None else list(classes),
        ),
    )


def measure(name: str, ctx: AuditContext) -> Any:
    return performance.run(name, NoParams(), ctx)


@pytest.mark.parametrize("name", sorted(HAND))
def test_multiclass_metrics_equal_the_hand_calculation(name: str) -> None:
    result = measure(name, make_context())
    assert result.value == pytest.approx(HAND[name], abs=EXACT)
    assert result.sample_size == 7
    performance.CHECKS[name].evidence.model_validate(result.details)


def test_one_vs_rest_roc_auc_agrees_with_scikit_learn() -> None:
    from sklearn.metrics import roc_auc_score

    ctx = make_context()
    for name, average in (("roc_auc", "macro"), ("weighted_roc_auc", "weighted")):
        expected = roc_auc_score(TRUTH, PROBABILITIES, multi_class="ovr", average=average, labels=["a", "b", "c"])
        result = measure(name, ctx)
        assert result.value == pytest.approx(expected, abs=EXACT)
        assert result.details["averaging"] == average
        curves = result.details["roc_curves"]
        assert [c["positive"] for c in curves] == ["a", "b", "c"]
        assert [c["area"] for c in curves] == pytest.approx([AUC["a"], AUC["b"], AUC["c"]], abs=EXACT)
        assert [c["rows"] for c in curves] == [3, 2, 2]


def test_the_probability_columns_follow_the_class_order_given() -> None:
    # the same model with its classes listed c, a, b: every number is the same
    order = [2, 0, 1]
    permuted = np.asarray(PROBABILITIES)[:, order]
    ctx = make_context(probabilities=permuted, classes=["c", "a", "b"])
    for name in ("roc_auc", "weighted_roc_auc", "log_loss", "average_precision"):
        assert measure(name, ctx).value == pytest.approx(measure(name, make_context()).value, abs=EXACT), name


def test_average_precision_is_the_macro_average_of_one_vs_rest() -> None:
    from sklearn.metrics import average_precision_score
    from sklearn.preprocessing import label_binarize

    result = measure("average_precision", make_context())
    truth = label_binarize(TRUTH, classes=["a", "b", "c"])
    expected = average_precision_score(truth, np.asarray(PROBABILITIES), average="macro")
    assert result.value == pytest.approx(expected, abs=EXACT)
    assert [c["positive"] for c in result.details["pr_curves"]] == ["a", "b", "c"]


def test_log_loss_agrees_with_scikit_learn() -> None:
    from sklearn.metrics import log_loss

    expected = log_loss(TRUTH, PROBABILITIES, labels=["a", "b", "c"])
    assert measure("log_loss", make_context()).value == pytest.approx(expected, abs=EXACT)


@pytest.mark.parametrize("name", ["precision", "recall", "f1"])
def test_averages_and_each_class_agree_with_scikit_learn(name: str) -> None:
    from sklearn import metrics

    ctx = make_context()
    macro = measure(name, ctx)
    weighted_result = measure(f"weighted_{name}", ctx)
    score = getattr(metrics, f"{name}_score")
    assert macro.value == pytest.approx(score(TRUTH, LABELS, average="macro"), abs=EXACT)
    assert weighted_result.value == pytest.approx(score(TRUTH, LABELS, average="weighted"), abs=EXACT)
    assert macro.details["averaging"] == "macro"
    assert weighted_result.details["averaging"] == "weighted"
    precision, recall, f1, support = metrics.precision_recall_fscore_support(TRUTH, LABELS, labels=["a", "b", "c"])
    rows = macro.details["per_class"]
    assert [r["label"] for r in rows] == ["a", "b", "c"]
    assert [r["precision"] for r in rows] == pytest.approx(list(precision), abs=EXACT)
    assert [r["recall"] for r in rows] == pytest.approx(list(recall), abs=EXACT)
    assert [r["f1"] for r in rows] == pytest.approx(list(f1), abs=EXACT)
    assert [r["support"] for r in rows] == list(support)
    flat = [v for r in rows for v in (r["precision"], r["recall"], r["f1"])]
    assert flat == pytest.approx([v for scores in PER_CLASS.values() for v in scores], abs=EXACT)


def test_random_multiclass_model_agrees_with_scikit_learn() -> None:
    from sklearn import metrics

    rng = np.random.default_rng(7)
    classes = ["gold", "silver", "bronze", "none"]
    matrix = rng.dirichlet(np.ones(4), size=400)
    truth = [classes[k] for k in (matrix + rng.normal(0, 0.2, matrix.shape)).argmax(axis=1)]
    labels = [classes[k] for k in matrix.argmax(axis=1)]
    ctx = make_context(truth, labels, matrix, classes)
    order = sorted(classes)
    sorted_matrix = matrix[:, [classes.index(c) for c in order]]
    for name, average in (("roc_auc", "macro"), ("weighted_roc_auc", "weighted")):
        expected = metrics.roc_auc_score(truth, sorted_matrix, multi_class="ovr", average=average, labels=order)
        assert measure(name, ctx).value == pytest.approx(expected, abs=1e-12)
    assert measure("log_loss", ctx).value == pytest.approx(metrics.log_loss(truth, sorted_matrix, labels=order))
    assert measure("weighted_f1", ctx).value == pytest.approx(metrics.f1_score(truth, labels, average="weighted"))


def test_a_class_absent_from_the_target_is_left_out_and_named() -> None:
    # no row is truly c: c has no ROC curve; the average is over a and b
    truth = list("aabbba")
    probabilities = [
        [0.7, 0.2, 0.1],
        [0.3, 0.4, 0.3],
        [0.2, 0.6, 0.2],
        [0.5, 0.3, 0.2],
        [0.1, 0.2, 0.7],
        [0.6, 0.3, 0.1],
    ]
    result = measure("roc_auc", make_context(truth, list("abbaca"), probabilities))
    assert result.details["classes_without_rows"] == ["c"]
    assert [c["positive"] for c in result.details["roc_curves"]] == ["a", "b"]
    # a: positives .7 .3 .6 vs negatives .2 .5 .1 -> 3 + 2 + 3 = 8 of 9
    # b: positives .6 .3 .2 vs negatives .2 .4 .3 -> 3 + (1 + 0.5 for the tie) + (0.5 for the tie) = 5 of 9
    assert result.value == pytest.approx((8 / 9 + 5 / 9) / 2, abs=EXACT)


def test_a_target_label_without_a_probability_column_is_inconclusive() -> None:
    result = measure("roc_auc", make_context(truth=list("aabbcda")))
    assert result.value is None
    assert "no probability for: d" in (result.inconclusive_reason or "")


def test_one_class_in_the_target_is_inconclusive() -> None:
    result = measure("roc_auc", make_context(truth=list("aaaaaaa")))
    assert result.value is None
    assert "fewer than two classes" in (result.inconclusive_reason or "")


def test_without_a_probability_matrix_a_score_check_is_inconclusive_with_a_plain_reason() -> None:
    # predictions given as columns: one probability column cannot stand for every class
    for name in ("roc_auc", "weighted_roc_auc", "average_precision", "log_loss"):
        result = measure(name, make_context(probabilities=None, classes=None))
        assert result.value is None
        assert "class probabilities are not known" in (result.inconclusive_reason or "")
        performance.CHECKS[name].evidence.model_validate(result.details)


def test_missing_targets_are_left_out_of_one_vs_rest() -> None:
    truth = [*TRUTH, None]
    probabilities = [*PROBABILITIES, [0.0, 0.0, 1.0]]
    result = measure("roc_auc", make_context(truth, [*LABELS, "c"], probabilities))
    assert result.value == pytest.approx(HAND["roc_auc"], abs=EXACT)
    assert result.details["rows_without_target"] == 1
    assert result.sample_size == 7


def test_binary_only_and_regression_checks_refuse_a_multiclass_audit() -> None:
    for name, says in (("brier_score", "binary models"), ("mae", "regression"), ("mean_residual", "regression")):
        with pytest.raises(ValueError, match=says):
            measure(name, make_context())


def test_every_check_declares_the_tasks_it_means_something_for() -> None:
    tasks = {name: set(definition.tasks) for name, definition in performance.CHECKS.items()}
    classes = {"binary", "multiclass"}
    assert tasks["accuracy"] == tasks["roc_auc"] == tasks["f1"] == tasks["log_loss"] == classes
    assert tasks["brier_score"] == {"binary"}
    assert tasks["weighted_f1"] == tasks["weighted_roc_auc"] == {"multiclass"}
    for name in ("mae", "rmse", "r2", "mean_residual"):
        assert tasks[name] == {"regression"}
    assert all(definition.tasks for definition in performance.CHECKS.values())
