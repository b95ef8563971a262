"""The stream engine: the same audit as in memory, with bounded memory.

Parity with the in-memory engine on hand-made frames (missing and unicode groups, an empty
intersection, many small batches), the sampling rule, CSV column types across chunks, the engine's
records in provenance and its errors. Spark's parity tests are in test_engines_spark.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import govkit
from engine_parity import audit_differences
from govkit.cli import main
from govkit.engines.options import engine_options
from govkit.engines.sample import row_keys
from govkit.engines.stream import StreamTable
from govkit.errors import GovkitError
from govkit.inputs import memory, read_table

COUNTING_POLICY = """\
version: 1
name: counting
description: the checks an engine counts on every row
checks:
  - {id: fairness.demographic_parity_ratio, fail_if: {lt: 0.8}}
  - {id: fairness.demographic_parity_difference, warn_if: {gt: 0.1}}
  - {id: fairness.equalized_odds_difference, fail_if: {gt: 0.2}}
  - {id: fairness.equal_opportunity_difference, warn_if: {gt: 0.1}}
  - {id: fairness.accuracy_difference, warn_if: {gt: 0.1}}
  - {id: performance.accuracy, fail_if: {lt: 0.5}}
  - {id: performance.balanced_accuracy, warn_if: {lt: 0.6}}
  - {id: performance.f1, warn_if: {lt: 0.5}}
  - {id: performance.precision, warn_if: {lt: 0.5}}
  - {id: performance.recall, warn_if: {lt: 0.5}}
  - {id: performance.brier_score, warn_if: {gt: 0.3}}
  - {id: performance.log_loss, warn_if: {gt: 1.0}}
  - {id: performance.roc_auc, warn_if: {lt: 0.6}}
  - {id: performance.average_precision, warn_if: {lt: 0.5}}
