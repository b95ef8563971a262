"""The performance family on tiny hand-made examples whose answers are worked out by hand below."""

from __future__ import annotations

import itertools
import math
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest

from govkit.context import AuditContext, Predictions
from govkit.families import performance
from govkit.registry import NoParams

EXACT = 1e-12


def make_context(
    truth: Any,
    labels: Any,
    scores: Any = None,
    task: str = "binary",
    positive_label: Any = 1,
) -> AuditContext:
    frame = pd.DataFrame({"y": truth, "x": np.arange(len(truth), dtype=float)})
    return AuditContext(
        current=frame,
        reference=None,
        target="y",
        sensitive=[],
        features=["x"],
        task=task,  # type: ignore[arg-type]
        positive_label=positive_label,
        current_predictions=Predictions(
            labels=np.asarray(labels), scores=None if scores is None else np.asarray(scores, dtype=float)
        ),
    )


def measure(name: str, ctx: AuditContext) -> Any:
    return performance.run(name, NoParams(), ctx)


def pairwise_auc(truth: Any, scores: Any) -> float:
    """ROC AUC from its definition: the share of (positive, negative) pairs ranked right, ties count 1/2."""
    positives = [s for t, s in zip(truth, scores, strict=True) if t]
    negatives = [s for t, s in zip(truth, scores, strict=True) if not t]
    won = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p, n in itertools.product(positives, negatives))
    return won / (len(positives) * len(negatives))


# Ten rows, four positives. Row by row:
#   truth  1    1    1    1    0    0    0    0    0    0
#   label  1    1    1    0    1    1    0    0    0    0
#   score  0.9  0.8  0.6  0.3  0.7  0.6  0.2  0.1  0.4  0.05
# TP = 3 (rows 1-3), FN = 1 (row 4), FP = 2 (rows 5-6), TN = 4 (rows 7-10).
TRUTH = [1, 1, 1, 1, 0, 0, 0, 0, 0, 0]
LABELS = [1, 1, 1, 0, 1, 1, 0, 0, 0, 0]
SCORES = [0.9, 0.8, 0.6, 0.3, 0.7, 0.6, 0.2, 0.1, 0.4, 0.05]

HAND = {
    "accuracy": 7 / 10,  # (TP + TN) / n = (3 + 4) / 10
    "precision": 3 / 5,  # TP / (TP + FP) = 3 / 5
    "recall": 3 / 4,  # TP / (TP + FN) = 3 / 4
    "f1": 2 / 3,  # 2PR / (P + R) = 2 * 0.6 * 0.75 / 1.35 = 0.9 / 1.35
    "balanced_accuracy": 17 / 24,  # (TPR + TNR) / 2 = (3/4 + 4/6) / 2 = (18/24 + 16/24) / 2
    # Positive scores 0.9, 0.8, 0.6, 0.3 against the six negatives 0.7, 0.6, 0.2, 0.1, 0.4, 0.05:
    #   0.9 beats 6; 0.8 beats 6; 0.6 beats 4 (0.2, 0.1, 0.4, 0.05), ties 1 (0.6), loses 1 (0.7);
    #   0.3 beats 3 (0.2, 0.1, 0.05). (6 + 6 + 4 + 0.5 + 3) / (4 * 6) = 19.5 / 24.
    "roc_auc": 19.5 / 24,
    # Positives (1 - s)^2: 0.01 + 0.04 + 0.16 + 0.49 = 0.70
    # Negatives s^2: 0.49 + 0.36 + 0.04 + 0.01 + 0.16 + 0.0025 = 1.0625;  (0.70 + 1.0625) / 10
    "brier_score": 0.17625,
}


@pytest.mark.parametrize("name", sorted(HAND))
def test_binary_metrics_equal_the_hand_calculation(name: str) -> None:
    result = measure(name, make_context(TRUTH, LABELS, SCORES))
    assert result.value == pytest.approx(HAND[name], abs=EXACT)
    assert result.sample_size == 10
    assert result.inconclusive_reason is None
    assert result.details["rows_without_target"] == 0


