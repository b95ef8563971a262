"""Weak segments: a planted weak slice is found first, pure noise finds nothing, the statistics match statsmodels."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binomtest, chi2_contingency
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint, proportions_ztest
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

from govkit.context import AuditContext, Predictions
from govkit.families.robustness import CHECKS, run
from govkit.families.robustness.evidence import WeakSegmentEvidence
from govkit.families.robustness.params import WeakSegmentParams
from govkit.families.robustness.statistics import holm, mean_interval, mean_worse_p, rate_worse_p, wilson

REGIONS = [f"region-{i}" for i in range(10)]
PRODUCTS = [f"product-{i}" for i in range(5)]


def sales(seed: int, rows: int, planted: bool, base_error: float = 0.1) -> tuple[pd.DataFrame, np.ndarray]:
    """Rows over 10 regions x 5 products (the planted cell is 2% of rows) and whether each decision is wrong."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "region": rng.choice(REGIONS, rows),
            "product": rng.choice(PRODUCTS, rows),
            "amount": rng.gamma(2.0, 50.0, rows),
            "tenure": rng.integers(0, 30, rows),
            "sex": rng.choice(["F", "M"], rows),
        }
    )
    error = np.full(rows, base_error)
    if planted:
        error[(frame["region"] == "region-3").to_numpy() & (frame["product"] == "product-2").to_numpy()] = (
            3 * base_error
        )
    return frame, rng.random(rows) < error


def classifier_context(frame: pd.DataFrame, wrong: np.ndarray, seed: int = 0, **kwargs: Any) -> AuditContext:
    """A binary audit whose predictions are wrong exactly where ``wrong`` says."""
    rng = np.random.default_rng(seed + 1)
    truth = rng.integers(0, 2, len(frame))
    current = frame.assign(y=truth)
    predicted = np.where(wrong, 1 - truth, truth)
    return AuditContext(
        current=current,
        reference=kwargs.pop("reference", current),
        target="y",
        sensitive=kwargs.pop("sensitive", ["sex"]),
        features=[c for c in frame.columns],
        task="binary",
        positive_label=1,
        current_predictions=Predictions(labels=predicted, scores=None),
        **kwargs,
    )


def weak_segments(ctx: AuditContext, **params: Any) -> WeakSegmentEvidence:
    measurement = run("weak_segments", WeakSegmentParams(**params), ctx)
    return WeakSegmentEvidence.model_validate(measurement.details)


def test_a_planted_weak_slice_is_found_first() -> None:
    frame, wrong = sales(seed=7, rows=20_000, planted=True)
    evidence = weak_segments(classifier_context(frame, wrong))
    first = evidence.slices[0]
    assert {(c.column, c.value) for c in first.conditions} == {("region", "region-3"), ("product", "product-2")}
    assert first.weak and first.ratio is not None and first.ratio > 2.2
    assert 0.015 < first.share < 0.025
    # the slice's rate and interval are its own rows' error rate and Wilson interval
    cell = (frame["region"] == "region-3") & (frame["product"] == "product-2")
    assert first.rows == int(cell.sum())
    assert first.value == pytest.approx(wrong[cell.to_numpy()].mean())
    low, high = proportion_confint(int(wrong[cell.to_numpy()].sum()), first.rows, alpha=0.05, method="wilson")
    assert first.interval == pytest.approx((low, high))
    assert evidence.overall == pytest.approx(wrong.mean())


def test_no_planted_slice_finds_nothing_in_at_least_95_percent_of_runs() -> None:
    clean = 0
    for seed in range(40):
        frame, wrong = sales(seed=seed, rows=5_000, planted=False)
        clean += weak_segments(classifier_context(frame, wrong, seed=seed)).weak_count == 0
    assert clean >= 38, f"only {clean} of 40 noise-only runs found no weak slice"


def test_the_budget_bounds_the_search_and_is_reported() -> None:
    frame, wrong = sales(seed=1, rows=5_000, planted=True)
    evidence = weak_segments(classifier_context(frame, wrong), max_slices=30)
    assert evidence.budget == 30 and evidence.budget_reached
    assert 0 < evidence.slices_tested <= 30
    assert evidence.column_pairs_skipped > 0
    full = weak_segments(classifier_context(frame, wrong))
    assert not full.budget_reached and full.column_pairs_skipped == 0


def test_sensitive_columns_are_left_out_unless_asked_for() -> None:
    frame, wrong = sales(seed=2, rows=3_000, planted=False)
    left_out = weak_segments(classifier_context(frame, wrong))
    assert "sex" not in left_out.columns and left_out.excluded_sensitive == ["sex"]
    included = weak_segments(classifier_context(frame, wrong), include_sensitive=True)
    assert "sex" in included.columns and included.excluded_sensitive == []


def test_numeric_slices_are_cut_at_the_reference_quantiles() -> None:
    frame, wrong = sales(seed=3, rows=4_000, planted=False)
    reference = frame.assign(amount=np.linspace(0, 400, len(frame)), y=0)
    evidence = weak_segments(classifier_context(frame, wrong, reference=reference), max_features=1, top_k=100)
    amounts = {c.value for s in evidence.slices for c in s.conditions if c.column == "amount"}
    assert amounts == {"< 100", "100 to 200", "200 to 300", "≥ 300"}


