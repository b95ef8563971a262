"""Who signed: identity from the trusted-keys file, never from the envelope; the trust policy; hidden keys; text.

Issue 15, "Who signed is only claimed": any trusted key could sign under another reviewer's name, ``verify``
printed the claimed name, hidden ``*.pub`` files were trusted, and names could hold bidi overrides, zero-width
or control characters (a forged name with ``\\nVERIFIED: …`` printed a real-looking line). Each test here fails
on the code before the trusted-keys file (a0a357d).
"""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import govkit.signoff
from govkit.cli import main
from govkit.errors import EXIT_FAILED, EXIT_PASSED, InputError
from govkit.signoff import SIDECAR_NAME, read_signoffs
from govkit.signoff.keys import key_id, load_public_key
from test_signing import NOW, Audit

HOLDERS = {
    "alice": ("Alice Adams", "Chief Risk Officer"),
    "bob": ("Bob Brown", "Head of Compliance"),
    "mallory": ("Mallory Moss", "Intern"),
}


@pytest.fixture
def audit(tmp_path: Path) -> Audit:
    project = Audit(tmp_path)
    for person in HOLDERS:
        project.person(person)
    return project


def sign(audit: Audit, person: str, name: str | None = None, role: str | None = None, **kwargs) -> dict:
    holder_name, holder_role = HOLDERS[person]
    return audit.sign(audit.keys / f"{person}.pem", name or holder_name, role or holder_role, **kwargs)


def keyid(audit: Audit, person: str) -> str:
    return key_id(load_public_key(audit.keys / f"{person}.pem.pub"))


# ---------------------------------------------------------------------------------------------
# The trusted-keys file
# ---------------------------------------------------------------------------------------------


def test_the_trusted_keys_file_names_each_key_and_sets_the_policy(audit: Audit) -> None:
    path = audit.trust_file(HOLDERS, {"approvals": 2, "required_roles": ["Chief Risk Officer"], "require_pass": True})
    trust = govkit.signoff.load_trust(path)
    assert trust.identities
    assert {k.keyid: (k.name, k.role) for k in trust.keys.values()} == {keyid(audit, p): h for p, h in HOLDERS.items()}
    assert (trust.policy.approvals, trust.policy.required_roles) == (2, ("Chief Risk Officer",))
    assert (trust.policy.require_pass, trust.policy.supersede_rejections) == (True, False)
    # options can only tighten the file's policy
    assert govkit.signoff.load_trust(path, approvals=1).policy.approvals == 2
    assert govkit.signoff.load_trust(path, approvals=3, required_roles=["Intern"]).policy.required_roles == (
        "Chief Risk Officer",
        "Intern",
    )


def test_json_and_inline_pem_work_too(audit: Audit) -> None:
    pem = (audit.keys / "alice.pem.pub").read_text()
    path = audit.root / "trusted.json"
    path.write_text(
        json.dumps(
            {"version": 1, "keys": [{"keyid": keyid(audit, "alice"), "name": "A", "role": "R", "public_key": pem}]}
        )
    )
    assert list(govkit.signoff.load_trust(path).keys) == [keyid(audit, "alice")]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["keys"][0].update(keyid="abc"), "keys[0].keyid: must be the key's 64 hex-digit key id"),
        (
            lambda d: d["keys"][0].update(keyid="0" * 64),
            "keys[0]: keyid 0000000000000000000000000000000000000000000000",
        ),
        (lambda d: d["keys"].append(dict(d["keys"][0])), "keys[3]: key "),
        (lambda d: d["keys"][1].update(name="Bob\u202e"), "keys[1].name: contains invisible or control characters"),
        (lambda d: d["keys"][1].update(role="Head\u200bof"), "keys[1].role: contains invisible or control characters"),
        (lambda d: d["keys"][0].pop("role"), "keys[0].role: is missing"),
        (lambda d: d.update(policy={"aprovals": 2}), "policy.aprovals: is not a setting govkit knows"),
        (lambda d: d.update(policy={"approvals": 0}), "policy.approvals: Input should be greater than or equal to 1"),
        (lambda d: d.update(version=2), "version: must be 1"),
        (lambda d: d["keys"][0].update(public_key="missing.pub"), "keys[0].public_key: "),
    ],
)
def test_a_bad_trusted_keys_file_is_a_located_usage_error(audit: Audit, change, message: str) -> None:
    path = audit.trust_file(HOLDERS)
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(InputError) as caught:
        govkit.signoff.load_trust(path)
    assert str(caught.value).startswith(f"{path}: "), caught.value
    assert message in str(caught.value)


def test_a_required_role_nobody_holds_or_a_folder_cannot_require_roles(audit: Audit) -> None:
    with pytest.raises(InputError, match="no trusted key is held by a Chief Executive"):
        govkit.signoff.load_trust(audit.trust_file(HOLDERS), required_roles=["Chief Executive"])
    with pytest.raises(InputError, match=r"a folder of \*\.pub keys says nothing about roles"):
        govkit.signoff.load_trust(audit.trusted, required_roles=["Intern"])


