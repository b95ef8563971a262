"""The Spark engine on a local Spark session: the same audit, with the same numbers, as in memory.

Hypothesis draws frames with missing and unicode groups and an empty intersection, spread over two
or three partitions in the frame's order; the audit on Spark must give the in-memory audit's
statuses, verdict and group tables, with floats within 1e-12. On the example, the full default
policy (model predictions on the executors) agrees with the pandas and stream engines.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import govkit
from engine_parity import audit_differences
from govkit.engines.options import engine_options
from govkit.engines.spark import SparkTable
from govkit.engines.stream import StreamTable
from govkit.errors import GovkitError
from govkit.results import RunResult
from requirements import need_module
from test_engines import counting_audit, hand_made, regression_audit, regression_frame

hypothesis = need_module("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


def in_partitions(spark: Any, frame: pd.DataFrame, partitions: int) -> Any:
    """``frame`` as a Spark DataFrame of ``partitions`` partitions, rows in the frame's order."""
    schema = spark.createDataFrame(frame).schema

    def plain(value: Any) -> Any:
        if isinstance(value, float) and np.isnan(value):
            return None
        return value.item() if hasattr(value, "item") else value

    rows = [tuple(plain(v) for v in row) for row in frame.itertuples(index=False)]
    return spark.createDataFrame(spark.sparkContext.parallelize(rows, partitions), schema)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), rows=st.integers(40, 400), partitions=st.integers(2, 3))
def test_spark_counts_as_memory_does(spark: Any, tmp_path: Path, seed: int, rows: int, partitions: int) -> None:
    frame = hand_made(rows, seed)
    on_spark = in_partitions(spark, frame, partitions)
    assert on_spark.rdd.getNumPartitions() == partitions
    in_memory = counting_audit(tmp_path, frame)
    spark_audit = counting_audit(tmp_path, on_spark)
    assert audit_differences(in_memory, spark_audit) == []
    assert spark_audit.provenance.engine["name"] == "spark"
    assert spark_audit.provenance.engine["partitions"] == partitions


@settings(max_examples=2, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), rows=st.integers(300, 700), partitions=st.integers(2, 3))
def test_spark_regression_sums_as_memory(spark: Any, tmp_path: Path, seed: int, rows: int, partitions: int) -> None:
    frame = regression_frame(rows, seed)
    in_memory = regression_audit(tmp_path, frame)
    on_spark = regression_audit(tmp_path, in_partitions(spark, frame, partitions))
    assert audit_differences(in_memory, on_spark) == []