def test_hand_auc_agrees_with_the_pairwise_definition() -> None:
    assert pairwise_auc(TRUTH, SCORES) == pytest.approx(HAND["roc_auc"], abs=EXACT)


def test_roc_auc_matches_the_pairwise_definition_with_many_ties() -> None:
    rng = np.random.default_rng(3)
    truth = rng.integers(0, 2, 60)
    scores = rng.integers(0, 6, 60) / 5  # six distinct values: plenty of ties
    result = measure("roc_auc", make_context(truth, truth, scores))
    assert result.value == pytest.approx(pairwise_auc(truth, scores), abs=EXACT)


def test_accuracy_details_hold_the_confusion_matrix() -> None:
    details = measure("accuracy", make_context(TRUTH, LABELS, SCORES)).details
    # rows are the true label, columns the predicted one: [[TN, FP], [FN, TP]]
    assert details["confusion_matrix"] == {"labels": ["0", "1"], "matrix": [[4, 2], [1, 3]]}


def test_ranking_only_metric_ignores_a_monotone_change_of_scores_but_brier_does_not() -> None:
    squashed = np.asarray(SCORES) ** 3  # same order, different probabilities
    ctx = make_context(TRUTH, LABELS, squashed)
    assert measure("roc_auc", ctx).value == pytest.approx(HAND["roc_auc"], abs=EXACT)
    brier = np.mean((squashed - np.asarray(TRUTH)) ** 2)
    assert measure("brier_score", ctx).value == pytest.approx(brier, abs=EXACT)
    assert brier != pytest.approx(HAND["brier_score"], abs=1e-3)


# String labels, positive "approved". Row by row:
#   truth  A A A A D D D D D D
#   label  A A D D A D D D D D
# For "approved": TP = 2, FP = 1, FN = 2 -> precision 2/3, recall 1/2, F1 = (2/3) / (7/6) = 4/7.
# For "denied":   TP = 5, FP = 2, FN = 1 -> precision 5/7, recall 5/6, F1 = 2*(25/42)/(65/42) = 10/13.
A, D = "approved", "denied"
STRING_TRUTH = [A, A, A, A, D, D, D, D, D, D]
STRING_LABELS = [A, A, D, D, A, D, D, D, D, D]


@pytest.mark.parametrize(
    ("positive", "expected"),
    [
        (A, {"precision": 2 / 3, "recall": 1 / 2, "f1": 4 / 7}),
        (D, {"precision": 5 / 7, "recall": 5 / 6, "f1": 10 / 13}),
    ],
)
def test_string_labels_use_the_given_positive_label(positive: str, expected: dict[str, float]) -> None:
    ctx = make_context(STRING_TRUTH, STRING_LABELS, positive_label=positive)
    for name, value in expected.items():
        assert measure(name, ctx).value == pytest.approx(value, abs=EXACT), name
    # accuracy and balanced accuracy do not depend on which label is positive: 7/10, (2/4 + 5/6) / 2
    assert measure("accuracy", ctx).value == pytest.approx(0.7, abs=EXACT)
    assert measure("balanced_accuracy", ctx).value == pytest.approx((1 / 2 + 5 / 6) / 2, abs=EXACT)


def test_string_labels_rank_scores_of_the_positive_label() -> None:
    # Scores are P("approved"); the two approved rows score 0.8 and 0.4, the denied ones 0.5 and 0.1:
    # pairs (0.8>0.5, 0.8>0.1, 0.4<0.5, 0.4>0.1) -> 3/4. Brier: (0.04 + 0.36 + 0.25 + 0.01) / 4 = 0.165.
    ctx = make_context([A, D, A, D], [A, A, D, D], [0.8, 0.5, 0.4, 0.1], positive_label=A)
    assert measure("roc_auc", ctx).value == pytest.approx(0.75, abs=EXACT)
    assert measure("brier_score", ctx).value == pytest.approx(0.165, abs=EXACT)


