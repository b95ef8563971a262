"""Preflight: inputs that cannot be audited stop with one line, a stable code and exit 2; problems
confined to one column let the audit finish and downgrade only the checks they touch.

Every row of the README's "bad input" table is one of these tests.
"""

from __future__ import annotations

import gzip
import pickle
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import govkit
from govkit import inputs, preflight
from govkit.cli import main
from govkit.errors import EXIT_USAGE, InputError, ModelTrustError
from govkit.inputs import ERROR_CODES, detect_model_format, error_code, memory, read_table
from govkit.inputs import models as model_files
from govkit.preflight import frames
from govkit.results import Status

ROWS = 40


# ---------------------------------------------------------------------------------------------
# Helpers


def _frame(rows: int = ROWS, seed: int = 0) -> pd.DataFrame:
    """A small scored table: two numeric features, a sensitive column, target, predictions, scores."""
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=rows), rng.normal(size=rows)
    y = (x1 + 0.5 * rng.normal(size=rows) > 0).astype(int)
    score = 1 / (1 + np.exp(-2 * x1))
    return pd.DataFrame(
        {
            "x1": x1,
            "x2": x2,
            "group": np.where(np.arange(rows) % 2 == 0, "a", "b"),
            "y": y,
            "pred": (score > 0.5).astype(int),
            "score": score,
        }
    )


def _write_csv(path: Path, frame: pd.DataFrame | None = None) -> Path:
    (frame if frame is not None else _frame()).to_csv(path, index=False)
    return path


def _cli(args: list[str], cwd: Path) -> tuple[int, str, str]:
    """Run the CLI in-process from ``cwd``: (exit code, stdout, stderr)."""
    import os

    previous = os.getcwd()
    os.chdir(cwd)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = CliRunner().invoke(main, args, catch_exceptions=False)
    finally:
        os.chdir(previous)
    return result.exit_code, result.stdout, result.stderr


def _one_line_error(args: list[str], cwd: Path) -> str:
    """The CLI's answer to a bad input: exit 2 and exactly one line on stderr, no traceback."""
    code, _, stderr = _cli(args, cwd)
    assert code == EXIT_USAGE, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    assert lines[0].startswith("govkit: error: ")
    return lines[0].removeprefix("govkit: error: ")


