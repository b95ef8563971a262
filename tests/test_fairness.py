"""Fairness numbers: hand calculations on tiny frames, and fairlearn's MetricFrame on the example."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest

from govkit.context import AuditContext, Batch, Predictions
from govkit.errors import InputError
from govkit.families import fairness
from govkit.families.fairness.params import FairnessParams
from govkit.families.fairness.regression import REGRESSION_STATS
from govkit.families.fairness.statistics import wilson_interval
from govkit.results import CheckResult, Measurement

# every group decides every rate, and no interval (the interval tests ask for one)
ALL_GROUPS = {"min_group_size": 1, "min_group_share": 0.0, "min_rate_denominator": 1, "intervals": False}


def context(
    frame: pd.DataFrame, predictions: list, positive: object = 1, sensitive: list[str] | None = None
) -> AuditContext:
    return AuditContext(
        current=frame,
        reference=None,
        target="y",
        sensitive=sensitive or ["sex"],
        features=[],
        task="binary",
        positive_label=positive,
        current_predictions=Predictions(labels=np.asarray(predictions), scores=None),
    )


@pytest.fixture
def hand_made() -> AuditContext:
    # Group A: 4 rows, y = 1 1 0 0, predicted 1 1 1 0 -> selection 3/4, TPR 2/2, FPR 1/2, precision 2/3
    # Group B: 4 rows, y = 1 1 0 0, predicted 1 0 0 0 -> selection 1/4, TPR 1/2, FPR 0/2, precision 1/1
    frame = pd.DataFrame({"sex": list("AAAABBBB"), "y": [1, 1, 0, 0, 1, 1, 0, 0]})
    return context(frame, [1, 1, 1, 0, 1, 0, 0, 0])


def test_hand_calculated_gaps(hand_made: AuditContext) -> None:
    params = FairnessParams(**ALL_GROUPS)
    assert fairness.run("demographic_parity_difference", params, hand_made).value == pytest.approx(0.75 - 0.25)
    assert fairness.run("demographic_parity_ratio", params, hand_made).value == pytest.approx(0.25 / 0.75)
    # equalized odds difference: max(TPR gap 1 - 0.5, FPR gap 0.5 - 0) = 0.5
    assert fairness.run("equalized_odds_difference", params, hand_made).value == pytest.approx(0.5)
    # equalized odds ratio: min(TPR ratio 0.5/1, FPR ratio 0/0.5) = 0
    assert fairness.run("equalized_odds_ratio", params, hand_made).value == pytest.approx(0.0)
    assert fairness.run("equal_opportunity_difference", params, hand_made).value == pytest.approx(0.5)
    assert fairness.run("false_positive_rate_difference", params, hand_made).value == pytest.approx(0.5)
    assert fairness.run("predictive_parity_difference", params, hand_made).value == pytest.approx(1 - 2 / 3)
    # accuracy A: 3/4 (one false positive), B: 3/4 (one false negative)
    assert fairness.run("accuracy_difference", params, hand_made).value == pytest.approx(0.0)


def test_group_table_counts(hand_made: AuditContext) -> None:
    measured = fairness.run("demographic_parity_ratio", FairnessParams(**ALL_GROUPS), hand_made)
    rows = {row["group"]: row for row in measured.details["groups"]["sex"]}
    assert (rows["A"]["tp"], rows["A"]["fp"], rows["A"]["tn"], rows["A"]["fn"]) == (2, 1, 1, 0)
    assert (rows["B"]["tp"], rows["B"]["fp"], rows["B"]["tn"], rows["B"]["fn"]) == (1, 0, 2, 1)
    assert rows["A"]["selection_rate"] == 0.75
    assert rows["B"]["precision"] == 1.0
    assert measured.summary == "By sex: B rows are given '1' at 33% of the rate of A rows (25.0% vs 75.0%)."


def test_disparate_impact_against_named_reference_group(hand_made: AuditContext) -> None:
    # AIF360's convention: group over reference. A selects 0.75 against B's 0.25, so against B it is 3 (above 1:
    # A is favoured over the reference), and against A, B's ratio is 1/3.
    params = FairnessParams(reference_group="B", **ALL_GROUPS)
    assert fairness.run("disparate_impact_ratio", params, hand_made).value == pytest.approx(3.0)
    params = FairnessParams(reference_group="A", **ALL_GROUPS)
    assert fairness.run("disparate_impact_ratio", params, hand_made).value == pytest.approx(0.25 / 0.75)


def test_wilson_interval_matches_statsmodels() -> None:
    from statsmodels.stats.proportion import proportion_confint

    for successes, trials in ((0, 10), (3, 4), (50, 120), (999, 1000)):
        low, high = wilson_interval(successes, trials)
        expected = proportion_confint(successes, trials, alpha=0.05, method="wilson")
        assert (low, high) == pytest.approx(expected, abs=1e-9)
    assert wilson_interval(0, 0) is None


def test_missing_sensitive_value_is_its_own_group() -> None:
    frame = pd.DataFrame({"sex": ["A", "A", None, None, "B", "B"], "y": [1, 0, 1, 0, 1, 0]})
    ctx = context(frame, [1, 0, 1, 1, 0, 0])
    measured = fairness.run("demographic_parity_difference", FairnessParams(**ALL_GROUPS), ctx)
    rows = {row["group"]: row for row in measured.details["groups"]["sex"]}
    assert rows["(missing)"]["count"] == 2
    assert rows["(missing)"]["selection_rate"] == 1.0
    assert measured.value == pytest.approx(1.0)  # (missing) selects 2/2, B selects 0/2


def test_small_group_outside_the_range_makes_the_check_inconclusive() -> None:
    # 40 rows each in A and B with equal selection rates; C has 3 rows, none selected.
    frame = pd.DataFrame({"sex": ["A"] * 40 + ["B"] * 40 + ["C"] * 3, "y": [1, 0] * 40 + [1, 0, 1]})
    predictions = [1, 0] * 40 + [0, 0, 0]
    ctx = context(frame, predictions)
    measured = fairness.run("demographic_parity_ratio", FairnessParams(), ctx)
    assert measured.value == pytest.approx(1.0)  # decided by the large groups only
    assert measured.inconclusive_reason is not None
    assert "C" in measured.inconclusive_reason
    assert measured.details["comparisons"][0]["small_groups"] == ["C"]


def test_too_few_large_groups_gives_no_value() -> None:
    frame = pd.DataFrame({"sex": ["A"] * 5 + ["B"] * 5, "y": [1, 0] * 5})
    measured = fairness.run("demographic_parity_ratio", FairnessParams(), context(frame, [1, 0] * 5))
    assert measured.value is None
    assert "fewer than two groups" in measured.inconclusive_reason


def test_single_class_group_has_undefined_tpr_and_is_not_compared_on_it() -> None:
    # Group B has no positive rows, so its TPR is undefined; the TPR gap is decided by A and C.
    frame = pd.DataFrame({"sex": list("AAAABBBBCCCC"), "y": [1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0]})
    ctx = context(frame, [1, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0])
    measured = fairness.run("equal_opportunity_difference", FairnessParams(**ALL_GROUPS), ctx)
    assert measured.value == pytest.approx(1.0 - 0.5)
    assert measured.details["comparisons"][0]["groups_with_undefined_rate"] == ["B"]
    rows = {row["group"]: row for row in measured.details["groups"]["sex"]}
    assert rows["B"]["tpr"] is None


def test_string_positive_label() -> None:
    frame = pd.DataFrame({"sex": list("AABB"), "y": ["yes", "no", "yes", "no"]})
    ctx = context(frame, ["yes", "yes", "no", "no"], positive="yes")
    measured = fairness.run("demographic_parity_difference", FairnessParams(**ALL_GROUPS), ctx)
    assert measured.value == pytest.approx(1.0)
    assert measured.details["positive_label"] == "yes"


def test_permuting_rows_leaves_the_gaps_unchanged(hand_made: AuditContext) -> None:
    order = np.random.default_rng(3).permutation(len(hand_made.current))
    shuffled = context(hand_made.current.iloc[order].reset_index(drop=True), hand_made.y_pred[order])
    for name in ("demographic_parity_ratio", "equalized_odds_difference"):
        params = FairnessParams(**ALL_GROUPS)
        assert fairness.run(name, params, shuffled).value == fairness.run(name, params, hand_made).value


def test_intersectional_groups() -> None:
    frame = pd.DataFrame({"sex": list("FFMMFFMM"), "race": list("xyxyxyxy"), "y": [1] * 8})
    ctx = context(frame, [1, 0, 1, 1, 1, 0, 1, 1], sensitive=["sex", "race"])
    measured = fairness.run("demographic_parity_difference", FairnessParams(**ALL_GROUPS), ctx)
    assert set(measured.details["groups"]) == {"sex", "race", "sex × race"}
    intersection = {row["group"]: row["selection_rate"] for row in measured.details["groups"]["sex × race"]}
    assert intersection == {"F / x": 1.0, "F / y": 0.0, "M / x": 1.0, "M / y": 1.0}
    assert measured.value == pytest.approx(1.0)
    assert measured.details["deciding_grouping"] == "sex × race"


def _example_context(adult_build) -> AuditContext:
    from govkit.preflight import prepare

    return prepare(
        data=adult_build / "current.csv",
        reference=adult_build / "reference.csv",
        model=adult_build / "model.skops",
        target="income-per-year",
        sensitive=["sex", "race"],
        positive_label=">50K",
        trusted_types=["sklearn.tree._tree.Tree"],
    ).context


@pytest.mark.parametrize("column", ["sex", "race"])
def test_matches_fairlearn_on_the_example(adult_build, column: str) -> None:
    """From counts, govkit gives fairlearn's numbers on the raw rows, to the last digit."""
    import fairlearn.metrics as fm

    ctx = _example_context(adult_build)
    y_true = (ctx.y_true == ">50K").to_numpy()
    y_pred = ctx.y_pred == ">50K"
    groups = ctx.current[column]
    params = FairnessParams(sensitive=[column], groupings="each", **ALL_GROUPS)
    expected = {
        "demographic_parity_difference": fm.demographic_parity_difference(y_true, y_pred, sensitive_features=groups),
        "demographic_parity_ratio": fm.demographic_parity_ratio(y_true, y_pred, sensitive_features=groups),
        "equalized_odds_difference": fm.equalized_odds_difference(y_true, y_pred, sensitive_features=groups),
        "equalized_odds_ratio": fm.equalized_odds_ratio(y_true, y_pred, sensitive_features=groups),
    }
    for name, value in expected.items():
        assert fairness.run(name, params, ctx).value == pytest.approx(value, abs=1e-12), name

    frame = fm.MetricFrame(
        metrics={
            "selection_rate": fm.selection_rate,
            "tpr": fm.true_positive_rate,
            "fpr": fm.false_positive_rate,
            "count": fm.count,
        },
        y_true=y_true,
        y_pred=y_pred,
        sensitive_features=groups,
    )
    rows = {
        row["group"]: row for row in fairness.run("demographic_parity_ratio", params, ctx).details["groups"][column]
    }
    for group, metrics in frame.by_group.iterrows():
        assert rows[str(group)]["count"] == metrics["count"]
        for rate in ("selection_rate", "tpr", "fpr"):
            assert rows[str(group)][rate] == pytest.approx(metrics[rate], abs=1e-12)


