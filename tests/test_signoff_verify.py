"""``verify`` says what it verified; approving a failed audit is an override; the report shows no claim as approval.

Issue 15: "Approving a Fail passes" (``signoff --decision approve`` on a failed audit, then ``verify``, said
VERIFIED with no word of the verdict; ``approve-with-conditions`` printed as a plain approval), "verify accepts
what it cannot check" (``--model`` ignored for an audit without a model) and "The report shows forged approvals"
(an unsigned "Chief Risk Officer · Approved" row beside the real ones). Each test here fails on the code before
(a0a357d). Exit codes: 0 verified, 1 not verified, 2 usage.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

import govkit.signoff
from govkit.cli import main
from govkit.errors import EXIT_FAILED, EXIT_PASSED, EXIT_USAGE
from govkit.signoff import SIDECAR_NAME, read_signoffs
from govkit.signoff.keys import key_id, load_public_key
from test_signing import NOW, Audit

HOLDERS = {"alice": ("Alice Adams", "Chief Risk Officer"), "bob": ("Bob Brown", "Head of Compliance")}


@pytest.fixture
def audit(tmp_path: Path) -> Audit:
    """The audit with its real report rendered, two reviewers' keys and a trusted-keys file."""
    from govkit.api import render

    project = Audit(tmp_path)
    render(project.results, project.out, formats=["html"])
    for person in HOLDERS:
        project.person(person)
    project.trusted_file = project.trust_file(HOLDERS)
    return project


def cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def signoff(audit: Audit, person: str, decision: str = "approve", *extra):
    name, role = HOLDERS[person]
    key = audit.keys / f"{person}.pem"
    return cli("signoff", audit.results, "--key", key, "--name", name, "--role", role, "--decision", decision, *extra)


def verify(audit: Audit, *extra):
    return cli("verify", audit.results, "--trusted-keys", audit.trusted_file, *extra)


def keyid(audit: Audit, person: str) -> str:
    return key_id(load_public_key(audit.keys / f"{person}.pem.pub"))


def failed(audit: Audit) -> None:
    """Make the audit one that did not pass, with the report rendered again for it."""
    from govkit.api import render

    audit.fail()
    render(audit.results, audit.out, formats=["html"])


# ---------------------------------------------------------------------------------------------
# What verify says
# ---------------------------------------------------------------------------------------------


def test_verify_says_the_verdict_each_decision_condition_and_key(audit: Audit) -> None:
    assert signoff(audit, "alice").exit_code == EXIT_PASSED
    conditions = ("--conditions", "Re-audit after 90 days", "--expires", "2099-06-01")
    assert signoff(audit, "bob", "approve-with-conditions", *conditions).exit_code == EXIT_PASSED
    result = verify(audit)
    assert result.exit_code == EXIT_PASSED, result.output
    alice, bob = keyid(audit, "alice"), keyid(audit, "bob")
    assert result.stdout.splitlines()[:6] == [
        f"VERIFIED: {audit.results} approved by Alice Adams (Chief Risk Officer) [key {alice[:16]}],"
        f" approved with conditions by Bob Brown (Head of Compliance) [key {bob[:16]}]; audit verdict: pass",
        "  audit: verdict pass, policy lending",
        f"  trust: 2 key(s) from {audit.trusted_file}, a trusted-keys file (holders named)",
        "  policy: 1 approval(s) by distinct trusted keys; required roles: none; a later approval supersedes the"
        " same key's rejection: no; approving an audit that did not pass needs an override: no",
        f"  sign-off #1: approve by Alice Adams (Chief Risk Officer) — verified with key {alice}",
        f"  sign-off #2: approve-with-conditions by Bob Brown (Head of Compliance) — verified with key {bob};"
        " conditions: Re-audit after 90 days; expires 2099-06-01",
    ]
    head = read_signoffs(audit.results)[-1].digest
    assert f"  log: 2 entries, head sha256 {head}" in result.stdout.splitlines()
    assert f"  checked: model file {audit.model}" in result.stdout.splitlines()


def test_approve_with_conditions_is_not_reported_as_a_plain_approval(audit: Audit) -> None:
    signoff(audit, "bob", "approve-with-conditions", "--conditions", "Monthly drift review")
    result = verify(audit)
    assert result.exit_code == EXIT_PASSED
    assert " approved with conditions by Bob Brown (Head of Compliance)" in result.stdout.splitlines()[0]
    assert "conditions: Monthly drift review" in result.stdout