def _refused(code: str, **arguments: Any) -> InputError:
    """The library's answer: an InputError with this stable code and a one-line message."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(InputError) as caught:
            govkit.audit(**arguments)
    error = caught.value
    assert getattr(error, "code", None) == code, (getattr(error, "code", None), str(error))
    assert len(str(error).splitlines()) == 1
    return error


def _audit(**arguments: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return govkit.audit(**arguments)


def _data_error(path: Path, code: str) -> str:
    """A data file that cannot be read: the stable code from the library, exit 2 and one line from the CLI."""
    with pytest.raises(InputError) as caught:
        read_table(path, role="current", option="--data")
    assert getattr(caught.value, "code", None) == code, str(caught.value)
    line = _one_line_error(["audit", "--data", str(path), "--target", "y", "--out", "out"], path.parent)
    assert line == str(caught.value)
    return line


# ---------------------------------------------------------------------------------------------
# Codes


def test_error_codes_are_unique_and_named() -> None:
    assert len(set(ERROR_CODES.values())) == len(ERROR_CODES)
    assert all(code.startswith("GK") and len(code) == 5 for code in ERROR_CODES)
    error = inputs.coded("GK101", "x.csv: current file not found; check the path given to --data")
    assert isinstance(error, InputError)
    assert error.code == "GK101"
    assert error_code(error) == "GK101 file-not-found"
    assert error_code(ValueError("no code")) is None


# ---------------------------------------------------------------------------------------------
# Files that are not there, empty, or not tables


def test_file_not_found(tmp_path: Path) -> None:
    line = _data_error(tmp_path / "nope.csv", "GK101")
    assert line == f"{tmp_path / 'nope.csv'}: current file not found; check the path given to --data"


def test_folder_instead_of_file(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    assert "is a folder, not a current file" in _data_error(tmp_path / "data", "GK102")


def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / "empty.csv").write_bytes(b"")
    assert "current file is empty" in _data_error(tmp_path / "empty.csv", "GK103")


def test_blank_lines_only(tmp_path: Path) -> None:
    (tmp_path / "blank.csv").write_text("\n\n\n")
    assert "no columns found" in _data_error(tmp_path / "blank.csv", "GK104")


def test_header_without_rows(tmp_path: Path) -> None:
    (tmp_path / "header.csv").write_text("x1,x2,y\n")
    assert _data_error(tmp_path / "header.csv", "GK105").endswith("has a header but no rows; an audit needs data")


def test_parquet_without_rows(tmp_path: Path) -> None:
    _frame().iloc[:0].to_parquet(tmp_path / "empty.parquet")
    assert "has a header but no rows" in _data_error(tmp_path / "empty.parquet", "GK105")


def test_truncated_parquet(tmp_path: Path) -> None:
    _frame(500).to_parquet(tmp_path / "full.parquet")
    whole = (tmp_path / "full.parquet").read_bytes()
    (tmp_path / "cut.parquet").write_bytes(whole[: len(whole) // 2])
    line = _data_error(tmp_path / "cut.parquet", "GK107")
    assert "truncated Parquet file (its footer is missing)" in line


def test_gzip_that_ends_early(tmp_path: Path) -> None:
    text = _frame(2000).to_csv(index=False).encode()
    packed = gzip.compress(text)
    (tmp_path / "cut.csv.gz").write_bytes(packed[: len(packed) // 2])
    assert "truncated or damaged gzip file" in _data_error(tmp_path / "cut.csv.gz", "GK107")


def test_gzip_csv_is_read(tmp_path: Path) -> None:
    (tmp_path / "data.gz").write_bytes(gzip.compress(_frame().to_csv(index=False).encode()))
    assert read_table(tmp_path / "data.gz").shape == _frame().shape


def test_binary_file(tmp_path: Path) -> None:
    (tmp_path / "noise.csv").write_bytes(bytes(range(256)) * 8)
    assert "holds binary data (NUL bytes), not CSV text" in _data_error(tmp_path / "noise.csv", "GK106")


def test_excel_workbook_named_csv(tmp_path: Path) -> None:
    (tmp_path / "data.csv").write_bytes(b"PK\x03\x04" + b"\x00" * 60)
    line = _data_error(tmp_path / "data.csv", "GK106")
    assert "is a ZIP archive (an Excel .xlsx workbook" in line
    assert line.endswith("export the table as CSV or Parquet")


def test_latin1_text(tmp_path: Path) -> None:
    (tmp_path / "latin.csv").write_bytes("name,y\nJosé,1\n".encode("latin-1"))
    assert "not UTF-8 text" in _data_error(tmp_path / "latin.csv", "GK106")


def test_utf16_text(tmp_path: Path) -> None:
    (tmp_path / "wide.csv").write_bytes("x1,y\n1,0\n".encode("utf-16"))
    assert "is UTF-16 text, not UTF-8" in _data_error(tmp_path / "wide.csv", "GK106")


def test_not_a_table_object() -> None:
    error = _refused("GK106", data=[[1, 2], [3, 4]], target="y")
    assert str(error).startswith("current data: a list is not a table")


# ---------------------------------------------------------------------------------------------
# Malformed CSV


def test_ragged_row_names_its_line(tmp_path: Path) -> None:
    (tmp_path / "ragged.csv").write_text("x1,x2,y\n1,2,0\n3,4,1\n5,6,7,0\n7,8,1\n")
    line = _data_error(tmp_path / "ragged.csv", "GK108")
    assert line == (
        f"{tmp_path / 'ragged.csv'}: line 4 has 4 fields but the header has 3; "
        "quote values that contain commas, or fix that row"
    )


def test_ragged_first_row_is_not_silently_shifted(tmp_path: Path) -> None:
    # pandas alone would take the extra field for an index column and shift every column by one
    (tmp_path / "ragged.csv").write_text("x1,x2,y\n1,2,0,9\n3,4,1\n")
    assert "line 2 has 4 fields but the header has 3" in _data_error(tmp_path / "ragged.csv", "GK108")


def test_unbalanced_quote(tmp_path: Path) -> None:
    (tmp_path / "quote.csv").write_text('x1,note,y\n1,"open,0\n2,b,1\n')
    assert "malformed CSV" in _data_error(tmp_path / "quote.csv", "GK110")


def test_duplicate_header(tmp_path: Path) -> None:
    (tmp_path / "dup.csv").write_text("x1,y,x1\n1,0,2\n")
    line = _data_error(tmp_path / "dup.csv", "GK109")
    assert line.endswith("duplicate column name(s) 'x1'; rename them so each is unique")


def test_duplicate_parquet_columns(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table([pa.array([1, 2]), pa.array([0, 1])], names=["x1", "x1"]), tmp_path / "dup.parquet")
    assert "duplicate column name(s) 'x1'" in _data_error(tmp_path / "dup.parquet", "GK109")


def test_duplicate_dataframe_columns_after_str() -> None:
    frame = pd.DataFrame({1: [1, 2], "1": [3, 4], "y": [0, 1]})
    assert "duplicate column name(s) '1'" in str(_refused("GK109", data=frame, target="y"))


def test_bom_is_dropped_from_the_first_column_name(tmp_path: Path) -> None:
    frame = _frame()
    (tmp_path / "bom.csv").write_bytes(frame.to_csv(index=False).encode("utf-8-sig"))
    assert (tmp_path / "bom.csv").read_bytes().startswith(b"\xef\xbb\xbfx1,")
    assert list(read_table(tmp_path / "bom.csv").columns) == list(frame.columns)
    result = _audit(data=tmp_path / "bom.csv", target="y", prediction_column="pred", policy="default")
    assert result.inputs.features[0] == "x1"


# ---------------------------------------------------------------------------------------------
# Columns and predictions


def test_missing_target_column() -> None:
    error = _refused("GK201", data=_frame(), target="outcome")
    assert str(error).startswith("current data: target column 'outcome' not found")


def test_missing_sensitive_column_suggests_a_near_name() -> None:
    error = _refused("GK201", data=_frame(), target="y", sensitive=["groups"])
    assert "sensitive column 'groups' not found (did you mean 'group'?); fix --sensitive" in str(error)


def test_missing_prediction_column() -> None:
    assert "prediction column 'p' not found" in str(_refused("GK201", data=_frame(), prediction_column="p"))


def test_file_name_with_a_newline_stays_on_one_line(tmp_path: Path) -> None:
    path = tmp_path / "two\nlines.csv"
    path.write_text("x1,x2,y\n1,2\n3,4,5,6\n")
    with pytest.raises(InputError) as caught:
        read_table(path)
    assert len(str(caught.value).splitlines()) == 1
    assert "two\\nlines.csv" in str(caught.value)


def test_column_name_with_a_newline_stays_on_one_line() -> None:
    frame = _frame().rename(columns={"x2": "two\nlines"})
    error = _refused("GK201", data=frame, target="two\nline")
    assert "'two\\nline'" in str(error)


def test_reference_shares_no_column() -> None:
    reference = _frame().add_prefix("old_")
    error = _refused("GK113", data=_frame(), reference=reference, target="y")
    assert "reference data: shares no column with current data" in str(error)


def test_prediction_column_is_the_target() -> None:
    error = _refused("GK202", data=_frame(), target="y", prediction_column="y")
    assert "--target and --prediction-column both name column 'y'" in str(error)


def test_model_and_prediction_column_together() -> None:
    _refused("GK202", data=_frame(), model=object(), target="y", prediction_column="pred")


def test_predictions_with_empty_values() -> None:
    frame = _frame().astype({"pred": float})
    frame.loc[3, "pred"] = np.nan
    assert "has 1 empty value(s)" in str(_refused("GK203", data=frame, target="y", prediction_column="pred"))


def test_predictions_that_are_not_target_labels() -> None:
    frame = _frame().assign(pred=lambda f: np.where(f["pred"] == 1, "approve", "deny"))
    error = _refused("GK204", data=frame, target="y", prediction_column="pred")
    assert "has value(s) 'approve', 'deny' that never occur in target 'y' (labels: '0', '1')" in str(error)


def test_predictions_written_as_text_of_numeric_labels() -> None:
    frame = _frame().assign(pred=lambda f: f["pred"].astype(str))
    error = _refused("GK204", data=frame, target="y", prediction_column="pred")
    assert "same labels as different types" in str(error)


def test_scores_given_as_predictions() -> None:
    error = _refused("GK204", data=_frame(), target="y", prediction_column="score")
    assert "holds scores between 0 and 1" in str(error)
    assert "--probability-column" in str(error)


def test_three_labels_with_a_binary_probability_column() -> None:
    frame = _frame().assign(pred=lambda f: np.arange(len(f)) % 3)
    error = _refused("GK204", data=frame, target="y", prediction_column="pred", probability_column="score")
    assert "holds 3 distinct labels" in str(error)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1.5, "not probabilities between 0 and 1 (first: '1.5')"), ("high", "(first: 'high')"), (-0.1, "")],
)
def test_probabilities_outside_zero_one(value: Any, expected: str) -> None:
    frame = _frame().astype({"score": object})
    frame.loc[5, "score"] = value
    error = _refused("GK205", data=frame, target="y", prediction_column="pred", probability_column="score")
    assert expected in str(error)


def test_probabilities_with_empty_values() -> None:
    frame = _frame()
    frame.loc[5, "score"] = np.nan
    error = _refused("GK205", data=frame, target="y", prediction_column="pred", probability_column="score")
    assert "has 1 empty value(s)" in str(error)


def test_positive_label_not_among_the_labels() -> None:
    error = _refused("GK206", data=_frame(), target="y", prediction_column="pred", positive_label="yes")
    assert "positive label 'yes' is not one of the labels" in str(error)


def test_text_labels_need_a_positive_label() -> None:
    frame = _frame().assign(
        y=lambda f: np.where(f["y"] == 1, "good", "bad"), pred=lambda f: np.where(f["pred"] == 1, "good", "bad")
    )
    assert "pass --positive-label" in str(_refused("GK207", data=frame, target="y", prediction_column="pred"))
    result = _audit(data=frame, target="y", prediction_column="pred", positive_label="good")
    assert result.inputs.positive_label == "good"


# ---------------------------------------------------------------------------------------------
# Memory guard


def test_memory_guard_refuses_a_file_that_cannot_fit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write_csv(tmp_path / "data.csv")
    monkeypatch.setattr(memory, "available_memory", lambda: 100)
    with pytest.raises(InputError) as caught:
        read_table(path)
    assert caught.value.code == "GK112"
    assert "only 100 bytes is free" in str(caught.value)
    monkeypatch.setenv(inputs.MEMORY_GUARD_ENV, "off")
    assert len(read_table(path)) == ROWS


def test_memory_guard_counts_the_audit_peak(monkeypatch: pytest.MonkeyPatch) -> None:
    frame = _frame()
    size = preflight.frame_bytes(frame)
    assert size >= frame.memory_usage(index=False).sum()
    # enough for the data, not for the copies the engines make of it
    monkeypatch.setattr(frames, "available_memory", lambda: size)
    error = _refused("GK112", data=frame, target="y", prediction_column="pred")
    assert "the audit would need about" in str(error)


# ---------------------------------------------------------------------------------------------
# Model files


class _Touch:
    """Unpickling this creates ``marker``: proof that loading ran code from the file."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path.touch, (self.marker,))


