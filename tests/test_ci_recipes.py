"""The CI recipes, tested as far as this machine allows: no GitHub or GitLab runner here, so

- action.yml and the GitLab template are parsed and their structure checked (a composite action, outputs
  wired to the audit step, the JUnit report wired to the merge-request widget, every option they pass is
  one ``govkit audit`` has), and their shell scripts are run by bash against a real audit, with the
  runner's files (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY) and variables set up as the runner would;
- the pre-commit hook runs through ``pre-commit try-repo`` on a scratch repository with a broken policy.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from sklearn.linear_model import LogisticRegression

from govkit.cli.audit import audit as audit_command
from requirements import missing, need_program

ROOT = Path(__file__).resolve().parent.parent
ACTION = ROOT / "action.yml"
GITLAB = ROOT / "ci" / "gitlab" / "govkit.gitlab-ci.yml"
HOOKS = ROOT / ".pre-commit-hooks.yaml"
BIN = Path(sys.executable).parent
AUDIT_OPTIONS = {option for param in audit_command.params for option in param.opts}

POLICY = """\
version: 1
name: ci-test
checks:
  - id: performance.accuracy
    fail_if: {{lt: {accuracy}}}
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny project: a skops model, current data, and a passing and a failing policy."""
    import skops.io as sio

    folder = tmp_path_factory.mktemp("ci-project")
    rng = np.random.default_rng(0)
    x1, x2 = rng.normal(size=300), rng.normal(size=300)
    frame = pd.DataFrame({"x1": x1, "x2": x2, "y": (x1 + 0.5 * rng.normal(size=300) > 0).astype(int)})
    sio.dump(LogisticRegression().fit(frame[["x1", "x2"]], frame["y"]), folder / "model.skops")
    frame.to_csv(folder / "current.csv", index=False)
    (folder / "pass.yaml").write_text(POLICY.format(accuracy=0.7))
    (folder / "fail.yaml").write_text(POLICY.format(accuracy=0.99))
    return folder


def _load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text())
    assert isinstance(data, dict)
    return data


def _options_in(script: str) -> set[str]:
    return set(re.findall(r"(?<![\w-])(--[a-z][a-z-]+)", script))


def _runner_environment() -> dict[str, str]:
    """The test's environment, with this venv's Python first on PATH (as the install step would leave it)."""
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}


# ---------------------------------------------------------------------------------------------
# GitHub Action


def test_action_is_a_composite_action_with_its_outputs_wired() -> None:
    action = _load(ACTION)
    assert action["runs"]["using"] == "composite"
    steps = {step.get("id"): step for step in action["runs"]["steps"]}
    assert "audit" in steps
    for name, output in action["outputs"].items():
        assert output["value"] == f"${{{{ steps.audit.outputs.{name} }}}}", name
        assert f'echo "{name}=' in steps["audit"]["run"], f"the audit step never sets {name}"
    assert {"verdict", "report"} <= set(action["outputs"])
    uploads = [
        step for step in action["runs"]["steps"] if str(step.get("uses", "")).startswith("actions/upload-artifact@")
    ]
    assert len(uploads) == 1 and "always()" in uploads[0]["if"]
    for step in action["runs"]["steps"]:
        if "run" in step:
            assert step["shell"] == "bash"
            # inputs arrive as environment variables: nothing a caller passes is pasted into a script
            assert "${{" not in step["run"], step["name"]


def test_action_passes_only_options_govkit_audit_has() -> None:
    audit_step = next(step for step in _load(ACTION)["runs"]["steps"] if step.get("id") == "audit")
    used = _options_in(audit_step["run"])
    assert {"--config", "--model", "--data", "--target", "--format", "--out"} <= used
    assert used <= AUDIT_OPTIONS, used - AUDIT_OPTIONS
    for inputs_name in _load(ACTION)["inputs"]:
        assert f"inputs.{inputs_name} " in ACTION.read_text() or f"inputs.{inputs_name}}}" in ACTION.read_text()


def _run_action_step(project: Path, tmp_path: Path, **inputs: str) -> tuple[int, dict[str, str], str]:
    """The Audit step's script under bash, its env mapped from ``inputs`` as the runner maps them."""
    audit_step = next(step for step in _load(ACTION)["runs"]["steps"] if step.get("id") == "audit")
    given = {"python": sys.executable, "out": "govkit-report", "formats": "html json junit markdown", **inputs}
    environment = _runner_environment()
    for name, expression in audit_step["env"].items():
        if expression == "${{ steps.install.outputs.python }}":  # the install step's virtual environment
            environment[name] = given["python"]
            continue
        key = re.fullmatch(r"\$\{\{ inputs\.([\w-]+) \}\}", expression)
        assert key, expression
        environment[name] = given.get(key.group(1).replace("-", "_"), "")
    output_file = tmp_path / "github_output"
    output_file.touch()
    environment["GITHUB_OUTPUT"] = str(output_file)
    environment["GITHUB_STEP_SUMMARY"] = str(tmp_path / "step_summary.md")
    run = subprocess.run(
        ["bash", "-c", audit_step["run"]], cwd=project, env=environment, capture_output=True, text=True, timeout=600
    )
    outputs = dict(line.split("=", 1) for line in output_file.read_text().splitlines() if "=" in line)
    return run.returncode, outputs, run.stdout + run.stderr


