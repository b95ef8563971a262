"""Fairness of a regression model: group statistics against fairlearn, gaps with Poisson bootstrap intervals.

Group MAE, RMSE, mean prediction and mean signed error are compared with fairlearn's MetricFrame on
scikit-learn metrics; the gaps' bootstrap intervals with a bootstrap written out row by row in numpy
(the same weights), and with scipy's ordinary bootstrap on a large sample. The CLI test reproduces
the report crash once reported for regression fairness (exit 3, no report written).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest

from govkit.context import AuditContext, Batch, Predictions
from govkit.families import fairness
from govkit.families.fairness.bootstrap import REPLICATES, poisson_weights
from govkit.families.fairness.params import FairnessParams
from govkit.families.fairness.regression import REGRESSION_STATS

ALL_GROUPS = {"min_group_size": 1, "min_group_share": 0.0, "min_rate_denominator": 1}


def _frame(rows: int = 600, seed: int = 4) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "sex": rng.choice(["F", "M"], size=rows),
            "race": rng.choice(["a", "b", "c"], size=rows, p=[0.5, 0.3, 0.2]),
            "y": rng.normal(50, 10, size=rows),
        }
    )
    noise = rng.standard_t(4, size=rows) * np.where(frame["race"] == "c", 6, 3)  # heavier errors for c
    predicted = frame["y"].to_numpy() + noise + np.where(frame["sex"] == "M", 2.0, 0.0)
    return frame, predicted


def regression_context(frame: pd.DataFrame, predicted: np.ndarray, seed: int = 0) -> AuditContext:
    return AuditContext(
        current=frame,
        reference=None,
        target="y",
        sensitive=["sex", "race"],
        features=[],
        task="regression",
        positive_label=None,
        seed=seed,
        current_predictions=Predictions(labels=np.asarray(predicted, dtype=float), scores=None),
    )


def test_group_statistics_match_fairlearn() -> None:
    from fairlearn.metrics import MetricFrame
    from sklearn.metrics import mean_absolute_error, root_mean_squared_error

    frame, predicted = _frame()
    params = FairnessParams(sensitive=["race"], **ALL_GROUPS)
    measured = fairness.run("mae_difference", params, regression_context(frame, predicted))
    expected = MetricFrame(
        metrics={
            "mae": mean_absolute_error,
            "rmse": root_mean_squared_error,
            "mean_prediction": lambda y, p: float(np.mean(p)),
            "mean_error": lambda y, p: float(np.mean(p - y)),
        },
        y_true=frame["y"].to_numpy(),
        y_pred=predicted,
        sensitive_features=frame["race"],
    ).by_group
    rows = {g["group"]: g for g in measured.details["groups"]["race"]}
    for group, found in expected.iterrows():
        for statistic in ("mae", "rmse", "mean_prediction", "mean_error"):
            assert rows[group][statistic] == pytest.approx(found[statistic], rel=1e-12), (group, statistic)
    assert measured.value == pytest.approx(expected["mae"].max() - expected["mae"].min(), rel=1e-12)


def test_poisson_weights_are_poisson_one() -> None:
    from scipy.stats import poisson

    weights = poisson_weights(np.arange(20_000), seed=7, replicates=50)
    assert weights.mean() == pytest.approx(1.0, abs=0.01) and weights.var() == pytest.approx(1.0, abs=0.02)
    for k in range(4):
        assert (weights == k).mean() == pytest.approx(poisson.pmf(k, 1.0), abs=0.005)
    # a pure function of (seed, row key, replicate): the same key gives the same weights, another seed others
    assert np.array_equal(poisson_weights(np.array([5, 9]), 7, 50), weights[[5, 9]])
    assert not np.array_equal(poisson_weights(np.arange(100), 8, 50), weights[:100])


def _hand_bootstrap(frame: pd.DataFrame, predicted: np.ndarray, high: str, low: str, statistic: str, seed: int):
    """The Poisson bootstrap written out row by row: weighted group statistics per replicate, then percentiles."""
    weights = poisson_weights(np.arange(len(frame)), seed, REPLICATES)
    error = predicted - frame["y"].to_numpy()
    value = {"mean_prediction": predicted, "mean_error": error, "mae": np.abs(error), "rmse": error**2}[statistic]
    gaps = []
    for b in range(REPLICATES):
        means = {}
        for group in (high, low):
            rows = (frame["sex"] == group).to_numpy()
            means[group] = np.average(value[rows], weights=weights[rows, b])
        if statistic == "rmse":
            means = {g: math.sqrt(m) for g, m in means.items()}
        gaps.append(means[high] - means[low])
    return tuple(np.quantile(gaps, [0.025, 0.975]))


def test_gap_intervals_match_a_hand_written_bootstrap() -> None:
    frame, predicted = _frame()
    measured = fairness.run("rmse_difference", FairnessParams(**ALL_GROUPS), regression_context(frame, predicted, 3))
    assert measured.details["bootstrap"]["replicates"] == REPLICATES and measured.details["bootstrap"]["seed"] == 3
    for gap in measured.details["gaps"]["sex"]:
        expected = _hand_bootstrap(frame, predicted, gap["group"], gap["minus"], gap["statistic"], seed=3)
        assert gap["interval"] == pytest.approx(expected, rel=1e-9), gap
        assert gap["interval"][0] <= gap["value"] <= gap["interval"][1]


def test_gap_intervals_agree_with_scipys_bootstrap_on_a_large_sample() -> None:
    from scipy.stats import bootstrap

    frame, predicted = _frame(rows=6000, seed=9)
    measured = fairness.run("mae_difference", FairnessParams(sensitive=["sex"]), regression_context(frame, predicted))
    (gap,) = [g for g in measured.details["gaps"]["sex"] if g["statistic"] == "mae"]
    error = np.abs(predicted - frame["y"].to_numpy())
    first, second = (error[(frame["sex"] == g).to_numpy()] for g in (gap["group"], gap["minus"]))
    reference = bootstrap(
        (first, second),
        lambda a, b, axis: a.mean(axis=axis) - b.mean(axis=axis),
        n_resamples=4000,
        method="percentile",
        rng=np.random.default_rng(0),
    ).confidence_interval
    width = reference.high - reference.low
    assert gap["value"] == pytest.approx(first.mean() - second.mean(), rel=1e-12)
    # 200 Poisson replicates against 4000 multinomial ones: the same interval up to Monte Carlo error
    assert abs(gap["interval"][0] - reference.low) < 0.15 * width
    assert abs(gap["interval"][1] - reference.high) < 0.15 * width


def test_gaps_against_a_reference_group_are_group_minus_reference() -> None:
    frame, predicted = _frame()
    params = FairnessParams(reference_group="a", **ALL_GROUPS)
    measured = fairness.run("mean_prediction_difference", params, regression_context(frame, predicted))
    rows = {g["group"]: g for g in measured.details["groups"]["race"]}
    for gap in measured.details["gaps"]["race"]:
        assert gap["minus"] == "a"
        assert gap["value"] == pytest.approx(rows[gap["group"]][gap["statistic"]] - rows["a"][gap["statistic"]])
    assert set(measured.details["gaps"]) == {"race"}  # sex and sex × race have no group 'a'


def test_gaps_against_pooled_privileged_groups() -> None:
    frame, predicted = _frame()
    params = FairnessParams(privileged={"race": ["a", "b"]})
    measured = fairness.run("mae_difference", params, regression_context(frame, predicted))
    (gap,) = [g for g in measured.details["gaps"]["race"] if g["statistic"] == "mae"]
    error = np.abs(predicted - frame["y"].to_numpy())
    privileged = frame["race"].isin(["a", "b"]).to_numpy()
    assert (gap["group"], gap["minus"]) == ("c", "a + b")
    assert gap["value"] == pytest.approx(error[~privileged].mean() - error[privileged].mean(), rel=1e-12)
    assert gap["interval"][0] < gap["value"] < gap["interval"][1]


def test_the_bootstrap_is_deterministic_and_the_same_over_batches() -> None:
    frame, predicted = _frame()
    predicted = np.round(predicted * 2) / 2  # halves: every weighted sum is exact, in any order
    frame["y"] = np.round(frame["y"] * 2) / 2
    whole = regression_context(frame, predicted)

    class Batched(AuditContext):
        def batches(self) -> Iterator[Batch]:
            labels = self.current_predictions.labels
            for start, stop in itertools.pairwise([0, 150, 151, len(self.current)]):
                yield Batch(frame=self.current.iloc[start:stop], labels=labels[start:stop], scores=None, offset=start)

    fields = {f: getattr(whole, f) for f in AuditContext.__dataclass_fields__ if f != "_memo"}
    for name in REGRESSION_STATS:
        once = fairness.run(name, FairnessParams(), whole)
        assert once == fairness.run(name, FairnessParams(), regression_context(frame, predicted))
        assert once == fairness.run(name, FairnessParams(), Batched(**fields))
    other = fairness.run("mae_difference", FairnessParams(), regression_context(frame, predicted, seed=1))
    assert other.details["gaps"] != fairness.run("mae_difference", FairnessParams(), whole).details["gaps"]


def test_the_bootstrap_keys_rows_by_position_whatever_their_index() -> None:
    """Repeated index labels (after ``pd.concat``) or text labels give the intervals of a fresh RangeIndex."""
    frame, predicted = _frame()
    fresh = fairness.run("mae_difference", FairnessParams(), regression_context(frame, predicted))
    halves = pd.concat([frame.iloc[:300], frame.iloc[300:].reset_index(drop=True)])  # labels 0..299 twice
    assert halves.index.has_duplicates
    relabelled = frame.set_axis([f"row-{i}" for i in range(len(frame))])
    for index in (halves.index, relabelled.index):
        again = fairness.run("mae_difference", FairnessParams(), regression_context(frame.set_axis(index), predicted))
        assert again.details["gaps"] == fresh.details["gaps"]


def test_no_intervals_no_bootstrap() -> None:
    frame, predicted = _frame()
    measured = fairness.run("mae_difference", FairnessParams(intervals=False), regression_context(frame, predicted))
    assert "bootstrap" not in measured.details
    assert all("interval" not in g for gaps in measured.details["gaps"].values() for g in gaps)


def test_a_regression_audit_through_the_cli_writes_a_report_and_renders(tmp_path) -> None:
    """Regression fairness once crashed the report: the CLI exited 3 and wrote nothing; render exited 3 too."""
    from click.testing import CliRunner

    from govkit.cli import main

    frame, predicted = _frame()
    frame["predicted"] = predicted
    data = tmp_path / "scored.csv"
    frame.to_csv(data, index=False)
    policy = tmp_path / "regression-fairness.yaml"
    policy.write_text(
        "version: 1\nname: regression-fairness\nchecks:\n"
        + "  - id: fairness.mean_prediction_difference\n  - id: fairness.rmse_difference\n"
        + "  - id: fairness.mae_difference\n    params: {reference_group: F}\n"
    )
    out = tmp_path / "report"
    arguments = ["audit", "--data", str(data), "--target", "y", "--sensitive", "sex,race"]
    arguments += ["--prediction-column", "predicted", "--policy", str(policy), "--out", str(out)]
    audited = CliRunner().invoke(main, arguments)
    assert audited.exit_code == 0, audited.output
    html = (out / "report.html").read_text()
    assert "Mean error" in html and "bootstrap interval" in html and "Mean absolute error by sex" in html
    rendered = CliRunner().invoke(main, ["render", str(out / "results.json"), "--out", str(tmp_path / "again")])
    assert rendered.exit_code == 0, rendered.output
    assert (tmp_path / "again" / "report.html").read_text().count("bootstrap interval") >= 3


@pytest.mark.slow
def test_a_fitted_regressor_matches_fairlearn(tmp_path) -> None:
    """End to end with a fitted Pipeline and the bundled regression policy: group errors are fairlearn's."""
    from fairlearn.metrics import MetricFrame
    from sklearn.metrics import mean_absolute_error, root_mean_squared_error

    import govkit
    import model_zoo

    case = model_zoo.build("regression", "sklearn")
    result = govkit.audit(
        model=case.model,
        data=case.current,
        reference=case.reference,
        target=case.target,
        sensitive=list(case.sensitive),
        policy="regression",
        trusted_types=list(case.trusted_types),
    )
    current = pd.read_csv(case.current)
    predicted = case.load().predict(current[list(case.features)])
    expected = MetricFrame(
        metrics={"mae": mean_absolute_error, "rmse": root_mean_squared_error},
        y_true=current[case.target].to_numpy(dtype=float),
        y_pred=predicted,
        sensitive_features=current["sex"],
    ).by_group
    for name in REGRESSION_STATS:
        check = result.check(f"fairness.{name}")
        assert check.status.value != "error", check.message
        rows = {g["group"]: g for g in check.measurement.details["groups"]["sex"]}
        for group, found in expected.iterrows():
            assert rows[group]["mae"] == pytest.approx(found["mae"], rel=1e-9)
            assert rows[group]["rmse"] == pytest.approx(found["rmse"], rel=1e-9)
        assert check.measurement.details["bootstrap"]["replicates"] == REPLICATES
