"""Issue 15: the exit code is the truth, whatever happens to the output.

A reader closing the pipe (``govkit audit | head -1`` under ``set -o pipefail``) must not turn a blocked
audit or a failed verification into exit 0: every command keeps its own code with stdout or stderr closed.
And no vacuous verdict: ``govkit init && govkit audit`` with no model measures almost nothing and must not
exit 0.
"""

from __future__ import annotations

import json
import os
import random
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

GOVKIT = [sys.executable, "-m", "govkit.cli"]
ENV = {**os.environ, "PYTHONWARNINGS": "ignore"}


def run(args: list[str], cwd: Path, closed: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run govkit; ``closed`` ("stdout" or "stderr") is a pipe whose reader is gone before the first byte."""
    pipe: tuple[int, int] | None = os.pipe() if closed else None
    if pipe is not None:
        os.close(pipe[0])  # the reader went away: every write to the pipe gets EPIPE
    streams = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    if closed is not None and pipe is not None:
        streams[closed] = pipe[1]
    try:
        return subprocess.run(
            [*GOVKIT, *args],
            cwd=cwd,
            env=ENV,
            text=True,
            timeout=600,
            **streams,  # type: ignore[call-overload]
        )
    finally:
        if pipe is not None:
            os.close(pipe[1])


def write_data(folder: Path) -> Path:
    """300 rows whose predictions are coin flips: accuracy about 0.5, so the default policy blocks."""
    rng = random.Random(0)
    lines = ["age,income,sex,approved,pred"]
    for _ in range(300):
        sex = rng.choice(["F", "M"])
        lines.append(f"{rng.randint(18, 80)},{rng.randint(1000, 9000)},{sex},{rng.randint(0, 1)},{rng.randint(0, 1)}")
    path = folder / "data.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


BLOCKED_AUDIT = ["audit", "--data", "data.csv", "--target", "approved", "--prediction-column", "pred"]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("pipes")
    write_data(folder)
    (folder / "keys").mkdir()
    return folder


@pytest.mark.slow
def test_a_blocked_audit_exits_1_with_stdout_closed(project: Path) -> None:
    completed = run([*BLOCKED_AUDIT, "--out", "closed"], project, closed="stdout")
    assert completed.returncode == 1, completed.stderr
    # nothing about the pipe (it is not an error): stderr holds only the progress lines of a log
    assert all(
        line.startswith("govkit: ") and not line.startswith("govkit: error") for line in completed.stderr.splitlines()
    ), completed.stderr
    assert "pipe" not in completed.stderr.lower()
    results = json.loads((project / "closed" / "results.json").read_text())
    assert results["verdict"] == "fail"  # the audit ran to its end and wrote its outputs


@pytest.mark.slow
def test_a_blocked_audit_exits_1_under_pipefail_with_head(project: Path) -> None:
    command = " ".join(shlex.quote(part) for part in [*GOVKIT, *BLOCKED_AUDIT, "--out", "piped"])
    completed = subprocess.run(
        ["bash", "-c", f"set -o pipefail; {command} | head -1"],
        cwd=project,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 1, completed.stderr
    assert completed.stdout.startswith("Verdict: Fail.")


# (arguments, expected exit code); each runs with stdout closed, then with stderr closed.
COMMANDS = [
    (["checks"], 0),
    (["policies"], 0),
    (["validate", "policy.yaml"], 0),
    (["validate", "missing.yaml"], 2),
    (["init", "--data", "data.csv", "--out", "starter.yaml"], 0),
    (["audit", "--data", "missing.csv"], 2),
    (["render", "missing.json"], 2),
    (["keygen", "keys/me"], 0),
    (["signoff", "missing.json", "--key", "keys/me", "--name", "Me", "--role", "Reviewer", "--decision", "approve"], 2),
    (["verify", "missing.json", "--trusted-keys", "keys"], 2),
]


@pytest.mark.parametrize("closed", ["stdout", "stderr"])
@pytest.mark.parametrize(("args", "expected"), COMMANDS, ids=[" ".join(a[:2]) for a, _ in COMMANDS])
def test_every_command_keeps_its_exit_code_with_a_closed_pipe(
    tmp_path: Path, args: list[str], expected: int, closed: str
) -> None:
    write_data(tmp_path)
    (tmp_path / "keys").mkdir()
    (tmp_path / "policy.yaml").write_text("version: 1\nname: p\nchecks:\n  - id: performance.accuracy\n")
    completed = run(args, tmp_path, closed=closed)
    assert completed.returncode == expected, (completed.stdout, completed.stderr)


@pytest.mark.slow
def test_render_and_verify_keep_their_codes_with_a_closed_pipe(project: Path) -> None:
    audited = run([*BLOCKED_AUDIT, "--out", "out", "--format", "json"], project)
    assert audited.returncode == 1, audited.stderr
    assert run(["render", "out/results.json"], project, closed="stdout").returncode == 0
    # nothing signed, no trusted keys: verify must not pass, and a closed pipe must not make it pass
    open_code = run(["verify", "out/results.json", "--trusted-keys", "keys"], project).returncode
    assert open_code != 0
    for closed in ("stdout", "stderr"):
        assert run(["verify", "out/results.json", "--trusted-keys", "keys"], project, closed=closed).returncode == (
            open_code
        )


@pytest.mark.slow
def test_init_then_audit_without_a_model_is_not_a_pass(tmp_path: Path) -> None:
    write_data(tmp_path)
    assert run(["init", "--data", "data.csv"], tmp_path).returncode == 0
    # init proposes the `pred` column as predictions; without it there is neither model nor predictions
    config = tmp_path / "govkit.yaml"
    lines = config.read_text().splitlines(keepends=True)
    config.write_text("".join(line for line in lines if not line.startswith("prediction_column:")))
    completed = run(["audit"], tmp_path)
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert completed.stdout.startswith("Verdict: Incomplete.")
    assert "  not evaluated: drift measured nothing; give its checks their inputs or opt out\n" in completed.stdout
    results = json.loads((tmp_path / "govkit-report" / "results.json").read_text())
    assert results["verdict"] == "incomplete"
    # the operator may leave families out, explicitly; the results say so
    skipped = ["--skip-family", "drift,performance,fairness,explain", "--out", "skipped"]
    completed = run(["audit", *skipped], tmp_path)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    results = json.loads((tmp_path / "skipped" / "results.json").read_text())
    assert results["policy"]["not_evaluated"] == ["drift", "performance", "fairness", "explain"]
