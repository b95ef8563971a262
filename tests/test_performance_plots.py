"""The performance plots: curve data against scikit-learn's curves, calibration counts as an accumulator,
and the report's SVG (coordinates from the builder, every label escaped, nothing drawn from absent evidence)."""

from __future__ import annotations

import itertools
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest

from govkit.context import AuditContext, Batch, Predictions, accumulate
from govkit.families import performance
from govkit.families.performance.curves import MAX_POINTS, CalibrationCounter, thin
from govkit.registry import NoParams
from govkit.results import CheckResult, Measurement, Status

EXACT = 1e-12


def make_context(
    truth: Any, scores: Any, groups: Any = None, positive_label: Any = 1, labels: Any = None
) -> AuditContext:
    frame = pd.DataFrame({"y": truth, "x": np.arange(len(truth), dtype=float)})
    if groups is not None:
        frame["group"] = groups
    scores = np.asarray(scores, dtype=float)
    if labels is None:
        labels = np.where(scores >= 0.5, positive_label, 0)
    return AuditContext(
        current=frame,
        reference=None,
        target="y",
        sensitive=[] if groups is None else ["group"],
        features=["x"],
        task="binary",
        positive_label=positive_label,
        current_predictions=Predictions(labels=np.asarray(labels), scores=scores),
    )


def measure(name: str, ctx: AuditContext) -> Any:
    return performance.run(name, NoParams(), ctx)


