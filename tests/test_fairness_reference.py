"""Comparisons with a reference group: AIF360's numbers on a COMPAS-like frame, and what the check makes of them.

The frame has the confusion counts of the COMPAS recidivism scores by race (ProPublica's two-year
data, "high risk" = decile score of 5 or more; counts rounded) and a sex column splitting each cell
four to one. The favourable label is 1 (predicted to reoffend), as in the published disparate impact
of 1.69 for African-American against Caucasian defendants.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from govkit.context import AuditContext, Predictions
from govkit.errors import GovkitError
from govkit.families import fairness
from govkit.families.fairness.params import FairnessParams

# race -> (tp, fn, fp, tn)
COMPAS = {
    "African-American": (1188, 473, 681, 833),
    "Caucasian": (430, 392, 302, 979),
    "Hispanic": (108, 81, 83, 237),
    "Other": (59, 60, 44, 180),
    "Asian": (5, 3, 2, 21),
    "Native American": (5, 1, 2, 3),
}
EVERY_GROUP = {"min_group_size": 1, "min_group_share": 0.0, "min_rate_denominator": 1}


def compas_frame() -> tuple[pd.DataFrame, np.ndarray]:
    race, sex, truth, decision = [], [], [], []
    for label, cells in COMPAS.items():
        for count, y, predicted in zip(cells, (1, 1, 0, 0), (1, 0, 1, 0), strict=True):
            male = round(count * 0.8)
            race += [label] * count
            sex += ["Male"] * male + ["Female"] * (count - male)
            truth += [y] * count
            decision += [predicted] * count
    return pd.DataFrame({"race": race, "sex": sex, "y": truth}), np.array(decision)


def compas_context(sensitive: list[str]) -> AuditContext:
    frame, decision = compas_frame()
    return AuditContext(
        current=frame,
        reference=None,
        target="y",
        sensitive=sensitive,
        features=[],
        task="binary",
        positive_label=1,
        current_predictions=Predictions(labels=decision, scores=None),
    )


def aif360_metrics(privileged: list[dict[str, str]], unprivileged: list[dict[str, str]]) -> dict[str, float]:
    """AIF360's ClassificationMetric on the same frame, for one unprivileged and one privileged group."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from aif360.datasets import BinaryLabelDataset
        from aif360.metrics import ClassificationMetric

        frame, decision = compas_frame()
        codes = {c: {v: i for i, v in enumerate(sorted(frame[c].unique()))} for c in ("race", "sex")}
        numeric = frame.assign(**{c: frame[c].map(codes[c]) for c in codes})
        truth = BinaryLabelDataset(
            df=numeric,
            label_names=["y"],
            protected_attribute_names=["race", "sex"],
            favorable_label=1,
            unfavorable_label=0,
        )
        predicted = truth.copy()
        predicted.labels = decision.reshape(-1, 1).astype(float)

        def encode(groups: list[dict[str, str]]) -> list[dict[str, int]]:
            return [{c: codes[c][v] for c, v in group.items()} for group in groups]

        metric = ClassificationMetric(
            truth, predicted, unprivileged_groups=encode(unprivileged), privileged_groups=encode(privileged)
        )
        return {
            "disparate_impact_ratio": metric.disparate_impact(),
            "demographic_parity_difference": metric.statistical_parity_difference(),
            "equal_opportunity_difference": metric.equal_opportunity_difference(),
            "average_odds_difference": metric.average_odds_difference(),
        }


def against(measured, grouping: str) -> dict[str, dict]:
    (comparison,) = [c for c in measured.details["comparisons"] if c["grouping"] == grouping]
    return {a["group"]: a for a in comparison["against_reference"]}


def test_matches_aif360_for_every_unprivileged_group() -> None:
    ctx = compas_context(["race"])
    params = FairnessParams(reference_group="Caucasian", **EVERY_GROUP)
    ours = {
        name: against(fairness.run(name, params, ctx), "race")
        for name in aif360_metrics([{"race": "Caucasian"}], [{"race": "Hispanic"}])
    }
    for group in COMPAS:
        if group == "Caucasian":
            continue
        expected = aif360_metrics([{"race": "Caucasian"}], [{"race": group}])
        for name, value in expected.items():
            assert ours[name][group]["value"] == pytest.approx(value, abs=1e-12), (group, name)
    assert ours["disparate_impact_ratio"]["African-American"]["value"] == pytest.approx(1.691, abs=1e-3)


