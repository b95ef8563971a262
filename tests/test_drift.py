"""The drift family on small hand-made frames, cross-checked with evidently and scipy directly."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError
from scipy import stats
from scipy.spatial import distance

from govkit.context import AuditContext, Predictions
from govkit.families import drift
from govkit.families.drift import evidently_adapter, sampling, statistics
from govkit.families.drift.evidence import ColumnDriftEvidence, SeriesDriftEvidence
from govkit.families.drift.params import METHODS
from govkit.registry import TASKS, OpenEvidence
from govkit.results import CheckResult, Measurement, Status
from govkit.runner import evidence_problem

ROWS = 3000
FEATURES = ["age", "hours", "job", "kids", "region", "sex"]


def make_frame(seed: int, shift_age: float = 0.0, job_shares: tuple[float, float, float] = (0.5, 0.3, 0.2)):
    """Five features, one sensitive column and a target; ``shift_age`` is in standard deviations."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "age": rng.normal(40, 10, ROWS) + shift_age * 10,
            "hours": rng.normal(40, 5, ROWS),
            "job": rng.choice(["clerk", "nurse", "driver"], ROWS, p=list(job_shares)),
            "kids": rng.integers(0, 3, ROWS),  # numeric with 3 values: compared as categorical
            "region": rng.choice(["north", "south", "east", "west"], ROWS),
            "sex": rng.choice(["F", "M"], ROWS),
            "income": rng.integers(0, 2, ROWS),
        }
    )


def make_context(reference: pd.DataFrame, current: pd.DataFrame, **extra: Any) -> AuditContext:
    arguments: dict[str, Any] = {
        "current": current,
        "reference": reference,
        "target": "income",
        "sensitive": ["sex"],
        "features": FEATURES,
        "task": "unknown",
        "positive_label": None,
        "seed": 7,
    }
    arguments.update(extra)
    return AuditContext(**arguments)


def by_column(measurement: Any) -> dict[str, dict[str, Any]]:
    return {c["column"]: c for c in measurement.details["columns"]}


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    return make_frame(seed=1)


@pytest.fixture(scope="module")
def shifted() -> pd.DataFrame:
    """Age moved by two standard deviations and job frequencies reversed; the rest drawn afresh."""
    return make_frame(seed=2, shift_age=2.0, job_shares=(0.2, 0.3, 0.5))


def test_identical_frames_give_no_drift(reference):
    ctx = make_context(reference, reference.copy())
    share = drift.run("drifted_columns_share", drift.ColumnDriftParams(), ctx)
    count = drift.run("drifted_columns_count", drift.ColumnDriftParams(), ctx)

    assert share.value == 0.0
    assert count.value == 0.0
    assert share.details["tested"] == 5
    assert all(not c["drifted"] for c in share.details["columns"])
    assert all(c["effect_size"] == pytest.approx(0.0, abs=1e-12) for c in share.details["columns"])
    assert share.summary == "None of the 5 columns drifted."
    # results.json is written with allow_nan=False: the details must be plain, finite JSON
    json.dumps(share.details, allow_nan=False)


def test_shifted_numeric_and_categorical_columns_drift_and_others_do_not(reference, shifted):
    ctx = make_context(reference, shifted)
    share = drift.run("drifted_columns_share", drift.ColumnDriftParams(), ctx)
    count = drift.run("drifted_columns_count", drift.ColumnDriftParams(), ctx)
    columns = by_column(share)

    assert {c for c, r in columns.items() if r["drifted"]} == {"age", "job"}
    assert share.value == pytest.approx(2 / 5)
    assert count.value == 2.0
    assert isinstance(share.value, float)
    assert isinstance(count.value, float)
    assert [c["column"] for c in share.details["columns"]][:2] == ["age", "job"]  # largest effect first
    effects = [c["effect_size"] for c in share.details["columns"]]
    assert effects == sorted(effects, reverse=True)
    assert columns["age"]["effect_size"] == pytest.approx(2.0, abs=0.15)
    assert share.summary == "2 of 5 columns drifted: age and job."

    assert {c: r["type"] for c, r in columns.items()} == {
        "age": "numerical",
        "hours": "numerical",
        "job": "categorical",
        "kids": "categorical",
        "region": "categorical",
    }
    # over 1000 reference rows evidently picks distances by default
    assert columns["age"]["method"] == "wasserstein"
    assert columns["age"]["score_kind"] == "distance"
    assert columns["job"]["method"] == "jensenshannon"
    assert columns["age"]["threshold"] == 0.1

    histogram = columns["age"]["histogram"]
    assert len(histogram["edges"]) == 11
    assert sum(histogram["reference"]) == pytest.approx(1.0)
    assert sum(histogram["current"]) == pytest.approx(1.0)
    assert np.average(histogram["edges"][:-1], weights=histogram["current"]) > np.average(
        histogram["edges"][:-1], weights=histogram["reference"]
    )
    job = columns["job"]["histogram"]
    assert set(job["categories"]) == {"clerk", "nurse", "driver"}
    assert job["reference"][job["categories"].index("clerk")] == pytest.approx(0.5, abs=0.03)
    assert job["current"][job["categories"].index("clerk")] == pytest.approx(0.2, abs=0.03)
    assert set(columns["kids"]["histogram"]["categories"]) == {"0", "1", "2"}
    assert columns["job"]["null_share"] == {"reference": 0.0, "current": 0.0}