"""


def hand_made(rows: int, seed: int) -> pd.DataFrame:
    """Predictions of a biased model: groups with missing and unicode names, one intersection left empty."""
    rng = np.random.default_rng(seed)
    group = rng.choice(np.array(["Ωmega", "北", "b", None], dtype=object), size=rows, p=[0.4, 0.3, 0.2, 0.1])
    region = rng.choice(np.array(["x", "y"], dtype=object), size=rows)
    region[group == "b"] = "x"  # (b, y) never occurs
    target = rng.integers(0, 2, size=rows)
    score = np.clip(0.3 * target + rng.random(rows) * 0.7 - 0.1 * (group == "北"), 0.0, 1.0)
    amount = rng.normal(100, 20, size=rows)
    amount[rng.random(rows) < 0.05] = np.nan
    return pd.DataFrame(
        {
            "group": group,
            "region": region,
            "amount": amount,
            "target": target,
            "score": score,
            "prediction": (score > 0.5).astype(np.int64),
        }
    )


def counting_audit(tmp_path: Path, data: object, engine: object = None) -> govkit.RunResult:
    policy = tmp_path / "counting.yaml"
    policy.write_text(COUNTING_POLICY)
    return govkit.audit(
        data=data,
        target="target",
        sensitive=["group", "region"],
        prediction_column="prediction",
        probability_column="score",
        positive_label=1,
        policy=str(policy),
        engine=engine,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("batch_rows", [7, 100, 5000])
def test_stream_counts_every_batch_as_memory_does(tmp_path: Path, batch_rows: int) -> None:
    frame = hand_made(1200, seed=3)
    path = tmp_path / "current.parquet"
    frame.to_parquet(path, row_group_size=256)
    in_memory = counting_audit(tmp_path, str(path))
    streamed = counting_audit(tmp_path, str(path), govkit.EngineOptions(name="stream", batch_rows=batch_rows))
    assert audit_differences(in_memory, streamed) == []
    assert streamed.provenance.engine["name"] == "arrow-stream"
    assert streamed.provenance.engine["batch_rows"] == batch_rows
    assert in_memory.provenance.engine["name"] == "pandas"
    groups = next(c for c in streamed.checks if c.id == "fairness.demographic_parity_ratio")
    assert groups.status.value in ("pass", "fail", "warn")


def test_stream_above_the_sample_counts_every_row(tmp_path: Path) -> None:
    """The counting checks see all rows when the frame-reading checks see only a sample."""
    frame = hand_made(3000, seed=5)
    path = tmp_path / "current.parquet"
    frame.to_parquet(path)
    whole = counting_audit(tmp_path, str(path))
    sampled = counting_audit(tmp_path, str(path), govkit.EngineOptions(name="stream", sample_rows=500, batch_rows=64))
    assert sampled.inputs.current_rows == 3000
    assert {
        "family": "engine",
        "what": "current rows read by the checks that need the rows themselves",
        "population": 3000,
        "sample": 500,
        "seed": 0,
    } in (sampled.provenance.sampling)
    exact = ("fairness.demographic_parity_ratio", "performance.accuracy", "performance.f1", "performance.brier_score",
             "performance.roc_auc")  # fmt: skip
    others = (
        "performance.log_loss",
        "performance.balanced_accuracy",
        "performance.recall",
        "performance.average_precision",
    )
    for check_id in (*exact, *others):
        a = next(c for c in whole.checks if c.id == check_id).measurement
        b = next(c for c in sampled.checks if c.id == check_id).measurement
        assert b.value == pytest.approx(a.value, rel=1e-12), check_id
        assert b.sample_size == a.sample_size == 3000
    # by hand: accuracy over all 3000 rows; scikit-learn on every row's score
    from sklearn.metrics import roc_auc_score

    expected = float((frame["prediction"] == frame["target"]).mean())
    accuracy = next(c for c in sampled.checks if c.id == "performance.accuracy").measurement
    assert accuracy.value == pytest.approx(expected, rel=1e-12)
    area = next(c for c in sampled.checks if c.id == "performance.roc_auc").measurement
    assert area.value == pytest.approx(roc_auc_score(frame["target"] == 1, frame["score"]), rel=1e-12)
    a_curve = next(c for c in whole.checks if c.id == "performance.roc_auc").measurement.details["roc_curves"]
    assert area.details["roc_curves"] == a_curve  # the same curve, points and positives


def test_sample_is_bottom_k_in_the_files_order(tmp_path: Path) -> None:
    frame = pd.DataFrame({"id": np.arange(1000) * 7 + 3, "value": np.arange(1000.0)})
    path = tmp_path / "rows.parquet"
    frame.to_parquet(path)
    for batch_rows in (13, 1000):
        options = engine_options("stream", sample_rows=50, batch_rows=batch_rows, seed=9)
        sample = StreamTable.open(str(path), "current", "--data", options).sample()
        keys = row_keys(np.arange(1000, dtype=np.int64), 9)
        expected = np.sort(np.argsort(keys, kind="stable")[:50])
        assert sample["value"].tolist() == frame["value"].to_numpy()[expected].tolist()
    whole = StreamTable.open(str(path), "current", "--data", engine_options("stream", sample_rows=5000)).sample()
    pd.testing.assert_frame_equal(whole, pd.read_parquet(path))


def test_sample_by_row_id_ignores_the_files_order(tmp_path: Path) -> None:
    frame = pd.DataFrame({"id": [f"c-{i}" for i in range(800)], "value": np.arange(800.0)})
    shuffled = frame.sample(frac=1.0, random_state=1).reset_index(drop=True)
    frame.to_parquet(tmp_path / "a.parquet")
    shuffled.to_parquet(tmp_path / "b.parquet")
    options = engine_options("stream", sample_rows=40, row_id="id", batch_rows=33)
    first = StreamTable.open(str(tmp_path / "a.parquet"), "current", "--data", options).sample()
    second = StreamTable.open(str(tmp_path / "b.parquet"), "current", "--data", options).sample()
    assert sorted(first["id"]) == sorted(second["id"])
    assert len(first) == 40
    other_seed = StreamTable.open(str(tmp_path / "a.parquet"), "current", "--data", engine_options(
        "stream", sample_rows=40, row_id="id", seed=1)).sample()  # fmt: skip
    assert sorted(other_seed["id"]) != sorted(first["id"])


def test_csv_chunks_are_typed_as_the_whole_file(tmp_path: Path) -> None:
    """A column of numbers in the first chunk and text later is text; an integer column with a chunk of
    missing values only is float; a boolean column with such a chunk holds booleans and missing values."""
    rows = 60
    lines = ["code,count,flag,name"]
    for i in range(rows):
        code = "A7" if i == 45 else str(i)
        count = "" if 20 <= i < 40 else str(i)
        flag = "" if 20 <= i < 40 else ("True" if i % 2 else "False")
        lines.append(f"{code},{count},{flag},n{i}")
    path = tmp_path / "typed.csv"
    path.write_text("\n".join(lines) + "\n")
    streamed = StreamTable.open(str(path), "current", "--data", engine_options("stream", batch_rows=20)).sample()
    pd.testing.assert_frame_equal(streamed, read_table(path))
    assert streamed["code"].iloc[0] == "0"  # text, as the whole-file read has it


def test_engine_errors_are_one_line(tmp_path: Path) -> None:
    frame = hand_made(50, seed=1)
    path = tmp_path / "current.parquet"
    frame.to_parquet(path)
    with pytest.raises(GovkitError) as missing_id:
        counting_audit(tmp_path, str(path), govkit.EngineOptions(name="stream", row_id="nope"))
    assert missing_id.value.code == "GK209" and "--row-id" in str(missing_id.value)
    with pytest.raises(GovkitError) as empty_id:
        counting_audit(tmp_path, str(path), govkit.EngineOptions(name="stream", row_id="group", sample_rows=10))
    assert empty_id.value.code == "GK209" and "empty values" in str(empty_id.value)
    nested = tmp_path / "nested.parquet"
    pd.DataFrame({"tags": [[1, 2], [3]], "target": [0, 1]}).to_parquet(nested)
    with pytest.raises(GovkitError) as unsupported:
        govkit.audit(data=str(nested), target="target", engine="stream", policy="default")
    assert unsupported.value.code == "GK116" and "'tags'" in str(unsupported.value)
    with pytest.raises(GovkitError) as frame_given:
        counting_audit(tmp_path, frame, "stream")
    assert frame_given.value.code == "GK106"
    with pytest.raises(GovkitError) as no_rows:
        counting_audit(tmp_path, str(path), govkit.EngineOptions(name="stream", sample_rows=0))
    assert no_rows.value.code == "GK115"
    for error in (missing_id, empty_id, unsupported, frame_given, no_rows):
        assert "\n" not in str(error.value)


def test_cli_engine_options(tmp_path: Path) -> None:
    frame = hand_made(400, seed=2)
    path = tmp_path / "current.parquet"
    frame.to_parquet(path)
    args = ["audit", "--data", str(path), "--target", "target", "--sensitive", "group", "--prediction-column",
            "prediction", "--positive-label", "1", "--no-record", "-q", "--format", "json"]  # fmt: skip
    runner = CliRunner()
    bad = runner.invoke(main, [*args, "--out", str(tmp_path / "bad"), "--engine", "stream", "--row-id", "nope"])
    assert bad.exit_code == 2, bad.output
    assert bad.output.strip().count("\n") == 0 and "row id column 'nope' not found" in bad.output
    conf = runner.invoke(main, [*args, "--out", str(tmp_path / "conf"), "--spark-conf", "spark.master"])
    assert conf.exit_code == 2 and "key=value" in conf.output
    good = runner.invoke(
        main, [*args, "--out", str(tmp_path / "ok"), "--engine", "stream", "--row-id", "amount", "--sample-rows", "100"]
    )
    assert good.exit_code == 2 and "empty values" in good.output  # amount has missing values: not an id
    frame["rid"] = np.arange(400)
    frame.to_parquet(path)
    good = runner.invoke(
        main, [*args, "--out", str(tmp_path / "ok"), "--engine", "stream", "--row-id", "rid", "--sample-rows", "100"]
    )
    assert good.exit_code in (0, 1), good.output
    results = json.loads((tmp_path / "ok" / "results.json").read_text())
    assert results["provenance"]["engine"]["row_id"] == "rid"
    assert results["inputs"]["current_rows"] == 400


def test_data_too_large_for_memory_is_streamed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Instead of GK112, a Parquet file that would not fit is read by the stream engine, which says why."""
    from govkit.preflight import frames

    frame = hand_made(600, seed=4)
    path = tmp_path / "current.parquet"
    frame.to_parquet(path)
    in_memory = counting_audit(tmp_path, str(path))
    monkeypatch.setattr(memory, "available_memory", lambda: 2048)
    monkeypatch.setattr(frames, "available_memory", lambda: 2048)
    streamed = counting_audit(tmp_path, str(path))
    assert streamed.provenance.engine["name"] == "arrow-stream"
    assert streamed.provenance.engine["chosen_because"] == "the data would not fit in memory"
    assert audit_differences(in_memory, streamed) == []


