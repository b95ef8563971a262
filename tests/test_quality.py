"""The quality family on tiny hand-made frames whose right answers are known by hand.

Each test states the expectation it is about; the frames are small enough to check the numbers in one's head.
great-expectations is imported once (a few seconds); every validation after that takes a fraction of one.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from pydantic import ValidationError

from govkit.context import AuditContext
from govkit.errors import InputError
from govkit.families import quality
from govkit.families.quality.evidence import (
    CompletenessEvidence,
    ExpectationRecord,
    ExpectationSuccessShareEvidence,
    FailedExpectationsEvidence,
)
from govkit.families.quality.params import QualityParams
from govkit.registry import Evidence
from govkit.results import CheckResult, Measurement, Status
from govkit.runner import evidence_problem

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"


def make_ctx(current: pd.DataFrame, reference: pd.DataFrame | None) -> AuditContext:
    columns = list((reference if reference is not None else current).columns)
    return AuditContext(
        current=current,
        reference=reference,
        target=None,
        sensitive=[],
        features=columns,
        task="unknown",
        positive_label=None,
    )


def people() -> pd.DataFrame:
    """Four rows: ages 20-50 (range 30, so 17..53 with the default 10% tolerance), three colours."""
    return pd.DataFrame({"age": [20, 30, 40, 50], "colour": ["red", "blue", "red", "green"]})


def by_type(measurement, expectation_type: str, column: str | None) -> dict:
    found = [
        record
        for record in measurement.details["expectations"]
        if record["expectation_type"] == expectation_type and record["column"] == column
    ]
    assert len(found) == 1, found
    return found[0]


def failures(measurement) -> list[tuple[str, str | None]]:
    return [
        (record["expectation_type"], record["column"])
        for record in measurement.details["expectations"]
        if not record["success"]
    ]


# --- the learned suite ----------------------------------------------------------------------------


def test_identical_current_and_reference_meet_every_learned_expectation():
    ctx = make_ctx(people(), people())
    failed = quality.run("failed_expectations", QualityParams(), ctx)
    # columns as a set and in order, row count; age: type, not-null, range; colour: type, not-null, domain.
    # No uniqueness: four rows are below unique_min_rows (50).
    assert failed.value == 0.0
    assert failed.details["evaluated"] == 9
    assert failed.details["passed"] == 9
    assert failed.details["learned_from"] == "reference"
    assert failed.summary == "All 9 data expectations were met."
    share = quality.run("expectation_success_share", QualityParams(), ctx)
    assert share.value == 1.0


def test_learned_bounds_are_what_the_reference_implies():
    failed = quality.run("failed_expectations", QualityParams(), make_ctx(people(), people()))
    between = by_type(failed, "expect_column_values_to_be_between", "age")
    assert between["kwargs"] == {"column": "age", "min_value": 17.0, "max_value": 53.0, "mostly": 0.99}
    in_set = by_type(failed, "expect_column_values_to_be_in_set", "colour")
    assert in_set["kwargs"]["value_set"] == ["blue", "green", "red"]
    rows = by_type(failed, "expect_table_row_count_to_be_between", None)
    assert rows["kwargs"] == {"min_value": 1, "max_value": 40}  # floor(4 * 0.1) raised to 1, 4 * 10
    assert by_type(failed, "expect_column_values_to_be_in_type_list", "age")["observed"] == "int64"


def test_a_value_above_the_learned_range_fails_only_the_range_expectation():
    current = people()
    current.loc[1, "age"] = 99  # 99 > 53
    failed = quality.run("failed_expectations", QualityParams(), make_ctx(current, people()))
    assert failed.value == 1.0
    assert failures(failed) == [("expect_column_values_to_be_between", "age")]
    record = by_type(failed, "expect_column_values_to_be_between", "age")
    assert record["unexpected_count"] == 1
    assert record["unexpected_percent"] == 25.0
    assert record["unexpected_examples"] == ["99"]
    assert failed.summary == (
        "1 of 9 data expectations failed: 'age' has values above the range seen in the reference (1 row)."
    )


def test_a_new_category_fails_the_domain_expectation():
    current = people()
    current.loc[3, "colour"] = "purple"
    failed = quality.run("failed_expectations", QualityParams(), make_ctx(current, people()))
    assert failures(failed) == [("expect_column_values_to_be_in_set", "colour")]
    record = by_type(failed, "expect_column_values_to_be_in_set", "colour")
    assert record["unexpected_examples"] == ["purple"]
    assert "'colour' has values not seen in the reference, e.g. 'purple' (1 row)" in failed.summary


def test_domain_mostly_lets_a_rare_new_category_through():
    reference = pd.DataFrame({"colour": ["red", "blue"] * 50})
    current = reference.copy()
    current.loc[0, "colour"] = "purple"  # 1 of 100 new: 99% known meets mostly=0.99
    assert quality.run("failed_expectations", QualityParams(), make_ctx(current, reference)).value == 0.0
    strict = QualityParams(domain_mostly=1.0)
    assert quality.run("failed_expectations", strict, make_ctx(current, reference)).value == 1.0


def test_a_column_missing_from_current_fails_every_expectation_about_it():
    current = people().drop(columns=["age"])
    failed = quality.run("failed_expectations", QualityParams(), make_ctx(current, people()))
    about_age = [record for record in failed.details["expectations"] if record["column"] == "age"]
    assert len(about_age) == 3  # type, not-null, range
    assert all(record["success"] is False for record in about_age)
    assert all(record["observed"] == "column missing" for record in about_age)
    column_set = by_type(failed, "expect_table_columns_to_match_set", None)
    assert column_set["success"] is False
    assert column_set["missing_columns"] == ["age"]
    # set, order and the three about 'age'; nothing about 'colour' or the row count.
    assert failed.value == 5.0
    assert failed.summary.startswith("5 of 9 data expectations failed: the current data lacks column 'age'")


def test_a_column_that_differs_only_by_case_is_missing_not_matched():
    # great-expectations itself matches column names case-insensitively; govkit does not.
    current = people().rename(columns={"age": "AGE"})
    failed = quality.run("failed_expectations", QualityParams(), make_ctx(current, people()))
    assert by_type(failed, "expect_column_values_to_not_be_null", "age")["observed"] == "column missing"
    assert by_type(failed, "expect_column_values_to_not_be_null", "age")["success"] is False


def test_columns_whose_names_differ_only_by_case_are_checked_separately():
    frame = pd.DataFrame({"s": ["a", None, None, None], "S": ["a", "b", "c", "d"]})
    completeness = quality.run("completeness", QualityParams(), make_ctx(frame, frame))
    assert completeness.details["columns"] == {"s": 0.25, "S": 1.0}
    failed = quality.run("failed_expectations", QualityParams(), make_ctx(frame, frame))
    assert failed.value == 0.0


def test_a_new_column_in_current_fails_the_column_set_and_is_measured_for_completeness():
    current = people().assign(extra=[1.0, None, None, None])
    ctx = make_ctx(current, people())
    failed = quality.run("failed_expectations", QualityParams(), ctx)
    assert by_type(failed, "expect_table_columns_to_match_set", None)["new_columns"] == ["extra"]
    assert quality.run("completeness", QualityParams(), ctx).details["columns"]["extra"] == 0.25


def test_an_int_column_that_arrives_as_float_fails_the_type_expectation():
    current = people().astype({"age": "float64"})
    failed = quality.run("failed_expectations", QualityParams(), make_ctx(current, people()))
    assert failures(failed) == [("expect_column_values_to_be_in_type_list", "age")]
    assert by_type(failed, "expect_column_values_to_be_in_type_list", "age")["observed"] == "float64"


def test_a_text_column_holding_numbers_fails_the_type_expectation():
    current = people().astype({"colour": "object"})
    current.loc[0, "colour"] = 7
    failed = quality.run("failed_expectations", QualityParams(domain_mostly=0.5), make_ctx(current, people()))
    record = by_type(failed, "expect_column_values_to_be_in_type_list", "colour")
    assert record["success"] is False
    assert record["unexpected_examples"] == ["7"]


def test_identifier_columns_must_stay_unique():
    reference = pd.DataFrame({"id": ["a", "b", "c", "d"], "score": [0.1, 0.2, 0.3, 0.4]})
    current = reference.assign(id=["a", "b", "b", "d"])
    params = QualityParams(unique_min_rows=4)
    failed = quality.run("failed_expectations", params, make_ctx(current, reference))
    assert failures(failed) == [("expect_column_values_to_be_unique", "id")]
    assert by_type(failed, "expect_column_values_to_be_unique", "id")["unexpected_count"] == 2
    # floats are measurements, not identifiers, even when all distinct
    assert all(
        record["column"] != "score" or "unique" not in record["expectation_type"]
        for record in failed.details["expectations"]
    )
    # and below unique_min_rows nothing is taken for an identifier
    assert quality.run("failed_expectations", QualityParams(), make_ctx(current, reference)).value == 0.0


def test_row_count_outside_the_band_fails():
    reference = pd.DataFrame({"x": range(20)})
    current = pd.DataFrame({"x": [1]})  # band 0.1x..10x of 20 rows: 2..200
    failed = quality.run("failed_expectations", QualityParams(), make_ctx(current, reference))
    assert failures(failed) == [("expect_table_row_count_to_be_between", None)]
    assert "the current data has 1 row, outside the expected 2–200" in failed.summary
    assert (
        quality.run("failed_expectations", QualityParams(row_count_band=None), make_ctx(current, reference)).value
        == 0.0
    )


# --- guards against vacuous passes ------------------------------------------------------------------


def test_a_column_empty_in_current_fails_completeness():
    current = people().assign(colour=[None] * 4)
    failed = quality.run("failed_expectations", QualityParams(), make_ctx(current, people()))
    record = by_type(failed, "expect_column_values_to_not_be_null", "colour")
    assert record["success"] is False
    assert record["observed"] == "all values missing"
    assert "'colour' is empty in the current data" in failed.summary


def test_a_column_empty_in_current_fails_even_when_its_threshold_is_floored_at_zero():
    # The reference has 1 of 4 present; with a tolerance of 0.5 GE's mostly is max(0, 0.25 - 0.5) = 0,
    # which great-expectations alone would pass for an empty column.
    reference = pd.DataFrame({"note": ["x", None, None, None]})
    current = pd.DataFrame({"note": [None, None, None, None]}, dtype=object)
    params = QualityParams(null_tolerance=0.5)
    failed = quality.run("failed_expectations", params, make_ctx(current, reference))
    record = by_type(failed, "expect_column_values_to_not_be_null", "note")
    assert record["kwargs"]["mostly"] == 0.0
    assert record["success"] is False
    assert record["observed"] == "all values missing"


def test_more_missing_values_than_tolerated_fails_completeness_expectation():
    reference = pd.DataFrame({"v": [1.0] * 20})
    current = pd.DataFrame({"v": [1.0] * 18 + [None] * 2})  # 90% present < 100% - 5%
    failed = quality.run("failed_expectations", QualityParams(), make_ctx(current, reference))
    assert failures(failed) == [("expect_column_values_to_not_be_null", "v")]
    assert "'v' has more missing values than in the reference (10.0% missing, was 0.0%)" in failed.summary


@pytest.mark.parametrize("check", sorted(quality.CHECKS))
def test_current_with_no_rows_never_passes(check):
    ctx = make_ctx(people().iloc[0:0], people())
    with pytest.raises(InputError, match="no rows"):
        quality.run(check, QualityParams(), ctx)


def test_a_result_count_that_does_not_match_the_suite_is_an_error(monkeypatch):
    from great_expectations.core.validation_definition import ValidationDefinition

    real_run = ValidationDefinition.run

    def lose_one(self, **kwargs):
        outcome = real_run(self, **kwargs)
        outcome.results.pop()
        return outcome

    monkeypatch.setattr(ValidationDefinition, "run", lose_one)
    with pytest.raises(RuntimeError, match="results for"):
        quality.run("failed_expectations", QualityParams(), make_ctx(people(), people()))


# --- completeness -------------------------------------------------------------------------------


def test_completeness_is_the_lowest_present_share_over_current_columns():
    current = pd.DataFrame({"a": [1.0, None, 3.0, 4.0], "b": ["x", None, None, "y"], "c": [1, 2, 3, 4]})
    measurement = quality.run("completeness", QualityParams(), make_ctx(current, current))
    assert measurement.value == 0.5
    assert measurement.details["columns"] == {"a": 0.75, "b": 0.5, "c": 1.0}
    assert measurement.details["least_complete"] == "b"
    assert measurement.summary == "The least complete column is 'b': 50% of its values are present in the current data."


def test_completeness_works_without_reference():
    current = pd.DataFrame({"a": [1.0, None, None, None, 5.0], "b": list("vwxyz")})
    measurement = quality.run("completeness", QualityParams(), make_ctx(current, None))
    assert measurement.value == 0.4
    assert measurement.details["columns"] == {"a": 0.4, "b": 1.0}
    assert quality.CHECKS["completeness"].requires == frozenset({"current"})


@pytest.mark.parametrize("reference", [None, people().iloc[0:0]])
def test_checks_that_learn_need_a_non_empty_reference(reference):
    with pytest.raises(InputError, match="reference"):
        quality.run("failed_expectations", QualityParams(), make_ctx(people(), reference))


def test_success_share_counts_and_lists_what_failed():
    current = people()
    current.loc[0, "age"] = -100
    measurement = quality.run("expectation_success_share", QualityParams(), make_ctx(current, people()))
    assert measurement.value == 8 / 9
    assert [record["column"] for record in measurement.details["failed_expectations"]] == ["age"]
    assert measurement.summary == "89% of the 9 data expectations were met (8 passed, 1 failed)."


def test_all_three_checks_share_one_validation_of_one_suite(monkeypatch):
    from great_expectations.core.validation_definition import ValidationDefinition

    calls: list[ValidationDefinition] = []
    real_run = ValidationDefinition.run

    def counting(self, **kwargs):
        calls.append(self)
        return real_run(self, **kwargs)

    monkeypatch.setattr(ValidationDefinition, "run", counting)
    ctx = make_ctx(people(), people())
    values = {name: quality.run(name, QualityParams(), ctx).value for name in quality.CHECKS}
    assert values == {"failed_expectations": 0.0, "expectation_success_share": 1.0, "completeness": 1.0}
    assert len(calls) == 1
    # the learned nine plus nothing else; completeness read the same suite's not-null results
    assert len(calls[0].suite.expectations) == 9


# --- user suites ----------------------------------------------------------------------------------


def write_user_suite(path: Path) -> Path:
    """A suite written by great-expectations itself, as a user would have it."""
    import great_expectations as gx
    import great_expectations.expectations as gxe

    gx.get_context(mode="ephemeral")  # GE 1.x suites need a current context to add expectations
    suite = gx.ExpectationSuite(name="house rules")
    suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(column="age", min_value=18, max_value=35))
    path.write_text(json.dumps(suite.to_json_dict()), encoding="utf-8")
    return path


def test_a_user_suite_is_merged_into_the_same_validation(tmp_path):
    suite = write_user_suite(tmp_path / "rules.json")
    params = QualityParams(suites=[str(suite)])
    failed = quality.run("failed_expectations", params, make_ctx(people(), people()))
    assert failed.details["evaluated"] == 10  # the learned nine and the user's one
    assert failed.details["suites"] == [str(suite)]
    user = [record for record in failed.details["expectations"] if record["source"] == f"suite:{suite}"]
    assert len(user) == 1
    assert user[0]["expectation_type"] == "expect_column_values_to_be_between"
    assert user[0]["success"] is False
    assert user[0]["unexpected_count"] == 2  # 40 and 50 are above 35
    assert user[0]["unexpected_examples"] == ["40", "50"]
    assert failed.value == 1.0


def test_the_callers_great_expectations_context_is_left_current(tmp_path):
    from great_expectations.data_context.data_context.context_factory import project_manager

    write_user_suite(tmp_path / "rules.json")
    before = project_manager.get_current_project()
    quality.run("failed_expectations", QualityParams(), make_ctx(people(), people()))
    assert project_manager.get_current_project() is before


def test_a_missing_suite_file_is_an_input_error_naming_the_file(tmp_path):
    missing = tmp_path / "nowhere" / "rules.json"
    with pytest.raises(InputError, match=r"rules\.json not found") as raised:
        quality.run("failed_expectations", QualityParams(suites=[str(missing)]), make_ctx(people(), people()))
    assert str(missing) in str(raised.value)
    assert "\n" not in str(raised.value)


def test_a_suite_with_an_unknown_expectation_is_an_input_error(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"name": "bad", "expectations": [{"type": "expect_purple", "kwargs": {}}]}))
    with pytest.raises(InputError, match=r"bad.json: expectations\[0\] \(expect_purple\) is not valid"):
        quality.run("failed_expectations", QualityParams(suites=[str(bad)]), make_ctx(people(), people()))


def test_a_suite_that_is_not_json_is_an_input_error(tmp_path):
    bad = tmp_path / "broken.json"
    bad.write_text("{not json")
    with pytest.raises(InputError, match=r"broken\.json is not valid JSON"):
        quality.run("failed_expectations", QualityParams(suites=[str(bad)]), make_ctx(people(), people()))


# --- hygiene --------------------------------------------------------------------------------------


def test_nothing_is_printed_and_no_file_is_written(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    current = people()
    current.loc[0, "age"] = 1000
    ctx = make_ctx(current, people())
    for name in quality.CHECKS:
        quality.run(name, QualityParams(), ctx)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == ""  # no "Calculating Metrics" progress bar either
    assert list(tmp_path.iterdir()) == []


def test_the_current_frame_is_not_modified():
    current = pd.DataFrame({"a": [1.0, None, 3.0], "b": ["x", "y", None]})
    before = current.copy()
    quality.run("failed_expectations", QualityParams(), make_ctx(current, before.copy()))
    pd.testing.assert_frame_equal(current, before)


def test_details_are_plain_json_even_with_infinities_and_missing_values():
    reference = pd.DataFrame({"x": [1.0, math.inf, None, 4.0], "t": pd.to_datetime(["2020-01-01"] * 4)})
    current = reference.assign(x=[-math.inf, 2.0, None, 3.0])
    for name in quality.CHECKS:
        measurement = quality.run(name, QualityParams(), make_ctx(current, reference))
        json.dumps(measurement.model_dump(mode="json"), allow_nan=False)
    failed = quality.run("failed_expectations", QualityParams(), make_ctx(current, reference))
    # +inf in the reference leaves the top open; -inf in current is below the bottom (1 - 0.3)
    between = by_type(failed, "expect_column_values_to_be_between", "x")
    assert between["kwargs"]["max_value"] is None
    assert between["success"] is False
    assert between["unexpected_examples"] == ["-inf"]


def test_params_reject_unknown_keys_and_a_reversed_band():
    with pytest.raises(ValidationError):
        QualityParams.model_validate({"range_tolerence": 0.2})
    with pytest.raises(ValidationError, match="row_count_band"):
        QualityParams(row_count_band=(10.0, 0.1))
    assert all(field.description for field in QualityParams.model_fields.values())


def test_checks_are_declared_as_the_registry_expects():
    assert quality.NAME == "quality"
    assert set(quality.CHECKS) == {"failed_expectations", "expectation_success_share", "completeness"}
    assert quality.CHECKS["failed_expectations"].requires == frozenset({"current", "reference"})
    assert all(check.params is QualityParams for check in quality.CHECKS.values())


def test_importing_the_family_loads_no_heavy_library():
    code = (
        "import sys, govkit.families.quality; "
        "print(sorted(m for m in ('great_expectations', 'pandas', 'numpy') if m in sys.modules))"
    )
    shown = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(SRC), "PATH": ""},
    )
    assert shown.stdout.strip() == "[]"


# --- evidence: what each check records, validated against its model ---------------------------------


def hand_made_cases() -> dict[str, tuple[pd.DataFrame, pd.DataFrame | None, dict]]:
    """Frames that between them reach every kind of record the family writes."""
    wide = pd.DataFrame(
        {
            "id": range(60),
            "name": [f"n{i}" for i in range(60)],
            "share": [i / 60 for i in range(60)],
            "flag": [True, False] * 30,
            "kind": pd.Categorical(["a", "b"] * 30),
            "day": pd.to_datetime(["2020-01-01"] * 60),
            "zoned": pd.to_datetime(["2020-01-01"] * 60).tz_localize("UTC"),
            "mixed": [1, "a"] * 30,
            "lists": [[1]] * 60,
            "empty": [None] * 60,
        }
    )
    changed = wide.drop(columns=["share"]).assign(
        new=1.0,
        id=[0, 0, *range(2, 60)],  # a repeated identifier
        flag=[None] * 6 + [True, False] * 27,
        name=[None] * 10 + [f"n{i}" for i in range(10, 60)],
    )
    return {
        "identical": (people(), people(), {}),
        "value above range": (people().assign(age=[20, 30, 40, 1000]), people(), {}),
        "new category": (people().assign(colour=["red", "blue", "purple", "green"]), people(), {}),
        "column missing": (people().drop(columns=["colour"]), people(), {}),
        "case and empty names": (
            pd.DataFrame({"S": [1, 2], "s": [1, 2], "": ["a", "b"]}),
            pd.DataFrame({"S": [1, 2], "s": [1, 2], "": ["a", "c"]}),
            {},
        ),
        "int arrives as float": (people().assign(age=[20.0, None, 40.0, 50.0]), people(), {}),
        "text holds numbers": (people().assign(colour=["red", 5, "blue", 7.5]), people(), {"domain_mostly": 0.5}),
        "rows out of band": (pd.concat([people()] * 20, ignore_index=True), people(), {"row_count_band": [0.5, 2]}),
        "every dtype, changed": (changed, wide, {}),
        "column emptied": (people().assign(colour=[None] * 4), people(), {"null_tolerance": 1.0}),
        "infinities": (
            pd.DataFrame({"x": [-math.inf, 2.0, None, 3.0]}),
            pd.DataFrame({"x": [1.0, math.inf, None, 4.0]}),
            {},
        ),
        "integer column names": (
            pd.DataFrame({0: [1, 2], 1: ["a", "b"]}),
            pd.DataFrame({0: [1, 3], 1: ["a", "c"]}),
            {},
        ),
        "no reference": (people().assign(x=[None, 1, None, None]), None, {}),
    }


def assert_evidence_fits(name: str, measurement: Measurement) -> None:
    definition = quality.CHECKS[name]
    assert evidence_problem(definition, measurement) is None
    parsed = definition.evidence.model_validate(measurement.details)
    # validated, not rewritten: the model reads back exactly the keys the family wrote
    assert parsed.model_dump(exclude_unset=True) == measurement.details


@pytest.mark.parametrize("case", sorted(hand_made_cases()))
def test_every_checks_details_fit_its_evidence_model_on_hand_made_frames(case):
    current, reference, params = hand_made_cases()[case]
    ctx = make_ctx(current, reference)
    names = [name for name in quality.CHECKS if reference is not None or name == "completeness"]
    for name in names:
        assert_evidence_fits(name, quality.run(name, QualityParams.model_validate(params), ctx))


def test_the_hand_made_frames_reach_every_field_of_a_record():
    seen: set[str] = set()
    for current, reference, params in hand_made_cases().values():
        if reference is None:
            continue
        failed = quality.run("failed_expectations", QualityParams.model_validate(params), make_ctx(current, reference))
        for record in FailedExpectationsEvidence.model_validate(failed.details).expectations:
            seen |= {key for key, value in record.model_dump(exclude_unset=True).items() if value not in (None, [], "")}
    assert seen == set(ExpectationRecord.model_fields)


def test_a_user_suites_records_fit_the_evidence_model(tmp_path):
    suite = write_user_suite(tmp_path / "rules.json")
    ctx = make_ctx(people(), people())
    for name in quality.CHECKS:
        assert_evidence_fits(name, quality.run(name, QualityParams(suites=[str(suite)]), ctx))


def adult() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The example's vendored census data, read as the example reads it, halved into reference and current."""
    data = pd.read_csv(ROOT / "examples" / "adult" / "data" / "adult.csv.gz", na_values="?", skipinitialspace=True)
    return data.iloc[::2].reset_index(drop=True), data.iloc[1::2].reset_index(drop=True)