def test_intersectional_matches_fairlearn_multi_feature(adult_build) -> None:
    import fairlearn.metrics as fm

    ctx = _example_context(adult_build)
    y_true = (ctx.y_true == ">50K").to_numpy()
    y_pred = ctx.y_pred == ">50K"
    params = FairnessParams(groupings="intersectional", **ALL_GROUPS)
    expected = fm.demographic_parity_difference(y_true, y_pred, sensitive_features=ctx.current[["sex", "race"]])
    assert fairness.run("demographic_parity_difference", params, ctx).value == pytest.approx(expected, abs=1e-12)


def test_the_interval_code_gives_the_point_estimate(hand_made: AuditContext) -> None:
    """The vectorised form the interval (and the coverage simulation) uses gives the check's own value."""
    from govkit.families.fairness.classification import grouping_data
    from govkit.families.fairness.counts import cell_table
    from govkit.families.fairness.intervals import Part, worst_of
    from govkit.families.fairness.metrics import METRICS, eligible

    params = FairnessParams(**ALL_GROUPS)
    _, data = grouping_data(cell_table(hand_made, ("sex",)), ("sex",), params)
    assert data is not None
    for name in (
        "demographic_parity_ratio",
        "equalized_odds_difference",
        "equalized_odds_ratio",
        "predictive_parity_difference",
        "accuracy_difference",
        "average_odds_difference",
    ):
        expected = fairness.run(name, params, hand_made).value
        parts = [Part(data.estimate(s), eligible(data, data.estimate(s), params), None) for s in METRICS[name].parts]
        assert worst_of(parts, METRICS[name].how, 0.95).value[0] == pytest.approx(expected)