def test_pooled_privileged_values_match_aif360() -> None:
    """Several privileged values are one reference group, as AIF360 pools a list of privileged groups."""
    ctx = compas_context(["race"])
    params = FairnessParams(privileged={"race": ["Caucasian", "Asian"]}, **EVERY_GROUP)
    privileged = [{"race": "Caucasian"}, {"race": "Asian"}]
    for name in ("disparate_impact_ratio", "demographic_parity_difference", "average_odds_difference"):
        measured = fairness.run(name, params, ctx)
        (comparison,) = measured.details["comparisons"]
        assert comparison["reference_group"] == "Asian + Caucasian"
        listed = against(measured, "race")
        assert set(listed) == {"African-American", "Hispanic", "Native American", "Other"}
        for group, found in listed.items():
            expected = aif360_metrics(privileged, [{"race": group}])[name]
            assert found["value"] == pytest.approx(expected, abs=1e-12), (group, name)


def test_intersections_compare_with_the_privileged_intersection() -> None:
    ctx = compas_context(["race", "sex"])
    params = FairnessParams(privileged={"race": ["Caucasian"], "sex": ["Male"]}, **EVERY_GROUP)
    measured = fairness.run("equal_opportunity_difference", params, ctx)
    references = {c["grouping"]: c["reference_group"] for c in measured.details["comparisons"]}
    assert references == {"race": "Caucasian", "sex": "Male", "race × sex": "Caucasian / Male"}
    expected = aif360_metrics([{"race": "Caucasian", "sex": "Male"}], [{"race": "Hispanic", "sex": "Female"}])
    found = against(measured, "race × sex")["Hispanic / Female"]["value"]
    assert found == pytest.approx(expected["equal_opportunity_difference"], abs=1e-12)


def test_the_worst_comparison_decides_and_every_comparison_is_kept() -> None:
    ctx = compas_context(["race"])
    params = FairnessParams(reference_group="Caucasian")  # default gates: Asian and Native American are small
    impact = fairness.run("disparate_impact_ratio", params, ctx)
    listed = against(impact, "race")
    deciding = {g: a["value"] for g, a in listed.items() if a["decides"]}
    assert set(deciding) == {"African-American", "Hispanic", "Other"}
    assert impact.value == pytest.approx(min(deciding.values()))
    assert not listed["Asian"]["decides"] and listed["Asian"]["interval"] is not None
    low, high = listed["African-American"]["interval"]
    assert low < listed["African-American"]["value"] < high
    parity = fairness.run("demographic_parity_difference", params, ctx)
    differences = {g: a["value"] for g, a in against(parity, "race").items() if a["decides"]}
    assert parity.value == pytest.approx(max(abs(v) for v in differences.values()))
    assert parity.summary.startswith("By race: the selection rate of African-American is 58.9%")
    assert parity.details["comparisons"][0]["how"] == "difference"


def test_disparate_impact_can_exceed_one() -> None:
    """Against a reference selected less often than every other group, the check's value is above 1."""
    ctx = compas_context(["race"])
    params = FairnessParams(reference_group="Caucasian", min_group_size=500)  # African-American, Hispanic
    measured = fairness.run("disparate_impact_ratio", params, ctx)
    assert measured.value > 1
    assert measured.interval[0] < measured.value < measured.interval[1]


def test_a_reference_group_that_is_nowhere_is_an_error() -> None:
    ctx = compas_context(["race"])
    with pytest.raises(GovkitError, match="reference_group 'Martian' is not a group of the sensitive columns"):
        fairness.run("disparate_impact_ratio", FairnessParams(reference_group="Martian"), ctx)
    with pytest.raises(ValueError, match="not both"):
        FairnessParams(reference_group="Caucasian", privileged={"race": ["Caucasian"]})