def test_sensitive_target_and_prediction_columns_are_not_tested_by_default(reference, shifted):
    current = shifted.assign(sex="F", income=1, pred=1)  # would drift badly if tested
    ref = reference.assign(pred=0)
    ctx = make_context(ref, current, features=[*FEATURES, "income", "pred"], prediction_column="pred")

    tested = {c["column"] for c in drift.run("drifted_columns_share", {}, ctx).details["columns"]}
    assert tested == {"age", "hours", "job", "kids", "region"}

    with_sensitive = drift.run("drifted_columns_share", {"include_sensitive": True}, ctx)
    columns = by_column(with_sensitive)
    assert set(columns) == {"age", "hours", "job", "kids", "region", "sex"}
    assert columns["sex"]["drifted"] is True

    explicit = drift.run("drifted_columns_share", {"columns": ["hours", "sex"]}, ctx)
    assert set(by_column(explicit)) == {"hours", "sex"}
    assert explicit.details["column_selection"] == "explicit"


def _preset_scores(reference: pd.DataFrame, current: pd.DataFrame, **preset: Any) -> dict[str, tuple[float, str]]:
    """Evidently's DataDriftPreset run directly: column -> (score, test status)."""
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    columns = ["age", "hours", "job", "kids", "region"]
    definition = DataDefinition(
        numerical_columns=["age", "hours"],
        categorical_columns=["job", "kids", "region"],
        text_columns=[],
        datetime_columns=[],
        unknown_columns=[],
        list_columns=[],
    )
    snapshot = Report([DataDriftPreset(columns=columns, **preset)], include_tests=True).run(
        Dataset.from_pandas(current[columns], data_definition=definition),
        Dataset.from_pandas(reference[columns], data_definition=definition),
    )
    found = {}
    for result in snapshot.metric_results.values():
        params = result.metric_value_location.metric.params
        if params["type"].endswith("ValueDrift"):
            found[params["column"]] = (float(result.value), result.tests[0].status.value)
    return found


@pytest.mark.parametrize(
    ("params", "preset"),
    [
        ({}, {}),
        (
            {"method": "ks", "per_column_method": {"job": "chisquare", "kids": "chisquare", "region": "psi"}},
            {"method": "ks", "per_column_method": {"job": "chisquare", "kids": "chisquare", "region": "psi"}},
        ),
    ],
)
def test_scores_agree_with_evidently_data_drift_preset(reference, shifted, params, preset):
    ctx = make_context(reference, shifted)
    ours = by_column(drift.run("drifted_columns_share", params, ctx))
    theirs = _preset_scores(reference, shifted, **preset)

    assert set(ours) == set(theirs)
    for column, (score, status) in theirs.items():
        assert ours[column]["score"] == pytest.approx(score, rel=1e-9, abs=1e-12), column
        assert ours[column]["drifted"] is (status == "FAIL"), column
    if params:
        assert ours["age"]["method"] == "ks"
        assert ours["age"]["score_kind"] == "p_value"
        assert ours["region"]["method"] == "psi"


