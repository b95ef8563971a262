"""Time limits: --timeout for the whole audit and a budget per family, each ending in a clear line.

A family in the worker process is killed when its limit passes (what it finished is kept); a family
in the audit's process is cut at check boundaries; preflight at its phase boundaries; and the CLI
interrupts a call that runs far past the timeout. Every wait here is bounded by the test too.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner

import govkit
from govkit import parallel, placement
from govkit.cli import main
from govkit.context import AuditContext
from govkit.errors import GovkitError
from govkit.limits import AuditTimeout, Limits
from govkit.policy import CheckSpec, ResolvedCheck
from govkit.progress import ProgressEvent
from govkit.registry import NoParams
from govkit.results import CheckResult, Measurement, Status, Verdict
from govkit.runner import cut_check, limited


def _frame(rows: int = 300, seed: int = 0) -> pd.DataFrame:
    """Distinct rows, two groups, and predictions that are right: only the limits can spoil the verdict."""
    import numpy as np

    rng = np.random.default_rng(seed)
    target = rng.integers(0, 2, rows)
    return pd.DataFrame(
        {
            "x": rng.normal(size=rows),
            "g": rng.choice(["a", "b"], rows),
            "y": target,
            "p": target,
            "q": 0.1 + 0.8 * target,
        }
    )


def _arguments() -> dict[str, Any]:
    from govkit.policy import load_policy

    policy = load_policy("default")
    policy.not_evaluated = [*policy.not_evaluated, "explain"]  # no model: explanations are not asked for
    return {
        "policy": policy,
        "data": _frame(),
        "reference": _frame(seed=1),
        "target": "y",
        "sensitive": ["g"],
        "prediction_column": "p",
        "probability_column": "q",
    }


def _write_data(tmp_path: Path) -> Path:
    data = tmp_path / "data.csv"
    _frame().to_csv(data, index=False)
    return data


# --- the library -------------------------------------------------------------------------------------


def test_a_spent_family_budget_cuts_its_other_checks_with_a_plain_reason() -> None:
    """budgets={"quality": tiny}: the first quality check runs, the others are errors saying why."""
    result = govkit.audit(**_arguments(), budgets={"quality": 1e-9}, parallel=False)
    quality = [c for c in result.checks if c.family == "quality"]
    assert quality[0].status != Status.ERROR  # the check that started ran to its end
    cut = quality[1:]
    assert cut and all(c.status == Status.ERROR for c in cut)
    for check in cut:
        assert check.message.startswith("not run: the data-quality checks did not finish within 1e-09 s")
        assert "--budget quality=" in check.message and "\n" not in check.message
    # other families are untouched
    assert all(c.status != Status.ERROR for c in result.checks if c.family in ("fairness", "performance"))
    assert result.verdict == Verdict.INCOMPLETE  # a blocking check that did not run: never a pass


def test_past_the_timeout_the_result_of_what_finished_comes_with_the_error() -> None:
    """The timeout passes while the quality family's end is reported: later checks are cut, the result
    holds the finished ones, and the error is one line with GK501."""
    timeout = 8.0

    def slow_observer(event: ProgressEvent) -> None:
        if event.phase == "checks" and event.done and event.family == "quality":
            time.sleep(max(0.0, timeout - event.elapsed) + 0.05)

    with pytest.raises(AuditTimeout) as stopped:
        govkit.audit(**_arguments(), timeout=timeout, progress=slow_observer, parallel=False)
    error = stopped.value
    assert error.code == "GK501" and len(str(error).splitlines()) == 1
    assert "did not finish within its 8 s timeout" in str(error)
    result = error.result
    assert result is not None
    finished = [c for c in result.checks if c.family == "quality"]
    assert finished and all(not c.message.startswith("not run:") for c in finished)
    rest = [c for c in result.checks if c.family != "quality"]
    assert rest and all(c.status == Status.ERROR and "8 s timeout" in c.message for c in rest)
    assert f"{len(finished)} of {len(result.checks)} checks finished" in str(error)
    assert json.loads(result.to_json())["verdict"] == "incomplete"


def test_a_timeout_before_any_check_is_one_line_without_a_result() -> None:
    with pytest.raises(AuditTimeout) as stopped:
        govkit.audit(**_arguments(), timeout=1e-6, parallel=False)
    assert stopped.value.result is None
    assert "it stopped after reading the data, before any check ran" in str(stopped.value)


@pytest.mark.parametrize(
    ("timeout", "budgets"),
    [(0, None), (-1, None), (float("nan"), None), ("soon", None), (None, {"explian": 5}), (None, {"explain": 0})],
)
def test_limits_that_are_not_seconds_are_refused_before_anything_runs(timeout: Any, budgets: Any) -> None:
    with pytest.raises(GovkitError) as refused:
        govkit.audit(**_arguments(), timeout=timeout, budgets=budgets)
    assert refused.value.code == "GK502" and len(str(refused.value).splitlines()) == 1


def test_a_check_refused_by_a_limit_records_the_policy_like_any_other() -> None:
    check = ResolvedCheck(spec=CheckSpec(id="quality.completeness"), params=NoParams(), source="test")
    limits = Limits(timeout=5.0, started=time.monotonic() - 10)
    ctx = AuditContext(
        current=_frame(), reference=None, target=None, sensitive=[], features=[], task="unknown", positive_label=None
    )
    result = limited(limits)(check, ctx)
    assert result.status == Status.ERROR and limits.timed_out
    assert result.model_dump(exclude={"message"}) == cut_check(check, "x").model_dump(exclude={"message"})


# --- the worker process: killed at its limit, keeping what it finished --------------------------------


def _checks(*ids: str) -> list[ResolvedCheck]:
    return [ResolvedCheck(spec=CheckSpec(id=i), params=NoParams(), source="test") for i in ids]


def _result(check: ResolvedCheck) -> CheckResult:
    return CheckResult(
        id=check.spec.id, family=check.spec.id.split(".")[0], title="t", status=Status.PASS, message="ran",
        measurement=Measurement(value=1.0), duration_seconds=0.0,
    )  # fmt: skip


@pytest.mark.skipif(not parallel.available(), reason="fork-based workers run on Linux only")
@pytest.mark.parametrize("limit", ["budget", "timeout"])
def test_the_worker_family_is_killed_at_its_limit_and_keeps_what_finished(limit: str) -> None:
    parent = os.getpid()

    quick, slow, after = "drift.schema_differences", "drift.drifted_columns_share", "drift.prediction_drift"

    def run_check(check: ResolvedCheck, context: AuditContext) -> CheckResult:
        if os.getpid() != parent and check.spec.id == slow:
            time.sleep(120)  # never answers in time
        return _result(check)

    # the budget counts from the family's first check; the timeout from the start, and the worker first
    # imports its engine (seconds on a busy machine), so under the timeout the quick check may not be done
    limits = Limits.make(timeout=3) if limit == "timeout" else Limits.make(budgets={"drift": 1.0})
    run = limited(limits, run_check)
    checks = _checks("quality.completeness", quick, slow, after)
    ctx = AuditContext(
        current=_frame(), reference=None, target=None, sensitive=[], features=[], task="unknown", positive_label=None
    )
    worker = parallel.Worker.start([c for c in checks if placement.in_worker(c)], ctx, run)
    assert worker is not None
    started = time.monotonic()
    results = {r.id: r for r in parallel.merge(checks, ctx, run, worker, limits)}
    assert time.monotonic() - started < 30  # killed, not waited for
    if limit == "budget":
        assert results[quick].status == Status.PASS, results[quick].message  # finished in the worker: kept
    else:
        assert results[quick].status == Status.PASS or "3 s timeout" in results[quick].message
    assert results["quality.completeness"].status == Status.PASS
    for cut in (slow, after):
        assert results[cut].status == Status.ERROR
        expected = "the drift checks did not finish within 1 s" if limit == "budget" else "3 s timeout"
        assert expected in results[cut].message
    import multiprocessing

    assert multiprocessing.active_children() == []


# --- the command line ----------------------------------------------------------------------------------


def test_cli_timeout_before_any_check_is_one_line_exit_2(tmp_path: Path) -> None:
    data = _write_data(tmp_path)
    out = tmp_path / "out"
    outcome = CliRunner().invoke(
        main,
        ["audit", "--data", str(data), "--target", "y", "--prediction-column", "p", "--timeout", "0.000001",
         "--out", str(out), "--quiet"],
    )  # fmt: skip
    assert outcome.exit_code == 2, outcome.output
    lines = outcome.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("govkit: error: the audit did not finish within")


def test_cli_timeout_without_sigalrm_keeps_the_soft_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where the platform has no SIGALRM (Windows) --timeout still ends in the one line, never exit 3."""
    import signal

    monkeypatch.delattr(signal, "SIGALRM")
    test_cli_timeout_before_any_check_is_one_line_exit_2(tmp_path)