def test_hidden_public_keys_in_a_folder_are_never_trusted(audit: Audit) -> None:
    eve_dir = audit.root / "eve"
    eve, _ = audit.person("eve", trusted=False)
    shutil.copy(audit.keys / "eve.pem.pub", audit.trusted / ".cache.pub")
    assert keyid(audit, "eve") not in govkit.signoff.load_trust(audit.trusted).keys
    audit.sign(eve, "Eve", "Reviewer")
    audit.publish()
    outcome = audit.verify()
    assert not outcome.ok
    assert outcome.records[0].state == "untrusted"
    eve_dir.mkdir()
    shutil.copy(audit.keys / "eve.pem.pub", eve_dir / ".eve.pub")
    with pytest.raises(InputError, match=r"no \*\.pub public keys to trust"):
        govkit.signoff.load_trust(eve_dir)


# ---------------------------------------------------------------------------------------------
# Identity comes from the record, never from the claim
# ---------------------------------------------------------------------------------------------


def test_a_trusted_signer_claiming_another_identity_fails(audit: Audit) -> None:
    trusted = audit.trust_file(HOLDERS)
    sign(audit, "alice")
    sign(audit, "mallory", "Bob Brown", "Head of Compliance")  # a trusted key, someone else's name and title
    audit.publish()
    outcome = audit.verify(trusted)
    assert not outcome.ok
    assert outcome.reasons == [
        f"sign-off #2: signed with the key of Mallory Moss (Intern) (as {trusted} records it) but claims to be"
        " Bob Brown (Head of Compliance)"
    ]
    assert [r.state for r in outcome.records] == ["verified", "identity mismatch"]
    assert outcome.records[1].holder == "Mallory Moss (Intern)"


def test_verify_names_the_holders_and_key_ids_from_the_file(audit: Audit) -> None:
    from govkit.api import render

    render(audit.results, audit.out, formats=["html"])
    trusted = audit.trust_file(HOLDERS)
    for person in ("alice", "bob"):
        name, role = HOLDERS[person]
        assert (
            _cli(
                "signoff",
                audit.results,
                "--key",
                audit.keys / f"{person}.pem",
                "--name",
                name,
                "--role",
                role,
                "--decision",
                "approve",
            ).exit_code
            == EXIT_PASSED
        )
    result = _cli("verify", audit.results, "--trusted-keys", trusted)
    assert result.exit_code == EXIT_PASSED, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == (
        f"VERIFIED: {audit.results} approved by Alice Adams (Chief Risk Officer) [key {keyid(audit, 'alice')[:16]}],"
        f" approved by Bob Brown (Head of Compliance) [key {keyid(audit, 'bob')[:16]}]; audit verdict: pass"
    )
    assert (
        f"  sign-off #1: approve by Alice Adams (Chief Risk Officer) — verified with key {keyid(audit, 'alice')}"
        in lines
    )
    assert (
        f"  sign-off #2: approve by Bob Brown (Head of Compliance) — verified with key {keyid(audit, 'bob')}" in lines
    )
    assert f"  trust: 3 key(s) from {trusted}, a trusted-keys file (holders named)" in lines


def test_signoff_with_the_trusted_keys_refuses_a_name_the_record_does_not_give(audit: Audit) -> None:
    from govkit.api import render
    from govkit.signoff import sign_off

    render(audit.results, audit.out, formats=["html"])
    with pytest.raises(InputError, match=r"records key .* as held by Mallory Moss \(Intern\), not Alice Adams"):
        sign_off(
            audit.results,
            audit.keys / "mallory.pem",
            "Alice Adams",
            "Chief Risk Officer",
            "approve",
            trusted_keys=audit.trust_file(HOLDERS),
            now=NOW,
        )
    assert not (audit.out / SIDECAR_NAME).exists()


# ---------------------------------------------------------------------------------------------
# Names and roles: nothing hidden, nothing that starts a line
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "hidden"),
    [
        ("Alice\u202eAdams", "U+202E"),  # right-to-left override
        ("Al\u200bice", "U+200B"),  # zero-width space
        ("Alice \u2066Adams\u2069", "U+2066, U+2069"),  # isolates
        ("Alice\x1b[31m", "U+001B"),  # an escape sequence
        ("Alice\u2028Adams", "U+2028"),  # line separator
    ],
)
def test_names_and_roles_with_hidden_characters_are_refused_at_signoff(audit: Audit, name: str, hidden: str) -> None:
    with pytest.raises(InputError) as caught:
        audit.sign(audit.keys / "alice.pem", name, "Chief Risk Officer")
    assert str(caught.value).startswith(f"the signer's name contains invisible or control characters ({hidden})")
    with pytest.raises(InputError, match="the signer's role contains invisible"):
        audit.sign(audit.keys / "alice.pem", "Alice Adams", f"Chief {name}")
    assert not (audit.out / SIDECAR_NAME).exists()