def test_effect_sizes_match_scipy(reference, shifted):
    from scipy.spatial.distance import jensenshannon
    from scipy.stats import wasserstein_distance

    current = shifted.copy()
    current.loc[current.index[:300], "hours"] = np.nan  # effect sizes use the non-missing values
    current["hours"] += 2.0
    distance = wasserstein_distance(reference["hours"], current["hours"].dropna())
    expected_hours = distance / np.std(reference["hours"])
    ref_counts = reference["job"].value_counts()
    cur_counts = current["job"].value_counts().reindex(ref_counts.index)
    expected_job = jensenshannon(ref_counts.to_numpy(), cur_counts.to_numpy(), base=2)

    for params in ({}, {"method": "ks"}):  # evidently's own normed Wasserstein, and ours under K-S
        ctx = make_context(reference, current)
        columns = by_column(drift.run("drifted_columns_share", params, ctx))
        assert columns["hours"]["effect_size"] == pytest.approx(expected_hours, rel=1e-9)
        assert columns["job"]["effect_size"] == pytest.approx(expected_job, rel=1e-9)
        assert columns["hours"]["null_share"] == {"reference": 0.0, "current": pytest.approx(0.1)}

    default = by_column(drift.run("drifted_columns_share", {}, make_context(reference, current)))
    # evidently's Jensen-Shannon uses the natural log; base 2 is that over sqrt(ln 2)
    assert default["job"]["effect_size"] == pytest.approx(default["job"]["score"] / math.sqrt(math.log(2)))


def test_missing_changed_and_empty_columns_are_schema_differences_not_crashes(reference, shifted):
    words = {0: "none", 1: "one", 2: "two"}
    current = shifted.drop(columns=["hours"]).assign(kids=lambda f: f["kids"].map(words))
    ref = reference.assign(region=np.nan)
    ctx = make_context(ref, current)

    share = drift.run("drifted_columns_share", {}, ctx)
    assert share.details["schema_differences"] == [
        {"column": "hours", "problem": "missing in current"},
        {"column": "kids", "problem": "type changed from numeric to text"},
        {"column": "region", "problem": "all values missing in reference"},
    ]
    assert {c["column"] for c in share.details["columns"]} == {"age", "job"}
    assert share.value == 1.0
    assert "3 columns were not compared" in share.summary

    schema = drift.run("schema_differences", None, ctx)
    assert schema.value == 2.0  # an all-missing column has the same columns and no type to compare
    assert schema.details["schema_differences"] == [
        {"column": "hours", "problem": "missing in current"},
        {"column": "kids", "problem": "type changed from numeric to text"},
    ]

    missing_everywhere = drift.run("drifted_columns_share", {"columns": ["age", "nope"]}, ctx)
    assert missing_everywhere.details["schema_differences"] == [
        {"column": "nope", "problem": "missing in reference and current"}
    ]


def test_schema_differences_counts_extra_columns_and_ignores_int_to_float(reference):
    current = reference.assign(extra=1, hours=reference["hours"].round().astype(int))
    current.loc[0, "kids"] = np.nan  # integers read with a missing value become floats: same kind
    ctx = make_context(reference, current)
    schema = drift.run("schema_differences", {}, ctx)
    assert schema.value == 1.0
    assert schema.details["schema_differences"] == [{"column": "extra", "problem": "missing in reference"}]

    same = drift.run("schema_differences", {}, make_context(reference, reference.copy()))
    assert same.value == 0.0
    assert same.summary == "The reference and current data have the same columns, with the same types."


def test_sampling_is_recorded_when_the_data_exceeds_max_rows(reference, shifted):
    ctx = make_context(reference, shifted)
    share = drift.run("drifted_columns_share", {"max_rows": 1000}, ctx)

    assert share.details["reference_rows"] == 1000
    assert share.details["current_rows"] == 1000
    assert share.sample_size == 1000
    assert ctx.sampling == [
        {
            "family": "drift",
            "what": "reference rows tested for column drift",
            "population": ROWS,
            "sample": 1000,
            "seed": 7,
        },
        {
            "family": "drift",
            "what": "current rows tested for column drift",
            "population": ROWS,
            "sample": 1000,
            "seed": 7,
        },
    ]
    # 1000 reference rows or fewer: evidently switches to p-value tests
    assert by_column(share)["age"]["method"] == "ks"
    assert {c for c, r in by_column(share).items() if r["drifted"]} >= {"age", "job"}

    unsampled = make_context(reference, shifted)
    drift.run("drifted_columns_share", {}, unsampled)
    assert unsampled.sampling == []