def test_false_negative_rate_counts_missed_favourable_rows_by_hand() -> None:
    frame = pd.DataFrame({"region": ["a"] * 6 + ["b"] * 6, "x": range(12)})
    truth = np.array([1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 0, 0])
    predicted = np.array([0, 1, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0])
    ctx = AuditContext(
        current=frame.assign(y=truth),
        reference=None,
        target="y",
        sensitive=[],
        features=["region", "x"],
        task="binary",
        positive_label=1,
        current_predictions=Predictions(labels=predicted, scores=None),
    )
    evidence = weak_segments(ctx, metric="false_negative_rate", min_size=10, max_features=1)
    # 7 actual positives, 4 of them predicted 0
    assert evidence.rows == 7 and evidence.overall == pytest.approx(4 / 7)
    assert evidence.slices_tested == 0


def test_regression_slices_compare_mean_absolute_errors() -> None:
    frame, _ = sales(seed=4, rows=10_000, planted=False)
    rng = np.random.default_rng(4)
    truth = rng.normal(100, 10, len(frame))
    noise = rng.normal(0, 5, len(frame))
    cell = ((frame["region"] == "region-6") & (frame["product"] == "product-0")).to_numpy()
    noise[cell] *= 4
    ctx = AuditContext(
        current=frame.assign(y=truth),
        reference=None,
        target="y",
        sensitive=["sex"],
        features=list(frame.columns),
        task="regression",
        positive_label=None,
        current_predictions=Predictions(labels=truth + noise, scores=None),
    )
    evidence = weak_segments(ctx)
    assert evidence.metric == "mae"
    first = evidence.slices[0]
    assert {(c.column, c.value) for c in first.conditions} == {("region", "region-6"), ("product", "product-0")}
    assert first.value == pytest.approx(np.abs(noise[cell]).mean())
    assert evidence.overall == pytest.approx(np.abs(noise).mean())


def test_rate_test_is_the_larger_of_the_exact_binomial_and_yates_tests() -> None:
    bad, count = np.array([30.0, 25.0, 21.0, 120.0]), np.array([100.0, 120.0, 60.0, 800.0])
    bad_all, count_all = 200.0, 1500.0
    ours = rate_worse_p(bad, count, bad_all, count_all)
    for i in range(4):
        outside_bad, outside = bad_all - bad[i], count_all - count[i]
        exact = binomtest(int(bad[i]), int(count[i]), outside_bad / outside, alternative="greater").pvalue
        table = [[bad[i], count[i] - bad[i]], [outside_bad, outside - outside_bad]]
        yates = chi2_contingency(table, correction=True).pvalue / 2
        assert ours[i] == pytest.approx(max(exact, yates))
    # a small slice with a low rate: the plain z test's normal tail is too thin, the exact test is not
    small = rate_worse_p(np.array([24.0]), np.array([120.0]), 500.0, 5000.0)[0]
    _, uncorrected = proportions_ztest([24, 476], [120, 4880], alternative="larger")
    assert small == pytest.approx(binomtest(24, 120, 476 / 4880, alternative="greater").pvalue)
    assert small > 3 * uncorrected


def test_wilson_matches_statsmodels() -> None:
    bad, count = np.array([30.0, 12.0, 5.0]), np.array([100.0, 80.0, 60.0])
    low, high = wilson(bad, count, 0.9)
    for i in range(3):
        assert (low[i], high[i]) == pytest.approx(proportion_confint(bad[i], count[i], alpha=0.1, method="wilson"))


def test_mean_test_and_interval_match_statsmodels() -> None:
    rng = np.random.default_rng(0)
    values = np.abs(rng.normal(0, 1, 600))
    values[:80] *= 1.6
    inside, outside = values[:80], values[80:]
    p = mean_worse_p(
        np.array([inside.sum()]),
        np.array([(inside**2).sum()]),
        np.array([80.0]),
        values.sum(),
        (values**2).sum(),
        600.0,
    )
    _, expected = CompareMeans(DescrStatsW(inside), DescrStatsW(outside)).ztest_ind(
        alternative="larger", usevar="unequal"
    )
    assert p[0] == pytest.approx(expected)
    low, high = mean_interval(np.array([inside.sum()]), np.array([(inside**2).sum()]), np.array([80.0]), 0.95)
    assert (low[0], high[0]) == pytest.approx(DescrStatsW(inside).zconfint_mean(alpha=0.05))


def test_holm_matches_statsmodels() -> None:
    p = np.array([0.01, 0.04, 0.03, 0.005, 0.2, 0.04])
    assert holm(p) == pytest.approx(multipletests(p, method="holm")[1])


def test_the_check_declares_its_tasks_and_counts_weak_slices() -> None:
    assert CHECKS["weak_segments"].tasks == frozenset({"binary", "multiclass", "regression"})
    frame, wrong = sales(seed=7, rows=20_000, planted=True)
    measurement = run("weak_segments", WeakSegmentParams(), classifier_context(frame, wrong))
    assert measurement.value == measurement.details["weak_count"] >= 1
    assert "region-3" in measurement.summary