def test_interval_is_deterministic_covers_the_value_and_narrows_with_data() -> None:
    rng = np.random.default_rng(0)

    def make(rows: int) -> AuditContext:
        sex = rng.choice(["A", "B"], size=rows, p=[0.7, 0.3])
        y = rng.integers(0, 2, size=rows)
        predicted = (rng.random(rows) < np.where(sex == "A", 0.5, 0.35)).astype(int)
        frame = pd.DataFrame({"sex": sex, "y": y})
        return context(frame, predicted)

    params = FairnessParams(min_group_size=1, min_group_share=0.0)
    small, large = make(400), make(40_000)
    first = fairness.run("demographic_parity_difference", params, small)
    again = fairness.run("demographic_parity_difference", params, context(small.current, small.y_pred))
    assert first.interval == again.interval
    low, high = first.interval
    assert low <= first.value <= high
    wide = high - low
    low, high = fairness.run("demographic_parity_difference", params, large).interval
    assert (high - low) < wide / 5  # 100x the rows: about a tenth of the width
    assert "Newcombe" in first.details["interval_method"]


def test_two_groups_give_newcombes_interval() -> None:
    """With two groups there is one comparison: the interval is Newcombe's, as statsmodels computes it."""
    from statsmodels.stats.proportion import confint_proportions_2indep

    frame = pd.DataFrame({"sex": ["A"] * 40 + ["B"] * 60, "y": [1, 0] * 50})
    ctx = context(frame, [1] * 30 + [0] * 10 + [1] * 15 + [0] * 45)  # A selects 30/40, B 15/60
    for confidence in (0.95, 0.8):
        params = FairnessParams(min_group_size=1, min_group_share=0.0, confidence=confidence)
        measured = fairness.run("demographic_parity_difference", params, ctx)
        expected = confint_proportions_2indep(30, 40, 15, 60, method="newcomb", compare="diff", alpha=1 - confidence)
        assert measured.value == pytest.approx(0.5)
        assert measured.interval == pytest.approx(expected, abs=1e-12)