# Missing targets. Row by row (NaN rows excluded):
#   truth  1    NaN  0    1    NaN  0    1
#   label  1    0    0    0    1    1    1
#   score  0.9  0.99 0.2  0.3  0.01 0.4  0.8
# Known rows: truth 1 0 1 0 1, label 1 0 0 1 1 -> TP 2, FN 1, FP 1, TN 1.
MISSING_TRUTH = [1.0, np.nan, 0.0, 1.0, np.nan, 0.0, 1.0]
MISSING_LABELS = [1, 0, 0, 0, 1, 1, 1]
MISSING_SCORES = [0.9, 0.99, 0.2, 0.3, 0.01, 0.4, 0.8]
MISSING_HAND = {
    "accuracy": 3 / 5,
    "precision": 2 / 3,
    "recall": 2 / 3,
    "f1": 2 / 3,
    "balanced_accuracy": (2 / 3 + 1 / 2) / 2,
    # positives 0.9, 0.3, 0.8 vs negatives 0.2, 0.4: 0.9 beats 2, 0.3 beats 1, 0.8 beats 2 -> 5/6.
    # (Were the NaN rows kept as negatives, 0.99 would outrank every positive and the AUC would drop.)
    "roc_auc": 5 / 6,
    # (0.01 + 0.04 + 0.49 + 0.04 + 0.16) / 5 = 0.74 / 5
    "brier_score": 0.148,
}


@pytest.mark.parametrize("name", sorted(MISSING_HAND))
def test_rows_without_a_target_are_excluded_and_counted(name: str) -> None:
    result = measure(name, make_context(MISSING_TRUTH, MISSING_LABELS, MISSING_SCORES))
    assert result.value == pytest.approx(MISSING_HAND[name], abs=EXACT)
    assert result.sample_size == 5
    assert result.details["rows_without_target"] == 2


def test_missing_string_targets_are_excluded_and_counted() -> None:
    # Known rows: truth A D A, label A A D -> for "approved": TP 1, FP 1, FN 1.
    ctx = make_context([A, None, D, A, None], [A, D, A, D, A], positive_label=A)
    result = measure("precision", ctx)
    assert result.value == pytest.approx(1 / 2, abs=EXACT)
    assert result.details["rows_without_target"] == 2
    assert measure("accuracy", ctx).value == pytest.approx(1 / 3, abs=EXACT)


def test_confusion_matrix_of_a_target_made_float_by_missing_values() -> None:
    # The target column is float (1.0, 0.0) because of the NaN; the predicted labels are ints.
    details = measure("accuracy", make_context(MISSING_TRUTH, MISSING_LABELS, MISSING_SCORES)).details
    assert details["confusion_matrix"] == {"labels": ["0", "1"], "matrix": [[1, 1], [1, 2]]}


def test_no_known_target_is_inconclusive() -> None:
    result = measure("accuracy", make_context([np.nan, np.nan], [1, 0]))
    assert result.value is None
    assert result.inconclusive_reason
    assert result.details["rows_without_target"] == 2


def test_one_class_target_makes_roc_auc_inconclusive() -> None:
    ctx = make_context([1, 1, 1], [1, 0, 1], [0.9, 0.2, 0.8])
    result = measure("roc_auc", ctx)
    assert result.value is None
    assert result.inconclusive_reason is not None
    assert "one class" in result.inconclusive_reason
    assert result.sample_size == 3


def test_one_class_target_still_has_a_brier_score() -> None:
    # The Brier score needs no negative row: ((1-0.9)^2 + (1-0.2)^2 + (1-0.8)^2) / 3 = 0.69 / 3
    result = measure("brier_score", make_context([1, 1, 1], [1, 0, 1], [0.9, 0.2, 0.8]))
    assert result.inconclusive_reason is None
    assert result.value == pytest.approx(0.23, abs=EXACT)