def test_every_checks_details_fit_its_evidence_model_on_the_example_data():
    reference, current = adult()
    broken = current.drop(columns=["education"]).assign(extra=1)
    broken.loc[:3000, "occupation"] = None
    broken["hours-per-week"] = broken["hours-per-week"].astype(float)
    for frame in (current, broken):
        ctx = make_ctx(frame, reference)
        measurements = {name: quality.run(name, QualityParams(), ctx) for name in quality.CHECKS}
        for name, measurement in measurements.items():
            assert_evidence_fits(name, measurement)
    # the broken copy fails the column set, the three expectations about 'education', 'occupation''s
    # completeness and 'hours-per-week''s type
    assert measurements["failed_expectations"].value == 7.0
    assert CompletenessEvidence.model_validate(measurements["completeness"].details).least_complete == "occupation"


def real_details(name: str) -> dict:
    """The details of one check on a frame with a failure, so every list holds a record."""
    current = people().assign(age=[20, 30, 40, 1000])
    return quality.run(name, QualityParams(), make_ctx(current, people())).details


@pytest.mark.parametrize(
    ("name", "old", "new"),
    [
        ("failed_expectations", "evaluated", "count"),
        ("failed_expectations", "not_learned", "unlearned"),
        ("expectation_success_share", "failed_expectations", "failures"),
        ("completeness", "least_complete", "worst"),
    ],
)
def test_a_renamed_key_is_rejected(name, old, new):
    details = real_details(name)
    details[new] = details.pop(old)
    model = quality.CHECKS[name].evidence
    with pytest.raises(ValidationError) as raised:
        model.model_validate(details)
    assert {(error["loc"], error["type"]) for error in raised.value.errors()} == {
        ((old,), "missing"),
        ((new,), "extra_forbidden"),
    }
    # what the runner turns into an error result for the check
    problem = evidence_problem(quality.CHECKS[name], Measurement(details=details))
    assert problem == f"the evidence does not match {model.__name__} at {old}: Field required"