def test_checks_share_one_evidently_run(reference, shifted, monkeypatch):
    calls = []
    original = evidently_adapter.run_evidently

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(evidently_adapter, "run_evidently", counting)
    ctx = make_context(reference, shifted)
    drift.run("drifted_columns_share", {}, ctx)
    drift.run("drifted_columns_count", drift.ColumnDriftParams(), ctx)
    assert len(calls) == 1
    drift.run("drifted_columns_count", {"method": "ks"}, ctx)  # other params: another run
    assert len(calls) == 2


def test_prediction_drift_detects_shifted_scores():
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"x": rng.normal(size=ROWS)})
    low = rng.beta(2, 5, ROWS)
    high = rng.beta(5, 2, ROWS)

    def predictions(scores: np.ndarray | None, labels: np.ndarray) -> Predictions:
        return Predictions(labels=labels, scores=scores)

    labels = (low > 0.5).astype(int)
    shifted = make_context(
        frame,
        frame,
        features=["x"],
        reference_predictions=predictions(low, labels),
        current_predictions=predictions(high, (high > 0.5).astype(int)),
    )
    result = drift.run("prediction_drift", {}, shifted)
    assert result.details["drifted"] is True
    assert result.details["method"] == "wasserstein"
    assert result.value == pytest.approx(result.details["effect_size"])
    assert result.value > 1.0
    assert result.details["histogram"]["kind"] == "bins"
    assert result.summary.startswith("The model's scores shifted between the reference and current data")

    stable = make_context(
        frame,
        frame,
        features=["x"],
        reference_predictions=predictions(low, labels),
        current_predictions=predictions(rng.beta(2, 5, ROWS), labels),
    )
    result = drift.run("prediction_drift", {"method": "ks"}, stable)
    assert result.details["drifted"] is False
    assert result.details["score_kind"] == "p_value"
    assert result.details["score"] > 0.05
    # the value is the effect size whatever evidently's test: small for the same distribution
    assert result.value == pytest.approx(result.details["effect_size"])
    assert result.value < 0.1

    # no scores: the labels are compared, as categories
    by_label = make_context(
        frame,
        frame,
        features=["x"],
        reference_predictions=predictions(None, labels),
        current_predictions=predictions(None, (high > 0.5).astype(int)),
    )
    result = drift.run("prediction_drift", {}, by_label)
    assert result.details["type"] == "categorical"
    assert result.details["column"] == "predicted label"
    assert result.details["drifted"] is True

    no_reference = make_context(frame, frame, features=["x"], current_predictions=predictions(high, labels))
    with pytest.raises(ValueError, match="predictions on the reference data"):
        drift.run("prediction_drift", {}, no_reference)


def _regression_context(reference_error: np.ndarray, current_error: np.ndarray, **extra: Any) -> AuditContext:
    """A regressor whose predictions are the truth plus the given errors, on two frames of the same rows."""
    rng = np.random.default_rng(11)
    truth = rng.normal(40, 8, ROWS)
    frame = pd.DataFrame({"x": rng.normal(size=ROWS), "hours": truth})
    arguments: dict[str, Any] = {
        "features": ["x"],
        "target": "hours",
        "task": "regression",
        "reference_predictions": Predictions(labels=truth - reference_error, scores=None),
        "current_predictions": Predictions(labels=truth - current_error, scores=None),
    }
    return make_context(frame, frame, **{**arguments, **extra})


def test_residual_drift_is_the_wasserstein_effect_of_target_minus_prediction():
    rng = np.random.default_rng(5)
    before = rng.normal(0, 2, ROWS)
    after = rng.normal(1.5, 3, ROWS)  # the model now under-predicts, and more widely
    result = drift.run("residual_drift", {}, _regression_context(before, after))
    assert result.details["column"] == "residual"
    assert result.details["type"] == "numerical"
    assert result.details["drifted"] is True
    # independent: scipy's Wasserstein distance over the reference residuals' (population) std
    expected = stats.wasserstein_distance(before, after) / np.std(before)
    assert result.value == pytest.approx(expected, rel=1e-9)
    assert result.summary.startswith("The model's residuals (target minus prediction) shifted")
    SeriesDriftEvidence.model_validate(result.details)

    steady = drift.run("residual_drift", {}, _regression_context(before, rng.normal(0, 2, ROWS)))
    assert steady.details["drifted"] is False
    assert steady.value < 0.1


def test_residual_drift_needs_numbers_and_reference_predictions():
    errors = np.zeros(ROWS)
    no_reference = _regression_context(errors, errors, reference_predictions=None)
    with pytest.raises(ValueError, match="predictions on the reference data"):
        drift.run("residual_drift", {}, no_reference)
    text = _regression_context(errors, errors)
    text.current = text.current.assign(hours="many")
    with pytest.raises(ValueError, match="holds no numbers in the current data"):
        drift.run("residual_drift", {}, text)