REGRESSION_POLICY = """\
version: 1
name: counting-regression
description: the regression checks an engine counts on every row
checks:
  - {id: fairness.mean_prediction_difference, warn_if: {gt: 5}}
  - {id: fairness.mae_difference, warn_if: {gt: 5}}
  - {id: fairness.rmse_difference, warn_if: {gt: 5}}
  - {id: performance.mae, warn_if: {gt: 10}}
  - {id: performance.rmse, warn_if: {gt: 10}}
  - {id: performance.r2, fail_if: {lt: 0.0}}
  - {id: performance.mean_residual, warn_if: {gt: 1}}
"""


def regression_frame(rows: int, seed: int) -> pd.DataFrame:
    """A regressor's predictions with errors that depend on the group, missing and unicode groups."""
    rng = np.random.default_rng(seed)
    group = rng.choice(np.array(["Ωmega", "北", "b", None], dtype=object), size=rows, p=[0.4, 0.3, 0.2, 0.1])
    truth = rng.normal(50.0, 10.0, size=rows)
    noise = rng.normal(0.0, 3.0, size=rows) * np.where(group == "北", 2.0, 1.0)
    return pd.DataFrame({"group": group, "target": truth, "prediction": truth + noise + 1.5})


def regression_audit(tmp_path: Path, data: object, engine: object = None) -> govkit.RunResult:
    policy = tmp_path / "regression.yaml"
    policy.write_text(REGRESSION_POLICY)
    return govkit.audit(
        data=data, target="target", sensitive=["group"], prediction_column="prediction", task="regression",
        policy=str(policy), engine=engine,  # type: ignore[arg-type]
    )  # fmt: skip