def test_a_renamed_key_inside_a_record_is_rejected():
    details = real_details("failed_expectations")
    record = details["expectations"][0]
    record["examples"] = record.pop("unexpected_examples")
    problem = evidence_problem(quality.CHECKS["failed_expectations"], Measurement(details=details))
    assert problem == (
        "the evidence does not match FailedExpectationsEvidence at expectations.0.unexpected_examples: Field required"
    )


def test_an_unknown_key_is_rejected():
    details = real_details("completeness")
    details["note"] = "anything"
    problem = evidence_problem(quality.CHECKS["completeness"], Measurement(details=details))
    assert problem == "the evidence does not match CompletenessEvidence at note: Extra inputs are not permitted"


def test_evidence_that_does_not_add_up_is_rejected():
    details = real_details("expectation_success_share")
    details["passed"] += 1
    with pytest.raises(ValidationError, match="passed"):
        ExpectationSuccessShareEvidence.model_validate(details)
    completeness = real_details("completeness")
    completeness["least_complete"] = "nowhere"
    with pytest.raises(ValidationError, match="least_complete"):
        CompletenessEvidence.model_validate(completeness)


def test_every_check_declares_an_evidence_model_that_forbids_unknown_keys():
    for definition in quality.CHECKS.values():
        assert issubclass(definition.evidence, Evidence)
        assert definition.evidence.model_config["extra"] == "forbid"