def _model() -> Any:
    from sklearn.linear_model import LogisticRegression

    frame = _frame(200, seed=1)
    return LogisticRegression().fit(frame[["x1", "x2"]], frame["y"])


def test_malicious_pickle_is_never_loaded(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    evil = tmp_path / "model.bin"  # the name says nothing; the first bytes say pickle
    evil.write_bytes(pickle.dumps(_Touch(marker)))
    data = _write_csv(tmp_path / "data.csv")
    assert detect_model_format(evil) == "pickle"

    error = _refused("GK302", model=evil, data=data, target="y")
    assert isinstance(error, ModelTrustError)
    assert "--trust-pickle" in str(error) and "--model-sha256" in str(error)
    assert not marker.exists()

    # trusted without a pin: the flag alone names no file, so nothing is loaded and the line gives the digest
    error = _refused("GK302", model=evil, data=data, target="y", trust_pickle=True)
    assert f"pass --model-sha256 {inputs.sha256_file(evil)} too" in str(error)
    assert not marker.exists()
    line = _one_line_error(
        ["audit", "--model", str(evil), "--data", str(data), "--target", "y", "--trust-pickle"], tmp_path
    )
    assert "--trust-pickle trusts one file by its digest" in line
    assert not marker.exists()

    # trusted, but pinned to another file: still not loaded
    error = _refused("GK303", model=evil, data=data, target="y", trust_pickle=True, model_sha256="0" * 64)
    assert "not the pinned" in str(error)
    assert not marker.exists()

    line = _one_line_error(["audit", "--model", str(evil), "--data", str(data), "--target", "y"], tmp_path)
    assert "--trust-pickle" in line
    assert not marker.exists()

    # the pickle is live: loading it plainly does create the file
    pickle.loads(evil.read_bytes())  # the point of the test
    assert marker.exists()


@pytest.mark.parametrize("compress", [3, ("gzip", 3), ("bz2", 3), ("lzma", 3), ("xz", 3)])
def test_joblib_compressed_files_are_pickles(tmp_path: Path, compress: Any) -> None:
    import joblib

    marker = tmp_path / "pwned"
    path = tmp_path / "model.joblib"
    joblib.dump(_Touch(marker), path, compress=compress)
    assert detect_model_format(path) == "pickle"
    assert "joblib" in str(_refused("GK302", model=path, data=_frame(), target="y"))
    assert not marker.exists()


def test_old_protocol_pickle_is_a_pickle(tmp_path: Path) -> None:
    path = tmp_path / "old.pkl"
    path.write_bytes(pickle.dumps({"a": 1}, protocol=0))
    assert detect_model_format(path) == "pickle"


def test_trusted_pickle_with_matching_pin_is_loaded(tmp_path: Path) -> None:
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps(_model()))
    pin = inputs.sha256_file(path)
    frame = _frame()
    result = _audit(
        model=path, data=frame, target="y", sensitive=["group"], trust_pickle=True, model_sha256=pin.upper()
    )
    assert result.inputs.model_type == "sklearn.linear_model._logistic.LogisticRegression"
    assert result.provenance.files["model"]["sha256"] == pin


