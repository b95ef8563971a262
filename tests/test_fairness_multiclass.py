"""Fairness of a multiclass model: a favourable set, every class one-vs-rest, and confusion matrices by group.

The numbers are cross-checked with fairlearn's MetricFrame on the binarised arrays (label in the
favourable set) and with scikit-learn's confusion matrix per group.
"""

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
from govkit.results import CheckResult, Measurement, Status

CLASSES = ["bronze", "gold", "silver"]
CLASSIFICATION_CHECKS = [n for n in fairness.CHECKS if n not in REGRESSION_STATS]
# every group large enough, no interval: the values are compared with fairlearn's exactly
ALL_GROUPS = {"min_group_size": 1, "min_group_share": 0.0, "min_rate_denominator": 1, "intervals": False}


def _frame(rows: int = 900, seed: int = 3) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "sex": rng.choice(["F", "M"], size=rows),
            "race": rng.choice(["a", "b", "c"], size=rows, p=[0.5, 0.3, 0.2]),
            "y": rng.choice(CLASSES, size=rows, p=[0.5, 0.3, 0.2]),
        }
    )
    # a model that is right 60% of the time, and favours gold for M
    guess = rng.choice(CLASSES, size=rows)
    guess = np.where((frame["sex"] == "M") & (rng.random(rows) < 0.15), "gold", guess)
    predicted = np.where(rng.random(rows) < 0.6, frame["y"], guess).astype(object)
    return frame, predicted


def multiclass_context(frame: pd.DataFrame, predicted: np.ndarray, positive: object) -> AuditContext:
    return AuditContext(
        current=frame,
        reference=None,
        target="y",
        sensitive=["sex", "race"],
        features=[],
        task="multiclass",
        positive_label=positive,
        current_predictions=Predictions(labels=predicted, scores=None, classes=list(CLASSES)),
    )


def _fairlearn(frame: pd.DataFrame, predicted: np.ndarray, favourable: list[str], column: str) -> pd.DataFrame:
    from fairlearn.metrics import MetricFrame, selection_rate, true_positive_rate

    truth = frame["y"].isin(favourable).astype(int).to_numpy()
    decision = pd.Series(predicted).isin(favourable).astype(int).to_numpy()
    return MetricFrame(
        metrics={
            "selection": selection_rate,
            "tpr": lambda y, p: true_positive_rate(y, p, pos_label=1),
        },
        y_true=truth,
        y_pred=decision,
        sensitive_features=frame[column],
    ).by_group


def test_multiclass_fairness_runs_and_fits_its_evidence() -> None:
    """The reported bug: every fairness check errored with "set positive_label" on a multiclass model."""
    frame, predicted = _frame()
    for positive in (["gold", "silver"], None):
        ctx = multiclass_context(frame, predicted, positive)
        for name in CLASSIFICATION_CHECKS:
            measured = fairness.run(name, FairnessParams(), ctx)
            fairness.CHECKS[name].evidence.model_validate(measured.details)
            assert measured.details["task"] == "multiclass", name
            assert measured.value is not None or measured.inconclusive_reason, name


def test_a_favourable_set_matches_fairlearn_on_the_binarised_labels() -> None:
    frame, predicted = _frame()
    favourable = ["gold", "silver"]
    ctx = multiclass_context(frame, predicted, favourable)
    params = FairnessParams(sensitive=["race"], **ALL_GROUPS)
    expected = _fairlearn(frame, predicted, favourable, "race")
    parity = fairness.run("demographic_parity_difference", params, ctx)
    assert parity.value == pytest.approx(expected["selection"].max() - expected["selection"].min(), abs=1e-12)
    ratio = fairness.run("demographic_parity_ratio", params, ctx)
    assert ratio.value == pytest.approx(expected["selection"].min() / expected["selection"].max(), abs=1e-12)
    opportunity = fairness.run("equal_opportunity_difference", params, ctx)
    assert opportunity.value == pytest.approx(expected["tpr"].max() - expected["tpr"].min(), abs=1e-12)
    rows = {g["group"]: g for g in parity.details["groups"]["race"]}
    for group, found in expected.iterrows():
        assert rows[group]["selection_rate"] == pytest.approx(found["selection"], abs=1e-12)
        assert rows[group]["tpr"] == pytest.approx(found["tpr"], abs=1e-12)
    assert parity.details["favourable"] == favourable and parity.details["positive_label"] == "gold, silver"
    assert "rows are given 'gold' or 'silver'" in parity.summary