def test_every_partial_from_the_executors_is_read_by_the_restricted_unpickler(
    spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from govkit.engines import partials
    from govkit.engines import spark as spark_engine

    read: list[bytes] = []

    def counted(blob: bytes) -> Any:
        read.append(blob)
        return partials.load_partial(blob)

    monkeypatch.setattr(spark_engine, "load_partial", counted)
    frame = hand_made(300, seed=5)
    on_spark = counting_audit(tmp_path, in_partitions(spark, frame, 3))
    assert audit_differences(counting_audit(tmp_path, frame), on_spark) == []
    # every counting check's partials, one per partition, came back through load_partial
    assert len(read) >= 3 and len(read) % 3 == 0


def test_spark_above_the_sample_counts_every_row(spark: Any, tmp_path: Path) -> None:
    frame = hand_made(2000, seed=8)
    whole = counting_audit(tmp_path, frame)
    options = govkit.EngineOptions(name="spark", sample_rows=300)
    sampled = counting_audit(tmp_path, in_partitions(spark, frame, 3), options)
    assert sampled.inputs.current_rows == 2000
    assert any(s["family"] == "engine" and s["sample"] == 300 for s in sampled.provenance.sampling)
    for check_id in ("fairness.demographic_parity_ratio", "fairness.equalized_odds_difference", "performance.f1"):
        a = next(c for c in whole.checks if c.id == check_id)
        b = next(c for c in sampled.checks if c.id == check_id)
        assert b.status == a.status
        assert b.measurement.value == pytest.approx(a.measurement.value, rel=1e-12), check_id


def test_spark_and_stream_pick_the_same_rows_given_a_row_id(spark: Any, tmp_path: Path) -> None:
    frame = pd.DataFrame({"id": [f"r{i}" for i in range(3000)], "value": np.arange(3000.0)})
    path = tmp_path / "rows.parquet"
    frame.sample(frac=1.0, random_state=2).to_parquet(path, row_group_size=500)
    streamed = StreamTable.open(
        str(path), "current", "--data", engine_options("stream", sample_rows=100, row_id="id", seed=4)
    ).sample()
    options = engine_options("spark", sample_rows=100, row_id="id", seed=4)
    on_spark = SparkTable.open(in_partitions(spark, frame, 3), "current", "--data", options).sample()
    by_id = on_spark.sort_values("id").reset_index(drop=True)
    pd.testing.assert_frame_equal(by_id, streamed.sort_values("id").reset_index(drop=True))
    assert len(on_spark) == 100
    # without a row id, by position: the same rows when both engines read the rows in the same order
    ordered = tmp_path / "ordered.parquet"
    frame.to_parquet(ordered, row_group_size=500)
    by_position = engine_options("stream", sample_rows=100, seed=4)
    streamed = StreamTable.open(str(ordered), "current", "--data", by_position).sample()
    options = engine_options("spark", sample_rows=100, seed=4)
    on_spark = SparkTable.open(in_partitions(spark, frame, 3), "current", "--data", options).sample()
    pd.testing.assert_frame_equal(on_spark, streamed)


def test_spark_refuses_what_it_cannot_read(spark: Any, tmp_path: Path) -> None:
    csv = tmp_path / "data.csv"
    csv.write_text("a,b\n1,2\n")
    with pytest.raises(GovkitError) as not_parquet:
        govkit.audit(data=str(csv), engine="spark", policy="default")
    assert not_parquet.value.code == "GK106" and "--engine stream" in str(not_parquet.value)
    with pytest.raises(GovkitError) as missing_path:
        govkit.audit(data=str(tmp_path / "nowhere.parquet"), engine="spark", policy="default")
    assert missing_path.value.code == "GK101" and "\n" not in str(missing_path.value)


def test_example_on_spark_and_stream_as_in_memory(spark: Any, adult_build: Path, tmp_path: Path) -> None:
    """The full default policy on the example: predictions on the executors, the model loaded there from
    its bytes with the trusted types; every engine gives the same audit."""
    paths = {}
    for role in ("current", "reference"):
        paths[role] = tmp_path / f"{role}.parquet"
        pd.read_csv(adult_build / f"{role}.csv").to_parquet(paths[role], row_group_size=2000)
    common: dict[str, Any] = {
        "model": str(adult_build / "model.skops"),
        "data": str(paths["current"]),
        "reference": str(paths["reference"]),
        "target": "income-per-year",
        "sensitive": ["sex", "race"],
        "positive_label": ">50K",
        "trusted_types": ["sklearn.tree._tree.Tree"],
    }
    in_memory = govkit.audit(**common)
    streamed = govkit.audit(**common, engine=govkit.EngineOptions(name="stream", batch_rows=1000))
    on_spark = govkit.audit(**common, engine="spark")
    assert audit_differences(in_memory, streamed) == []
    assert audit_differences(in_memory, on_spark) == []
    assert on_spark.provenance.engine["name"] == "spark"
    assert on_spark.provenance.files["current"]["sha256"] == in_memory.provenance.files["current"]["sha256"]


def test_spark_connect_counts_as_memory_does(spark_connect: str, tmp_path: Path) -> None:
    """Through a Spark Connect server, from the command line: the same audit as in memory. (A separate
    process: PySpark refuses a Connect session beside this process's local one.)"""
    frame = hand_made(1500, seed=12)
    path = tmp_path / "current.parquet"
    frame.to_parquet(path, row_group_size=400)
    in_memory = counting_audit(tmp_path, str(path))
    command = [
        str(Path(sys.executable).parent / "govkit"), "audit", "--data", str(path), "--target", "target",
        "--sensitive", "group,region", "--prediction-column", "prediction", "--probability-column", "score",
        "--positive-label", "1", "--policy", str(tmp_path / "counting.yaml"), "--out", str(tmp_path / "remote"),
        "--format", "json", "--no-record", "-q", "--engine", "spark", "--spark-remote", spark_connect,
    ]  # fmt: skip
    finished = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path, check=False)
    assert finished.returncode in (0, 1), finished.stderr[-2000:]
    remote = RunResult.read(tmp_path / "remote" / "results.json")
    assert audit_differences(in_memory, remote) == []
    assert remote.provenance.engine["name"] == "spark"
    assert remote.provenance.engine["current_rows"] == 1500


def test_spark_data_with_a_pandas_reference(spark: Any, tmp_path: Path) -> None:
    """A pandas reference beside Spark data joins it on Spark; both tables' rows are counted."""
    frame = hand_made(600, seed=21)
    policy = tmp_path / "counting.yaml"
    counting_audit(tmp_path, frame)  # writes the policy
    result = govkit.audit(
        data=in_partitions(spark, frame, 2), reference=frame.head(250), target="target", sensitive=["group"],
        prediction_column="prediction", probability_column="score", positive_label=1, policy=str(policy),
    )  # fmt: skip
    assert result.provenance.engine["name"] == "spark"
    assert (result.inputs.current_rows, result.inputs.reference_rows) == (600, 250)
    # the rows kept with their predictions for the counting passes are released when the audit ends
    assert spark._jsparkSession.sharedState().cacheManager().isEmpty()