@pytest.mark.parametrize("compress", [0, 3])
def test_pinned_model_is_loaded_from_the_bytes_that_were_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, compress: int
) -> None:
    import joblib

    path = tmp_path / "model.joblib"
    joblib.dump({"version": "checked"}, path, compress=compress)
    pin = inputs.sha256_file(path)
    detect = model_files._model_format

    def swap_after_the_check(head: bytes, tail: bytes) -> str:
        joblib.dump({"version": "swapped"}, path, compress=compress)  # replaced once the hash was checked
        return detect(head, tail)

    monkeypatch.setattr(model_files, "_model_format", swap_after_the_check)
    loaded = inputs.load_model(path, trust_pickle=True, expected_sha256=pin)
    assert loaded == {"version": "checked"}


def test_pinned_skops_model(tmp_path: Path) -> None:
    import skops.io as sio

    path = tmp_path / "model.skops"
    sio.dump(_model(), path)
    pin = inputs.sha256_file(path)
    result = _audit(model=path, data=_frame(), target="y", model_sha256=f"sha256:{pin}")
    assert result.provenance.files["model"]["sha256"] == pin
    _refused("GK303", model=path, data=_frame(), target="y", model_sha256="f" * 64)


def test_malformed_sha256_pin(tmp_path: Path) -> None:
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps({"a": 1}))
    error = _refused("GK309", model=path, data=_frame(), target="y", trust_pickle=True, model_sha256="abc")
    assert "is not a sha256 digest (64 hex digits)" in str(error)