def test_the_favourable_set_changes_the_numbers() -> None:
    """Setting positive_label used to change nothing; each set is now its own binarisation."""
    frame, predicted = _frame()
    params = FairnessParams(sensitive=["sex"], **ALL_GROUPS)
    values = []
    for favourable in (["gold"], ["gold", "silver"]):
        measured = fairness.run(
            "demographic_parity_difference", params, multiclass_context(frame, predicted, favourable)
        )
        expected = _fairlearn(frame, predicted, favourable, "sex")["selection"]
        assert measured.value == pytest.approx(expected.max() - expected.min(), abs=1e-12)
        values.append(measured.value)
    assert values[0] != pytest.approx(values[1])


def test_one_vs_rest_takes_the_worst_class_and_says_which() -> None:
    frame, predicted = _frame()
    ctx = multiclass_context(frame, predicted, None)
    params = FairnessParams(sensitive=["sex"], **ALL_GROUPS)
    for name, how in (("demographic_parity_difference", max), ("demographic_parity_ratio", min)):
        measured = fairness.run(name, params, ctx)
        per_class = {}
        for label in CLASSES:
            rates = _fairlearn(frame, predicted, [label], "sex")["selection"]
            per_class[label] = rates.max() - rates.min() if how is max else rates.min() / rates.max()
        worst = how(per_class, key=per_class.__getitem__)
        assert measured.value == pytest.approx(per_class[worst], abs=1e-12)
        assert measured.details["worst_class"] == worst == measured.details["positive_label"]
        recorded = {c["label"]: c["value"] for c in measured.details["per_class"]}
        assert recorded == pytest.approx(per_class, abs=1e-12)
        assert measured.summary.startswith(f"Worst class one-vs-rest: '{worst}'.")
        assert "one-vs-rest" in measured.method


def test_one_vs_rest_interval_is_corrected_over_every_class() -> None:
    """The check's interval covers the worst of all classes' comparisons: at least as wide as the worst class's own."""
    frame, predicted = _frame()
    measured = fairness.run(
        "demographic_parity_difference", FairnessParams(), multiclass_context(frame, predicted, None)
    )
    worst = next(c for c in measured.details["per_class"] if c["label"] == measured.details["worst_class"])
    assert measured.interval[0] <= worst["interval"][0] and measured.interval[1] >= worst["interval"][1]
    assert measured.interval[0] <= measured.value <= measured.interval[1]


def test_a_class_that_cannot_be_compared_makes_the_check_inconclusive() -> None:
    frame, predicted = _frame()
    predicted = np.where(predicted == "silver", "gold", predicted)  # silver is never predicted
    measured = fairness.run(
        "demographic_parity_ratio", FairnessParams(**ALL_GROUPS), multiclass_context(frame, predicted, None)
    )
    assert "class 'silver' could not be compared: the selection rate is 0 for every group" in (
        measured.inconclusive_reason or ""
    )
    assert measured.value is not None  # the other classes still give a value


def test_confusion_matrices_by_group_match_scikit_learn() -> None:
    from sklearn.metrics import confusion_matrix

    frame, predicted = _frame()
    frame.loc[frame.index[:7], "y"] = None  # rows without a known target are counted apart
    measured = fairness.run("accuracy_difference", FairnessParams(), multiclass_context(frame, predicted, None))
    confusion = measured.details["confusion"]
    assert confusion["classes"] == CLASSES and confusion["left_out"] == []
    for grouping, columns in (("sex", ["sex"]), ("sex × race", ["sex", "race"])):
        shown = {g["group"]: g for g in confusion["groupings"][grouping]}
        for values, rows in frame.groupby(columns).groups.items():
            label = " / ".join(values if isinstance(values, tuple) else (values,))
            known = rows[frame.loc[rows, "y"].notna()]
            expected = confusion_matrix(
                frame.loc[known, "y"], predicted[frame.index.get_indexer(known)], labels=CLASSES
            )
            assert shown[label]["matrix"] == expected.tolist()
            unlabelled = predicted[frame.index.get_indexer(rows.difference(known))]
            assert shown[label]["unlabelled"] == [int((unlabelled == c).sum()) for c in CLASSES]