def test_the_evidence_module_imports_only_pydantic_the_standard_library_and_the_registry():
    # the report imports it, and must stay free of the family's engines
    source = (SRC / "govkit" / "families" / "quality" / "evidence.py").read_text()
    imported = {line.split()[1] for line in source.splitlines() if line.startswith(("import ", "from "))}
    assert imported == {"__future__", "typing", "pydantic", "govkit.registry"}
    code = (
        "import sys, govkit.families.quality.evidence; "
        "print(sorted(m for m in ('great_expectations', 'pandas', 'numpy') if m in sys.modules))"
    )
    shown = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(SRC), "PATH": ""},
    )
    assert shown.stdout.strip() == "[]"


# --- the report's quality section ------------------------------------------------------------------


def judged(name: str, measurement: Measurement, status: Status = Status.PASS) -> CheckResult:
    return CheckResult(
        id=f"quality.{name}", family="quality", title=name, status=status, message="", measurement=measurement
    )


def section_checks(current: pd.DataFrame) -> list[CheckResult]:
    ctx = make_ctx(current, people())
    return [judged(name, quality.run(name, QualityParams(), ctx)) for name in quality.CHECKS]


def test_the_section_lists_the_failed_expectations_from_the_typed_evidence():
    from govkit.report.sections import quality as section

    view = section.build(section_checks(people().assign(age=[20, 30, 40, 1000])))
    assert (view.evaluated, view.passed) == (9, 8)
    assert [(row.expectation, row.column, row.unexpected, row.examples) for row in view.failed] == [
        ("expect_column_values_to_be_between", "age", "1", "1000")
    ]
    table = section.build(section_checks(people().drop(columns=["colour"])))
    assert table.failed[0].column == "—"  # the column set is about the table
    assert table.failed[0].expectation == "expect_table_columns_to_match_set"