def test_pin_without_a_model_file() -> None:
    _refused("GK309", model=_model(), data=_frame(), target="y", model_sha256="0" * 64)


def test_unknown_model_format(tmp_path: Path) -> None:
    (tmp_path / "model.skops").write_text("this is not a model")
    _refused("GK301", model=tmp_path / "model.skops", data=_frame(), target="y")


def test_skops_types_are_trusted_only_when_configured(tmp_path: Path) -> None:
    import skops.io as sio
    from sklearn.tree import DecisionTreeClassifier

    frame = _frame(200, seed=1)
    tree = DecisionTreeClassifier(max_depth=2, random_state=0).fit(frame[["x1", "x2"]], frame["y"])
    path = tmp_path / "tree.skops"
    sio.dump(tree, path)
    assert detect_model_format(path) == "skops"
    error = _refused("GK304", model=path, data=_frame(), target="y")
    assert isinstance(error, ModelTrustError)
    assert "--trust-type sklearn.tree._tree.Tree" in str(error)
    result = _audit(model=path, data=_frame(), target="y", trusted_types=["sklearn.tree._tree.Tree"])
    assert result.check("performance.accuracy").measurement.value is not None


def test_model_that_cannot_predict_on_the_data() -> None:
    frame = _frame().assign(x1="text")
    assert "the model could not predict on this data" in str(_refused("GK307", model=_model(), data=frame, target="y"))


