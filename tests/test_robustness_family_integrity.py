"""Integrity checks (planted duplicates, shared rows, conflicting labels, a leaking column) and the report section."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from govkit.context import AuditContext, Predictions
from govkit.families.robustness import CHECKS, run
from govkit.families.robustness.evidence import LeakageEvidence
from govkit.families.robustness.leakage import rank_auc
from govkit.families.robustness.params import DuplicateParams, LeakageParams, WeakSegmentParams
from govkit.registry import NoParams
from govkit.report.sections import robustness as section
from govkit.results import CheckResult, Measurement, Status


def customers(rows: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "age": rng.integers(18, 80, rows),
            "plan": rng.choice(["basic", "plus", "pro"], rows),
            "spend": rng.gamma(2.0, 30.0, rows).round(2),
            "id": [f"c{i:06d}" for i in range(rows)],
        }
    )
    frame["churned"] = rng.integers(0, 2, rows)
    return frame


def context(current: pd.DataFrame, reference: pd.DataFrame | None = None) -> AuditContext:
    inputs = [c for c in current.columns if c != "churned"]
    return AuditContext(
        current=current,
        reference=reference,
        target="churned",
        sensitive=[],
        features=inputs,
        task="binary",
        positive_label=1,
        current_predictions=Predictions(labels=current["churned"].to_numpy(), scores=None),
    )


def test_planted_duplicates_are_counted_as_pandas_counts_them() -> None:
    base = customers(1000, seed=1)
    current = pd.concat([base, base.iloc[[5, 17, 17, 300]]], ignore_index=True)
    measurement = run("duplicate_rows", DuplicateParams(), context(current))
    assert measurement.details["duplicates"] == int(current.duplicated().sum()) == 4
    assert measurement.value == pytest.approx(4 / 1004)
    assert measurement.details["examples"] == [1000, 1001, 1002, 1003]


def test_row_hashes_are_pandas_hashes_of_the_frame_of_those_columns() -> None:
    from govkit.families.robustness.integrity import row_hashes

    frame = customers(2000, 3)
    frame["kind"] = pd.Categorical(np.where(frame["age"] > 40, "older", "younger"))
    frame.loc[::7, "plan"] = None
    columns = ["age", "plan", "spend", "kind", "churned"]
    # what the hashes are defined as: pandas' hash of a frame of those columns, numbers read as floats
    as_floats = {c: frame[c].astype(float) if c in ("age", "spend", "churned") else frame[c] for c in columns}
    expected = pd.util.hash_pandas_object(pd.DataFrame(as_floats), index=False).to_numpy()
    assert np.array_equal(row_hashes(frame, columns), expected)
    assert np.array_equal(row_hashes(frame, columns[:2]), pd.util.hash_pandas_object(
        pd.DataFrame({"age": frame["age"].astype(float), "plan": frame["plan"]}), index=False
    ).to_numpy())  # fmt: skip


def test_rows_shared_with_the_reference_match_even_when_the_dtypes_differ() -> None:
    current = customers(500, seed=2)
    reference = pd.concat([customers(800, seed=3), current.iloc[:25]], ignore_index=True)
    reference["age"] = reference["age"].astype(float)  # read as floats in one file, integers in the other
    measurement = run("shared_rows", NoParams(), context(current, reference))
    assert measurement.details["shared"] == 25
    assert measurement.value == pytest.approx(25 / 500)


def test_conflicting_labels_are_identical_inputs_with_different_targets() -> None:
    frame = pd.DataFrame(
        {
            "age": [30, 30, 30, 41, 41, 52, 60],
            "plan": ["basic", "basic", "basic", "pro", "pro", "plus", "plus"],
            "churned": [0, 1, 0, 1, 1, 0, 1],
        }
    )
    measurement = run("conflicting_labels", NoParams(), context(frame))
    # rows 0-2 share inputs and disagree; rows 3-4 share inputs and agree; the rest are unique
    assert measurement.details["conflicting_rows"] == 3 and measurement.details["conflicting_groups"] == 1
    assert measurement.value == pytest.approx(3 / 7)


def test_a_planted_leaking_column_is_flagged_and_an_id_is_not() -> None:
    frame = customers(4000, seed=4)
    rng = np.random.default_rng(5)
    frame["refund_flag"] = np.where(rng.random(4000) < 0.995, frame["churned"], 1 - frame["churned"]).astype(str)
    frame["days_since_cancel"] = np.where(frame["churned"] == 1, rng.uniform(0, 30, 4000), -1.0)
    measurement = run("single_feature_leakage", LeakageParams(), context(frame))
    evidence = LeakageEvidence.model_validate(measurement.details)
    assert set(evidence.leaks) == {"refund_flag", "days_since_cancel"}
    assert measurement.value == pytest.approx(1.0)
    by_column = {c.column: c.auc for c in evidence.top}
    assert by_column["refund_flag"] == pytest.approx(0.995, abs=0.005)
    assert 0.45 < by_column["id"] < 0.55 and 0.45 < by_column["age"] < 0.55


def test_rank_auc_is_scikit_learns_in_the_better_direction() -> None:
    rng = np.random.default_rng(6)
    values, truth = rng.normal(size=300), rng.integers(0, 2, 300)
    expected = roc_auc_score(truth, values)
    assert rank_auc(values, truth) == pytest.approx(max(expected, 1 - expected))


def test_integrity_checks_declare_their_tasks() -> None:
    assert CHECKS["single_feature_leakage"].tasks == frozenset({"binary", "multiclass"})
    assert CHECKS["conflicting_labels"].tasks == frozenset({"binary", "multiclass"})
    assert CHECKS["duplicate_rows"].requires == frozenset({"current"})


def test_the_section_charts_the_worst_slices_and_escapes_every_label() -> None:
    frame = customers(3000, seed=7).rename(columns={"plan": "<b>plan</b>"})
    frame.loc[frame.index[:200], "<b>plan</b>"] = "<script>x</script>"
    wrong = np.zeros(len(frame), dtype=bool)
    wrong[:200] = np.random.default_rng(8).random(200) < 0.6
    wrong[200:] = np.random.default_rng(9).random(2800) < 0.1
    ctx = context(frame)
    ctx.current_predictions = Predictions(labels=np.where(wrong, 1 - frame["churned"], frame["churned"]), scores=None)
    measurement = run("weak_segments", WeakSegmentParams(max_features=1), ctx)
    check = CheckResult(
        id="robustness.weak_segments",
        family="robustness",
        title="Weak segments",
        status=Status.WARN,
        message="",
        measurement=measurement,
    )
    view = section.build([check])
    assert view.segments is not None
    assert view.segments.rows[0].name == "<b>plan</b> = <script>x</script>" and view.segments.rows[0].weak
    assert view.segments.chart["bars"][0]["css"] == "bar bar-highlight"
    assert view.segments.chart["marker"] is not None
    from govkit.report.html import environment

    html = environment().get_template(section.TEMPLATE).render(family={"extras": view})
    assert "<script>x</script>" not in html and "&lt;script&gt;x&lt;/script&gt;" in html
    assert "budget of 5,000" in html


def test_the_section_says_when_no_sensitive_attribute_is_an_input() -> None:
    details = {"rows": 0, "population": 300, "confidence": 0.95, "attributes": [], "not_inputs": ["sex", "race"]}
    check = CheckResult(
        id="robustness.counterfactual_flip_rate",
        family="robustness",
        title="Decisions changed by the sensitive attribute alone",
        status=Status.INCONCLUSIVE,
        message="",
        measurement=Measurement(details=details, inconclusive_reason="no sensitive attribute is a model input"),
    )
    view = section.build([check])
    assert view.counterfactual == []
    assert view.counterfactual_note.startswith("Not measured: sex, race is not an input of the model")
