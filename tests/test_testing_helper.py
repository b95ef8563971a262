"""``govkit.testing.assert_audit_passes``: a team's own test fails with the blocking findings as its message."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from govkit.errors import GovkitError
from govkit.results import RunResult
from govkit.testing import assert_audit_passes, failure_message

DATA = Path(__file__).parent / "data"
POLICY = """\
version: 1
name: helper-test
checks:
  - id: performance.accuracy
    fail_if: {{lt: {accuracy}}}
"""


def _frame(rows: int = 200, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=rows), rng.normal(size=rows)
    return pd.DataFrame({"x1": x1, "x2": x2, "y": (x1 + 0.5 * rng.normal(size=rows) > 0).astype(int)})


def _policy(tmp_path: Path, accuracy: float) -> Path:
    path = tmp_path / f"policy-{accuracy}.yaml"
    path.write_text(POLICY.format(accuracy=accuracy))
    return path


@pytest.fixture(scope="module")
def model() -> LogisticRegression:
    train = _frame(seed=1)
    return LogisticRegression().fit(train[["x1", "x2"]], train["y"])


def test_a_failing_result_raises_with_every_blocking_finding() -> None:
    result = RunResult.read(DATA / "result-adult.json")
    with pytest.raises(AssertionError) as caught:
        assert_audit_passes(result)
    message = str(caught.value)
    lines = message.splitlines()
    assert (
        lines[0]
        == "govkit audit did not pass: Fail. At least one blocking check failed: do not deploy without addressing it."
    )
    assert len(lines) == 1 + len(result.blocking) == 3
    assert lines[1].startswith(
        "  blocking: fairness.demographic_parity_ratio (fail): Demographic parity ratio is 0.122"
    )
    assert lines[2].startswith(
        "  blocking: fairness.equalized_odds_difference (fail): Equalized odds difference is 0.353"
    )
    # the same message from a results.json path
    with pytest.raises(AssertionError, match="demographic_parity_ratio"):
        assert_audit_passes(DATA / "result-adult.json")


def test_the_audit_runs_from_its_arguments(model: LogisticRegression, tmp_path: Path) -> None:
    frame = _frame(seed=2)
    passed = assert_audit_passes(model=model, data=frame, target="y", policy=_policy(tmp_path, 0.7), parallel=False)
    assert passed.passed
    accuracy = passed.check("performance.accuracy").measurement.value
    assert accuracy == pytest.approx((model.predict(frame[["x1", "x2"]]) == frame["y"]).mean())
    with pytest.raises(AssertionError) as caught:
        assert_audit_passes(model=model, data=frame, target="y", policy=_policy(tmp_path, 0.99), parallel=False)
    assert f"blocking: performance.accuracy (fail): Accuracy is {accuracy:.3f}" in str(caught.value)


def test_bad_input_is_an_error_not_a_finding(model: LogisticRegression) -> None:
    with pytest.raises(GovkitError, match="no_such_column"):
        assert_audit_passes(model=model, data=_frame(), target="no_such_column", parallel=False)


def test_a_result_and_arguments_together_are_refused() -> None:
    result = RunResult.read(DATA / "result-adult.json")
    with pytest.raises(TypeError, match="not both"):
        assert_audit_passes(result, data="x.csv")
    with pytest.raises(TypeError, match="give a result"):
        assert_audit_passes()


def test_an_empty_result_does_not_pass() -> None:
    result = RunResult.read(DATA / "result-adult.json").model_copy(update={"checks": []})
    assert "no check ran" in failure_message(result)
    with pytest.raises(AssertionError, match="Incomplete"):
        assert_audit_passes(result)


def test_in_a_teams_own_pytest_run_the_findings_are_the_failure(tmp_path: Path) -> None:
    test_file = tmp_path / "test_model_gate.py"
    test_file.write_text(
        textwrap.dedent(
            f"""
            from govkit.testing import assert_audit_passes

            def test_model_may_ship():
                assert_audit_passes({str(DATA / "result-adult.json")!r})
            """
        )
    )
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test_file)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert "AssertionError: govkit audit did not pass: Fail." in run.stdout
    assert "blocking: fairness.equalized_odds_difference (fail)" in run.stdout
