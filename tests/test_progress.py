"""Progress: one plain line per phase in a CI log, a live line on a terminal, nothing with --quiet, and
nothing from the library unless a callback or a logger asks for it."""

from __future__ import annotations

import io
import logging
import re
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import govkit
from govkit.cli import main
from govkit.progress import ProgressEvent, StreamProgress
from govkit.report.text import terminal_safe

PHASE_LINE = re.compile(r"^govkit: .+ in \d+\.\d\d s.* \[\d+\.\d s\]$")


def _frame(rows: int, seed: int) -> pd.DataFrame:
    import numpy as np

    rng = np.random.default_rng(seed)
    target = rng.integers(0, 2, rows)
    return pd.DataFrame({"x": rng.normal(size=rows), "g": rng.choice(["a", "b"], rows), "y": target, "p": target})


@pytest.fixture
def project(tmp_path: Path) -> Path:
    _frame(200, 0).to_csv(tmp_path / "current.csv", index=False)
    _frame(200, 1).to_csv(tmp_path / "reference.csv", index=False)
    return tmp_path


def _audit(project: Path, *extra: str) -> object:
    return CliRunner().invoke(
        main,
        ["audit", "--data", str(project / "current.csv"), "--reference", str(project / "reference.csv"),
         "--target", "y", "--prediction-column", "p", "--sensitive", "g", "--out", str(project / "out"), *extra],
    )  # fmt: skip


def test_a_non_terminal_run_prints_one_line_per_phase_with_timings(project: Path) -> None:
    outcome = _audit(project)
    assert outcome.exit_code in (0, 1), outcome.output
    lines = outcome.stderr.splitlines()
    assert lines and all(PHASE_LINE.match(line) for line in lines), lines
    assert "\r" not in outcome.stderr and "\x1b" not in outcome.stderr  # no live display in a log
    phases = [line.split(":")[1].strip().split(" in ")[0] for line in lines]
    assert phases[0] == "read the data" and phases[-1] == "wrote the outputs"
    assert "planned the audit (model, columns, task)" in phases
    # one line per family, wherever it ran (drift may run in the worker process)
    for family in ("quality", "drift", "performance", "fairness"):
        assert sum(1 for line in lines if line.startswith(f"govkit: {family}: ")) == 1, family
    assert "(200 rows)" in lines[0]
    assert outcome.stdout.startswith("Verdict: ")  # the summary is unchanged, on stdout


def test_quiet_prints_only_errors(project: Path) -> None:
    outcome = _audit(project, "--quiet")
    assert outcome.exit_code in (0, 1)
    assert outcome.output == ""
    assert (project / "out" / "results.json").is_file()
    refused = _audit(project, "--quiet", "--target", "missing")
    assert refused.exit_code == 2
    assert refused.stdout == "" and refused.stderr.startswith("govkit: error: ")
    assert len(refused.stderr.splitlines()) == 1


def test_the_library_shows_nothing_unless_asked(
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    arguments = {"data": _frame(100, 0), "target": "y", "prediction_column": "p", "policy": "default"}
    with caplog.at_level(logging.WARNING, logger="govkit.progress"):
        govkit.audit(**arguments, parallel=False)
    assert capsys.readouterr() == ("", "") and not caplog.records
    events: list[ProgressEvent] = []
    with caplog.at_level(logging.INFO, logger="govkit.progress"):
        govkit.audit(**arguments, parallel=False, progress=events.append)
    assert capsys.readouterr() == ("", "")  # a callback, not printing
    assert [e.phase for e in events[:2]] == ["read", "read"] and not events[0].done and events[1].done
    finished = [e for e in events if e.done]
    assert all(e.seconds is not None and e.seconds >= 0 and e.elapsed >= e.seconds for e in finished)
    assert {e.family for e in finished if e.phase == "checks"} >= {"quality", "performance", "drift"}
    assert all(e.rows == 100 for e in events[1:])
    # the same events, as lines, for an application that configures logging
    assert [r.getMessage() for r in caplog.records] == [e.line() for e in events]


def test_a_terminal_gets_one_live_line() -> None:
    stream = io.StringIO()
    display = StreamProgress(stream, terminal_safe, live=True)
    display(ProgressEvent("read", False, 0.0))
    display(ProgressEvent("read", True, 0.5, 0.5, rows=10))
    display(ProgressEvent("checks", False, 0.6, family="quality", rows=10))
    display.close()
    text = stream.getvalue()
    assert "\n" not in text  # one line, rewritten in place
    assert text.count("\r\x1b[2K") == 4
    assert "quality checks… (0.6 s) · 10 rows" in text


def test_hostile_text_in_an_event_is_shown_escaped() -> None:
    stream = io.StringIO()
    StreamProgress(stream, terminal_safe, live=False)(
        ProgressEvent("checks", True, 1.0, 1.0, family="x\x1b]0;owned\x07", checks=1)
    )
    assert "\x1b" not in stream.getvalue() and "\x07" not in stream.getvalue()