def test_signoff_prints_the_head_and_verify_checks_it(audit: Audit) -> None:
    signed = signoff(audit, "alice")
    [head] = re.findall(r"log entry #1, sha256 ([0-9a-f]{64})", signed.output)
    assert verify(audit, "--head", head).exit_code == EXIT_PASSED
    other = "0" * 64
    result = verify(audit, "--head", other)
    assert result.exit_code == EXIT_FAILED
    assert "has no entry with the expected head sha256 0000000000000000…" in result.stderr
    assert verify(audit, "--head", "abc").exit_code == EXIT_USAGE


# ---------------------------------------------------------------------------------------------
# Approving an audit that did not pass
# ---------------------------------------------------------------------------------------------


def test_approving_a_failed_audit_needs_an_override_reason(audit: Audit) -> None:
    failed(audit)
    refused = signoff(audit, "alice")
    assert refused.exit_code == EXIT_USAGE
    assert "the audit's verdict is fail: approving it overrides the verdict; say why with --override-reason" in (
        refused.output
    )
    assert not (audit.out / SIDECAR_NAME).exists()

    reason = "Parity gap accepted by the credit committee, ticket CR-1142"
    signed = signoff(audit, "alice", "approve", "--override-reason", reason)
    assert signed.exit_code == EXIT_PASSED, signed.output
    assert f"warning: {audit.results} did not pass; this approval overrides its verdict: {reason}" in signed.stderr
    result = verify(audit, "--require-pass")
    assert result.exit_code == EXIT_PASSED, result.output
    assert result.stdout.splitlines()[0].endswith("; audit verdict: fail")
    assert f"overrides the audit's verdict: {reason}" in result.stdout


@pytest.mark.parametrize(
    ("decision", "message"),
    [
        ("approve", "the audit passed (verdict pass): there is nothing to override"),
        ("reject", "an override reason is only for approving an audit that did not pass, not for reject"),
    ],
)
def test_an_override_reason_is_refused_where_there_is_nothing_to_override(audit: Audit, decision, message) -> None:
    result = signoff(audit, "alice", decision, "--override-reason", "because")
    assert result.exit_code == EXIT_USAGE
    assert message in result.output


