"""The performance family on a regressor: MAE, RMSE, R² from mergeable error sums, and the residuals'
distribution, each checked by hand on a tiny frame and against scikit-learn and numpy."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from govkit.context import AuditContext, Batch, Predictions, accumulate
from govkit.families import performance
from govkit.families.performance.regression import MAX_SCATTER, ErrorSums
from govkit.registry import NoParams

EXACT = 1e-12

# truth 3, -0.5, 2, 7; prediction 2.5, 0, 2, 8; residuals (target - prediction) 0.5, -0.5, 0, -1.
#   MAE 0.5; RMSE sqrt(1.5 / 4); R² = 1 - 1.5 / 29.1875 (mean 2.875); mean residual -1 / 4
TRUTH = [3.0, -0.5, 2.0, 7.0]
PREDICTION = [2.5, 0.0, 2.0, 8.0]
HAND = {"mae": 0.5, "rmse": math.sqrt(0.375), "r2": 1 - 1.5 / 29.1875, "mean_residual": -0.25}


def make_context(truth: Any, prediction: Any, seed: int = 0) -> AuditContext:
    frame = pd.DataFrame({"y": truth, "x": np.arange(len(truth), dtype=float)})
    return AuditContext(
        current=frame,
        reference=None,
        target="y",
        sensitive=[],
        features=["x"],
        task="regression",
        positive_label=None,
        seed=seed,
        current_predictions=Predictions(labels=np.asarray(prediction, dtype=float), scores=None),
    )


def measure(name: str, ctx: AuditContext) -> Any:
    return performance.run(name, NoParams(), ctx)


@pytest.mark.parametrize("name", sorted(HAND))
def test_regression_metrics_equal_the_hand_calculation(name: str) -> None:
    result = measure(name, make_context(TRUTH, PREDICTION))
    assert result.value == pytest.approx(HAND[name], abs=EXACT)
    assert result.sample_size == 4
    performance.CHECKS[name].evidence.model_validate(result.details)


def scikit_learn(name: str, truth: Any, prediction: Any) -> float:
    from sklearn import metrics

    return {
        "mae": metrics.mean_absolute_error,
        "rmse": metrics.root_mean_squared_error,
        "r2": metrics.r2_score,
        "mean_residual": lambda t, p: float(np.mean(np.asarray(t) - np.asarray(p))),
    }[name](truth, prediction)


@pytest.mark.parametrize("offset", [0.0, 1e6])  # a target far from zero must not lose R² to cancellation
def test_regression_metrics_agree_with_scikit_learn(offset: float) -> None:
    rng = np.random.default_rng(11)
    truth = rng.normal(40, 12, 3000) + offset
    prediction = truth + rng.normal(1.5, 6, 3000)
    ctx = make_context(truth, prediction)
    for name in HAND:
        assert measure(name, ctx).value == pytest.approx(scikit_learn(name, truth, prediction), rel=1e-9, abs=1e-9)


def batches_of(ctx: AuditContext, cuts: list[int]) -> list[Batch]:
    bounds = [0, *cuts, len(ctx.current)]
    return [
        Batch(frame=ctx.current.iloc[start:stop], labels=ctx.y_pred[start:stop], scores=None, offset=start)
        for start, stop in itertools.pairwise(bounds)
    ]


def test_error_sums_over_batches_equal_one_batch() -> None:
    rng = np.random.default_rng(5)
    truth = rng.normal(100, 20, 500)
    truth[[3, 77, 400]] = np.nan  # rows without a target, in different batches
    ctx = make_context(truth, truth + rng.normal(0, 5, 500))
    whole = accumulate(ErrorSums("y"), ctx.batches())
    assert whole.rows == 497
    for cuts in ([250], [1, 2, 3], [0, 100, 499]):  # an empty first batch too
        split = accumulate(ErrorSums("y"), iter(batches_of(ctx, cuts)))
        backwards = accumulate(ErrorSums("y"), reversed(batches_of(ctx, cuts)))
        for name in HAND:
            assert split.value(name) == pytest.approx(whole.value(name), rel=1e-12)
            assert backwards.value(name) == pytest.approx(whole.value(name), rel=1e-12)


def test_constant_target_r2_follows_scikit_learn() -> None:
    assert measure("r2", make_context([2.0, 2.0, 2.0], [2.0, 2.0, 2.0])).value == 1.0
    assert measure("r2", make_context([2.0, 2.0, 2.0], [1.0, 2.0, 3.0])).value == 0.0
    assert scikit_learn("r2", [2.0, 2.0, 2.0], [1.0, 2.0, 3.0]) == 0.0


def test_rows_without_a_target_are_excluded_and_counted() -> None:
    ctx = make_context([*TRUTH, np.nan], [*PREDICTION, 100.0])
    for name, value in HAND.items():
        result = measure(name, ctx)
        assert result.value == pytest.approx(value, abs=EXACT)
        assert result.details["rows_without_target"] == 1


def test_residual_distribution_of_the_tiny_frame() -> None:
    details = measure("mean_residual", make_context(TRUTH, PREDICTION)).details
    residuals = np.array([0.5, -0.5, 0.0, -1.0])
    assert details["mean"] == pytest.approx(-0.25, abs=EXACT)
    # population standard deviation: squares of deviations from -0.25 are .5625 .0625 .0625 .5625 -> sqrt(1.25 / 4)
    assert details["standard_deviation"] == pytest.approx(math.sqrt(1.25 / 4), abs=EXACT)
    quantiles = {q["share"]: q["value"] for q in details["quantiles"]}
    assert quantiles[0.0] == -1.0 and quantiles[1.0] == 0.5 and quantiles[0.5] == pytest.approx(-0.25)
    assert details["scatter"] == {"prediction": PREDICTION, "residual": residuals.tolist(), "sampled_from": 4}
    assert sum(details["histogram"]["counts"]) + details["histogram"]["below"] + details["histogram"]["above"] == 4


def test_residual_distribution_agrees_with_numpy_and_samples_the_scatter() -> None:
    rng = np.random.default_rng(2)
    truth = rng.normal(0, 10, 5000)
    prediction = truth + rng.standard_t(3, 5000)
    ctx = make_context(truth, prediction, seed=4)
    details = measure("mean_residual", ctx).details
    residual = truth - prediction
    for q in details["quantiles"]:
        assert q["value"] == pytest.approx(np.quantile(residual, q["share"]), abs=EXACT)
    low, high = np.quantile(residual, [0.01, 0.99])
    counts, edges = np.histogram(residual, bins=30, range=(low, high))
    histogram = details["histogram"]
    assert histogram["counts"] == counts.tolist()
    assert histogram["edges"] == pytest.approx(edges.tolist())
    assert histogram["below"] == int((residual < low).sum()) and histogram["above"] == int((residual > high).sum())
    assert sum(histogram["counts"]) + histogram["below"] + histogram["above"] == 5000
    scatter = details["scatter"]
    assert len(scatter["prediction"]) == len(scatter["residual"]) == MAX_SCATTER
    assert scatter["sampled_from"] == 5000
    # each sampled point is a real row, to six significant digits
    for p, r in list(zip(scatter["prediction"], scatter["residual"], strict=True))[:50]:
        row = int(np.argmin(np.abs(prediction - p)))
        assert p == pytest.approx(prediction[row], rel=1e-5)
        assert r == pytest.approx(residual[row], rel=1e-5, abs=1e-5)
    assert ctx.sampling == [
        {"family": "performance", "what": "residual plot points", "population": 5000, "sample": MAX_SCATTER, "seed": 4}
    ]
    # the same seed draws the same sample
    again = measure("mean_residual", make_context(truth, prediction, seed=4)).details["scatter"]
    assert again == scatter


def test_regression_checks_refuse_a_classifier_audit() -> None:
    frame = pd.DataFrame({"y": [1, 0, 1]})
    ctx = AuditContext(
        current=frame,
        reference=None,
        target="y",
        sensitive=[],
        features=[],
        task="binary",
        positive_label=1,
        current_predictions=Predictions(labels=np.array([1, 0, 0]), scores=None),
    )
    for name in HAND:
        with pytest.raises(ValueError, match="regression"):
            measure(name, ctx)
