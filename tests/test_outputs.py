"""Outputs of one result: JUnit XML for CI, the Markdown summary, templates, and the sign-off round trip."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from govkit.report.junit import render_junit
from govkit.report.markdown import render_markdown
from govkit.results import RunResult

SCHEMA = Path(__file__).parent / "schemas" / "junit.xsd"


def govkit(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "govkit.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=600
    )


@pytest.fixture(scope="module")
def audited(adult_build: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An audit of the example into a folder of its own: results.json, report.html, junit.xml, summary.md."""
    project = tmp_path_factory.mktemp("signed")
    (project / "govkit.yaml").write_text((Path(__file__).parent.parent / "examples/adult/govkit.yaml").read_text())
    build = project / "build"
    build.mkdir()
    for name in ("model.skops", "current.csv", "reference.csv"):
        (build / name).write_bytes((adult_build / name).read_bytes())
    completed = govkit("audit", cwd=project)
    assert completed.returncode == 1, completed.stderr
    return build / "report"


def test_junit_validates_and_maps_statuses(audited: Path) -> None:
    import xmlschema
    from junitparser import Error, Failure, JUnitXml, Skipped

    xml = audited / "junit.xml"
    xmlschema.XMLSchema(SCHEMA).validate(str(xml))
    result = RunResult.read(audited / "results.json")
    suites = list(JUnitXml.fromfile(str(xml)))
    cases = {case.name: case for suite in suites for case in suite}
    assert set(cases) == {c.id for c in result.checks}
    for check in result.checks:
        kinds = {type(r) for r in cases[check.id].result}
        expected = {"fail": {Failure}, "error": {Error}, "skip": {Skipped}, "inconclusive": {Skipped}}.get(
            check.status.value, set()
        )
        assert kinds == expected, check.id
    suite = suites[0]
    assert suite.tests == len(result.checks)
    assert suite.failures == result.counts["fail"]


def test_junit_of_a_hand_made_result_with_every_status(tmp_path: Path) -> None:
    import xmlschema

    from govkit.results import CheckResult, Measurement, Status

    result = RunResult.read(next(Path(__file__).parent.glob("data/result-small.json")))
    result.checks = [
        CheckResult(
            id=f"x.{s.value}",
            family="x",
            title=s.value,
            status=s,
            message=f"<{s.value}> & co",
            measurement=Measurement(value=0.5),
        )
        for s in Status
    ]
    text = render_junit(result)
    (tmp_path / "junit.xml").write_text(text)
    xmlschema.XMLSchema(SCHEMA).validate(str(tmp_path / "junit.xml"))
    assert "&lt;error&gt; &amp; co" in text
    assert 'failures="1" errors="1" skipped="2"' in text


def test_markdown_summary_escapes_and_lists_blockers(audited: Path) -> None:
    result = RunResult.read(audited / "results.json")
    text = render_markdown(result)
    assert text.startswith("## govkit audit: Fail\n")
    assert "### Blocking" in text
    assert "`fairness.demographic_parity_ratio`" in text
    for check in result.checks:
        assert f"`{check.id}`" in text
    result.checks[0].measurement.summary = "a | b <script>"
    assert "a \\| b &lt;script&gt;" in render_markdown(result)


def test_template_override_replaces_only_what_it_names(audited: Path, tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "report.css").write_text("body { background: #fafafa; } /* house style */\n")
    completed = govkit(
        "render", str(audited / "results.json"), "--out", str(tmp_path / "out"), "--templates", str(templates)
    )
    assert completed.returncode == 0, completed.stderr
    html = (tmp_path / "out" / "report.html").read_text()
    assert "/* house style */" in html
    assert "Governance report" in html  # the bundled report.html.j2 is still used


def test_signoff_and_verify_detect_every_kind_of_tampering(audited: Path, tmp_path: Path) -> None:
    keys, trusted = tmp_path / "keys", tmp_path / "trusted"
    trusted.mkdir()
    assert govkit("keygen", str(keys / "alice.pem")).returncode == 0
    assert govkit("keygen", str(keys / "bob.pem")).returncode == 0
    for name in ("alice", "bob"):
        (trusted / f"{name}.pub").write_bytes((keys / f"{name}.pem.pub").read_bytes())
    results = audited / "results.json"
    assert govkit("verify", str(results), "--trusted-keys", str(trusted)).returncode == 1  # nothing signed yet

    signed = govkit(
        "signoff",
        str(results),
        "--key",
        str(keys / "alice.pem"),
        "--name",
        "Alice Adams",
        "--role",
        "Risk officer",
        "--decision",
        "approve-with-conditions",
        "--conditions",
        "Retrain on 2025 data",
        "--expires",
        "2099-01-01",
    )
    assert signed.returncode == 0, signed.stderr
    assert (
        govkit(
            "signoff",
            str(results),
            "--key",
            str(keys / "bob.pem"),
            "--name",
            "Bob Brown",
            "--role",
            "Product manager",
            "--decision",
            "approve",
        ).returncode
        == 0
    )
    html = (audited / "report.html").read_text()
    assert "Alice Adams" in html and "Approved with conditions" in html and "Bob Brown" in html

    ok = govkit("verify", str(results), "--trusted-keys", str(trusted))
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith(
        f"VERIFIED: {results} approved by Alice Adams (Risk officer), Bob Brown (Product manager)"
    )
    # govkit render reproduces the signed report byte for byte
    assert govkit("render", str(results), "--out", str(tmp_path / "again"), "--format", "html").returncode == 0
    assert (tmp_path / "again" / "report.html").read_bytes() == (audited / "report.html").read_bytes()

    recorded = json.loads(results.read_text())["provenance"]["files"]
    for target, needle in (
        (audited / "report.html", "report.html was changed after sign-off"),
        (results, "results.json changed since sign-off"),
        (Path(recorded["model"]["path"]), "model file"),
        (Path(recorded["current"]["path"]), "data file"),
    ):
        original = target.read_bytes()
        target.write_bytes(original + b"\n")
        try:
            failed = govkit("verify", str(results), "--trusted-keys", str(trusted))
            assert failed.returncode == 1, target
            assert needle in failed.stderr, (target, failed.stderr)
            assert str(target.name) in failed.stderr
        finally:
            target.write_bytes(original)
    assert govkit("verify", str(results), "--trusted-keys", str(trusted)).returncode == 0

    # a key that is not trusted does not count
    untrusted = tmp_path / "only-bob"
    untrusted.mkdir()
    (untrusted / "bob.pub").write_bytes((keys / "bob.pem.pub").read_bytes())
    partial = govkit("verify", str(results), "--trusted-keys", str(untrusted))
    assert partial.returncode == 1
    assert "is not among the trusted keys" in partial.stderr