def test_model_needs_columns_the_data_lacks() -> None:
    frame = _frame().drop(columns=["x2"])
    assert "the model needs column(s) 'x2'" in str(_refused("GK306", model=_model(), data=frame, target="y"))


def test_object_without_predict() -> None:
    _refused("GK308", model={"weights": [1, 2]}, data=_frame(), target="y")


# ---------------------------------------------------------------------------------------------
# Outputs


def test_existing_output_folder_is_not_wiped(tmp_path: Path) -> None:
    data = _write_csv(tmp_path / "current.csv")
    reference = _write_csv(tmp_path / "reference.csv", _frame(seed=3))
    out = tmp_path / "report"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    code, _, stderr = _cli(
        [
            "audit",
            "--data",
            str(data),
            "--reference",
            str(reference),
            "--target",
            "y",
            "--sensitive",
            "group",
            "--prediction-column",
            "pred",
            "--probability-column",
            "score",
            "--out",
            str(out),
            "--format",
            "json",
            "--format",
            "markdown",
        ],
        tmp_path,
    )
    assert code in (0, 1), stderr
    assert "Traceback" not in stderr
    assert (out / "notes.txt").read_text() == "keep me"
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt", "results.json", "summary.md"]  # no temp files


def test_output_over_an_input_is_refused_and_the_input_untouched(tmp_path: Path) -> None:
    # the data file is named like an output; its first bytes make it a CSV all the same
    data = _write_csv(tmp_path / "summary.md")
    before = data.read_bytes()
    line = _one_line_error(
        [
            "audit",
            "--data",
            str(data),
            "--target",
            "y",
            "--prediction-column",
            "pred",
            "--out",
            str(tmp_path),
            "--format",
            "markdown",
        ],
        tmp_path,
    )
    assert "this output would overwrite an input file" in line
    assert data.read_bytes() == before


# ---------------------------------------------------------------------------------------------
# Problems confined to a column: the audit finishes, only the affected checks are downgraded

DOWNGRADED = {Status.ERROR, Status.SKIP, Status.INCONCLUSIVE, Status.FAIL}


def _assert_every_check_explained(result: Any) -> None:
    for check in result.checks:
        assert check.message.strip(), check.id
    result.to_json()  # finite numbers only