def test_a_tiny_group_still_gets_an_interval() -> None:
    frame = pd.DataFrame({"sex": ["A"] * 40 + ["B"] * 2, "y": [1, 0] * 21})
    ctx = context(frame, [1, 0] * 20 + [1, 1])
    params = FairnessParams(min_group_size=1, min_group_share=0.0, min_rate_denominator=1)
    measured = fairness.run("demographic_parity_difference", params, ctx)
    # B selects both rows, A about half: two rows say little, so the interval is wide but reaches neither end
    assert measured.interval is not None
    assert 0.0 <= measured.interval[0] <= measured.value <= measured.interval[1] <= 1.0


def _aif360_pairs(ctx: AuditContext, column: str):
    """Every pair of groups of a column whose rows are numerous enough for both rates to be defined."""
    groups = sorted(ctx.current[column].astype(str).unique())
    return [(a, b) for i, a in enumerate(groups) for b in groups[i + 1 :]]


@pytest.mark.parametrize("column", ["sex", "race"])
def test_matches_aif360_pairwise_on_the_example(adult_build, column: str) -> None:
    """AIF360 compares an unprivileged with a privileged group; govkit compares all groups.

    Conventions, mapped explicitly on each pair (privileged = the group with the higher selection rate):
    - demographic parity difference = -statistical_parity_difference (AIF360 is unprivileged minus privileged)
    - demographic parity ratio = disparate_impact_ratio (unprivileged over privileged)
    - disparate impact ratio against the privileged group = disparate_impact_ratio
    - equal opportunity difference = |equal_opportunity_difference| (AIF360 keeps the sign)
    - false positive rate difference = |difference(specificity_score)| (FPR = 1 - specificity)
    - predictive parity difference = |difference(precision_score)|
    - equalized odds difference = max(|TPR gap|, |FPR gap|) (AIF360's average_odds_difference averages them)
    """
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from aif360.sklearn import metrics as aif
    from sklearn.metrics import precision_score

    ctx = _example_context(adult_build)
    for low_name, high_name in _aif360_pairs(ctx, column):
        rows = ctx.current[column].astype(str).isin([low_name, high_name]).to_numpy()
        frame = ctx.current.loc[rows].reset_index(drop=True)
        pair = context(frame, ctx.y_pred[rows], positive=">50K", sensitive=[column])
        pair.target = "income-per-year"
        params = FairnessParams(**ALL_GROUPS)
        groups = pd.Index(frame[column].astype(str), name=column)
        y_true = pd.Series((frame["income-per-year"] == ">50K").astype(int).to_numpy(), index=groups)
        y_pred = pd.Series((ctx.y_pred[rows] == ">50K").astype(int), index=groups)
        rates = y_pred.groupby(level=0).mean()
        privileged = rates.idxmax()
        common = {"prot_attr": column, "priv_group": privileged, "pos_label": 1}

        def ours(name: str, pair: AuditContext = pair, params: FairnessParams = params, **extra: object) -> float:
            chosen = FairnessParams(**ALL_GROUPS, **extra) if extra else params
            return fairness.run(name, chosen, pair).value

        spd = aif.statistical_parity_difference(y_true, y_pred, **common)
        di = aif.disparate_impact_ratio(y_true, y_pred, **common)
        eod = aif.equal_opportunity_difference(y_true, y_pred, **common)
        fpr_gap = aif.difference(aif.specificity_score, y_true, y_pred, **common)
        ppv_gap = aif.difference(precision_score, y_true, y_pred, **common)
        assert ours("demographic_parity_difference") == pytest.approx(-spd, abs=1e-9)
        assert ours("demographic_parity_ratio") == pytest.approx(di, abs=1e-9)
        assert ours("disparate_impact_ratio", reference_group=privileged) == pytest.approx(di, abs=1e-9)
        assert ours("equal_opportunity_difference") == pytest.approx(abs(eod), abs=1e-9)
        assert ours("false_positive_rate_difference") == pytest.approx(abs(fpr_gap), abs=1e-9)
        assert ours("predictive_parity_difference") == pytest.approx(abs(ppv_gap), abs=1e-9)
        assert ours("equalized_odds_difference") == pytest.approx(max(abs(eod), abs(fpr_gap)), abs=1e-9)