def test_confusion_matrices_are_bounded() -> None:
    rng = np.random.default_rng(0)
    labels = [f"c{i}" for i in range(25)]
    frame = pd.DataFrame({"sex": rng.choice(["F", "M"], 400), "y": rng.choice(labels, 400)})
    ctx = multiclass_context(frame, rng.choice(labels, 400).astype(object), ["c1"])
    ctx.sensitive = ["sex"]
    ctx.current_predictions.classes = labels
    measured = fairness.run("demographic_parity_difference", FairnessParams(), ctx)
    assert measured.details["confusion"]["groupings"] == {}
    assert measured.details["confusion"]["left_out"] == ["25 classes: more than 20"]
    many = pd.DataFrame({"sex": [f"g{i}" for i in range(60)] * 5, "y": ["a", "b"] * 150})
    ctx = multiclass_context(many, np.array(["a", "b", "c"] * 100, dtype=object), ["a"])
    ctx.sensitive = ["sex"]
    measured = fairness.run("demographic_parity_difference", FairnessParams(), ctx)
    assert measured.details["confusion"]["left_out"] == ["by sex: 60 groups, more than 50"]
    from govkit.report.sections import fairness as section

    (grouping,) = section.build([_judged("demographic_parity_difference", measured)]).groupings
    assert grouping.matrices == [] and grouping.matrices_left_out == (
        "Confusion matrices not shown: by sex: 60 groups, more than 50."
    )


class _Batched(AuditContext):
    def __init__(self, ctx: AuditContext, cuts: list[int]) -> None:
        fields = {f: getattr(ctx, f) for f in AuditContext.__dataclass_fields__ if f != "_memo"}
        super().__init__(**fields)
        self.cuts = cuts

    def batches(self) -> Iterator[Batch]:
        labels = self.current_predictions.labels
        for start, stop in itertools.pairwise([0, *self.cuts, len(self.current)]):
            yield Batch(frame=self.current.iloc[start:stop], labels=labels[start:stop], scores=None, offset=start)


def test_multiclass_counts_over_batches_equal_one_batch() -> None:
    frame, predicted = _frame()
    for positive in (["gold"], None):
        whole = multiclass_context(frame, predicted, positive)
        batched = _Batched(whole, [100, 101, 500])
        for name in ("demographic_parity_ratio", "equalized_odds_difference"):
            assert fairness.run(name, FairnessParams(), batched) == fairness.run(name, FairnessParams(), whole)


def _judged(name: str, measured: Measurement) -> CheckResult:
    return CheckResult(
        id=f"fairness.{name}", family="fairness", title=name, status=Status.PASS, message="", measurement=measured
    )


def test_the_section_shows_classes_matrices_and_escapes_labels() -> None:
    from types import SimpleNamespace

    from govkit.report.html import environment
    from govkit.report.sections import fairness as section

    frame, predicted = _frame(rows=300)
    frame["y"] = frame["y"].replace({"gold": "<b>gold</b>"})
    predicted = np.where(predicted == "gold", "<b>gold</b>", predicted).astype(object)
    ctx = multiclass_context(frame, predicted, None)
    ctx.current_predictions.classes = ["bronze", "<b>gold</b>", "silver"]
    params = FairnessParams(sensitive=["sex"])
    checks = [
        _judged(n, fairness.run(n, params, ctx)) for n in ("demographic_parity_difference", "accuracy_difference")
    ]
    view = section.build(checks)
    assert view.kind == "decisions" and "one-vs-rest" in view.outcome_note
    (grouping,) = view.groupings
    assert grouping.classes == ["bronze", "<b>gold</b>", "silver"] and len(grouping.matrices) == 2
    assert [title for title, _ in view.per_class] == ["demographic_parity_difference", "accuracy_difference"]
    assert sum(r.worst for r in view.per_class[0][1]) == 1
    html = environment().get_template(section.TEMPLATE).render(family=SimpleNamespace(extras=view))
    assert "<b>" not in html and "&lt;b&gt;gold&lt;/b&gt;" in html
    assert "each class one-vs-rest" in html and "True \\ predicted" in html