def _scored(frame: pd.DataFrame, model: Any) -> pd.DataFrame:
    inputs = frame[["x1", "x2"]]
    return frame.assign(pred=model.predict(inputs), score=model.predict_proba(inputs)[:, 1])


def _columns_audit(current: pd.DataFrame, reference: pd.DataFrame, mode: str, model: Any, **extra: Any) -> Any:
    arguments: dict[str, Any] = {"data": current, "reference": reference, "target": "y", "policy": "default"}
    arguments.setdefault("sensitive", ["group"])
    arguments.update(extra)
    if mode == "model":
        arguments["model"] = model
        arguments["data"] = current.drop(columns=["pred", "score"])
        arguments["reference"] = reference.drop(columns=["pred", "score"])
    else:
        arguments["prediction_column"] = "pred"
        arguments["probability_column"] = "score"
    result = _audit(**arguments)
    _assert_every_check_explained(result)
    return result


def _failed_expectations(result: Any) -> list[dict[str, Any]]:
    """The failed expectation records the quality checks report, wherever in their details."""
    found = []
    for check in result.checks:
        if check.family == "quality":
            for value in check.measurement.details.values():
                if isinstance(value, list):
                    found += [r for r in value if isinstance(r, dict) and r.get("success") is False]
    return found


@pytest.fixture(scope="module")
def fitted() -> Any:
    return _model()


@pytest.mark.parametrize("mode", ["model", "predictions"])
def test_all_null_column(mode: str, fitted: Any) -> None:
    current, reference = _scored(_frame(), fitted), _scored(_frame(seed=2), fitted)
    current["empty"] = np.nan
    reference["empty"] = np.linspace(0, 1, len(reference))
    result = _columns_audit(current, reference, mode, fitted)
    completeness = result.check("quality.completeness")
    assert completeness.status == Status.FAIL
    assert completeness.measurement.details["least_complete"] == "empty"
    assert "'empty' is empty in the current data" in result.check("quality.failed_expectations").measurement.summary
    if mode == "predictions":  # a feature: drift says it could not compare it
        drift = result.check("drift.drifted_columns_share")
        assert "empty: all values missing in current" in drift.measurement.summary
    assert result.check("performance.accuracy").measurement.value is not None  # the rest ran