def test_the_action_audits_writes_the_summary_and_sets_its_outputs(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, outputs, log = _run_action_step(
        project, tmp_path, model="model.skops", data="current.csv", target="y", policy="fail.yaml", out=str(out)
    )
    assert code == 0, log  # the step records the exit code; the gate step fails the job
    assert outputs["exit-code"] == "1"
    assert outputs["verdict"] == "fail"
    assert outputs["passed"] == "false"
    assert outputs["report"] == f"{out}/report.html" and Path(outputs["report"]).is_file()
    assert (out / "junit.xml").is_file() and (out / "results.json").is_file()
    summary = (tmp_path / "step_summary.md").read_text()
    assert summary == (out / "summary.md").read_text()
    assert "accuracy" in summary.lower()


def test_the_action_on_a_passing_audit_and_extra_args(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, outputs, log = _run_action_step(
        project, tmp_path, model="model.skops", data="current.csv", target="y", policy="pass.yaml", out=str(out),
        args="--seed 3 --fail-on warn",
    )  # fmt: skip
    assert code == 0, log
    assert (outputs["exit-code"], outputs["verdict"], outputs["passed"]) == ("0", "pass", "true")
    assert '"seed": 3' in (out / "results.json").read_text()


@pytest.mark.parametrize("out", ["out\nverdict=pass", "out\rpassed=true"])
def test_the_action_refuses_an_out_with_a_line_break(project: Path, tmp_path: Path, out: str) -> None:
    """A line break in ``out`` would let the value set other outputs (``verdict=pass``): refused, nothing set."""
    code, outputs, log = _run_action_step(
        project, tmp_path, model="model.skops", data="current.csv", target="y", policy="fail.yaml", out=out
    )
    assert code == 2
    assert outputs == {}
    assert "the out input must be one line" in log
    assert not (project / "out").exists()


def test_the_action_installs_govkit_into_a_virtual_environment_of_its_own() -> None:
    steps = {step.get("id"): step for step in _load(ACTION)["runs"]["steps"]}
    install = steps["install"]["run"]
    assert '-m venv "$venv"' in install and '"$python" -m pip install' in install
    assert steps["audit"]["env"]["GK_PYTHON"] == "${{ steps.install.outputs.python }}"
    check = subprocess.run(["bash", "-n", "-c", install], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr


def test_the_action_gate_fails_the_job_as_the_audit_says() -> None:
    gate = next(step for step in _load(ACTION)["runs"]["steps"] if step["name"] == "Gate on the verdict")
    for code, blocked, expected in (("0", "true", 0), ("1", "true", 1), ("1", "false", 0), ("2", "false", 2)):
        environment = {**os.environ, "GK_CODE": code, "GK_FAIL_ON_BLOCKED": blocked}
        run = subprocess.run(["bash", "-c", gate["run"]], env=environment, capture_output=True, text=True)
        assert run.returncode == expected, (code, blocked, run.stdout)


# ---------------------------------------------------------------------------------------------
# GitLab CI template


def test_gitlab_template_wires_junit_to_the_merge_request_widget() -> None:
    job = _load(GITLAB)[".govkit-audit"]
    artifacts = job["artifacts"]
    assert artifacts["when"] == "always"  # a blocked audit still reports its checks
    assert artifacts["reports"]["junit"] == "govkit-report/junit.xml"
    assert "govkit-report/" in artifacts["paths"]
    assert artifacts["expose_as"]
    script = "\n".join(job["script"])
    assert "--format junit" in script and "--out govkit-report" in script
    assert _options_in(script) <= AUDIT_OPTIONS, _options_in(script) - AUDIT_OPTIONS


@pytest.mark.parametrize(
    ("policy", "allow", "expected"), [("pass", "false", 0), ("fail", "false", 1), ("fail", "true", 0)]
)
def test_gitlab_script_runs_the_audit(project: Path, tmp_path: Path, policy: str, allow: str, expected: int) -> None:
    job = _load(GITLAB)[".govkit-audit"]
    work = tmp_path / "job"
    shutil.copytree(project, work)
    variables = {name: str(value) for name, value in job["variables"].items()}
    args = f"--model model.skops --data current.csv --target y --policy {policy}.yaml"
    variables.update(GOVKIT_ARGS=args, GOVKIT_ALLOW_BLOCKED=allow)
    # the runner runs the script's lines in one shell, with the job's variables in the environment
    run = subprocess.run(
        ["bash", "-c", "\n".join(job["script"])],
        cwd=work,
        env={**_runner_environment(), **variables},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == expected, run.stdout + run.stderr
    junit = work / "govkit-report" / "junit.xml"
    assert junit.is_file()
    assert ("<failure" in junit.read_text()) == (policy == "fail")
    assert "performance.accuracy" in run.stdout  # the summary is printed to the job log


# ---------------------------------------------------------------------------------------------
# pre-commit hook


def test_hook_definition_runs_govkit_validate() -> None:
    hooks = yaml.safe_load(HOOKS.read_text())
    (hook,) = hooks
    assert hook["id"] == "govkit-validate"
    assert hook["language"] == "python"
    assert "govkit validate" in hook["entry"]
    files = re.compile(hook["files"])
    for path in ("govkit.yaml", "sub/govkit.yml", "checks/lending.yaml", "policies/hiring.yml", "ml/policies/a.yaml"):
        assert files.search(path), path
    for path in (
        "data/current.csv", "docker-compose.yaml", ".github/workflows/ci.yml", ".github/workflows/policy.yml",
        "credit-policy.yaml", "policies/old/hiring.yaml", "my-govkit.yaml",
    ):  # fmt: skip
        assert not files.search(path), path


def _git(folder: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=govkit test", "-c", "user.email=test@example.invalid", *args],
        cwd=folder, check=True, capture_output=True,
    )  # fmt: skip


def test_pre_commit_try_repo_fails_on_a_broken_policy_with_govkits_message(tmp_path: Path) -> None:
    pre_commit = BIN / "pre-commit"
    if not pre_commit.exists():
        missing(f"pre-commit is needed in the venv ({pre_commit})")
    need_program("git")
    # The hook repository: the hook definition as shipped, committed in a repository of its own. The test
    # runs it as `language: system` (govkit from this venv, on PATH): `language: python` would have pre-commit
    # build a fresh virtualenv and pip install govkit with all its dependencies from an index.
    hook_repo = tmp_path / "hook-repo"
    hook_repo.mkdir()
    definition = HOOKS.read_text()
    assert definition.count("language: python") == 1
    (hook_repo / ".pre-commit-hooks.yaml").write_text(definition.replace("language: python", "language: system"))
    _git(hook_repo, "init", "-q")
    _git(hook_repo, "add", ".pre-commit-hooks.yaml")
    _git(hook_repo, "commit", "-q", "-m", "hook")

    scratch = tmp_path / "scratch"
    (scratch / "checks").mkdir(parents=True)
    (scratch / "checks" / "broken.yaml").write_text(
        "version: 1\nname: broken\nchecks:\n  - id: performance.acuracy\n    fail_if: {lt: 0.7}\n"
    )
    (scratch / "checks" / "good.yaml").write_text("version: 1\nname: good\nchecks:\n  - id: performance.accuracy\n")
    (scratch / "data.yaml").write_text("not: a policy, and not matched by the hook's files\n")
    _git(scratch, "init", "-q")
    _git(scratch, "add", ".")

    environment = {**_runner_environment(), "PRE_COMMIT_HOME": str(tmp_path / "cache"), "NO_COLOR": "1"}
    run = subprocess.run(
        [str(pre_commit), "try-repo", str(hook_repo), "govkit-validate", "--all-files", "--color", "never"],
        cwd=scratch, env=environment, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    log = run.stdout + run.stderr
    assert run.returncode == 1, log
    assert "govkit validate (policies and configs)" in log and "Failed" in log
    assert (
        "govkit: error: broken.yaml: checks[0].id: unknown check 'performance.acuracy' "
        "(did you mean 'performance.accuracy'?)"
    ) in log
    assert "checks/good.yaml: valid policy." in log  # every file is checked, not only up to the first broken one
    assert "data.yaml" not in log.replace("checks/", "")


# ---------------------------------------------------------------------------------------------
# Defaults a CI job relies on


def test_without_a_config_govkit_audit_writes_all_four_outputs(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from govkit.cli import main

    monkeypatch.chdir(tmp_path)  # no govkit.yaml here
    args = ["audit", "--model", project / "model.skops", "--data", project / "current.csv", "--target", "y"]
    outcome = CliRunner().invoke(main, [str(a) for a in [*args, "--policy", project / "pass.yaml"]])
    assert outcome.exit_code == 0, outcome.output
    written = sorted(path.name for path in (tmp_path / "govkit-report").iterdir() if not path.name.startswith("."))
    assert written == ["junit.xml", "report.html", "results.json", "summary.md"]
