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
    completed = govkit("audit", "--trust-type", "sklearn.tree._tree.Tree", cwd=project)
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
    blocking = {c.id for c in result.blocking}
    for check in result.checks:
        kinds = {type(r) for r in cases[check.id].result}
        missing = {Failure} if check.id in blocking else {Skipped}  # missing evidence that blocks is a failure
        expected = {"fail": {Failure}, "error": {Error}, "skip": missing, "inconclusive": missing}.get(
            check.status.value, set()
        )
        assert kinds == expected, check.id
    suite = suites[0]
    assert suite.tests == len(result.checks)
    assert suite.failures == sum(1 for c in result.checks if Failure in {type(r) for r in cases[c.id].result})


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
    keyids = {}
    for name in ("alice", "bob"):
        made = govkit("keygen", str(keys / f"{name}.pem"))
        assert made.returncode == 0
        [keyids[name]] = [line.split()[-1] for line in made.stdout.splitlines() if line.startswith("key id: ")]
        (trusted / f"{name}.pub").write_bytes((keys / f"{name}.pem.pub").read_bytes())
    # the trusted-keys file: who holds each key, and the policy (both must approve, an override needs a reason)
    trusted_file = tmp_path / "trusted-keys.yaml"
    trusted_file.write_text(
        "version: 1\nkeys:\n"
        f"  - {{keyid: {keyids['alice']}, name: Alice Adams, role: Risk officer, public_key: keys/alice.pem.pub}}\n"
        f"  - {{keyid: {keyids['bob']}, name: Bob Brown, role: Product manager, public_key: keys/bob.pem.pub}}\n"
        "policy: {approvals: 2, required_roles: [Risk officer], require_pass: true}\n"
    )
    results = audited / "results.json"
    assert govkit("verify", str(results), "--trusted-keys", str(trusted_file)).returncode == 1  # nothing signed yet

    alice = ["signoff", str(results), "--key", str(keys / "alice.pem"), "--name", "Alice Adams", "--role"]
    alice += ["Risk officer", "--decision", "approve-with-conditions", "--conditions", "Retrain on 2025 data"]
    refused = govkit(*alice)  # the example's audit fails: approving it is an override, with a reason
    assert refused.returncode == 2 and "--override-reason" in refused.stderr, refused.stderr
    signed = govkit(*alice, "--expires", "2099-01-01", "--override-reason", "Parity gap accepted, ticket CR-7")
    assert signed.returncode == 0, signed.stderr
    assert "this approval overrides its verdict: Parity gap accepted, ticket CR-7" in signed.stderr
    bob = ["signoff", str(results), "--key", str(keys / "bob.pem"), "--name", "Bob Brown", "--role", "Product manager"]
    assert govkit(*bob, "--decision", "approve", "--override-reason", "Shipping behind a flag").returncode == 0
    html = (audited / "report.html").read_text()
    assert "Alice Adams" in html and "Approved with conditions" in html and "Bob Brown" in html
    assert "Not verified" in html  # signed without trusted keys: shown as claims, never green

    ok = govkit("verify", str(results), "--trusted-keys", str(trusted_file))
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith(
        f"VERIFIED: {results} approved with conditions by Alice Adams (Risk officer) [key {keyids['alice'][:16]}],"
        f" approved by Bob Brown (Product manager) [key {keyids['bob'][:16]}]; audit verdict: fail"
    )
    assert f"verified with key {keyids['alice']}" in ok.stdout and "overrides the audit's verdict" in ok.stdout
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
            failed = govkit("verify", str(results), "--trusted-keys", str(trusted_file))
            assert failed.returncode == 1, target
            assert needle in failed.stderr, (target, failed.stderr)
            assert str(target.name) in failed.stderr
        finally:
            target.write_bytes(original)
    assert govkit("verify", str(results), "--trusted-keys", str(trusted)).returncode == 0  # a folder still works

    # a key that is not trusted does not count
    untrusted = tmp_path / "only-bob"
    untrusted.mkdir()
    (untrusted / "bob.pub").write_bytes((keys / "bob.pem.pub").read_bytes())
    partial = govkit("verify", str(results), "--trusted-keys", str(untrusted))
    assert partial.returncode == 1
    assert "is not among the trusted keys" in partial.stderr


def _result_with(*checks: object) -> RunResult:
    result = RunResult.read(Path(__file__).parent / "data" / "result-small.json")
    result.checks = list(checks)  # type: ignore[arg-type]
    return result


def test_junit_marks_blocking_skips_and_inconclusives_as_failures() -> None:
    from xml.etree import ElementTree as ET

    from govkit.results import CheckResult, Status

    measured = CheckResult(id="x.ok", family="x", title="ok", status=Status.PASS, message="")
    required_skip = CheckResult(
        id="x.req", family="x", title="req", status=Status.SKIP, message="needs a model", required=True
    )
    required_inconclusive = CheckResult(
        id="x.small", family="x", title="small", status=Status.INCONCLUSIVE, message="tiny groups", required=True
    )
    advisory_skip = CheckResult(id="x.opt", family="x", title="opt", status=Status.SKIP, message="needs a model")
    unmeasured = CheckResult(id="y.only", family="y", title="only", status=Status.SKIP, message="needs a model")
    result = _result_with(measured, required_skip, required_inconclusive, advisory_skip, unmeasured)
    suite = ET.fromstring(render_junit(result)).find("testsuite")
    assert suite is not None
    assert (suite.get("failures"), suite.get("errors"), suite.get("skipped")) == ("3", "0", "1")
    kinds = {case.get("name"): [child.tag for child in case] for case in suite.iter("testcase")}
    assert kinds == {
        "x.ok": [],
        "x.req": ["failure"],
        "x.small": ["failure"],
        "x.opt": ["skipped"],
        "y.only": ["failure"],  # family y measured nothing: the verdict is incomplete, the job exits 1
    }
    failure = suite.find("testcase[@name='x.req']/failure")
    assert failure is not None and failure.get("message") == "skip: needs a model"


def test_junit_always_parses_whatever_the_data_holds(tmp_path: Path) -> None:
    from xml.etree import ElementTree as ET

    import xmlschema

    from govkit.results import CheckResult, Status

    nasty = "column \x1b[31mred\x00\x08 \ufffe end"
    check = CheckResult(id="x.c", family="x", title=nasty, status=Status.FAIL, message=nasty)
    text = render_junit(_result_with(check))
    ET.fromstring(text)  # raised "not well-formed (invalid token)" before issue 15
    (tmp_path / "junit.xml").write_text(text)
    xmlschema.XMLSchema(SCHEMA).validate(str(tmp_path / "junit.xml"))
    assert "column \\x1b[31mred\\x00\\x08 \\xfffe end" in text
