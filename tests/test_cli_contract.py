"""What the CLI hands the library: options and config merged, paths resolved, exit codes mapped.

The library is replaced at its front door (``govkit.api``) by recorders, as mkdocs tests its CLI: these
tests pin the CLI's own job (parse, merge, call, print, map) without running an audit. The audit itself
is tested end to end in test_cli.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from govkit import api
from govkit.cli import main
from govkit.errors import EXIT_FAILED, EXIT_PASSED, EXIT_USAGE
from govkit.results import CheckResult, RunResult, Status

SMALL = Path(__file__).parent / "data" / "result-small.json"


class Recorder:
    """Stands in for govkit.api.audit and govkit.api.render, keeping what the CLI passed."""

    def __init__(self, result: RunResult) -> None:
        self.result = result
        self.audit_calls: list[dict[str, Any]] = []
        self.render_calls: list[tuple[Any, Path, dict[str, Any]]] = []

    def audit(self, **kwargs: Any) -> RunResult:
        self.audit_calls.append(kwargs)
        return self.result

    def render(self, result: Any, out: Any, **kwargs: Any) -> dict[str, Path]:
        self.render_calls.append((result, Path(out), kwargs))
        return {name: Path(out) / f"{name}.out" for name in kwargs.get("formats", ())}


def _with_check(status: Status) -> RunResult:
    """The small fixed result with one blocking check of the given status."""
    check = CheckResult(
        id="fairness.demographic_parity_ratio", family="fairness", title="DPR", status=status, message=""
    )
    return RunResult.read(SMALL).model_copy(update={"checks": [check]})


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    recorded = Recorder(_with_check(Status.FAIL))
    monkeypatch.setattr(api, "audit", recorded.audit)
    monkeypatch.setattr(api, "render", recorded.render)
    return recorded


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GOVKIT_TRUST_CONFIG", "1")  # this config's trusted_types are confirmed by the operator
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "govkit.yaml").write_text(
        "version: 1\n"
        "data: data/current.csv\n"
        "reference: data/reference.csv\n"
        "model: model.skops\n"
        "target: y\n"
        "sensitive: [sex]\n"
        "trusted_types: [sklearn.tree._tree.Tree]\n"
        "formats: [html, json, junit]\n"
        "model_card: {owner: Risk team}\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    return folder


def test_config_paths_are_relative_to_the_config_and_options_override(recorder: Recorder, project: Path) -> None:
    outcome = CliRunner().invoke(
        main,
        [
            "audit",
            "--config",
            str(project / "govkit.yaml"),
            "--sensitive",
            "race,sex",
            "--features",
            "a,b",
            "--features",
            "c",
            "--trust-type",
            "numpy.dtype",
            "--positive-label",
            "yes",
            "--seed",
            "7",
            "--out",
            "elsewhere",
        ],
    )
    assert outcome.exit_code == EXIT_FAILED, outcome.output  # the recorded result blocks deployment
    (call,) = recorder.audit_calls
    assert call["data"] == str(project / "data" / "current.csv")
    assert call["reference"] == str(project / "data" / "reference.csv")
    assert call["model"] == str(project / "model.skops")
    assert call["target"] == "y"
    assert call["sensitive"] == ["race", "sex"]
    assert call["features"] == ["a", "b", "c"]
    assert call["trusted_types"] == ["numpy.dtype", "sklearn.tree._tree.Tree"]
    assert call["positive_label"] == "yes"
    assert call["seed"] == 7
    assert call["policy"].name == "default"
    assert call["model_card"]["owner"] == "Risk team"
    assert call["command"].startswith("govkit ")
    ((_, out, options),) = recorder.render_calls
    assert out == Path("elsewhere")  # an option is relative to the working directory
    assert options["formats"] == ["html", "json", "junit"]


def test_without_options_the_config_decides(recorder: Recorder, project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)  # govkit.yaml found in the working directory
    outcome = CliRunner().invoke(main, ["audit"])
    assert outcome.exit_code == EXIT_FAILED
    (call,) = recorder.audit_calls
    assert call["sensitive"] == ["sex"]
    assert call["features"] is None
    assert call["seed"] == 0
    assert call["fail_on"] == "fail"
    assert call["trust_pickle"] is False
    ((_, out, _),) = recorder.render_calls
    assert out == project / "govkit-report"


def test_exit_code_follows_the_result(monkeypatch: pytest.MonkeyPatch, project: Path) -> None:
    recorded = Recorder(_with_check(Status.PASS))
    monkeypatch.setattr(api, "audit", recorded.audit)
    monkeypatch.setattr(api, "render", recorded.render)
    outcome = CliRunner().invoke(main, ["audit", "--config", str(project / "govkit.yaml")])
    assert outcome.exit_code == EXIT_PASSED, outcome.output
    assert outcome.stdout.startswith("Verdict: Pass.")


def test_an_output_over_an_input_is_refused_before_the_library_runs(recorder: Recorder, project: Path) -> None:
    (project / "out").mkdir()
    (project / "out" / "results.json").write_text("{}")
    outcome = CliRunner().invoke(
        main,
        [
            "audit",
            "--config",
            str(project / "govkit.yaml"),
            "--data",
            str(project / "out" / "results.json"),
            "--out",
            str(project / "out"),
        ],
    )
    assert outcome.exit_code == EXIT_USAGE
    assert "would overwrite an input file" in outcome.output
    assert recorder.audit_calls == []


def test_render_passes_the_results_file_and_default_formats(recorder: Recorder, tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    results.write_bytes(SMALL.read_bytes())
    outcome = CliRunner().invoke(main, ["render", str(results)])
    assert outcome.exit_code == 0, outcome.output
    ((given, out, options),) = recorder.render_calls
    assert Path(given) == results
    assert out == tmp_path
    assert options["formats"] == ["html", "junit", "markdown"]
    assert options["signoffs"] == []


def test_signoff_and_verify_hand_their_options_to_the_library(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from datetime import date

    from govkit.signoff.verification import VerifyOutcome

    calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []

    def sign_off(*args: Any, **kwargs: Any) -> None:
        calls.append(("sign_off", args, kwargs))

    def verify(*args: Any, **kwargs: Any) -> VerifyOutcome:
        calls.append(("verify", args, kwargs))
        return VerifyOutcome(ok=False, reasons=["report.html: changed since it was signed"])

    monkeypatch.setattr(api, "sign_off", sign_off)
    monkeypatch.setattr(api, "verify", verify)
    results, key = tmp_path / "results.json", tmp_path / "me.key"
    signed = CliRunner().invoke(
        main,
        [
            "signoff",
            str(results),
            "--key",
            str(key),
            "--name",
            "Ada",
            "--role",
            "Risk officer",
            "--decision",
            "approve-with-conditions",
            "--conditions",
            "monthly review",
            "--expires",
            "2030-01-31",
        ],
    )
    assert signed.exit_code == 0, signed.output
    name, args, kwargs = calls[0]
    assert (name, args) == ("sign_off", (results, key, "Ada", "Risk officer", "approve-with-conditions"))
    assert kwargs == {"conditions": "monthly review", "expires": date(2030, 1, 31), "templates": None}

    checked = CliRunner().invoke(main, ["verify", str(results), "--trusted-keys", str(tmp_path), "--model", "m.skops"])
    assert checked.exit_code == EXIT_FAILED
    assert "NOT VERIFIED: report.html: changed since it was signed" in checked.output
    name, args, kwargs = calls[1]
    assert (name, args) == ("verify", (results, tmp_path))
    assert kwargs["model"] == Path("m.skops") and kwargs["data"] is None