def test_regression_prediction_drift_compares_the_predictions_as_numbers():
    rng = np.random.default_rng(8)
    ctx = _regression_context(np.zeros(ROWS), rng.normal(4, 1, ROWS))
    result = drift.run("prediction_drift", {}, ctx)
    assert result.details["column"] == "prediction"
    assert result.details["type"] == "numerical"
    assert result.summary.startswith("The model's predictions shifted")
    assert ctx.reference_predictions is not None and ctx.current_predictions is not None
    reference = np.asarray(ctx.reference_predictions.labels, dtype=float)
    current = np.asarray(ctx.current_predictions.labels, dtype=float)
    expected = stats.wasserstein_distance(reference, current) / np.std(reference)
    assert result.value == pytest.approx(expected, rel=1e-9)


def test_multiclass_prediction_drift_can_compare_the_predicted_classes_rather_than_the_favourable_score():
    rng = np.random.default_rng(9)
    frame = pd.DataFrame({"x": rng.normal(size=ROWS)})
    classes = ["bronze", "silver", "gold"]
    before = rng.choice(classes, ROWS, p=[0.5, 0.3, 0.2])
    after = rng.choice(classes, ROWS, p=[0.2, 0.3, 0.5])
    score = rng.uniform(size=ROWS)  # the favourable set's summed probability: the same in both periods
    ctx = make_context(
        frame,
        frame,
        features=["x"],
        task="multiclass",
        positive_label=["gold", "silver"],
        reference_predictions=Predictions(labels=before, scores=score),
        current_predictions=Predictions(labels=after, scores=score),
    )
    by_score = drift.run("prediction_drift", {}, ctx)
    assert by_score.details["column"] == "positive-class score"
    assert by_score.details["drifted"] is False
    by_class = drift.run("prediction_drift", {"of": "labels"}, ctx)
    assert by_class.details["column"] == "predicted label"
    assert by_class.details["type"] == "categorical"
    assert by_class.details["drifted"] is True
    # independent: scipy's Jensen-Shannon distance (base 2) between the class frequencies
    counts = [[(labels == c).mean() for c in sorted(classes)] for labels in (before, after)]
    assert by_class.value == pytest.approx(float(distance.jensenshannon(*counts, base=2)), rel=1e-9)
    no_scores = make_context(
        frame,
        frame,
        features=["x"],
        reference_predictions=Predictions(labels=before, scores=None),
        current_predictions=Predictions(labels=after, scores=None),
    )
    with pytest.raises(ValueError, match="use of: labels"):
        drift.run("prediction_drift", {"of": "scores"}, no_scores)


def test_target_drift(reference, shifted):
    same = drift.run("target_drift", {}, make_context(reference, shifted))
    assert same.details["drifted"] is False
    assert same.details["type"] == "categorical"
    assert same.details["column"] == "income"

    flipped = drift.run("target_drift", {}, make_context(reference, shifted.assign(income=1)))
    assert flipped.details["drifted"] is True
    assert flipped.value == pytest.approx(flipped.details["effect_size"])
    assert flipped.value > same.value

    with pytest.raises(ValueError, match="not in the reference data"):
        drift.run("target_drift", {}, make_context(reference.drop(columns=["income"]), shifted))


def test_method_choices_are_checked(reference, shifted):
    ctx = make_context(reference, shifted)
    with pytest.raises(ValidationError, match="unknown drift method 'kss'"):
        drift.ColumnDriftParams(method="kss")
    with pytest.raises(ValidationError, match="unknown drift method"):
        drift.ColumnDriftParams(per_column_method={"age": "nope"})
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        drift.ColumnDriftParams(colums=["age"])
    with pytest.raises(ValueError, match="'ks' for column 'job' does not apply to categorical"):
        drift.run("drifted_columns_share", {"per_column_method": {"job": "ks"}}, ctx)

    # a global method goes to the columns it applies to; the others keep evidently's default
    result = drift.run("drifted_columns_share", {"method": "ks"}, make_context(reference, shifted))
    methods = {c: r["method"] for c, r in by_column(result).items()}
    assert methods == {
        "age": "ks",
        "hours": "ks",
        "job": "jensenshannon",
        "kids": "jensenshannon",
        "region": "jensenshannon",
    }
    assert "job: ks does not apply to categorical columns" in result.details["method_note"]