def test_a_ratio_against_a_reference_that_never_gets_the_outcome_is_undefined() -> None:
    frame = pd.DataFrame({"race": ["A"] * 40 + ["B"] * 40, "y": [1, 0] * 40})
    ctx = AuditContext(
        current=frame,
        reference=None,
        target="y",
        sensitive=["race"],
        features=[],
        task="binary",
        positive_label=1,
        current_predictions=Predictions(labels=np.array([1, 0] * 20 + [0] * 40), scores=None),
    )
    measured = fairness.run("disparate_impact_ratio", FairnessParams(reference_group="B"), ctx)
    assert measured.value is None
    assert "reference group 'B' is 0, so the ratio is undefined" in measured.inconclusive_reason


def test_regression_against_a_reference_group() -> None:
    frame = pd.DataFrame({"sex": ["F"] * 50 + ["M"] * 50 + ["X"] * 50, "y": [10.0] * 150})
    predicted = np.array([9.0, 11.0] * 25 + [12.0, 14.0] * 25 + [10.0, 10.5] * 25)
    ctx = AuditContext(
        current=frame,
        reference=None,
        target="y",
        sensitive=["sex"],
        features=[],
        task="regression",
        positive_label=None,
        current_predictions=Predictions(labels=predicted, scores=None),
    )
    measured = fairness.run("mean_prediction_difference", FairnessParams(reference_group="M"), ctx)
    listed = against(measured, "sex")
    assert listed["F"]["value"] == pytest.approx(10.0 - 13.0)
    assert listed["X"]["value"] == pytest.approx(10.25 - 13.0)
    assert measured.value == pytest.approx(3.0)
    assert (
        measured.summary
        == "By sex: the mean prediction of F is 10, against 13 for the reference group M; a difference of -3."
    )


def test_the_report_shows_every_comparison() -> None:
    from types import SimpleNamespace

    from govkit.report.html import environment
    from govkit.report.sections import fairness as section
    from govkit.results import CheckResult, Status

    ctx = compas_context(["race"])
    measured = fairness.run("disparate_impact_ratio", FairnessParams(reference_group="Caucasian"), ctx)
    check = CheckResult(
        id="fairness.disparate_impact_ratio",
        family="fairness",
        title="Disparate impact ratio",
        status=Status.PASS,
        message="",
        measurement=measured,
    )
    view = section.build([check])
    (table,) = view.references
    assert (table.reference, table.measure) == ("Caucasian", "Ratio")
    assert [r.group for r in table.rows] == ["African-American", "Asian", "Hispanic", "Native American", "Other"]
    assert table.rows[0].value == "1.691"
    html = environment().get_template(section.TEMPLATE).render(family=SimpleNamespace(extras=view))
    assert "Disparate impact ratio: each group against Caucasian (by race)" in html
    assert "Asian (too small to judge)" in html


@pytest.mark.parametrize(
    "params",
    [
        FairnessParams(reference_group="Caucasian"),
        FairnessParams(privileged={"race": ["Caucasian", "Asian"], "sex": "Male"}),
        FairnessParams(reference_group="Native American"),  # a reference too small for every statistic
    ],
)
def test_reference_evidence_fits_its_model(params: FairnessParams) -> None:
    from govkit.families.fairness.regression import REGRESSION_STATS
    from govkit.results import Measurement
    from govkit.runner import evidence_problem

    ctx = compas_context(["race", "sex"])
    for name, definition in fairness.CHECKS.items():
        if name in REGRESSION_STATS:
            continue
        measured = fairness.run(name, params, ctx)
        assert evidence_problem(definition, Measurement(details=measured.details)) is None, name
    ctx.task, ctx.positive_label = "regression", None
    ctx.current_predictions = Predictions(labels=ctx.current_predictions.labels.astype(float), scores=None)
    for name in REGRESSION_STATS:
        measured = fairness.run(name, params, ctx)
        assert evidence_problem(fairness.CHECKS[name], Measurement(details=measured.details)) is None, name