def test_stream_regression_sums_as_memory(tmp_path: Path) -> None:
    """Regression group sums, MAE, RMSE and R² merged over 17-row batches equal the whole frame's (1e-12)."""
    frame = regression_frame(1000, seed=6)
    path = tmp_path / "current.parquet"
    frame.to_parquet(path)
    in_memory = regression_audit(tmp_path, str(path))
    streamed = regression_audit(tmp_path, str(path), govkit.EngineOptions(name="stream", batch_rows=17))
    assert audit_differences(in_memory, streamed) == []
    sampled = regression_audit(tmp_path, str(path), govkit.EngineOptions(name="stream", batch_rows=17, sample_rows=99))
    for check_id in ("performance.mae", "performance.rmse", "performance.r2", "fairness.mae_difference"):
        a = next(c for c in in_memory.checks if c.id == check_id).measurement.value
        b = next(c for c in sampled.checks if c.id == check_id).measurement.value
        assert b == pytest.approx(a, rel=1e-12), check_id
    error = frame["prediction"] - frame["target"]
    rmse = next(c for c in sampled.checks if c.id == "performance.rmse").measurement.value
    assert rmse == pytest.approx(float(np.sqrt((error**2).mean())), rel=1e-12)


def test_executors_load_the_model_file_with_the_same_trust_rules(tmp_path: Path) -> None:
    """What Spark's executors run: the model file's bytes, loaded again with the pin of the file the audit
    loaded; bytes that changed since are refused (GK303), a pickle without trust is refused (GK302)."""
    import pickle

    import skops.io as sio
    from sklearn.linear_model import LogisticRegression

    from govkit.inputs import sha256_file
    from govkit.preflight import Preflight
    from govkit.preflight.batches import BatchPredictor

    frame = pd.DataFrame({"x": np.arange(40.0), "target": (np.arange(40) > 20).astype(int)})
    model = LogisticRegression().fit(frame[["x"]], frame["target"])
    path = tmp_path / "model.skops"
    sio.dump(model, path)
    preflight = Preflight(data=frame, model=str(path), target="target", positive_label=1)
    ctx = preflight.run()
    shipped = BatchPredictor.of(ctx, "current data", labels=[], mapping={}).shipping_model_file(
        path, sha256_file(path), [], False
    )
    travelled = pickle.loads(pickle.dumps(shipped))  # as it reaches an executor, without the model object
    assert travelled.plan.model is None
    outputs = travelled(frame)
    assert np.array_equal(outputs.labels, ctx.current_predictions.labels)
    assert np.allclose(outputs.scores, ctx.current_predictions.scores, rtol=0, atol=0)
    changed = BatchPredictor.of(ctx, "current data", labels=[], mapping={}).shipping_model_file(
        path, "0" * 64, [], False
    )
    with pytest.raises(GovkitError) as tampered:
        pickle.loads(pickle.dumps(changed))(frame)
    assert tampered.value.code == "GK303"
    pickled = tmp_path / "model.pkl"
    pickled.write_bytes(pickle.dumps(model))
    untrusted = BatchPredictor.of(ctx, "current data", labels=[], mapping={}).shipping_model_file(
        pickled, sha256_file(pickled), [], False
    )
    with pytest.raises(GovkitError) as refused:
        pickle.loads(pickle.dumps(untrusted))(frame)
    assert refused.value.code == "GK302"