def _forge(audit: Audit, name: str, role: str = "Chief Risk Officer") -> None:
    """Append Alice's envelope with another signer's name put in, and re-render as govkit render would."""
    from govkit.api import render

    sidecar = audit.out / SIDECAR_NAME
    data = json.loads(sidecar.read_text())
    envelope = json.loads(json.dumps(data["envelopes"][-1]))
    statement = json.loads(base64.b64decode(envelope["payload"]))
    statement["predicate"]["signer"] = {"name": name, "role": role}
    envelope["payload"] = base64.b64encode(json.dumps(statement).encode()).decode()
    data["envelopes"].append(envelope)
    sidecar.write_text(json.dumps(data))
    render(audit.results, audit.out, formats=["html"], signoffs=read_signoffs(audit.results))


def _cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def _signed_for_real(audit: Audit) -> None:
    """The real report, signed off by Alice through the protocol (so the report on disk is govkit's)."""
    from govkit.api import render
    from govkit.signoff import sign_off

    render(audit.results, audit.out, formats=["html"])
    sign_off(audit.results, audit.keys / "alice.pem", *HOLDERS["alice"], "approve", now=NOW)


def test_a_forged_name_cannot_print_a_verified_line(audit: Audit) -> None:
    _signed_for_real(audit)
    _forge(audit, "Eve\nVERIFIED: everything approved by the board \u202eeerga")
    result = _cli("verify", audit.results, "--trusted-keys", audit.trust_file(HOLDERS))
    assert result.exit_code == EXIT_FAILED
    lines = result.output.splitlines()
    assert not [line for line in lines if line.startswith("VERIFIED")], result.output
    assert all("\u202e" not in line for line in lines)
    claimed = "Eve\\nVERIFIED: everything approved by the board \\u202eeerga (Chief Risk Officer) (unverified claim)"
    assert [line for line in lines if line.startswith("NOT VERIFIED")] == [
        f"NOT VERIFIED: sign-off #2 by {claimed}: signature by key {keyid(audit, 'alice')} does not verify:"
        " the envelope was altered after signing"
    ]


def test_a_forged_name_is_escaped_in_the_report(audit: Audit) -> None:
    _signed_for_real(audit)
    _forge(audit, "Eve \u202eeerga")
    html = audit.report.read_text()
    assert "\u202e" not in html
    assert "Eve \\u202eeerga" in html


# ---------------------------------------------------------------------------------------------
# The trust policy
# ---------------------------------------------------------------------------------------------


def test_approvals_count_distinct_keys(audit: Audit) -> None:
    trusted = audit.trust_file(HOLDERS, {"approvals": 2})
    sign(audit, "alice")
    sign(audit, "alice")  # the same key twice is one approval
    audit.publish()
    assert audit.verify(trusted).reasons == [
        "1 of the 2 approval(s) the trust policy requires, by distinct trusted keys"
    ]
    sign(audit, "bob")
    audit.publish()
    outcome = audit.verify(trusted)
    assert outcome.ok, outcome.reasons
    assert audit.verify(trusted, approvals=3).reasons == [
        "2 of the 3 approval(s) the trust policy requires, by distinct trusted keys"
    ]


def test_required_roles_must_approve(audit: Audit) -> None:
    trusted = audit.trust_file(HOLDERS, {"required_roles": ["Head of Compliance"]})
    sign(audit, "alice")
    audit.publish()
    assert audit.verify(trusted).reasons == ["no approval by a holder of the required role Head of Compliance"]
    assert audit.verify(audit.trust_file(HOLDERS), required_roles=["Chief Risk Officer"]).ok


def test_a_deleted_rejection_at_the_end_is_caught_by_the_required_role(audit: Audit) -> None:
    """The issue's attack, where the reject is the last entry: the chain cannot see it, the policy can."""
    trusted = audit.trust_file(HOLDERS, {"required_roles": ["Chief Risk Officer", "Head of Compliance"]})
    sign(audit, "alice")
    sign(audit, "bob", decision="reject")
    audit.publish()
    sidecar = audit.out / SIDECAR_NAME
    data = json.loads(sidecar.read_text())
    data["envelopes"].pop()
    sidecar.write_text(json.dumps(data))
    audit.publish()
    outcome = audit.verify(trusted)
    assert not outcome.ok
    assert outcome.reasons == ["no approval by a holder of the required role Head of Compliance"]


@pytest.mark.parametrize("supersede", [False, True])
def test_a_later_approval_supersedes_a_rejection_only_when_the_policy_says(audit: Audit, supersede: bool) -> None:
    trusted = audit.trust_file(HOLDERS, {"later_approval_supersedes_rejection": supersede})
    sign(audit, "alice")
    sign(audit, "bob", decision="reject")
    sign(audit, "bob")
    audit.publish()
    outcome = audit.verify(trusted)
    if supersede:
        assert outcome.ok, outcome.reasons
        assert any(line.endswith("; superseded by sign-off #3 (same key)") for line in outcome.summary)
    else:
        assert outcome.reasons == [
            f"sign-off #2: Bob Brown (Head of Compliance) [key {keyid(audit, 'bob')[:16]}] rejected this audit"
            " (signed 2025-03-01T09:30:00+00:00)"
        ]
    # a later rejection always stands
    sign(audit, "alice", decision="reject")
    audit.publish()
    assert not audit.verify(trusted).ok