def test_method_table_matches_evidently_registry():
    from evidently.legacy.calculations.stattests.registry import _registered_stat_tests
    from evidently.legacy.core import ColumnType

    kinds = {ColumnType.Numerical: "numerical", ColumnType.Categorical: "categorical"}
    registered = {
        name: frozenset(kinds[t] for t in tests if t in kinds)
        for name, tests in _registered_stat_tests.items()
        if any(t in kinds for t in tests)
    }
    assert {name: types for name, (types, _) in METHODS.items()} == registered


def test_importing_the_family_loads_no_heavy_library():
    code = (
        "import sys, govkit.families.drift as d; "
        "assert d.CHECKS; "
        "print(sorted(m for m in ('evidently', 'pandas', 'numpy', 'scipy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_checks_are_declared_as_the_registry_expects():
    assert drift.NAME == "drift"
    assert set(drift.CHECKS) == {
        "drifted_columns_share",
        "drifted_columns_count",
        "prediction_drift",
        "target_drift",
        "schema_differences",
        "residual_drift",
    }
    assert drift.CHECKS["drifted_columns_share"].requires == {"current", "reference"}
    assert drift.CHECKS["residual_drift"].requires == {"current", "reference", "prediction", "target"}
    # residuals mean something for a regressor only; every other check applies to every task
    assert drift.CHECKS["residual_drift"].tasks == {"regression"}
    assert all(d.tasks == TASKS for n, d in drift.CHECKS.items() if n != "residual_drift")
    assert drift.CHECKS["prediction_drift"].requires == {"current", "reference", "prediction"}
    assert drift.CHECKS["target_drift"].requires == {"current", "reference", "target"}
    for definition in drift.CHECKS.values():
        for name, field in definition.params.model_fields.items():
            assert field.description, name


def _benjamini_hochberg_by_hand(p_values: list[float]) -> list[float]:
    """The step-up formula govkit used before it called scipy: q_(i) = min over j >= i of p_(j) m / j."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [0.0] * m
    running = 1.0
    for rank in range(m, 0, -1):  # from the largest p-value down, keeping the running minimum
        index = order[rank - 1]
        running = min(running, p_values[index] * m / rank)
        adjusted[index] = min(running, 1.0)
    return adjusted


@pytest.mark.parametrize(
    "p_values",
    [
        [0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216],  # Benjamini & Hochberg's style
        [0.5],
        [0.03, 0.01, 0.04, 0.03, 0.9, 0.02],  # unsorted, with a tie
        [0.2, 0.2, 0.2],
        [0.0, 1.0],
        [0.049, 0.051],
        [0.7, 0.3, 0.11],
    ],
)
def test_benjamini_hochberg_is_the_step_up_formula(p_values):
    # scipy multiplies by m / i where the formula divides p * m by i: the same up to the last bit or two
    assert statistics.benjamini_hochberg(p_values) == pytest.approx(
        _benjamini_hochberg_by_hand(p_values), rel=1e-15, abs=0
    )
    assert all(isinstance(q, float) for q in statistics.benjamini_hochberg(p_values))


def test_p_values_are_corrected_and_gated_on_effect_size_for_large_data():
    rng = np.random.default_rng(11)
    rows = 60_000
    reference = pd.DataFrame({f"x{i}": rng.normal(size=rows) for i in range(6)})
    current = pd.DataFrame({f"x{i}": rng.normal(size=rows) for i in range(6)})
    current["x0"] += 0.03  # real but negligible: a K-S test on 60k rows still flags it
    current["x1"] += 1.0  # a real, large shift
    ctx = make_context(reference, current, features=list(reference.columns), sensitive=[], target=None)

    ungated = drift.run(
        "drifted_columns_count", {"method": "ks", "min_effect_size": None, "p_value_correction": "none"}, ctx
    )
    assert {c for c, r in by_column(ungated).items() if r["drifted"]} >= {"x0", "x1"}

    gated = drift.run("drifted_columns_count", {"method": "ks"}, ctx)
    columns = by_column(gated)
    assert columns["x0"]["drifted_by_test"] is True
    assert columns["x0"]["effect_gate"] is True
    assert columns["x0"]["drifted"] is False
    assert columns["x1"]["drifted"] is True
    assert all("p_value_adjusted" in r for r in columns.values())
    assert "Benjamini-Hochberg" in gated.details["method_note"]
    assert "effect size of at least 0.1" in gated.details["method_note"]


def test_sampling_rows_first_picks_the_rows_dataframe_sample_picks():
    frame = make_frame(seed=5).iloc[::-1]  # a non-trivial index order
    ctx = make_context(frame, frame)
    picked = sampling.limited_rows(frame, ["age", "job"], 100, ctx, "rows")
    expected = frame.sample(n=100, random_state=ctx.seed)[["age", "job"]]
    pd.testing.assert_frame_equal(picked, expected)
    assert ctx.sampling == [{"family": "drift", "what": "rows", "population": len(frame), "sample": 100, "seed": 7}]


# ---------------------------------------------------------------------------------------------
# The example's data: evidence models and determinism

EXAMPLE_DATA = Path(__file__).resolve().parent.parent / "examples" / "adult" / "data" / "adult.csv.gz"
ADULT_TARGET = "income-per-year"


def adult_context() -> AuditContext:
    """The example's reference and current sets (split as examples/adult/train.py does), with scores.

    The scores stand in for the example's model, which the fast tests do not train: a fixed function of
    two columns, so that prediction drift has numbers to compare.
    """
    from sklearn.model_selection import train_test_split

    seed = 20240601  # examples/adult/train.py
    data = pd.read_csv(EXAMPLE_DATA, na_values="?", skipinitialspace=True)
    _, rest = train_test_split(data, test_size=0.5, random_state=seed, stratify=data[ADULT_TARGET])
    reference, current = train_test_split(rest, test_size=0.5, random_state=seed, stratify=rest[ADULT_TARGET])

    def predictions(frame: pd.DataFrame) -> Predictions:
        scores = 1 / (1 + np.exp(-(frame["education-num"].to_numpy() - 10) / 2 - frame["age"].to_numpy() / 100))
        return Predictions(labels=(scores > 0.5).astype(int), scores=scores)

    return AuditContext(
        current=current,
        reference=reference,
        target=ADULT_TARGET,
        sensitive=["sex", "race"],
        features=[c for c in data.columns if c not in {"fnlwgt", "education", ADULT_TARGET}],
        task="binary",
        positive_label=">50K",
        seed=0,
        reference_predictions=predictions(reference),
        current_predictions=predictions(current),
    )


@pytest.fixture(scope="module")
def adult_details() -> dict[str, dict[str, Any]]:
    """Every drift check's details on the example's data (a binary task: the checks that apply to it)."""
    ctx = adult_context()
    return {name: drift.run(name, None, ctx).details for name, d in drift.CHECKS.items() if ctx.task in d.tasks}


def test_every_check_evidence_validates_on_the_example_data(adult_details):
    for name, definition in drift.CHECKS.items():
        assert definition.evidence is not OpenEvidence, name
        if name not in adult_details:
            continue  # residual drift: a regression check, tested on a regressor above
        evidence = definition.evidence.model_validate(adult_details[name])
        # validated, not rewritten: the model holds exactly the keys the family wrote
        assert evidence.model_dump(exclude_unset=True) == adult_details[name], name
    columns = ColumnDriftEvidence.model_validate(adult_details["drifted_columns_share"])
    assert {c.histogram.kind for c in columns.columns} == {"bins", "categories"}
    assert columns.tested == 10  # twelve model inputs, less the two sensitive columns


@pytest.mark.parametrize(
    ("check", "path"),
    [
        ("drifted_columns_share", ["tested"]),
        ("drifted_columns_count", ["columns", 0, "effect_size"]),
        ("drifted_columns_share", ["columns", 0, "histogram", "edges"]),
        ("drifted_columns_share", ["columns", 0, "null_share", "current"]),
        ("prediction_drift", ["score"]),
        ("target_drift", ["evidently"]),
        ("schema_differences", ["schema_differences"]),
    ],
)
def test_a_renamed_key_is_rejected(adult_details, check, path):
    details = json.loads(json.dumps(adult_details[check]))
    *parents, key = path
    holder = details
    for part in parents:
        holder = holder[part]
    if key == "edges":  # a categorical column has categories, not edges: rename in a numerical one
        holder = next(c for c in details["columns"] if c["type"] == "numerical")["histogram"]
    holder[key + "_renamed"] = holder.pop(key)
    with pytest.raises(ValidationError, match="_renamed"):
        drift.CHECKS[check].evidence.model_validate(details)
    problem = evidence_problem(drift.CHECKS[check], Measurement(details=details))
    assert problem is not None and "the evidence does not match" in problem


def test_series_evidence_is_either_a_test_or_a_problem(adult_details):
    compared = adult_details["prediction_drift"]
    not_compared = {"column": "income", "reference_rows": 5, "current_rows": 5, "problem": "income: no values"}
    SeriesDriftEvidence.model_validate(not_compared)
    with pytest.raises(ValidationError, match="has no type"):
        SeriesDriftEvidence.model_validate({**not_compared, "type": "numerical"})
    with pytest.raises(ValidationError, match="needs histogram"):
        SeriesDriftEvidence.model_validate({k: v for k, v in compared.items() if k != "histogram"})


_DETAILS_SCRIPT = """
import json, sys
sys.path.insert(0, {tests!r})
from test_drift import adult_context
from govkit.families import drift
ctx = adult_context()
names = ["drifted_columns_share", "prediction_drift", "target_drift"]
print(json.dumps({{name: drift.run(name, None, ctx).details for name in names}}, sort_keys=True))
"""


def test_drift_details_do_not_depend_on_the_hash_seed():
    # Evidently orders categories by a set of the values; strings hash differently in every process
    # unless PYTHONHASHSEED is fixed, and the scores used to differ in their last bits.
    code = _DETAILS_SCRIPT.format(tests=str(Path(__file__).resolve().parent))
    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONWARNINGS": "ignore"}
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
        outputs.append(json.loads(done.stdout))
    assert outputs[0] == outputs[1]
    # the example has text categories with many values, where the order mattered
    assert {c["type"] for c in outputs[0]["drifted_columns_share"]["columns"]} == {"numerical", "categorical"}


def test_evidently_gets_text_categories_as_codes_in_sorted_order():
    reference = pd.DataFrame({"job": ["nurse", "clerk", None, "driver"], "kids": [0.0, 1.0, 2.0, 1.0]})
    current = pd.DataFrame({"job": ["pilot", "clerk", "clerk", None], "kids": [1.0, 1.0, np.nan, 0.0]})
    kinds = {"job": "categorical", "kids": "categorical"}
    coded_ref, coded_cur = evidently_adapter._coded_categories(reference, current, kinds)

    # clerk, driver, nurse, pilot -> 0, 1, 2, 3; missing stays missing; numbers are left alone
    assert coded_ref["job"].tolist()[:2] == [2.0, 0.0] and coded_ref["job"].tolist()[3] == 1.0
    assert coded_cur["job"].tolist()[:3] == [3.0, 0.0, 0.0]
    assert coded_ref["job"].isna().tolist() == [False, False, True, False]
    assert coded_ref["kids"] is reference["kids"] or coded_ref["kids"].equals(reference["kids"])
    assert reference["job"].tolist() == ["nurse", "clerk", None, "driver"]  # the caller's frame is untouched


def _checks(details: dict[str, dict[str, Any]]) -> list[CheckResult]:
    return [
        CheckResult(id=f"drift.{name}", family="drift", title=name, status=Status.PASS, message="", measurement=m)
        for name, m in ((name, Measurement(details=d)) for name, d in details.items())
    ]


def test_report_section_reads_the_column_evidence_whatever_the_check_is_called(adult_details):
    from govkit.report.sections import drift as section

    columns = adult_details["drifted_columns_share"]
    adjusted = json.loads(json.dumps(columns))
    adjusted["columns"][0].update(score=0.0123, score_kind="p_value", p_value_adjusted=0.0456)
    broken = {k: v for k, v in columns.items() if k != "method_note"}
    view = section.build(
        _checks({"schema_differences": adult_details["schema_differences"], "broken": broken, "mine": adjusted})
    )

    assert [row.column for row in view.columns] == [c["column"] for c in columns["columns"]]
    assert view.columns[0].score == "0.012 (adjusted 0.046)"
    assert view.columns[1].score == f"{columns['columns'][1]['score']:.3f}"
    assert view.columns[1].type == "categorical" and view.columns[1].drifted is False
    assert len(view.columns[0].chart["bars"]) == len(columns["columns"][0]["histogram"]["reference"])
    assert (view.tested, view.drifted, view.note) == (10, columns["drifted"], columns["method_note"])
    assert view.schema_differences == []

    # evidence that does not fit (an error result, a file from elsewhere) leaves the table out
    assert section.build(_checks({"broken": broken})) == section.DriftView()