def test_regression_group_errors_by_hand() -> None:
    # A: predictions 1, 3 for truth 2, 2 -> MAE 1, RMSE 1, mean prediction 2
    # B: predictions 5, 5 for truth 4, 8 -> MAE 2, RMSE sqrt((1 + 9) / 2), mean prediction 5
    frame = pd.DataFrame({"sex": list("AABB"), "y": [2.0, 2.0, 4.0, 8.0]})
    ctx = AuditContext(
        current=frame,
        reference=None,
        target="y",
        sensitive=["sex"],
        features=[],
        task="regression",
        positive_label=None,
        current_predictions=Predictions(labels=np.array([1.0, 3.0, 5.0, 5.0]), scores=None),
    )
    params = FairnessParams(**ALL_GROUPS)
    assert fairness.run("mae_difference", params, ctx).value == pytest.approx(1.0)
    assert fairness.run("rmse_difference", params, ctx).value == pytest.approx(np.sqrt(5) - 1)
    measured = fairness.run("mean_prediction_difference", params, ctx)
    assert measured.value == pytest.approx(3.0)
    assert measured.summary == "By sex: the mean prediction ranges from 2 (A) to 5 (B)."
    with pytest.raises(InputError, match="compares a classifier's decisions; this audit's task is regression"):
        fairness.run("demographic_parity_ratio", params, ctx)


def test_every_fairness_check_runs_in_predictions_only_mode(adult_build, tmp_path) -> None:
    """No model file: decisions and scores come from columns, and every classification check has a value."""
    import skops.io as sio

    import govkit
    from govkit.policy import load_policy

    model = sio.load(adult_build / "model.skops", trusted=["sklearn.tree._tree.Tree"])
    current = pd.read_csv(adult_build / "current.csv")
    current["decision"] = model.predict(current[list(model.feature_names_in_)])
    names = [n for n in fairness.CHECKS if n not in REGRESSION_STATS]
    policy = tmp_path / "all-fairness.yaml"
    policy.write_text("version: 1\nname: all\nchecks:\n" + "".join(f"  - id: fairness.{n}\n" for n in names))
    result = govkit.audit(
        data=current,
        target="income-per-year",
        sensitive=["sex", "race"],
        prediction_column="decision",
        positive_label=">50K",
        policy=load_policy(policy),
    )
    assert {c.id for c in result.checks} == {f"fairness.{n}" for n in names}
    for check in result.checks:
        assert check.status.value in ("pass", "inconclusive"), (check.id, check.message)
        assert check.measurement.value is not None, check.id


def test_nobody_selected_is_not_parity() -> None:
    """0/0 is undefined (as in fairlearn), so a model that never gives the outcome cannot pass a ratio."""
    frame = pd.DataFrame({"sex": list("AAAABBBB"), "y": [1, 0] * 4})
    ctx = context(frame, [0] * 8)
    measured = fairness.run("demographic_parity_ratio", FairnessParams(**ALL_GROUPS), ctx)
    assert measured.value is None
    assert measured.inconclusive_reason == "the selection rate is 0 for every group compared, so the ratio is undefined"
    # a difference of zero rates is a real, defined zero
    assert fairness.run("demographic_parity_difference", FairnessParams(**ALL_GROUPS), ctx).value == 0.0