def test_require_pass_refuses_an_approval_of_a_failed_audit_without_an_override(
    audit: Audit, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An approval made without the override (an older govkit, another tool) counts only if the policy allows."""
    from govkit.signoff import protocol

    failed(audit)
    monkeypatch.setattr(protocol, "check_verdict", lambda request, result: None)
    assert signoff(audit, "alice").exit_code == EXIT_PASSED
    monkeypatch.undo()

    lenient = verify(audit)
    assert lenient.exit_code == EXIT_PASSED
    assert lenient.stdout.splitlines()[0].endswith("; audit verdict: fail")
    assert "; approves an audit whose verdict is fail" in lenient.stdout

    strict = verify(audit, "--require-pass")
    assert strict.exit_code == EXIT_FAILED
    assert strict.stderr.splitlines() == [
        f"NOT VERIFIED: sign-off #1: Alice Adams (Chief Risk Officer) [key {keyid(audit, 'alice')[:16]}] approved"
        " an audit whose verdict is fail without an override reason; the trust policy requires a passed audit or an"
        " explicit override",
        "NOT VERIFIED: 0 of the 1 approval(s) the trust policy requires, by distinct trusted keys",
    ]
    audit.trusted_file = audit.trust_file(HOLDERS, {"require_pass": True})
    assert verify(audit).exit_code == EXIT_FAILED


# ---------------------------------------------------------------------------------------------
# Options naming what the audit does not have
# ---------------------------------------------------------------------------------------------


def test_a_file_option_for_a_subject_the_audit_did_not_record_is_a_usage_error(audit: Audit) -> None:
    from govkit.api import render

    files = {k: v for k, v in audit.result.provenance.files.items() if k not in ("model", "reference")}
    audit.result = audit.result.model_copy(
        update={"provenance": audit.result.provenance.model_copy(update={"files": files})}
    )
    audit.result.write_json(audit.results)
    render(audit.results, audit.out, formats=["html"])
    assert signoff(audit, "alice").exit_code == EXIT_PASSED
    audit.trusted_file = audit.trusted  # a folder of keys will do: this is about the files, not who signed
    assert verify(audit).exit_code == EXIT_PASSED
    for option in ("--model", "--reference"):
        result = verify(audit, option, audit.model)
        assert result.exit_code == EXIT_USAGE, result.output
        assert f"{option} {audit.model}: the audit recorded no " in result.output
    assert verify(audit, "--data", audit.current).exit_code == EXIT_PASSED


def test_exit_codes(audit: Audit) -> None:
    assert verify(audit).exit_code == EXIT_FAILED  # nothing signed
    assert cli("verify", audit.results, "--trusted-keys", audit.root / "missing.yaml").exit_code == EXIT_USAGE
    assert verify(audit, "--approvals", "0").exit_code == EXIT_USAGE
    assert signoff(audit, "alice").exit_code == EXIT_PASSED
    assert verify(audit).exit_code == EXIT_PASSED


# ---------------------------------------------------------------------------------------------
# The report: every sign-off with its state, never a claim drawn as an approval
# ---------------------------------------------------------------------------------------------


def _append_unsigned(audit: Audit, name: str, role: str) -> None:
    """A forged entry with nobody's signature, claiming ``name`` approves; re-rendered as govkit render would."""
    from govkit.api import render

    sidecar = audit.out / SIDECAR_NAME
    data = json.loads(sidecar.read_text())
    previous = base64.b64decode(data["envelopes"][-1]["payload"])
    statement = json.loads(previous)
    statement["predicate"]["signer"] = {"name": name, "role": role}
    chain = {"index": len(data["envelopes"]) + 1, "previous": hashlib.sha256(previous).hexdigest()}
    statement["predicate"]["chain"] = chain  # the forger links it in properly: only the signature is missing
    payload = base64.b64encode(json.dumps(statement).encode()).decode()
    data["envelopes"].append({"payload": payload, "payloadType": "application/vnd.in-toto+json", "signatures": []})
    sidecar.write_text(json.dumps(data))
    render(audit.results, audit.out, formats=["html"], signoffs=read_signoffs(audit.results))


def _row(html: str, name: str) -> str:
    [row] = [row for row in re.findall(r"<tr>.*?</tr>", html) if f"<td>{name}</td>" in row]
    return row


def test_the_report_never_shows_a_forged_approval_as_one(audit: Audit) -> None:
    from govkit.api import render

    signoff(audit, "alice")
    _append_unsigned(audit, "Carl Forger", "Chief Risk Officer")
    html = audit.report.read_text()
    forged = _row(html, "Carl Forger")
    assert "pill-pass" not in forged and "Not verified" in forged
    assert "pill-pass" not in html.split('class="panel signoff"')[1].split("</div>")[0]  # no trust: nothing green
    assert "Not every sign-off below is verified" in html

    # rendered with the verifier's trust, the real approval is green and the forged one is shown for what it is
    records = govkit.signoff.assess_signoffs(audit.results, audit.trusted_file, now=NOW)
    assert [r.state for r in records] == ["verified", "invalid signature"]
    render(audit.results, audit.out / "trusted", formats=["html"], signoffs=records)
    html = (audit.out / "trusted" / "report.html").read_text()
    assert "pill-pass" in _row(html, "Alice Adams") and "Verified" in _row(html, "Alice Adams")
    forged = _row(html, "Carl Forger")
    assert "pill-pass" not in forged and "Invalid signature" in forged
    assert verify(audit).exit_code == EXIT_FAILED


def test_a_report_rendered_with_trust_is_still_verified(audit: Audit) -> None:
    assert signoff(audit, "alice", "approve", "--trusted-keys", audit.trusted_file).exit_code == EXIT_PASSED
    conditional = ("--conditions", "Quarterly review", "--trusted-keys", audit.trusted_file)
    assert signoff(audit, "bob", "approve-with-conditions", *conditional).exit_code == EXIT_PASSED
    html = audit.report.read_text()
    assert "pill-pass" in _row(html, "Alice Adams")
    assert "pill-warn" in _row(html, "Bob Brown") and "Approved with conditions" in _row(html, "Bob Brown")
    assert "Not every sign-off below is verified" not in html
    assert verify(audit).exit_code == EXIT_PASSED  # the report as sign_off wrote it, states and all
    assert cli("render", audit.results, "--format", "html").exit_code == EXIT_PASSED
    assert "pill-pass" not in _row(audit.report.read_text(), "Alice Adams")  # govkit render has no trusted keys
    assert verify(audit).exit_code == EXIT_PASSED  # and that rendering is accepted too