def test_the_section_reads_the_share_check_when_the_policy_has_no_failed_expectations():
    from govkit.report.sections import quality as section

    checks = section_checks(people().assign(age=[20, 30, 40, 1000]))
    without = [check for check in checks if check.id != "quality.failed_expectations"]
    assert section.build(without) == section.build(checks)


def test_the_section_leaves_out_evidence_that_does_not_fit():
    from govkit.report.sections import quality as section

    broken = Measurement(details={"expectations": [{"expectation": "old"}], "passed": 1})
    view = section.build([judged("failed_expectations", broken, Status.ERROR), judged("completeness", Measurement())])
    assert (view.evaluated, view.passed, view.failed) == (None, None, [])


def test_the_quality_partial_shows_the_failed_expectations():
    from types import SimpleNamespace

    from govkit.report.html import environment
    from govkit.report.sections import quality as section

    view = section.build(section_checks(people().assign(colour=["red", "blue", "<b>", "green"])))
    html = environment().get_template(section.TEMPLATE).render(family=SimpleNamespace(extras=view))
    assert "8 of 9 expectations learned from the reference data held on the current data." in html
    assert "<code>expect_column_values_to_be_in_set</code>" in html
    assert "&lt;b&gt;" in html and "<b>" not in html  # escaped, never marked safe
    empty = environment().get_template(section.TEMPLATE).render(family=SimpleNamespace(extras=section.build([])))
    assert empty.strip() == ""