def test_the_hard_stop_is_armed_only_in_the_main_thread() -> None:
    import threading

    from govkit.cli.common import _alarm

    failures: list[BaseException] = []

    def run() -> None:
        try:
            with _alarm(0.01):
                time.sleep(0.1)
        except BaseException as error:  # whatever escapes is the failure
            failures.append(error)

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(timeout=10)
    assert not worker.is_alive() and failures == []


def test_cli_budget_writes_results_with_the_cut_checks(tmp_path: Path) -> None:
    data = _write_data(tmp_path)
    out = tmp_path / "out"
    outcome = CliRunner().invoke(
        main,
        ["audit", "--data", str(data), "--reference", str(data), "--target", "y", "--prediction-column", "p",
         "--budget", "quality=0.000000001", "--out", str(out)],
    )  # fmt: skip
    assert outcome.exit_code == 1, outcome.output  # incomplete: a blocking check did not run
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    cut = [c for c in results["checks"] if c["message"].startswith("not run: the data-quality checks")]
    assert cut and all(c["status"] == "error" for c in cut)


def test_cli_budget_of_an_unknown_family_is_gk502(tmp_path: Path) -> None:
    data = _write_data(tmp_path)
    outcome = CliRunner().invoke(main, ["audit", "--data", str(data), "--budget", "explian=5", "--out", str(tmp_path)])
    assert outcome.exit_code == 2
    assert "unknown family 'explian'" in outcome.output and len(outcome.output.strip().splitlines()) == 1