def test_a_sample_never_passes_the_row_count(tmp_path: Path) -> None:
    """On a sample the tables' row counts are unknown to great-expectations: the row-count expectation is
    listed as not learned, with the reason, in the evidence and in the report, instead of passing."""
    frame = hand_made(900, seed=7)
    path = tmp_path / "current.parquet"
    frame.to_parquet(path)
    policy = tmp_path / "rows.yaml"
    policy.write_text(
        "version: 1\nname: rows\ndescription: rows\nchecks:\n"
        "  - {id: quality.failed_expectations, params: {row_count_band: [0.9, 1.1]}, warn_if: {gt: 0}}\n"
    )
    common = {"data": str(path), "reference": str(path), "target": "target", "policy": str(policy)}
    whole = govkit.audit(**common, engine=govkit.EngineOptions(name="stream"))
    sampled = govkit.audit(**common, engine=govkit.EngineOptions(name="stream", sample_rows=300))
    learned = whole.check("quality.failed_expectations").measurement.details
    assert any(e["expectation_type"] == "expect_table_row_count_to_be_between" for e in learned["expectations"])
    details = sampled.check("quality.failed_expectations").measurement.details
    assert not any(e["expectation_type"] == "expect_table_row_count_to_be_between" for e in details["expectations"])
    reason = next(n for n in details["not_learned"] if n["expectation"] == "expect_table_row_count_to_be_between")
    assert "sample" in reason["reason"]
    written = govkit.render(sampled, tmp_path / "report", formats=("html",))
    assert "the tables&#39; row counts are not compared" in written["html"].read_text()


def test_partials_from_spark_are_read_back_with_only_the_names_they_need() -> None:
    """Every built-in accumulator's partial travels back from an executor and merges to the same summary;
    bytes naming anything else (a function that runs a command) are refused, naming it, before it runs."""
    import os
    import pickle

    from govkit.context import Batch
    from govkit.engines.partials import dump_partial, load_partial
    from govkit.families.fairness.counts import CellCounter
    from govkit.families.performance.confusion import ConfusionCounter
    from govkit.families.performance.curves import CalibrationCounter
    from govkit.families.performance.losses import LossCounter
    from govkit.families.performance.ranking import PairCounter

    frame = hand_made(300, seed=11)
    batch = Batch(frame=frame, labels=frame["prediction"].to_numpy(), scores=frame["score"].to_numpy())
    counters = [
        CellCounter(columns=("group", "region"), target="target", positive_label=1),
        ConfusionCounter("target"),
        CalibrationCounter(target="target", positive=frozenset({"1"}), sensitive=("group",)),
        LossCounter(target="target", positive=1),
        PairCounter(target="target", positive=1),
    ]
    for counter in counters:
        partial = counter.update(batch)  # type: ignore[attr-defined]
        travelled = load_partial(dump_partial(partial))
        assert pickle.dumps(travelled) == pickle.dumps(partial), type(counter).__name__

    class Payload:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (os.system, ("true",))

    with pytest.raises(pickle.UnpicklingError, match=r"(posix|os)\.system"):
        load_partial(pickle.dumps(Payload()))