# ---------------------------------------------------------------------------------------------
# Evidence: every check's details fit its model, and a renamed key does not


def regression_context(
    frame: pd.DataFrame, predictions: list[float], sensitive: list[str] | None = None
) -> AuditContext:
    return AuditContext(
        current=frame,
        reference=None,
        target="y",
        sensitive=sensitive or ["sex"],
        features=[],
        task="regression",
        positive_label=None,
        current_predictions=Predictions(labels=np.asarray(predictions, dtype=float), scores=None),
    )


CLASSIFICATION_CHECKS = [n for n in fairness.CHECKS if n not in REGRESSION_STATS]


def _assert_fits(name: str, measured: Measurement) -> None:
    from govkit.runner import evidence_problem

    definition = fairness.CHECKS[name]
    definition.evidence.model_validate(measured.details)
    assert evidence_problem(definition, Measurement(details=measured.details)) is None


def _hand_made_classification() -> list[AuditContext]:
    return [
        context(pd.DataFrame({"sex": list("AAAABBBB"), "y": [1, 1, 0, 0, 1, 1, 0, 0]}), [1, 1, 1, 0, 1, 0, 0, 0]),
        # a missing group, an unknown target, a group without positives (undefined TPR)
        context(
            pd.DataFrame({"sex": ["A", "A", None, None, "B", "B"], "y": [1.0, np.nan, 1.0, 0.0, 0.0, 0.0]}),
            [1, 0, 1, 1, 0, 0],
        ),
        context(pd.DataFrame({"sex": list("AAAABBBB"), "y": [1, 0] * 4}), [0] * 8),  # nobody selected
        context(
            pd.DataFrame({"sex": list("FFMMFFMM"), "race": list("xyxyxyxy"), "y": [1, 0] * 4}),
            [1, 0, 1, 1, 1, 0, 1, 1],
            sensitive=["sex", "race"],
        ),
    ]


@pytest.mark.parametrize("name", CLASSIFICATION_CHECKS)
def test_classification_evidence_fits_its_model_on_hand_made_frames(name: str) -> None:
    for ctx in _hand_made_classification():
        for params in (
            FairnessParams(**ALL_GROUPS),  # every group decides
            FairnessParams(min_group_size=30),  # no group large enough
            FairnessParams(min_group_size=1, min_group_share=0.0, min_rate_denominator=1),  # an interval
            FairnessParams(min_group_size=1, min_group_share=0.0, min_rate_denominator=1, reference_group="A"),
            FairnessParams(min_group_size=1, min_group_share=0.0, min_rate_denominator=3, reference_group="A"),
        ):
            if params.reference_group is not None and "A" not in set(ctx.current["sex"].astype(str)):
                continue
            _assert_fits(name, fairness.run(name, params, ctx))


@pytest.mark.parametrize("name", sorted(REGRESSION_STATS))
def test_regression_evidence_fits_its_model_on_hand_made_frames(name: str) -> None:
    frames = [
        (pd.DataFrame({"sex": list("AABB"), "y": [2.0, 2.0, 4.0, 8.0]}), [1.0, 3.0, 5.0, 5.0]),
        # a missing group, and a group with no known target (its errors are None)
        (
            pd.DataFrame({"sex": ["A", "A", None, "B", "B"], "y": [1.0, 2.0, 3.0, np.nan, np.nan]}),
            [1.5, 2.0, 2.5, 4, 5],
        ),
    ]
    for frame, predictions in frames:
        for params in (FairnessParams(**ALL_GROUPS), FairnessParams()):  # decided, then too few large groups
            _assert_fits(name, fairness.run(name, params, regression_context(frame, predictions)))


def test_evidence_fits_its_model_on_the_example(adult_build) -> None:
    ctx = _example_context(adult_build)
    for name in CLASSIFICATION_CHECKS:
        _assert_fits(name, fairness.run(name, FairnessParams(), ctx))
        _assert_fits(name, fairness.run(name, FairnessParams(reference_group="White"), ctx))
    ctx.task = "regression"  # the example's decisions as 0/1 numbers: enough to exercise the regression evidence
    ctx.current_predictions = Predictions(labels=(ctx.y_pred == ">50K").astype(float), scores=None)
    ctx.current = ctx.current.assign(**{"income-per-year": (ctx.y_true == ">50K").astype(float)})
    for name in REGRESSION_STATS:
        _assert_fits(name, fairness.run(name, FairnessParams(), ctx))


