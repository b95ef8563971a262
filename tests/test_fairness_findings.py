"""Issue 14's findings, one test each: every one of them failed on the fairness code before the fix.

The tests use the family's public face only (``fairness.run``, its parameters, the runner's ``judge``)
so that they can be run against the earlier code too.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from govkit.context import AuditContext, Predictions
from govkit.families import fairness
from govkit.families.fairness.params import FairnessParams
from govkit.results import Status, Threshold
from govkit.runner import judge


def context(frame: pd.DataFrame, predictions: np.ndarray, sensitive: list[str] | None = None) -> AuditContext:
    return AuditContext(
        current=frame,
        reference=None,
        target="y",
        sensitive=sensitive or ["group"],
        features=[],
        task="binary",
        positive_label=1,
        current_predictions=Predictions(labels=np.asarray(predictions), scores=None),
    )


def from_counts(cells: dict[str, tuple[int, int, int, int]], column: str = "group") -> AuditContext:
    """A frame with the given (tp, fn, fp, tn) per group; the prediction is 1 for tp and fp."""
    groups, truth, decision = [], [], []
    for label, (tp, fn, fp, tn) in cells.items():
        for count, y, predicted in ((tp, 1, 1), (fn, 1, 0), (fp, 0, 1), (tn, 0, 0)):
            groups += [label] * count
            truth += [y] * count
            decision += [predicted] * count
    return context(pd.DataFrame({column: groups, "y": truth}), np.array(decision), sensitive=[column])


def test_an_undefined_rate_is_never_parity() -> None:
    """Bootstrap bug: a group with 2 positives made the interval of equal opportunity reach 0 (parity).

    A has a true positive rate of 161/200 = 0.805; B has 1,000 rows but 2 positives, both missed. The
    old bootstrap scored every resample where B drew no positive as a gap of 0, so the interval was
    (0.0, 0.837) and ``fail_when: interval`` turned the failure into a warning.
    """
    ctx = from_counts({"A": (161, 39, 0, 800), "B": (0, 2, 0, 998)})
    measured = fairness.run("equal_opportunity_difference", FairnessParams(), ctx)
    status, message = judge(measured, None, Threshold(gt=0.1), "interval")
    # two positives cannot decide a true positive rate: no comparison, and never a warning that looks like parity
    assert status == Status.INCONCLUSIVE, message
    assert "true positive rate" in message

    # allowed to decide, B's rate of 0 of 2 is undefined in no way: the interval stays clear of parity
    decided = fairness.run("equal_opportunity_difference", FairnessParams(min_rate_denominator=1), ctx)
    assert decided.value == pytest.approx(0.805)
    assert decided.interval[0] > 0.1
    assert judge(decided, None, Threshold(gt=0.1), "interval")[0] == Status.FAIL


def test_equalized_odds_is_not_decided_on_half_its_definition() -> None:
    """Vacuous half-pass: with no negative outcome anywhere, equalized odds was the TPR gap alone, and passed."""
    ctx = from_counts({"A": (70, 30, 0, 0), "B": (65, 35, 0, 0)})
    measured = fairness.run("equalized_odds_difference", FairnessParams(), ctx)
    assert measured.value == pytest.approx(0.05)
    status, message = judge(measured, Threshold(gt=0.1), Threshold(gt=0.2))
    assert status == Status.INCONCLUSIVE, message
    assert "false positive rate" in message
    # ... unless the part that is defined already fails
    failing = fairness.run(
        "equalized_odds_difference", FairnessParams(), from_counts({"A": (70, 30, 0, 0), "B": (35, 65, 0, 0)})
    )
    assert judge(failing, Threshold(gt=0.1), Threshold(gt=0.2))[0] == Status.FAIL


def test_the_gate_counts_the_rates_own_denominator() -> None:
    """A group with 500 rows but 3 positives decided (and failed) equal opportunity on 3 people."""
    ctx = from_counts({"A": (140, 60, 30, 270), "B": (136, 64, 30, 270), "C": (0, 3, 50, 447)})
    measured = fairness.run("equal_opportunity_difference", FairnessParams(), ctx)
    assert measured.value == pytest.approx(0.70 - 0.68)  # A and B only
    status, message = judge(measured, Threshold(gt=0.05), Threshold(gt=0.1))
    assert status == Status.INCONCLUSIVE, message  # C would decide, on 3 people: collect more data
    assert "C" in measured.inconclusive_reason
    # the group table says why C does not decide the true positive rate
    rows = {row["group"]: row for row in measured.details["groups"]["group"]}
    assert rows["C"]["large_enough"] and rows["C"]["too_few_for"] == ["tpr", "fnr"]


def test_a_warning_among_large_groups_is_kept() -> None:
    """Inconclusive hid a warning: a gap of 0.45 among the large groups was reported as inconclusive."""
    ctx = from_counts({"Large A": (300, 0, 300, 400), "Large B": (75, 0, 75, 850), "Small": (2, 0, 0, 0)})
    measured = fairness.run("demographic_parity_difference", FairnessParams(), ctx)
    assert measured.value == pytest.approx(0.60 - 0.15)
    assert "Small" in measured.inconclusive_reason  # the small group would decide: noted
    status, message = judge(measured, Threshold(gt=0.1), None)
    assert status == Status.WARN
    assert "Small" in message


def test_every_metric_compares_groups_with_a_reference_group() -> None:
    """Pairwise comparisons were missing: no reference group for differences, and DI could not exceed 1."""
    ctx = from_counts({"African-American": (1188, 473, 681, 833), "Caucasian": (430, 392, 302, 979)}, "race")
    params = FairnessParams(reference_group="Caucasian")
    impact = fairness.run("disparate_impact_ratio", params, ctx)
    assert impact.value == pytest.approx((1869 / 3175) / (732 / 2103))  # 1.69, as AIF360 and aequitas report
    parity = fairness.run("demographic_parity_difference", params, ctx)
    (comparison,) = parity.details["comparisons"]
    assert comparison["reference_group"] == "Caucasian"
    (against,) = comparison["against_reference"]
    assert against["group"] == "African-American"
    assert against["value"] == pytest.approx(1869 / 3175 - 732 / 2103)  # AIF360's sign: group minus reference


def test_confidence_applies_to_the_group_intervals() -> None:
    ctx = from_counts({"A": (40, 10, 20, 30), "B": (30, 20, 10, 40)})
    wide = fairness.run("demographic_parity_difference", FairnessParams(), ctx).details["groups"]["group"][0]
    narrow = fairness.run("demographic_parity_difference", FairnessParams(confidence=0.8), ctx)
    row = narrow.details["groups"]["group"][0]
    assert row["selection_rate_interval"][1] - row["selection_rate_interval"][0] < (
        wide["selection_rate_interval"][1] - wide["selection_rate_interval"][0]
    )


def test_the_report_prints_the_level_of_its_intervals() -> None:
    from types import SimpleNamespace

    from govkit.report.html import environment
    from govkit.report.sections import fairness as section
    from govkit.results import CheckResult

    ctx = from_counts({"A": (40, 10, 20, 30), "B": (30, 20, 10, 40)})
    measured = fairness.run("demographic_parity_ratio", FairnessParams(confidence=0.9), ctx)
    check = CheckResult(
        id="fairness.demographic_parity_ratio",
        family="fairness",
        title="DPR",
        status=Status.PASS,
        message="",
        measurement=measured,
    )
    html = environment().get_template(section.TEMPLATE).render(family=SimpleNamespace(extras=section.build([check])))
    assert "90% Wilson interval" in html and "90% interval" in html
    assert "95%" not in html


def test_a_reference_group_too_small_says_so() -> None:
    ctx = from_counts({"A": (20, 20, 20, 40), "B": (25, 15, 20, 40), "Ref": (2, 2, 2, 4)})
    measured = fairness.run("disparate_impact_ratio", FairnessParams(reference_group="Ref"), ctx)
    assert measured.value is None
    assert "reference group 'Ref' is too small" in measured.inconclusive_reason


def test_regression_fairness_has_intervals() -> None:
    rng = np.random.default_rng(4)
    frame = pd.DataFrame({"group": rng.choice(["A", "B"], size=400), "y": rng.normal(50, 10, size=400)})
    predicted = frame["y"].to_numpy() + rng.normal(0, 3, size=400) + np.where(frame["group"] == "A", 2.0, 0.0)
    ctx = context(frame, predicted)
    ctx.task, ctx.positive_label = "regression", None
    ctx.current_predictions = Predictions(labels=predicted, scores=None)
    for name in ("mean_prediction_difference", "mae_difference", "rmse_difference"):
        measured = fairness.run(name, FairnessParams(), ctx)
        assert measured.interval is not None, name
        assert measured.interval[0] <= measured.value <= measured.interval[1], name


def _precision_frames(rng: np.random.Generator, sizes: tuple[int, ...], datasets: int):
    """COMPAS-sized groups whose true precision differs by 0.01: the largest of the noisy gaps is biased upward."""
    base = np.array([0.52, 0.39, 0.37, 0.35])
    tpr = np.array([0.72, 0.52, 0.57, 0.5])
    precision = np.array([0.63, 0.625, 0.62, 0.625])
    fpr = base * tpr * (1 - precision) / (precision * (1 - base))
    accuracy = base * tpr + (1 - base) * (1 - fpr)
    probabilities = np.stack([base * tpr, base * (1 - tpr), (1 - base) * fpr, (1 - base) * (1 - fpr)], axis=1)
    for _ in range(datasets):
        cells = {
            f"g{i}": tuple(int(c) for c in rng.multinomial(n, p))
            for i, (n, p) in enumerate(zip(sizes, probabilities, strict=True))
        }
        yield from_counts(cells), np.ptp(precision), np.ptp(accuracy)


def test_intervals_cover_on_compas_sized_groups() -> None:
    """Coverage: the percentile bootstrap of the largest gap covered 46% (predictive parity) on COMPAS sizes."""
    rng = np.random.default_rng(14)
    covered = {"predictive_parity_difference": 0, "accuracy_difference": 0}
    datasets = 150
    for ctx, precision_gap, accuracy_gap in _precision_frames(rng, (3175, 2103, 509, 343), datasets):
        for name, truth in (("predictive_parity_difference", precision_gap), ("accuracy_difference", accuracy_gap)):
            low, high = fairness.run(name, FairnessParams(), ctx).interval
            covered[name] += low <= truth <= high
    for name, count in covered.items():
        assert count / datasets >= 0.92, (name, count / datasets)