def test_a_multiclass_audit_with_a_favourable_set_runs_every_check(tmp_path) -> None:
    import govkit
    from govkit.policy import load_policy
    from govkit.report.html import render_html

    frame, predicted = _frame(rows=1500)
    frame["decision"] = predicted
    policy = tmp_path / "multiclass.yaml"
    policy.write_text(
        "version: 1\nname: mc\nchecks:\n" + "".join(f"  - id: fairness.{n}\n" for n in CLASSIFICATION_CHECKS)
    )
    for positive in (["gold", "silver"], None):
        result = govkit.audit(
            data=frame,
            target="y",
            sensitive=["sex", "race"],
            prediction_column="decision",
            positive_label=positive,
            policy=load_policy(policy),
        )
        statuses = {c.id: (c.status.value, c.message) for c in result.checks}
        assert all(s in ("pass", "inconclusive") for s, _ in statuses.values()), statuses
        html = render_html(result)
        assert "Confusion matrix of each group by sex" in html


def test_a_favourable_set_is_matched_to_numeric_classes_by_text() -> None:
    frame, predicted = _frame()
    codes = {label: i for i, label in enumerate(CLASSES)}
    numeric = frame.assign(y=frame["y"].map(codes))
    labels = np.array([codes[p] for p in predicted])
    as_text = multiclass_context(numeric, labels, ["1", "2"])  # as the command line gives them
    as_text.current_predictions.classes = [0, 1, 2]
    as_numbers = multiclass_context(numeric, labels, [1, 2])
    as_numbers.current_predictions.classes = [0, 1, 2]
    params = FairnessParams()
    assert fairness.run("equal_opportunity_difference", params, as_text).value == pytest.approx(
        fairness.run("equal_opportunity_difference", params, as_numbers).value
    )
    expected = fairness.run("equal_opportunity_difference", params, multiclass_context(frame, predicted, CLASSES[1:]))
    assert fairness.run("equal_opportunity_difference", params, as_text).value == pytest.approx(expected.value)
    as_text.positive_label = ["1", "platinum"]
    with pytest.raises(InputError, match="favourable label\\(s\\) 'platinum' are not classes of this model"):
        fairness.run("equal_opportunity_difference", params, as_text)


@pytest.mark.slow
@pytest.mark.parametrize("favourable", [[1, 2], None])
def test_a_fitted_multiclass_model_matches_fairlearn(tmp_path, favourable: list[int] | None) -> None:
    """End to end with a fitted Pipeline: the audit's numbers are fairlearn's on the model's own predictions."""
    import govkit
    import model_zoo

    case = model_zoo.build("multiclass", "sklearn")
    checks = ["demographic_parity_difference", "equal_opportunity_difference"]
    policy = tmp_path / "fairness.yaml"
    policy.write_text("version: 1\nname: f\nchecks:\n" + "".join(f"  - id: fairness.{n}\n" for n in checks))
    result = govkit.audit(
        model=case.model,
        data=case.current,
        target=case.target,
        sensitive=["sex"],
        policy=policy,
        positive_label=favourable,
        trusted_types=list(case.trusted_types),
        parallel=False,
    )
    current = pd.read_csv(case.current)
    predicted = case.load().predict(current[list(case.features)])
    by_check = {c.id.split(".")[1]: c for c in result.checks}
    for label_set in [favourable] if favourable else [[c] for c in case.classes]:
        frame = current.assign(y=current[case.target])
        expected = _fairlearn(frame, predicted, label_set, "sex")
        gap = {"demographic_parity_difference": expected["selection"], "equal_opportunity_difference": expected["tpr"]}
        for name in checks:
            details = by_check[name].measurement.details
            value = gap[name].max() - gap[name].min()
            if favourable:
                assert by_check[name].measurement.value == pytest.approx(value, abs=1e-12), name
            else:
                recorded = {c["label"]: c["value"] for c in details["per_class"]}
                assert recorded[str(label_set[0])] == pytest.approx(value, abs=1e-12), (name, label_set)