def test_a_renamed_key_is_rejected(hand_made: AuditContext) -> None:
    import copy

    from pydantic import ValidationError

    from govkit.runner import evidence_problem

    definition = fairness.CHECKS["demographic_parity_ratio"]
    details = fairness.run("demographic_parity_ratio", FairnessParams(**ALL_GROUPS), hand_made).details

    top = dict(details)
    top["group_tables"] = top.pop("groups")
    nested = copy.deepcopy(details)
    nested["groups"]["sex"][0]["true_positive_rate"] = nested["groups"]["sex"][0].pop("tpr")
    comparison = copy.deepcopy(details)
    comparison["comparisons"][0]["low"] = comparison["comparisons"][0].pop("low_group")
    for renamed in (top, nested, comparison):
        with pytest.raises(ValidationError):
            definition.evidence.model_validate(renamed)
    problem = evidence_problem(definition, Measurement(details=nested))
    assert problem is not None and "GroupFairnessEvidence" in problem

    regression = fairness.CHECKS["mae_difference"]
    frame = pd.DataFrame({"sex": list("AABB"), "y": [2.0, 2.0, 4.0, 8.0]})
    errors = fairness.run(
        "mae_difference", FairnessParams(**ALL_GROUPS), regression_context(frame, [1.0, 3.0, 5.0, 5.0])
    )
    renamed = copy.deepcopy(errors.details)
    renamed["groups"]["sex"][0]["mean_absolute_error"] = renamed["groups"]["sex"][0].pop("mae")
    with pytest.raises(ValidationError):
        regression.evidence.model_validate(renamed)


# ---------------------------------------------------------------------------------------------
# The counts as an accumulator: any split of the rows into batches gives the same counts


class BatchedContext(AuditContext):
    """An AuditContext that hands the rows to the accumulators in several batches (as a streaming engine would)."""

    def __init__(self, ctx: AuditContext, cuts: list[int]) -> None:
        fields = {f: getattr(ctx, f) for f in AuditContext.__dataclass_fields__ if f != "_memo"}
        super().__init__(**fields)
        self.cuts = cuts

    def batches(self) -> Iterator[Batch]:

        bounds = [0, *self.cuts, len(self.current)]
        labels, scores = self.current_predictions.labels, self.current_predictions.scores
        for start, stop in itertools.pairwise(bounds):
            yield Batch(
                frame=self.current.iloc[start:stop],
                labels=labels[start:stop],
                scores=None if scores is None else scores[start:stop],
                offset=start,  # the batch's first row in the whole frame: bootstrap weights are keyed on it
            )


def _mixed_frame() -> tuple[pd.DataFrame, np.ndarray]:
    """Values that occur only in some batches, missing sensitive values and targets, 1 and "1" as one group."""
    rng = np.random.default_rng(5)
    rows = 300
    sex = rng.choice(["F", "M", None], size=rows, p=[0.45, 0.45, 0.1]).astype(object)
    race = rng.choice(["a", "b", "c"], size=rows).astype(object)
    race[:40] = "only-first"  # a group only the first batch sees
    race[-5:] = 1  # numbers that read like text
    race[-3:] = "1"
    y = rng.integers(0, 2, size=rows).astype(float)
    y[rng.random(rows) < 0.1] = np.nan
    frame = pd.DataFrame({"sex": sex, "race": race, "y": y})
    return frame, rng.integers(0, 2, size=rows)


@pytest.mark.parametrize("cuts", [[150], [40, 41], [1, 299]])
def test_cell_counts_over_batches_equal_one_batch(cuts: list[int]) -> None:
    from govkit.context import accumulate
    from govkit.families.fairness.counts import CellCounter, CellTable, cell_table, group_counts

    frame, predictions = _mixed_frame()
    whole = context(frame, predictions, sensitive=["sex", "race"])
    batched = BatchedContext(whole, cuts)
    assert len(list(batched.batches())) == len(cuts) + 1
    columns = ("sex", "race")
    one, many = cell_table(whole, columns), cell_table(batched, columns)
    assert one.values == many.values
    assert np.array_equal(one.counts, many.counts)
    assert one.counts.dtype == many.counts.dtype
    for grouping in (("sex",), ("race",), columns):
        assert group_counts(one, grouping) == group_counts(many, grouping)
    # the merge is order-free: batches merged in reverse give the same table
    counter = CellCounter(columns=columns, target="y", positive_label=1)
    reverse = CellTable.of(columns, accumulate(counter, reversed(list(batched.batches()))))
    assert reverse.values == one.values and np.array_equal(reverse.counts, one.counts)
    # ... and every check measures the same, interval included (the cells come in the same order)
    for name in CLASSIFICATION_CHECKS:
        params = FairnessParams(min_group_size=5, min_rate_denominator=5)
        assert fairness.run(name, params, batched) == fairness.run(name, params, whole), name