def test_timeout_and_budgets_from_govkit_yaml(tmp_path: Path) -> None:
    data = _write_data(tmp_path)
    (tmp_path / "govkit.yaml").write_text(
        f"data: {data.name}\nreference: {data.name}\ntarget: y\nprediction_column: p\nout: out\n"
        "timeout: 600\nbudgets: {quality: 0.000000001}\n"
    )
    outcome = CliRunner().invoke(main, ["audit", "--config", str(tmp_path / "govkit.yaml"), "--quiet"])
    assert outcome.exit_code == 1, outcome.output
    assert outcome.output == ""  # --quiet: no progress, no summary
    results = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert any(c["message"].startswith("not run: the data-quality checks") for c in results["checks"])


SLOW_MODEL = """
import time

class SlowModel:
    classes_ = [0, 1]

    def predict(self, frame):
        time.sleep(120)  # one call far longer than the timeout
        return [0] * len(frame)
"""


def test_a_call_running_far_past_the_timeout_is_interrupted(tmp_path: Path) -> None:
    """Inside one long model call nothing reaches a check boundary: the CLI stops it after the grace."""
    import pickle

    (tmp_path / "slowmodel.py").write_text(SLOW_MODEL)
    sys.path.insert(0, str(tmp_path))
    try:
        from slowmodel import SlowModel  # type: ignore[import-not-found]

        (tmp_path / "model.pkl").write_bytes(pickle.dumps(SlowModel()))
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("slowmodel", None)
    data = tmp_path / "data.csv"
    _frame()[["x", "y"]].to_csv(data, index=False)
    environment = {**os.environ, "PYTHONPATH": str(tmp_path), "GOVKIT_HARD_STOP_GRACE": "1"}
    started = time.monotonic()
    completed = subprocess.run(
        [sys.executable, "-m", "govkit.cli", "audit", "--data", str(data), "--target", "y", "--model",
         str(tmp_path / "model.pkl"), "--trust-pickle", "--model-sha256",
         hashlib.sha256((tmp_path / "model.pkl").read_bytes()).hexdigest(), "--timeout", "6",
         "--out", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=90, env=environment, cwd=tmp_path,
    )  # fmt: skip
    assert time.monotonic() - started < 60
    assert completed.returncode == 2, completed.stderr
    lines = [line for line in completed.stderr.splitlines() if line.startswith("govkit: error")]
    assert len(lines) == 1 and "was still inside one long call 1 s later" in lines[0]
    assert "Traceback" not in completed.stderr


def test_cli_past_the_timeout_writes_what_finished_then_one_line(tmp_path: Path) -> None:
    """The timeout passes after the performance family (an application's slow log handler holds the
    audit): results.json and the report hold performance's checks and fairness's as errors; one line,
    exit 2, GK501. Cheap checks only, so the timeout is short and never reached before."""
    import logging

    timeout = 6.0

    class SlowHandler(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.getMessage().startswith("performance: "):
                elapsed = float(record.getMessage().rsplit("[", 1)[1].split(" ")[0])
                time.sleep(max(0.0, timeout - elapsed) + 0.2)

    data = _write_data(tmp_path)
    policy = tmp_path / "cheap.yaml"
    policy.write_text(
        "version: 1\nname: cheap\nchecks:\n  - id: performance.accuracy\n  - id: performance.f1\n"
        "  - id: fairness.demographic_parity_difference\n  - id: fairness.demographic_parity_ratio\n"
    )
    logger = logging.getLogger("govkit.progress")
    handler, level = SlowHandler(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        outcome = CliRunner().invoke(
            main,
            ["audit", "--data", str(data), "--target", "y", "--prediction-column", "p", "--sensitive", "g",
             "--policy", str(policy), "--timeout", str(timeout), "--out", str(tmp_path / "out"),
             "--format", "json", "--format", "html"],
        )  # fmt: skip
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    assert outcome.exit_code == 2, outcome.output
    errors = [line for line in outcome.stderr.splitlines() if line.startswith("govkit: error: ")]
    assert len(errors) == 1 and "did not finish within its 6 s timeout: 2 of 4 checks finished" in errors[0]
    assert f"what finished is in {tmp_path / 'out'}" in errors[0]
    results = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    statuses = {c["id"]: (c["status"], c["message"]) for c in results["checks"]}
    assert statuses["performance.accuracy"][0] == "pass" and statuses["performance.f1"][0] == "pass"
    for cut in ("fairness.demographic_parity_difference", "fairness.demographic_parity_ratio"):
        assert statuses[cut][0] == "error" and "6 s timeout" in statuses[cut][1]
    assert results["verdict"] == "incomplete"
    assert (tmp_path / "out" / "report.html").is_file()