def random_model(rows: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    scores = rng.uniform(0, 1, rows)
    truth = (rng.uniform(0, 1, rows) < scores**1.3).astype(int)
    groups = rng.choice(np.array(["north", "south", "east"]), rows, p=[0.6, 0.3, 0.1])
    return truth, scores, groups


# Ten rows, as in tests/test_performance.py: the full ROC curve is short enough to keep whole.
TRUTH = [1, 1, 1, 1, 0, 0, 0, 0, 0, 0]
SCORES = [0.9, 0.8, 0.6, 0.3, 0.7, 0.6, 0.2, 0.1, 0.4, 0.05]


def test_a_short_roc_curve_is_scikit_learns_whole() -> None:
    from sklearn.metrics import roc_curve

    curve = measure("roc_auc", make_context(TRUTH, SCORES)).details["roc_curves"][0]
    fpr, tpr, _ = roc_curve(np.array(TRUTH) == 1, SCORES)
    assert curve["x"] == pytest.approx(fpr.tolist(), abs=1e-6)
    assert curve["y"] == pytest.approx(tpr.tolist(), abs=1e-6)
    assert curve["points"] == len(fpr)
    assert curve["positive"] == "1" and curve["rows"] == 4
    assert curve["area"] == pytest.approx(19.5 / 24, abs=EXACT)
    assert np.trapezoid(curve["y"], curve["x"]) == pytest.approx(19.5 / 24, abs=1e-6)


def test_a_long_roc_curve_is_thinned_and_keeps_its_area() -> None:
    from sklearn.metrics import roc_auc_score, roc_curve

    truth, scores, _ = random_model(20000)
    result = measure("roc_auc", make_context(truth, scores))
    curve = result.details["roc_curves"][0]
    assert len(curve["x"]) <= MAX_POINTS < curve["points"] == len(roc_curve(truth, scores)[0])
    assert (curve["x"][0], curve["y"][0], curve["x"][-1], curve["y"][-1]) == (0.0, 0.0, 1.0, 1.0)
    assert np.all(np.diff(curve["x"]) >= 0) and np.all(np.diff(curve["y"]) >= 0)
    assert result.value == pytest.approx(roc_auc_score(truth, scores), abs=EXACT)
    assert np.trapezoid(curve["y"], curve["x"]) == pytest.approx(result.value, abs=0.005)


def test_the_precision_recall_curve_is_scikit_learns_left_to_right() -> None:
    from sklearn.metrics import average_precision_score, precision_recall_curve

    result = measure("average_precision", make_context(TRUTH, SCORES))
    curve = result.details["pr_curves"][0]
    precision, recall, _ = precision_recall_curve(np.array(TRUTH) == 1, SCORES)
    assert curve["x"] == pytest.approx(recall[::-1].tolist(), abs=1e-6)
    assert curve["y"] == pytest.approx(precision[::-1].tolist(), abs=1e-6)
    assert curve["y"][-1] == pytest.approx(0.4)  # every row predicted positive: the share of positives
    assert result.value == pytest.approx(average_precision_score(np.array(TRUTH) == 1, SCORES), abs=EXACT)
    # By hand, lowering the threshold: 0.9 -> 1 of 1 right; 0.8 -> 2 of 2; 0.7 -> 2 of 3 (recall unchanged);
    # 0.6 -> 3 of 5 (a positive and a negative tie); 0.4 -> 3 of 6; 0.3 -> 4 of 7. Each positive adds 1/4 of
    # recall at the precision reached: (1 + 1 + 3/5 + 4/7) / 4.
    assert result.value == pytest.approx((1 + 1 + 3 / 5 + 4 / 7) / 4, abs=EXACT)


def test_thinning_keeps_both_ends_and_at_most_the_limit() -> None:
    x = np.linspace(0, 1, 1000)
    kept_x, kept_y = thin(x, x**2, limit=11)
    assert len(kept_x) == 11 and kept_x[0] == 0.0 and kept_x[-1] == 1.0
    assert kept_y == pytest.approx([v**2 for v in kept_x], abs=1e-6)
    short_x, short_y = thin(x[:5], x[:5])  # short curves are kept whole, to six decimals
    assert short_x == short_y == pytest.approx(x[:5].tolist(), abs=1e-6)


def test_calibration_agrees_with_scikit_learn_overall_and_in_each_group() -> None:
    from sklearn.calibration import calibration_curve

    truth, scores, groups = random_model(3000)
    scores[:5] = [0.1, 0.2, 0.0, 1.0, 0.9]  # scores on bin edges fall in the bin below, as in scikit-learn
    calibration = measure("brier_score", make_context(truth, scores, groups)).details["calibration"]
    prob_true, prob_pred = calibration_curve(truth, scores, n_bins=10)
    overall = calibration["overall"]
    assert [b["observed_rate"] for b in overall["bins"]] == pytest.approx(prob_true.tolist(), abs=EXACT)
    assert [b["mean_score"] for b in overall["bins"]] == pytest.approx(prob_pred.tolist(), abs=EXACT)
    assert sum(b["rows"] for b in overall["bins"]) == overall["rows"] == 3000
    assert [c["group"] for c in calibration["groups"]] == ["north", "south", "east"]  # largest first
    for curve in calibration["groups"]:
        rows = groups == curve["group"]
        prob_true, prob_pred = calibration_curve(truth[rows], scores[rows], n_bins=10)
        assert curve["column"] == "group" and curve["rows"] == int(rows.sum())
        assert [b["observed_rate"] for b in curve["bins"]] == pytest.approx(prob_true.tolist(), abs=EXACT)
        assert [b["mean_score"] for b in curve["bins"]] == pytest.approx(prob_pred.tolist(), abs=EXACT)
    assert calibration["groups_left_out"] == 0 and calibration["positive"] == "1"


def test_small_groups_get_no_curve_of_their_own() -> None:
    truth, scores, _ = random_model(100)
    groups = np.array(["big"] * 90 + ["tiny"] * 10)
    calibration = measure("brier_score", make_context(truth, scores, groups)).details["calibration"]
    assert [c["group"] for c in calibration["groups"]] == ["big"]
    assert calibration["groups_left_out"] == 1


def test_calibration_over_batches_equals_one_batch() -> None:
    truth, scores, groups = random_model(600)
    truth = truth.astype(float)
    truth[[5, 300]] = np.nan
    ctx = make_context(truth, scores, groups)
    counter = CalibrationCounter(target="y", positive=frozenset({"1"}), sensitive=("group",))
    whole = accumulate(counter, ctx.batches())
    for cuts in ([300], [10, 20, 590]):
        bounds = [0, *cuts, 600]
        batches = [
            Batch(frame=ctx.current.iloc[a:b], labels=ctx.y_pred[a:b], scores=np.asarray(ctx.y_score)[a:b], offset=a)
            for a, b in itertools.pairwise(bounds)
        ]
        split = accumulate(counter, iter(batches))
        assert split.counts.keys() == whole.counts.keys()
        for key, counts in whole.counts.items():
            assert np.allclose(split.counts[key], counts, rtol=0, atol=1e-9)
    assert whole.counts[("", "")][0].sum() == 598  # rows without a target are not counted
    # the target is float (1.0) because of its gaps; it still matches the favourable label "1"
    assert whole.counts[("", "")][2].sum() == np.nansum(truth)


def test_text_labels_name_the_positive_class_in_the_curves() -> None:
    truth = ["approved", "denied", "approved", "denied"] * 10
    scores = [0.8, 0.5, 0.4, 0.1] * 10
    ctx = make_context(truth, scores, positive_label="approved", labels=["approved"] * 40)
    assert measure("roc_auc", ctx).details["roc_curves"][0]["positive"] == "approved"
    calibration = measure("brier_score", ctx).details["calibration"]
    assert calibration["positive"] == "approved"
    # scores .8 and .4 are approved, .5 and .1 denied: bins (0.3, 0.4], (0.7, 0.8] all approved
    rates = {b["upper"]: b["observed_rate"] for b in calibration["overall"]["bins"]}
    assert rates == {0.1: 0.0, 0.4: 1.0, 0.5: 0.0, 0.8: 1.0}


# ---------------------------------------------------------------------------------------------
# The report


def judged(name: str, ctx: AuditContext) -> CheckResult:
    return CheckResult(
        id=f"performance.{name}",
        family="performance",
        title=name,
        status=Status.PASS,
        message="",
        measurement=measure(name, ctx),
    )


def rendered(checks: list[CheckResult]) -> tuple[Any, str]:
    from govkit.report.html import environment
    from govkit.report.sections import performance as section

    view = section.build(checks)
    html = environment().get_template(section.TEMPLATE).render(family=SimpleNamespace(extras=view))
    return view, html


def test_the_section_draws_roc_precision_recall_and_calibration_plots() -> None:
    truth, scores, groups = random_model(2000)
    ctx = make_context(truth, scores, groups)
    view, html = rendered([judged(n, ctx) for n in ("accuracy", "roc_auc", "average_precision", "brier_score")])
    titles = [p.title for p in view.plots]
    assert titles == ["ROC curve", "Precision-recall curve", "Calibration (all rows)", "Calibration by group"]
    assert html.count("<svg") == 4 and "<polyline" in html and "<h3>Confusion matrix</h3>" in html
    roc = view.plots[0].plot
    frame = roc["frame"]
    for line in roc["lines"]:
        for point in line["points"].split():
            x, y = (float(v) for v in point.split(","))
            assert frame["x"] - 0.01 <= x <= frame["x"] + frame["w"] + 0.01
            assert frame["y"] - 0.01 <= y <= frame["y"] + frame["h"] + 0.01
    by_group = view.plots[3].plot
    expected = [f"{g} ({int((groups == g).sum()):,})" for g in ("north", "south", "east")]
    assert [item["label"] for item in by_group["legend"]] == expected


def test_labels_in_plots_are_escaped() -> None:
    truth = np.array(["<b>yes</b>", "no & more"] * 60)
    scores = np.tile([0.8, 0.3], 60)
    groups = np.array(["<script>x</script>"] * 120)
    ctx = make_context(truth, scores, groups, positive_label="<b>yes</b>", labels=truth)
    _, html = rendered([judged("roc_auc", ctx), judged("brier_score", ctx)])
    assert "<script>" not in html and "<b>yes" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html and "&lt;b&gt;yes&lt;/b&gt;" in html


def test_multiclass_curves_and_per_class_table() -> None:
    from tests.test_performance_multiclass import make_context as multiclass_context

    ctx = multiclass_context()
    view, html = rendered([judged("f1", ctx), judged("roc_auc", ctx), judged("average_precision", ctx)])
    assert [row.label for row in view.per_class] == ["a", "b", "c"]
    assert [p.title for p in view.plots] == ["ROC curve", "Precision-recall curve"]
    assert [item["label"] for item in view.plots[0].plot["legend"]] == [
        "a (AUC 0.917)",
        "b (AUC 0.750)",
        "c (AUC 0.950)",
    ]
    assert "Each class against the rest" in html and "One curve per class" in html


def test_regression_plots_and_quantiles() -> None:
    from tests.test_performance_regression import make_context as regression_context

    rng = np.random.default_rng(0)
    truth = rng.normal(50, 10, 3000)
    ctx = regression_context(truth, truth + rng.normal(0, 3, 3000))
    view, html = rendered([judged("mae", ctx), judged("mean_residual", ctx)])
    assert [p.kind for p in view.plots] == ["scatter", "histogram"]
    assert len(view.plots[0].plot["dots"]) == 2000
    assert "2,000 of 3,000 rows" in view.plots[0].caption
    assert sum(1 for _ in view.plots[1].plot["bars"]) == 30
    assert [share for share, _ in view.residual_quantiles][:3] == ["min", "1%", "5%"]
    assert html.count("<svg") == 2 and "<circle" in html


def test_results_without_plot_data_draw_nothing() -> None:
    # a results file written before the plots existed: its evidence has no curves
    old = CheckResult(
        id="performance.roc_auc",
        family="performance",
        title="ROC AUC",
        status=Status.PASS,
        message="",
        measurement=Measurement(value=0.9, details={"rows_without_target": 0}),
    )
    view, html = rendered([old])
    assert view.plots == [] and "<svg" not in html


def test_nice_ticks_are_round_and_cover_the_range() -> None:
    from govkit.report.curves import nice_ticks

    assert nice_ticks(0.0, 1.0) == pytest.approx([0.0, 0.2, 0.4, 0.6, 0.8, 1.0])
    ticks = nice_ticks(-13.7, 42.1)
    assert ticks == pytest.approx([-10.0, 0.0, 10.0, 20.0, 30.0, 40.0])
    assert nice_ticks(3.0, 3.0) == [3.0]


@pytest.mark.slow
def test_curves_on_the_example_agree_with_scikit_learn(adult_build) -> None:
    from sklearn.metrics import roc_auc_score

    from govkit.preflight import prepare

    ctx = prepare(
        data=adult_build / "current.csv",
        model=adult_build / "model.skops",
        target="income-per-year",
        positive_label=">50K",
        sensitive=["sex", "race"],
        trusted_types=["sklearn.tree._tree.Tree"],
    ).context
    result = measure("roc_auc", ctx)
    curve = result.details["roc_curves"][0]
    assert result.value == pytest.approx(roc_auc_score(ctx.y_true == ">50K", ctx.y_score), abs=EXACT)
    assert np.trapezoid(curve["y"], curve["x"]) == pytest.approx(result.value, abs=0.005)
    calibration = measure("brier_score", ctx).details["calibration"]
    assert {c["column"] for c in calibration["groups"]} == {"sex", "race"}
    performance.CHECKS["brier_score"].evidence.model_validate(measure("brier_score", ctx).details)


def test_plots_drawn_from_a_results_file_are_the_same() -> None:
    # govkit render reads results.json: the plots come from the evidence alone
    truth, scores, groups = random_model(500)
    ctx = make_context(truth, scores, groups)
    checks = [judged(n, ctx) for n in ("roc_auc", "average_precision", "brier_score")]
    reread = [CheckResult.model_validate_json(check.model_dump_json()) for check in checks]
    assert rendered(reread)[1] == rendered(checks)[1]