def test_multiclass_precision_recall_f1_are_macro_averaged() -> None:
    # truth a a b b c c, label a b b b c a
    # precision: a 1/2, b 2/3, c 1/1 -> 13/18;  recall: a 1/2, b 2/2, c 1/2 -> 2/3
    ctx = make_context(list("aabbcc"), list("abbbca"), task="multiclass", positive_label=None)
    precision = measure("precision", ctx)
    assert precision.value == pytest.approx((1 / 2 + 2 / 3 + 1) / 3, abs=EXACT)
    assert precision.details["averaging"] == "macro"
    assert measure("recall", ctx).value == pytest.approx((1 / 2 + 1 + 1 / 2) / 3, abs=EXACT)


# Regression. truth 3, -0.5, 2, 7; prediction 2.5, 0, 2, 8; errors -0.5, 0.5, 0, 1.
#   MAE  = (0.5 + 0.5 + 0 + 1) / 4 = 0.5
#   RMSE = sqrt((0.25 + 0.25 + 0 + 1) / 4) = sqrt(0.375)
#   R²   = 1 - SS_res / SS_tot; mean 2.875; SS_tot = 0.125² + 3.375² + 0.875² + 4.125² = 29.1875
#        = 1 - 1.5 / 29.1875
REGRESSION_TRUTH = [3.0, -0.5, 2.0, 7.0]
REGRESSION_PREDICTION = [2.5, 0.0, 2.0, 8.0]
REGRESSION_HAND = {"mae": 0.5, "rmse": math.sqrt(0.375), "r2": 1 - 1.5 / 29.1875}


@pytest.mark.parametrize("name", sorted(REGRESSION_HAND))
def test_regression_metrics_equal_the_hand_calculation(name: str) -> None:
    ctx = make_context(REGRESSION_TRUTH, REGRESSION_PREDICTION, task="regression", positive_label=None)
    result = measure(name, ctx)
    assert result.value == pytest.approx(REGRESSION_HAND[name], abs=EXACT)
    assert result.sample_size == 4


def test_regression_excludes_rows_without_a_target() -> None:
    ctx = make_context(
        [*REGRESSION_TRUTH, np.nan], [*REGRESSION_PREDICTION, 100.0], task="regression", positive_label=None
    )
    result = measure("mae", ctx)
    assert result.value == pytest.approx(0.5, abs=EXACT)
    assert result.details["rows_without_target"] == 1


@pytest.mark.parametrize("name", sorted(REGRESSION_HAND))
def test_regression_check_on_a_binary_task_raises(name: str) -> None:
    with pytest.raises(ValueError, match="regression"):
        measure(name, make_context(TRUTH, LABELS, SCORES))


# ---------------------------------------------------------------------------------------------
# Evidence: every check's details fit its model, and a renamed key does not

CLASSIFIER_CONTEXTS = {
    "binary": lambda: make_context(TRUTH, LABELS, SCORES),
    "strings": lambda: make_context(STRING_TRUTH, STRING_LABELS, positive_label=A),
    "missing targets": lambda: make_context(MISSING_TRUTH, MISSING_LABELS, MISSING_SCORES),
    "no known target": lambda: make_context([np.nan, np.nan], [1, 0], [0.2, 0.7]),
    "one class": lambda: make_context([1, 1, 1], [1, 0, 1], [0.9, 0.2, 0.8]),
    "multiclass": lambda: make_context(list("aabbcc"), list("abbbca"), task="multiclass", positive_label=None),
}
LABEL_CHECKS = ("accuracy", "balanced_accuracy", "f1", "precision", "recall")


def assert_fits(name: str, details: dict[str, Any]) -> None:
    from govkit.results import Measurement
    from govkit.runner import evidence_problem

    definition = performance.CHECKS[name]
    definition.evidence.model_validate(details)
    assert evidence_problem(definition, Measurement(details=details)) is None