@pytest.mark.parametrize("mode", ["model", "predictions"])
def test_mixed_types_column(mode: str, fitted: Any) -> None:
    current, reference = _scored(_frame(), fitted), _scored(_frame(seed=2), fitted)
    current["mixed"] = [1, "two", 3.5, None] * (len(current) // 4)
    reference["mixed"] = np.arange(len(reference), dtype=float)
    result = _columns_audit(current, reference, mode, fitted)
    assert result.check("quality.expectation_success_share").status in DOWNGRADED | {Status.WARN}
    assert any(r["column"] == "mixed" for r in _failed_expectations(result))
    if mode == "predictions":
        problems = result.check("drift.drifted_columns_share").measurement.details["schema_differences"]
        assert {"column": "mixed", "problem": "type changed from numeric to mixed"} in problems
    assert result.check("performance.accuracy").measurement.value is not None


def test_text_in_a_numeric_feature(fitted: Any) -> None:
    current, reference = _scored(_frame(), fitted), _scored(_frame(seed=2), fitted)
    current["x2"] = current["x2"].astype(object)
    current.loc[::5, "x2"] = "n/a"
    result = _columns_audit(current, reference, "predictions", fitted)
    failed = _failed_expectations(result)
    assert any(r["column"] == "x2" and r["expectation_type"].endswith("in_type_list") for r in failed)
    assert result.check("quality.expectation_success_share").status in DOWNGRADED | {Status.WARN}
    problems = result.check("drift.drifted_columns_share").measurement.details["schema_differences"]
    assert {"column": "x2", "problem": "type changed from numeric to mixed"} in problems


def test_text_in_a_column_the_model_does_not_use(fitted: Any) -> None:
    current, reference = _scored(_frame(), fitted), _scored(_frame(seed=2), fitted)
    current["note"] = ["ok", 3, None, "n/a"] * (len(current) // 4)
    reference["note"] = 1.0
    result = _columns_audit(current, reference, "model", fitted)
    assert result.check("explain.additivity").status == Status.PASS  # the model ran on its own columns
    assert result.check("quality.expectation_success_share").status in DOWNGRADED | {Status.WARN}


@pytest.mark.parametrize("mode", ["model", "predictions"])
def test_target_with_one_class(mode: str, fitted: Any) -> None:
    current, reference = _scored(_frame(), fitted), _scored(_frame(seed=2), fitted)
    current["y"] = 0
    result = _columns_audit(current, reference, mode, fitted)
    auc = result.check("performance.roc_auc")
    assert auc.status == Status.INCONCLUSIVE
    assert "only one class" in auc.message
    odds = result.check("fairness.equalized_odds_difference")
    assert odds.status in DOWNGRADED
    assert odds.message.strip()


def test_one_class_everywhere_still_audits() -> None:
    frame = _frame().assign(y=0, pred=0)
    result = _audit(data=frame, reference=_frame(), target="y", sensitive=["group"], prediction_column="pred")
    _assert_every_check_explained(result)
    assert result.inputs.positive_label == "1"  # the favourable label of a 0/1 column, though absent
    assert result.check("fairness.equalized_odds_difference").status in DOWNGRADED


def test_target_all_missing() -> None:
    frame = _frame().assign(y=np.nan)
    result = _audit(data=frame, reference=_frame(), target="y", sensitive=["group"], prediction_column="pred")
    _assert_every_check_explained(result)
    accuracy = result.check("performance.accuracy")
    assert accuracy.status == Status.INCONCLUSIVE
    assert accuracy.message == "no row has a known target value"


def test_sensitive_column_with_thousands_of_values(fitted: Any) -> None:
    rows = 3000
    current = _scored(_frame(rows), fitted).assign(person=[f"id-{i}" for i in range(rows)])
    reference = _scored(_frame(seed=2), fitted).assign(person="id-0")
    result = _columns_audit(current, reference, "predictions", fitted, sensitive=["person"])
    for check in result.checks:
        if check.family == "fairness":
            assert check.status == Status.INCONCLUSIVE, (check.id, check.message)
            assert "fewer than two groups are large enough" in check.message
    assert result.check("performance.accuracy").measurement.value is not None


def test_repeated_index_is_not_misaligned(fitted: Any) -> None:
    current = pd.concat([_scored(_frame(20), fitted), _scored(_frame(20, seed=5), fitted)])
    assert current.index.has_duplicates
    result = _columns_audit(current, _scored(_frame(seed=2), fitted), "predictions", fitted)
    assert result.inputs.current_rows == 40
    assert result.check("drift.drifted_columns_share").status != Status.ERROR


def test_column_problems_through_the_cli_exit_without_traceback(tmp_path: Path) -> None:
    frame = _frame()
    frame["empty"] = np.nan
    frame["mixed"] = ["1", "a", "", "2.5"] * (len(frame) // 4)
    data = _write_csv(tmp_path / "current.csv", frame)
    reference = _write_csv(tmp_path / "reference.csv", _frame(seed=2).assign(empty=1.0, mixed=2.0))
    code, stdout, stderr = _cli(
        [
            "audit",
            "--data",
            str(data),
            "--reference",
            str(reference),
            "--target",
            "y",
            "--sensitive",
            "group",
            "--prediction-column",
            "pred",
            "--out",
            str(tmp_path / "out"),
            "--format",
            "json",
        ],
        tmp_path,
    )
    assert code in (0, 1), stderr
    assert all(line.startswith("govkit: ") and not line.startswith("govkit: error") for line in stderr.splitlines())
    assert stdout.startswith("Verdict:")


def test_quoted_commas_are_not_ragged(tmp_path: Path) -> None:
    path = tmp_path / "quoted.csv"
    path.write_text('x1,note,y\n1,"a,b",0\n2,"say ""hi""",1\n')
    assert read_table(path)["note"].tolist() == ["a,b", 'say "hi"']