def test_regression_sums_over_batches_equal_one_batch() -> None:
    frame, _ = _mixed_frame()
    # whole and half numbers: every partial sum is exact, so the merged sums must be equal to the last bit
    predictions = np.random.default_rng(1).integers(0, 20, size=len(frame)) / 2
    whole = regression_context(frame, predictions, sensitive=["sex", "race"])
    for cuts in ([150], [40, 41]):
        batched = BatchedContext(whole, cuts)
        for name in REGRESSION_STATS:
            assert fairness.run(name, FairnessParams(min_group_size=5), batched) == fairness.run(
                name, FairnessParams(min_group_size=5), whole
            )


# ---------------------------------------------------------------------------------------------
# The report section reads the evidence through the models


def _judged(name: str, measured: Measurement) -> CheckResult:
    from govkit.results import Status

    return CheckResult(
        id=f"fairness.{name}", family="fairness", title=name, status=Status.PASS, message="", measurement=measured
    )


def test_the_report_renders_a_regression_fairness_result() -> None:
    from types import SimpleNamespace

    from govkit.report.html import environment
    from govkit.report.sections import fairness as section

    frame = pd.DataFrame({"sex": ["A", "A", "B", "B", "<b>"], "y": [2.0, 2.0, 4.0, 8.0, 1.0]})
    ctx = regression_context(frame, [1.0, 3.0, 5.0, 5.0, 1.5])
    params = FairnessParams(min_group_size=2, min_group_share=0.0)
    checks = [_judged(name, fairness.run(name, params, ctx)) for name in ("mae_difference", "rmse_difference")]
    # a check whose evidence fits no model (an error result, say) is passed over
    broken = _judged("demographic_parity_ratio", Measurement(details={"groups": {"sex": [{"group": "A"}]}}))
    view = section.build([broken, *checks])
    assert view.kind == "errors" and view.statistic == "Mean absolute error"
    (grouping,) = view.groupings
    assert [(r.group, r.count, r.mean_prediction, r.mae, r.small) for r in grouping.rows] == [
        ("A", "2", "2", "1", False),
        ("B", "2", "5", "2", False),
        ("<b>", "1", "1.500", "0.500", True),
    ]
    html = environment().get_template(section.TEMPLATE).render(family=SimpleNamespace(extras=view))
    assert "Mean absolute error by group" in html
    assert "Groups with fewer than 2 rows are shown but do not decide a check: &lt;b&gt;." in html
    assert "<b>" not in html and "Selection rate" not in html


def test_a_regression_audit_renders_its_fairness_section(tmp_path) -> None:
    import govkit
    from govkit.policy import load_policy
    from govkit.report.html import render_html

    rng = np.random.default_rng(2)
    frame = pd.DataFrame({"sex": rng.choice(["F", "M"], size=200), "y": rng.normal(50, 10, size=200)})
    frame["predicted"] = frame["y"] + rng.normal(0, 3, size=200)
    policy = tmp_path / "regression.yaml"
    policy.write_text(
        "version: 1\nname: regression\nchecks:\n" + "".join(f"  - id: fairness.{n}\n" for n in REGRESSION_STATS)
    )
    result = govkit.audit(
        data=frame, target="y", sensitive=["sex"], prediction_column="predicted", policy=load_policy(policy)
    )
    statuses = {c.id: c.status.value for c in result.checks}
    assert all(statuses[f"fairness.{n}"] in ("pass", "inconclusive") for n in REGRESSION_STATS), statuses
    html = render_html(result)
    assert "Mean prediction by group" in html and '<th class="num">RMSE</th>' in html


def test_the_classification_section_is_unchanged_in_shape(hand_made: AuditContext) -> None:
    from govkit.report.sections import fairness as section

    checks = [
        _judged(
            "demographic_parity_ratio",
            fairness.run("demographic_parity_ratio", FairnessParams(**ALL_GROUPS), hand_made),
        )
    ]
    view = section.build(checks)
    assert view.kind == "decisions" and view.positive_label == "1" and view.min_group_share == "0.0%"
    rows = {r.group: r for r in view.groupings[0].rows}
    assert (rows["A"].selection_rate, rows["B"].precision, rows["A"].small) == ("75.0%", "100.0%", False)
    assert section.build([]).groupings == []
