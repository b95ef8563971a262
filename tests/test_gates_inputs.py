"""Issue 15: what an attacker controls in the repository cannot run code or grant trust.

Templates given with ``--templates`` run in a sandbox, read nothing outside their folder and are validated
before the audit; ``trusted_types``, ``trust_pickle`` and ``model_sha256`` in a config file count only when
the operator confirms them (``--trust-config`` or ``GOVKIT_TRUST_CONFIG=1``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from govkit.config import load_request
from govkit.errors import InputError, PolicyError
from govkit.registry import family_names
from govkit.report.html import render_html, validate_templates
from govkit.results import RunResult

SMALL = Path(__file__).parent / "data" / "result-small.json"
ATTACK = "{{ cycler.__init__.__globals__.os.popen('touch PWNED').read() }}"


def govkit(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    env.pop("GOVKIT_TRUST_CONFIG", None)
    return subprocess.run(
        [sys.executable, "-m", "govkit.cli", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )


def attack_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "report.html.j2").write_text(f"<p>{ATTACK}</p>\n")
    return folder


def test_the_attack_string_is_refused_before_the_audit(tmp_path: Path) -> None:
    folder = attack_folder(tmp_path)
    completed = govkit(["audit", "--data", "missing.csv", "--templates", str(folder)], tmp_path)
    assert completed.returncode == 2
    # one line, about the template: the audit (which would complain about missing.csv) never started
    assert completed.stderr == (
        f"govkit: error: {folder / 'report.html.j2'}: line 1: '__globals__' is not allowed in a template "
        "(templates may not reach Python internals); remove it\n"
    )
    assert not (tmp_path / "PWNED").exists()


def test_render_with_the_attack_string_runs_nothing(tmp_path: Path) -> None:
    folder = attack_folder(tmp_path)
    completed = govkit(["render", str(SMALL), "--out", str(tmp_path / "out"), "--templates", str(folder)], tmp_path)
    assert completed.returncode == 2
    assert len(completed.stderr.splitlines()) == 1
    assert "template refused by the sandbox" in completed.stderr
    assert not (tmp_path / "PWNED").exists()
    assert not (tmp_path / "out" / "report.html").exists()


@pytest.mark.parametrize(
    "template",
    [
        "{{ cycler.__init__ }}",
        "{{ view['__class__'] }}",
        "{{ view|attr('__class__') }}",
        "{{ ''.format.__self__ }}",
    ],
)
def test_the_sandbox_refuses_internals_at_render_time(tmp_path: Path, template: str) -> None:
    folder = tmp_path / "t"
    folder.mkdir()
    (folder / "report.html.j2").write_text(template)
    # refused outright (SecurityError) or seen as undefined (StrictUndefined): either way one line, exit 2
    with pytest.raises(InputError, match=r"template (refused by the sandbox|error)"):
        render_html(RunResult.read(SMALL), templates=folder)


def test_a_symlink_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "report.css").symlink_to("/etc/passwd")
    with pytest.raises(InputError) as caught:
        validate_templates(folder)
    assert str(caught.value) == (
        f"{folder / 'report.css'}: template leads outside the templates folder (to /etc/passwd); "
        "copy the file into the folder instead of linking it"
    )
    completed = govkit(["render", str(SMALL), "--out", str(tmp_path / "out"), "--templates", str(folder)], tmp_path)
    assert completed.returncode == 2
    assert completed.stderr.count("\n") == 1 and "leads outside the templates folder" in completed.stderr
    assert not (tmp_path / "out" / "report.html").exists()
    assert "root:" not in completed.stdout + completed.stderr


def test_a_symlink_inside_the_folder_is_fine_and_syntax_errors_are_located(tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "base.css").write_text("p { color: black; }\n")
    (folder / "report.css").symlink_to(folder / "base.css")
    validate_templates(folder)
    (folder / "report.html.j2").write_text("line one\n{% if %}\n")
    with pytest.raises(InputError) as caught:
        validate_templates(folder)
    assert str(caught.value) == (
        f"{folder / 'report.html.j2'}: line 2: Expected an expression, got 'end of statement block'; fix the template"
    )


def test_an_include_out_of_the_folder_is_not_found(tmp_path: Path) -> None:
    folder = tmp_path / "t"
    folder.mkdir()
    (folder / "report.html.j2").write_text('{% include "../../../etc/passwd" %}')
    with pytest.raises(InputError, match="template error") as caught:
        render_html(RunResult.read(SMALL), templates=folder)
    assert "root:" not in str(caught.value)


def test_the_bundled_templates_render_unchanged_in_the_sandbox() -> None:
    html = render_html(RunResult.read(SMALL))
    assert html.startswith("<!DOCTYPE html>") or "<html" in html


# --- trust from the operator only


def config_with(tmp_path: Path, extra: str) -> Path:
    path = tmp_path / "govkit.yaml"
    path.write_text(f"version: 1\ndata: data.csv\nmodel: model.pkl\n{extra}")
    return path


@pytest.mark.parametrize(
    ("extra", "keys"),
    [
        ("trust_pickle: true\n", "trust_pickle"),
        ("trusted_types: [sklearn.tree._tree.Tree]\n", "trusted_types"),
        (f"trust_pickle: true\nmodel_sha256: '{'0' * 64}'\n", "trust_pickle, model_sha256"),
    ],
)
def test_a_config_file_cannot_grant_trust(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, extra: str, keys: str
) -> None:
    monkeypatch.delenv("GOVKIT_TRUST_CONFIG", raising=False)
    path = config_with(tmp_path, extra)
    with pytest.raises(PolicyError) as caught:
        load_request(path, {})
    assert caught.value.problems == [
        f"govkit.yaml: {keys}: a config file cannot grant trust in a model file (whoever edits the file could "
        "make govkit run code); pass --trust-type/--trust-pickle/--model-sha256 on the command line, or confirm "
        "the file's settings with --trust-config or GOVKIT_TRUST_CONFIG=1"
    ]


def test_the_operator_confirms_on_the_command_line_or_in_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GOVKIT_TRUST_CONFIG", raising=False)
    path = config_with(tmp_path, "trust_pickle: true\n")
    assert load_request(path, {"trust_config": True}).audit["trust_pickle"] is True
    monkeypatch.setenv("GOVKIT_TRUST_CONFIG", "1")
    assert load_request(path, {}).audit["trust_pickle"] is True


def test_command_line_trust_stays_valid(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GOVKIT_TRUST_CONFIG", raising=False)
    path = config_with(tmp_path, "trust_pickle: false\n")  # false grants nothing: accepted
    request = load_request(path, {"trust_pickle": True, "trust_types": ("a.B",), "model_sha256": "1" * 64})
    assert (request.audit["trust_pickle"], request.audit["trusted_types"]) == (True, ["a.B"])


def test_the_cli_refuses_a_trusting_config_with_one_line(tmp_path: Path) -> None:
    config_with(tmp_path, "trust_pickle: true\n")
    completed = govkit(["audit"], tmp_path)
    assert completed.returncode == 2
    assert completed.stderr.startswith("govkit: error: govkit.yaml: trust_pickle: a config file cannot grant trust")
    assert completed.stderr.count("\n") == 1


def test_validate_warns_that_a_trusting_config_needs_the_operator(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``govkit validate`` passes such a file (it is well formed) but says the audit will refuse it as is."""
    from click.testing import CliRunner

    from govkit.cli import main

    monkeypatch.delenv("GOVKIT_TRUST_CONFIG", raising=False)
    path = config_with(tmp_path, "trust_pickle: true\nmodel_sha256: '" + "0" * 64 + "'\n")
    (tmp_path / "data.csv").write_text("a\n1\n")
    (tmp_path / "model.pkl").write_bytes(b"")
    outcome = CliRunner().invoke(main, ["validate", str(path)])
    assert outcome.exit_code == 0, outcome.output
    assert outcome.stdout.startswith(f"{path}: valid config.")
    assert outcome.stderr == (
        "govkit: warning: govkit.yaml: trust_pickle, model_sha256: govkit audit refuses a config file's trust "
        "settings unless the operator confirms them with --trust-config or GOVKIT_TRUST_CONFIG=1 (or passes them "
        "on the command line)\n"
    )
    quiet = config_with(tmp_path, "trust_pickle: false\n")  # grants nothing: no warning
    assert CliRunner().invoke(main, ["validate", str(quiet)]).stderr == ""
    monkeypatch.setenv("GOVKIT_TRUST_CONFIG", "1")
    path = config_with(tmp_path, "trust_pickle: true\n")
    assert CliRunner().invoke(main, ["validate", str(path)]).stderr == ""


def test_an_included_non_template_file_is_validated_too(tmp_path: Path) -> None:
    # report.css is included by the page, so Jinja renders it: it is checked like any template
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "report.css").write_text("body { color: red; }\n/* " + ATTACK + " */\n")
    (folder / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")  # not text: cannot be included, ignored
    with pytest.raises(InputError) as caught:
        validate_templates(folder)
    assert str(caught.value).startswith(f"{folder / 'report.css'}: line 2: '__globals__' is not allowed")


# --- opting a family out is the operator's explicit act


def test_skip_family_is_recorded_as_not_evaluated(tmp_path: Path) -> None:
    path = tmp_path / "govkit.yaml"
    path.write_text("version: 1\ndata: data.csv\n")
    request = load_request(path, {"skip_families": ("explain,drift", "explain")})
    assert request.audit["policy"].summary()["not_evaluated"] == ["explain", "drift"]
    with pytest.raises(PolicyError) as caught:
        load_request(path, {"skip_families": ("explian",)})
    assert caught.value.problems == [f"--skip-family: unknown family 'explian'; use one of {', '.join(family_names())}"]