@pytest.mark.parametrize("case", sorted(CLASSIFIER_CONTEXTS))
def test_classifier_evidence_fits_its_model(case: str) -> None:
    ctx = CLASSIFIER_CONTEXTS[case]()
    names = [n for n, d in performance.CHECKS.items() if ctx.task in d.tasks]
    if ctx.y_score is None:
        names = [n for n in names if "probability" not in performance.CHECKS[n].requires]
    for name in names:
        with warnings.catch_warnings():
            # balanced accuracy of a one-class target: scikit-learn warns of a class missing from the truth
            warnings.simplefilter("ignore", UserWarning)
            details = measure(name, ctx).details
        assert_fits(name, details)


def test_regression_evidence_fits_its_model() -> None:
    for truth in (REGRESSION_TRUTH, [*REGRESSION_TRUTH, np.nan], [np.nan] * 4):
        ctx = make_context(truth, [*REGRESSION_PREDICTION, 1.0][: len(truth)], task="regression", positive_label=None)
        for name in REGRESSION_HAND:
            assert_fits(name, measure(name, ctx).details)


def test_evidence_fits_its_model_on_the_example(adult_build) -> None:
    from govkit.preflight import prepare

    ctx = prepare(
        data=adult_build / "current.csv",
        model=adult_build / "model.skops",
        target="income-per-year",
        positive_label=">50K",
        trusted_types=["sklearn.tree._tree.Tree"],
    ).context
    for name, definition in performance.CHECKS.items():
        if "binary" not in definition.tasks:
            continue
        details = measure(name, ctx).details
        assert_fits(name, details)
        assert ("confusion_matrix" in details) == (name in LABEL_CHECKS)


def test_a_renamed_key_is_rejected() -> None:
    from pydantic import ValidationError

    details = measure("f1", make_context(TRUTH, LABELS, SCORES)).details
    renamed = [
        {"rows_missing_target": 0, "confusion_matrix": details["confusion_matrix"]},
        {**details, "confusion_matrix": {"label": ["0", "1"], "matrix": [[4, 2], [1, 3]]}},
        {**details, "confusion": details["confusion_matrix"]},
    ]
    for wrong in renamed:
        with pytest.raises(ValidationError):
            performance.CHECKS["f1"].evidence.model_validate(wrong)
    with pytest.raises(ValidationError):
        performance.CHECKS["roc_auc"].evidence.model_validate({"rows_without_target": 0, "roc_curve": []})


# ---------------------------------------------------------------------------------------------
# The confusion matrix: every check on the labels records it, counted as an accumulator


@pytest.mark.parametrize("name", LABEL_CHECKS)
def test_every_check_on_the_labels_records_the_confusion_matrix(name: str) -> None:
    details = measure(name, make_context(TRUTH, LABELS, SCORES)).details
    assert details["confusion_matrix"] == {"labels": ["0", "1"], "matrix": [[4, 2], [1, 3]]}


def test_checks_on_scores_and_errors_record_no_confusion_matrix() -> None:
    ctx = make_context(TRUTH, LABELS, SCORES)
    assert "confusion_matrix" not in measure("roc_auc", ctx).details
    assert "confusion_matrix" not in measure("brier_score", ctx).details


def batches_of(ctx: AuditContext, cuts: list[int]) -> list[Any]:
    from govkit.context import Batch

    bounds = [0, *cuts, len(ctx.current)]
    return [
        Batch(frame=ctx.current.iloc[start:stop], labels=ctx.y_pred[start:stop], scores=None, offset=start)
        for start, stop in itertools.pairwise(bounds)
    ]


@pytest.mark.parametrize(
    ("truth", "labels"),
    [
        (MISSING_TRUTH, MISSING_LABELS),  # float target with gaps, int labels: 1.0 and 1 are one label
        (STRING_TRUTH, STRING_LABELS),
        ([A, None, D, A, None, "other"], [A, D, A, D, A, A]),  # a label only one batch sees
        (list("aabbccab"), list("abbbcaca")),
    ],
)
def test_confusion_over_batches_equals_one_batch_and_scikit_learn(truth: list[Any], labels: list[Any]) -> None:
    from sklearn.metrics import confusion_matrix

    from govkit.context import accumulate
    from govkit.families.performance.confusion import ConfusionCounter, confusion
    from govkit.families.performance.rows import labelled

    ctx = make_context(truth, labels, task="multiclass", positive_label=None)
    whole = confusion(ctx)
    counter = ConfusionCounter("y")
    for cuts in ([3], [1, 4], [2, 3]):
        split = accumulate(counter, iter(batches_of(ctx, cuts)))
        assert split.labels == whole.labels
        assert np.array_equal(split.matrix, whole.matrix)
        backwards = accumulate(counter, reversed(batches_of(ctx, cuts)))
        assert backwards.evidence() == whole.evidence()
    y_true, y_pred, _ = labelled(ctx.y_true.to_numpy(), ctx.y_pred)
    if y_true.dtype.kind == "f":
        y_true = y_true.astype(int)  # the target is float only because of its gaps
    # scikit-learn orders the labels by value; here they are few and sort the same as text
    assert whole.matrix.tolist() == confusion_matrix(y_true, y_pred).tolist()


def test_confusion_matches_scikit_learn_on_the_example(adult_build) -> None:
    from sklearn.metrics import confusion_matrix

    from govkit.context import accumulate
    from govkit.families.performance.confusion import ConfusionCounter, confusion
    from govkit.preflight import prepare

    ctx = prepare(
        data=adult_build / "current.csv",
        model=adult_build / "model.skops",
        target="income-per-year",
        positive_label=">50K",
        trusted_types=["sklearn.tree._tree.Tree"],
    ).context
    whole = confusion(ctx)
    assert whole.labels == ["<=50K", ">50K"]
    assert whole.matrix.tolist() == confusion_matrix(ctx.y_true, ctx.y_pred, labels=whole.labels).tolist()
    third = len(ctx.current) // 3
    split = accumulate(ConfusionCounter(ctx.target), iter(batches_of(ctx, [third, 2 * third])))
    assert split.evidence() == whole.evidence()


# ---------------------------------------------------------------------------------------------
# The report section


def judged(name: str, ctx: AuditContext) -> Any:
    from govkit.results import CheckResult, Status

    measured = measure(name, ctx)
    return CheckResult(
        id=f"performance.{name}", family="performance", title=name, status=Status.PASS, message="", measurement=measured
    )


@pytest.mark.parametrize("name", LABEL_CHECKS)
def test_the_section_shows_the_confusion_matrix_for_any_check_on_the_labels(name: str) -> None:
    from types import SimpleNamespace

    from govkit.report.html import environment
    from govkit.report.sections import performance as section

    ctx = make_context(STRING_TRUTH, STRING_LABELS, SCORES, positive_label=A)
    view = section.build([judged("roc_auc", ctx), judged(name, ctx)])
    assert view.confusion is not None
    assert view.confusion.labels == [A, D]
    assert [(row.label, row.cells) for row in view.confusion.rows] == [(A, ["2", "2"]), (D, ["1", "5"])]
    html = environment().get_template(section.TEMPLATE).render(family=SimpleNamespace(extras=view))
    assert "<h3>Confusion matrix</h3>" in html


def test_the_section_has_no_confusion_matrix_without_a_check_on_the_labels() -> None:
    from types import SimpleNamespace

    from govkit.report.html import environment
    from govkit.report.sections import performance as section
    from govkit.results import CheckResult, Measurement, Status

    ctx = make_context(TRUTH, LABELS, SCORES)
    broken = CheckResult(
        id="performance.accuracy",
        family="performance",
        title="accuracy",
        status=Status.ERROR,
        message="",
        measurement=Measurement(details={"confusion_matrix": {"labels": ["0"]}}),
    )
    view = section.build([broken, judged("roc_auc", ctx), judged("brier_score", ctx)])
    assert view.confusion is None
    html = environment().get_template(section.TEMPLATE).render(family=SimpleNamespace(extras=view))
    assert "Confusion matrix" not in html
    # the checks on scores still bring their plots (tests/test_performance_plots.py)
    assert [plot.title for plot in view.plots] == ["ROC curve", "Calibration (all rows)"]
