"""Sign-off: Ed25519 keys, DSSE envelopes and verification, with real cryptography and no mocks.

``Audit`` (a small audited project on disk) is shared with the ``test_signoff_*`` files.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import re
import shutil
import stat
import subprocess
import sys
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govkit.errors import InputError
from govkit.results import (
    SCHEMA_VERSION,
    AuditInputs,
    CheckResult,
    Measurement,
    Provenance,
    RunResult,
    Status,
    Threshold,
)
from govkit.signoff import (
    PAYLOAD_TYPE,
    PREDICATE_TYPE,
    SIDECAR_NAME,
    STATEMENT_TYPE,
    SignatureError,
    dsse_verify,
    generate_keypair,
    key_id,
    load_private_key,
    load_public_key,
    pae,
    read_signoffs,
    sign_results,
    verify_signoffs,
)

NOW = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------------------------------------
# A small but realistic audit on disk
# ---------------------------------------------------------------------------------------------


class Audit:
    """An audited project in a temporary folder: inputs, results.json, report bytes, keys."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.inputs = root / "inputs"
        self.inputs.mkdir()
        self.model = self.inputs / "model.skops"
        self.model.write_bytes(b"PK\x03\x04 a pretend skops archive\n")
        self.current = self.inputs / "current.csv"
        self.current.write_text("age,sex,income,approved\n34,F,52000,1\n51,M,61000,0\n29,F,38000,1\n")
        self.reference = self.inputs / "reference.csv"
        self.reference.write_text("age,sex,income,approved\n40,M,50000,1\n22,F,30000,0\n")
        self.policy = self.inputs / "policy.yaml"
        self.policy.write_text("version: 1\nname: lending\nchecks:\n  - id: fairness.demographic_parity_ratio\n")

        self.out = root / "out"
        self.out.mkdir()
        self.results = self.out / "results.json"
        self.result = self.make_result()
        self.result.write_json(self.results)
        # What the report renderer would give: the report as audited, and with the sign-offs shown.
        self.unsigned_report = b"<html><body>verdict: pass</body></html>\n"
        self.report = self.out / "report.html"
        self.report.write_bytes(self.unsigned_report)

        self.trusted = root / "trusted"
        self.keys = root / "keys"

    def make_result(self) -> RunResult:
        files = {
            role: {"path": str(path), "sha256": sha(path.read_bytes())}
            for role, path in (
                ("current", self.current),
                ("reference", self.reference),
                ("model", self.model),
                ("policy", self.policy),
            )
        }
        return RunResult(
            policy={
                "name": "lending",
                "description": "Consumer lending",
                "files": [str(self.policy)],
                "extends": [],
                "sha256": files["policy"]["sha256"],
            },
            model_card={"owner": "Credit Risk ML"},
            inputs=AuditInputs(
                target="approved",
                sensitive=["sex"],
                features=["age", "income"],
                positive_label="1",
                task="binary",
                current_rows=3,
                reference_rows=2,
                model_type="sklearn.linear_model.LogisticRegression",
                prediction_source="model",
            ),
            provenance=Provenance(
                started_at="2025-02-28T10:00:00+00:00",
                finished_at="2025-02-28T10:00:04+00:00",
                duration_seconds=4.0,
                seed=0,
                govkit_version="0.1.0",
                python_version="3.11.9",
                platform="Linux x86_64",
                library_versions={"govkit": "0.1.0"},
                files=files,
            ),
            checks=[
                CheckResult(
                    id="fairness.demographic_parity_ratio",
                    family="fairness",
                    title="Demographic parity ratio",
                    status=Status.PASS,
                    message="Selection rate for M is 0.9 of F's",
                    measurement=Measurement(value=0.9, sample_size=3),
                    fail_if=Threshold(lt=0.8),
                ),
                CheckResult(
                    id="quality.missing_share",
                    family="quality",
                    title="Missing values",
                    status=Status.PASS,
                    message="No missing values",
                    measurement=Measurement(value=0.0, sample_size=3),
                    fail_if=Threshold(gt=0.05),
                ),
            ],
        )

    def fail(self) -> None:
        """Make the audit one that did not pass: the fairness check fails and blocks."""
        check = self.result.checks[0].model_copy(
            update={"status": Status.FAIL, "measurement": Measurement(value=0.5, sample_size=3)}
        )
        self.result = self.result.model_copy(update={"checks": [check, *self.result.checks[1:]]})
        self.result.write_json(self.results)
        assert self.result.verdict.value == "fail"

    def person(self, name: str, trusted: bool = True) -> tuple[Path, str]:
        """A key pair for ``name``; its public key is trusted unless ``trusted`` is False."""
        private, public, keyid = generate_keypair(self.keys / f"{name}.pem")
        if trusted:
            self.trusted.mkdir(exist_ok=True)
            shutil.copy(public, self.trusted / f"{name}.pub")
        return private, keyid

    def trust_file(self, holders: dict[str, tuple[str, str]], policy: dict | None = None) -> Path:
        """A trusted-keys file: key file name -> (holder's name, role), with ``policy`` if given."""
        import yaml

        keys = []
        for person, (name, role) in holders.items():
            public = self.keys / f"{person}.pem.pub"
            keys.append(
                {"keyid": key_id(load_public_key(public)), "name": name, "role": role, "public_key": str(public)}
            )
        path = self.root / "trusted-keys.yaml"
        path.write_text(yaml.safe_dump({"version": 1, "keys": keys, **({"policy": policy} if policy else {})}))
        return path

    def sign(self, key: Path, name: str = "Alice Adams", role: str = "Chief Risk Officer", **kwargs) -> dict:
        kwargs.setdefault("decision", "approve")
        kwargs.setdefault("now", NOW)
        return sign_results(self.results, sha(self.unsigned_report), key, name, role, **kwargs)

    def signed_report(self) -> bytes:
        """Stands in for re-rendering the report with the sign-offs shown."""
        names = ", ".join(record.who for record in read_signoffs(self.results))
        return self.unsigned_report.replace(b"</body>", f"<p>signed: {names}</p></body>".encode())

    def publish(self) -> None:
        self.report.write_bytes(self.signed_report())

    def verify(self, trusted: Path | None = None, **kwargs):
        if "report_path" not in kwargs:
            kwargs.update(report_path=self.report, expected_report_bytes=self.signed_report())
        kwargs.setdefault("unsigned_report_sha256", sha(self.unsigned_report))
        kwargs.setdefault("now", NOW)
        return verify_signoffs(self.results, trusted or self.trusted, **kwargs)


@pytest.fixture
def audit(tmp_path: Path) -> Audit:
    return Audit(tmp_path)


@pytest.fixture
def signed(audit: Audit) -> Audit:
    """The audit signed off by Alice, with the report re-rendered to show her sign-off."""
    key, _ = audit.person("alice")
    audit.alice = key
    audit.sign(key)
    audit.publish()
    return audit


# ---------------------------------------------------------------------------------------------
# Keys
# ---------------------------------------------------------------------------------------------


def test_import_loads_no_cryptography() -> None:
    code = "import sys, govkit.signoff; print('cryptography' in sys.modules, 'pydantic' in sys.modules)"
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert completed.stdout.split() == ["False", "False"]


def test_keygen_writes_private_key_0600_and_public_key_beside_it(tmp_path: Path) -> None:
    private, public, keyid = generate_keypair(tmp_path / "keys" / "alice.pem")
    assert private == tmp_path / "keys" / "alice.pem"
    assert public == tmp_path / "keys" / "alice.pem.pub"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert private.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    assert public.read_text().startswith("-----BEGIN PUBLIC KEY-----")
    # The key id is the sha256 of the raw 32-byte public key, and both halves belong together.
    loaded = load_public_key(public)
    raw = base64.b64decode("".join(public.read_text().splitlines()[1:-1]))[-32:]
    assert keyid == key_id(loaded) == sha(raw)
    assert len(keyid) == 64
    assert key_id(load_private_key(private).public_key()) == keyid


def test_keygen_never_overwrites(tmp_path: Path) -> None:
    private, public, _ = generate_keypair(tmp_path / "alice.pem")
    before = private.read_bytes(), public.read_bytes()
    with pytest.raises(InputError) as caught:
        generate_keypair(private)
    assert str(caught.value) == f"{private}: already exists; govkit never overwrites a key file, choose another path"
    # An existing public key stops it too, before the private key is written.
    other = tmp_path / "bob.pem"
    with pytest.raises(InputError, match="already exists"):
        generate_keypair(other, public_path=public)
    assert not other.exists()
    assert (private.read_bytes(), public.read_bytes()) == before


def test_sign_off_refuses_a_public_key_as_signing_key(signed: Audit) -> None:
    with pytest.raises(InputError, match=r"not a PEM private key \(is it the \.pub file\?\)"):
        signed.sign(signed.trusted / "alice.pub")


# ---------------------------------------------------------------------------------------------
# DSSE
# ---------------------------------------------------------------------------------------------


def test_pae_matches_the_dsse_spec_example() -> None:
    assert pae("http://example.com/HelloWorld", b"hello world") == (
        b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
    )
    assert pae("", b"") == b"DSSEv1 0  0 "
    assert pae("application/vnd.exämple+json", b"x").startswith(b"DSSEv1 29 ")  # bytes, not characters


def test_pae_verifies_the_dsse_spec_signature() -> None:
    """protocol.md's test vector: its ECDSA P-256 signature covers exactly our PAE bytes."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, utils

    envelope = {
        "payload": "aGVsbG8gd29ybGQ=",
        "payloadType": "http://example.com/HelloWorld",
        "signatures": [
            {"sig": "A3JqsQGtVsJ2O2xqrI5IcnXip5GToJ3F+FnZ+O88SjtR6rDAajabZKciJTfUiHqJPcIAriEGAHTVeCUjW2JIZA=="}
        ],
    }
    x = 46950820868899156662930047687818585632848591499744589407958293238635476079160
    y = 5640078356564379163099075877009565129882514886557779369047442380624545832820
    public = ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()
    raw = base64.b64decode(envelope["signatures"][0]["sig"])
    der = utils.encode_dss_signature(int.from_bytes(raw[:32]), int.from_bytes(raw[32:]))
    message = pae(envelope["payloadType"], base64.b64decode(envelope["payload"]))
    public.verify(der, message, ec.ECDSA(hashes.SHA256()))  # raises InvalidSignature on any byte off


# DSSE testvectors/vectors.json (secure-systems-lab/dsse): Ed25519 keys A and B are RFC 8032 section 7.1
# TEST 1 and TEST 2, so the signatures are deterministic (checked independently against those keys).
RFC8032 = {
    "A": "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
    "B": "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
}
STATEMENT = "eyJfdHlwZSI6Imh0dHBzOi8vaW4tdG90by5pby9TdGF0ZW1lbnQvdjEifQ=="
SIG_A = "2WAfaHm5jluo0w+0rk8uVkluELJYWjSmU9x7EUzx+AyteDGJ4/nqyJXfmAUVFIAoQafWm7AxBZNw5M9ixNHiCA=="
SIG_B = "c1+67/aT0yqEpwx8PsVY3MLHsj9D0CZ014/Fv/QlG59P+9CobUZ7xECJ/V3USG0Ob9CiE5LjReEZUzNF2l7eBw=="
IN_TOTO = [PAYLOAD_TYPE]
VECTORS = [
    ("single-signature", STATEMENT, PAYLOAD_TYPE, [(SIG_A, "A")], 1, IN_TOTO, True),
    (
        "url-safe-base64",
        "-_-_Pj8=",
        PAYLOAD_TYPE,
        [("P-_KHICeR7tI6S_YyejJTRtrXhcQyQ2LYPaL8h90KjC9qN8HU_svOQ6TuDOT1HIrsGW886DbWNWcCmX5twLrAw==", "A")],
        1,
        IN_TOTO,
        True,
    ),
    (
        "payload-type-swapped",
        STATEMENT,
        "application/vnd.example.other+json",
        [(SIG_A, "A")],
        1,
        [PAYLOAD_TYPE, "application/vnd.example.other+json"],
        False,
    ),
    (
        "non-ascii-payload-type",
        STATEMENT,
        "application/vnd.exämple+json",
        [("xmSk/ug66ysT7ayhkCIjhAq42zgZXSsEWuzUaNL7w2eGAdF/NU6/fRXPtmfN+5DNSAs5/i2lUnHjbbjPsu0tAw==", "A")],
        1,
        ["application/vnd.exämple+json"],
        True,
    ),
    (
        "empty-payload",
        "",
        PAYLOAD_TYPE,
        [("gSggCAaTLTYyRH6FIDBem6meyIynsYy8RTHVzwx9tnTb7Bg/1jMWnuVgI/gffqmbsC2VX5/jHfkkDqsj7CDbDg==", "A")],
        1,
        IN_TOTO,
        True,
    ),
    (
        "empty-payload-type",
        STATEMENT,
        "",
        [("iC3q/+3Rm0+lpAJRueDmDh15PnwCfxKmS0NAfKsbv+zgulXQC/WM9trc+j1XEqlwDIg/vf/uNfebeD6sxInrDg==", "A")],
        1,
        IN_TOTO,
        False,
    ),
    ("threshold-two-distinct-keys", STATEMENT, PAYLOAD_TYPE, [(SIG_A, "A"), (SIG_B, "B")], 2, IN_TOTO, True),
    ("threshold-two-one-key-twice", STATEMENT, PAYLOAD_TYPE, [(SIG_A, "A"), (SIG_A, "A")], 2, IN_TOTO, False),
    (
        "threshold-two-without-keyids",
        STATEMENT,
        PAYLOAD_TYPE,
        [(SIG_A, None), (SIG_B, None)],
        2,
        IN_TOTO,
        True,
    ),
]


@pytest.mark.parametrize(
    ("payload", "payload_type", "signatures", "threshold", "supported", "accept"),
    [vector[1:] for vector in VECTORS],
    ids=[vector[0] for vector in VECTORS],
)
def test_dsse_conformance_vectors(payload, payload_type, signatures, threshold, supported, accept) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    keys = {name: Ed25519PublicKey.from_public_bytes(bytes.fromhex(raw)) for name, raw in RFC8032.items()}
    envelope = {
        "payload": payload,
        "payloadType": payload_type,
        "signatures": [{"sig": sig} | ({"keyid": keyid} if keyid else {}) for sig, keyid in signatures],
    }
    if accept:
        body, accepted = dsse_verify(envelope, keys, supported_types=supported, threshold=threshold)
        assert body == base64.urlsafe_b64decode(payload.replace("+", "-").replace("/", "_"))
        assert len(accepted) == threshold
    else:
        with pytest.raises(SignatureError):
            dsse_verify(envelope, keys, supported_types=supported, threshold=threshold)


# ---------------------------------------------------------------------------------------------
# Signing and verifying
# ---------------------------------------------------------------------------------------------


def test_sign_then_verify(signed: Audit) -> None:
    sidecar = json.loads((signed.out / SIDECAR_NAME).read_text())
    assert list(sidecar) == ["envelopes"]
    [envelope] = sidecar["envelopes"]
    assert envelope["payloadType"] == PAYLOAD_TYPE
    [signature] = envelope["signatures"]
    assert signature["keyid"] == key_id(load_public_key(signed.trusted / "alice.pub"))
    assert len(base64.b64decode(signature["sig"], validate=True)) == 64

    statement = json.loads(base64.b64decode(envelope["payload"], validate=True))
    assert statement["_type"] == STATEMENT_TYPE
    assert statement["predicateType"] == PREDICATE_TYPE
    a = signed
    assert statement["subject"] == [
        {"name": "results.json", "digest": {"sha256": sha(a.results.read_bytes())}},
        {"name": "report.html", "digest": {"sha256": sha(a.unsigned_report)}},
        {"name": f"current:{a.current}", "digest": {"sha256": sha(a.current.read_bytes())}},
        {"name": f"reference:{a.reference}", "digest": {"sha256": sha(a.reference.read_bytes())}},
        {"name": f"model:{a.model}", "digest": {"sha256": sha(a.model.read_bytes())}},
        {"name": f"policy:{a.policy}", "digest": {"sha256": sha(a.policy.read_bytes())}},
    ]
    assert statement["predicate"] == {
        "signer": {"name": "Alice Adams", "role": "Chief Risk Officer"},
        "decision": "approve",
        "conditions": None,
        "override_reason": None,
        "expires": None,
        "signed_at": "2025-03-01T09:30:00+00:00",
        "chain": {"index": 1, "previous": None},
        "audit": {
            "verdict": "pass",
            "policy": "lending",
            "schema_version": SCHEMA_VERSION,
            "started_at": "2025-02-28T10:00:00+00:00",
        },
    }

    outcome = signed.verify()
    assert outcome.reasons == []
    assert outcome.ok
    [alice] = outcome.signers
    assert (alice.name, alice.role, alice.decision, alice.verified) == (
        "Alice Adams",
        "Chief Risk Officer",
        "approve",
        True,
    )
    assert alice.key_file == str(signed.trusted / "alice.pub")
    assert outcome.approvals == [alice]


def test_two_signers_both_verify(signed: Audit) -> None:
    bob, _ = signed.person("bob")
    signed.sign(
        bob,
        "Bob Brown",
        "Head of Compliance",
        decision="approve-with-conditions",
        conditions="Re-audit after 90 days",
        expires=date(2025, 6, 1),
    )
    signed.publish()

    records = read_signoffs(signed.results)
    assert [(r.name, r.decision, r.verified) for r in records] == [
        ("Alice Adams", "approve", False),
        ("Bob Brown", "approve-with-conditions", False),
    ]
    assert records[1].conditions == "Re-audit after 90 days"
    assert records[1].expires == date(2025, 6, 1)

    outcome = signed.verify()
    assert outcome.reasons == []
    assert outcome.ok
    assert [r.who for r in outcome.signers] == [
        "Alice Adams (Chief Risk Officer)",
        "Bob Brown (Head of Compliance)",
    ]
    assert all(r.verified for r in outcome.signers)


def test_signer_with_untrusted_key_fails_naming_the_key(signed: Audit) -> None:
    mallory, keyid = signed.person("mallory", trusted=False)
    signed.sign(mallory, "Mallory", "Intern")
    signed.publish()
    outcome = signed.verify()
    assert not outcome.ok
    assert outcome.reasons == [
        f"sign-off #2 by Mallory (Intern) (unverified claim): key {keyid} is not among the trusted keys"
        f" in {signed.trusted}"
    ]
    assert [r.name for r in outcome.signers] == ["Alice Adams"]


def test_a_key_named_in_the_envelope_is_not_trusted_by_id_alone(signed: Audit) -> None:
    """Mallory signs with her own key but claims Alice's trusted key id: the signature must not verify."""
    mallory, _ = signed.person("mallory", trusted=False)
    envelope = signed.sign(mallory, "Alice Adams", "Chief Risk Officer")
    alice_id = key_id(load_public_key(signed.trusted / "alice.pub"))
    sidecar = signed.out / SIDECAR_NAME
    data = json.loads(sidecar.read_text())
    data["envelopes"][1]["signatures"][0]["keyid"] = alice_id
    sidecar.write_text(json.dumps(data))
    assert envelope["signatures"][0]["keyid"] != alice_id
    outcome = signed.verify(report_path=None)
    assert outcome.reasons == [
        f"sign-off #2 by Alice Adams (Chief Risk Officer) (unverified claim): signature by key {alice_id}"
        " does not verify: the envelope was altered after signing"
    ]


def test_changed_results_json_fails(signed: Audit) -> None:
    signed_sha = sha(signed.results.read_bytes())
    text = signed.results.read_bytes()
    assert b'"current_rows": 3' in text
    signed.results.write_bytes(text.replace(b'"current_rows": 3', b'"current_rows": 4', 1))  # one byte
    outcome = signed.verify(unsigned_report_sha256=None)
    assert not outcome.ok
    assert outcome.reasons == [
        f"{signed.results} changed since sign-off: sha256 now {sha(signed.results.read_bytes())} != signed {signed_sha}"
    ]


def test_changed_report_fails(signed: Audit) -> None:
    signed.report.write_bytes(signed.report.read_bytes().replace(b"verdict: pass", b"verdict: fail"))
    outcome = signed.verify()
    assert not outcome.ok
    assert outcome.reasons == [f"{signed.report} was changed after sign-off"]
    assert outcome.reasons[0].endswith("report.html was changed after sign-off")


def test_missing_report_fails(signed: Audit) -> None:
    signed.report.unlink()
    assert signed.verify().reasons == [f"report {signed.report} is missing"]


def test_report_rendered_differently_now_fails(signed: Audit) -> None:
    new = sha(b"<html>templates changed</html>")
    assert signed.verify(unsigned_report_sha256=new).reasons == [
        "report.html rendered from results.json now differs from the report that was signed:"
        f" sha256 now {new} != signed {sha(signed.unsigned_report)}"
    ]


def test_changed_model_file_fails(signed: Audit) -> None:
    before = sha(signed.model.read_bytes())
    signed.model.write_bytes(signed.model.read_bytes() + b"retrained")
    outcome = signed.verify()
    assert not outcome.ok
    assert outcome.reasons == [
        f"model file {signed.model} changed since sign-off:"
        f" sha256 now {sha(signed.model.read_bytes())} != signed {before}"
    ]


def test_changed_data_file_fails(signed: Audit) -> None:
    before = sha(signed.current.read_bytes())
    signed.current.write_text(signed.current.read_text().replace("52000", "52001"))
    outcome = signed.verify()
    assert outcome.reasons == [
        f"data file {signed.current} changed since sign-off: sha256 now {sha(signed.current.read_bytes())}"
        f" != signed {before}"
    ]


def test_changed_policy_and_reference_files_fail(signed: Audit) -> None:
    signed.policy.write_text(signed.policy.read_text() + "    fail_if: {lt: 0.5}\n")
    signed.reference.unlink()
    reasons = signed.verify().reasons
    assert reasons[0] == f"reference data file {signed.reference} is missing"
    assert reasons[1].startswith(f"policy file {signed.policy} changed since sign-off: sha256 now ")
    assert len(reasons) == 2


def test_missing_model_file_fails_and_given_paths_override_recorded_ones(signed: Audit, tmp_path: Path) -> None:
    moved_model, moved_data = tmp_path / "elsewhere.skops", tmp_path / "elsewhere.csv"
    signed.model.rename(moved_model)
    assert signed.verify().reasons == [f"model file {signed.model} is missing"]
    assert signed.verify(model=moved_model).ok
    shutil.copy(signed.reference, moved_data)  # the wrong data file given in place of current.csv
    reasons = signed.verify(model=moved_model, data=moved_data).reasons
    assert reasons == [
        f"data file {moved_data} changed since sign-off: sha256 now {sha(moved_data.read_bytes())}"
        f" != signed {sha(signed.current.read_bytes())}"
    ]


def test_expired_sign_off_fails(audit: Audit) -> None:
    key, _ = audit.person("alice")
    audit.sign(key, expires=date(2025, 3, 31))
    audit.publish()
    assert audit.verify(now=datetime(2025, 3, 31, 23, 59, tzinfo=UTC)).ok  # valid through that day
    outcome = audit.verify(now=datetime(2025, 4, 1, 0, 1, tzinfo=UTC))
    assert not outcome.ok
    keyid = outcome.records[0].keyid
    assert outcome.reasons == [
        f"sign-off #1: the sign-off by Alice Adams (Chief Risk Officer) [claimed; key {keyid[:16]}] expired on"
        " 2025-03-31 (today is 2025-04-01 UTC)",
        "0 of the 1 approval(s) the trust policy requires, by distinct trusted keys",
    ]
    assert outcome.approvals == []
    assert outcome.records[0].state == "expired"


def test_expiry_must_be_in_the_future_when_signing(audit: Audit) -> None:
    key, _ = audit.person("alice")
    with pytest.raises(InputError) as caught:
        audit.sign(key, expires=date(2025, 3, 1))
    assert str(caught.value) == "expires 2025-03-01 is not in the future (today is 2025-03-01 UTC)"


def test_reject_fails_naming_who_rejected(signed: Audit) -> None:
    carol, carol_id = signed.person("carol")
    signed.sign(carol, "Carol Chen", "Model Risk Manager", decision="reject")
    signed.publish()
    outcome = signed.verify()
    assert not outcome.ok
    # a folder of *.pub keys names nobody: the name is the signer's claim, and the key is said
    assert outcome.reasons == [
        f"sign-off #2: Carol Chen (Model Risk Manager) [claimed; key {carol_id[:16]}] rejected this audit"
        " (signed 2025-03-01T09:30:00+00:00)"
    ]
    assert [r.name for r in outcome.approvals] == ["Alice Adams"]


@pytest.mark.parametrize(
    ("decision", "conditions", "message"),
    [
        (
            "approve-with-conditions",
            None,
            "approve-with-conditions needs the conditions: say what must hold for the approval",
        ),
        (
            "approve-with-conditions",
            "  ",
            "approve-with-conditions needs the conditions: say what must hold for the approval",
        ),
        ("approve", "only on Tuesdays", "conditions are only for approve-with-conditions, not for approve"),
        ("reject", "because", "conditions are only for approve-with-conditions, not for reject"),
        ("lgtm", None, "decision must be one of approve, reject, approve-with-conditions, not 'lgtm'"),
    ],
)
def test_decision_and_conditions_are_checked(audit: Audit, decision, conditions, message) -> None:
    key, _ = audit.person("alice")
    with pytest.raises(InputError) as caught:
        audit.sign(key, decision=decision, conditions=conditions)
    assert str(caught.value) == message
    assert not (audit.out / SIDECAR_NAME).exists()


def test_forged_payload_fails_signature_verification(signed: Audit) -> None:
    sidecar = signed.out / SIDECAR_NAME
    data = json.loads(sidecar.read_text())
    envelope = data["envelopes"][0]
    statement = json.loads(base64.b64decode(envelope["payload"]))
    statement["predicate"]["decision"] = "approve-with-conditions"
    statement["predicate"]["conditions"] = "none really"
    envelope["payload"] = base64.b64encode(json.dumps(statement).encode()).decode()
    sidecar.write_text(json.dumps(data))
    keyid = envelope["signatures"][0]["keyid"]
    outcome = signed.verify(report_path=None)
    assert not outcome.ok
    assert outcome.signers == []
    assert outcome.reasons == [
        f"sign-off #1 by Alice Adams (Chief Risk Officer) (unverified claim): signature by key {keyid}"
        " does not verify: the envelope was altered after signing",
        "0 of the 1 approval(s) the trust policy requires, by distinct trusted keys",
    ]
    assert outcome.records[0].state == "invalid signature"


def test_swapped_payload_type_fails(signed: Audit) -> None:
    sidecar = signed.out / SIDECAR_NAME
    data = json.loads(sidecar.read_text())
    data["envelopes"][0]["payloadType"] = "application/json"
    sidecar.write_text(json.dumps(data))
    reason, _ = signed.verify(report_path=None).reasons
    assert reason.startswith("sign-off #1 by Alice Adams (Chief Risk Officer) (unverified claim): signature by key ")
    assert reason.endswith(" does not verify: the envelope was altered after signing")


def test_sidecar_from_different_results_refuses_to_append(signed: Audit) -> None:
    sidecar = signed.out / SIDECAR_NAME
    before = sidecar.read_bytes()
    old_sha = sha(signed.results.read_bytes())
    rerun = signed.result.model_copy(update={"fail_on": "warn"})
    rerun.write_json(signed.results)
    bob, _ = signed.person("bob")
    with pytest.raises(InputError) as caught:
        signed.sign(bob, "Bob Brown", "Head of Compliance")
    assert str(caught.value) == (
        f"{sidecar}: earlier sign-offs are for a different results.json"
        f" (sha256 {old_sha}, now {sha(signed.results.read_bytes())}); the results changed since"
        " Alice Adams (Chief Risk Officer) signed, so move the file aside to start a new sign-off"
    )
    assert sidecar.read_bytes() == before


def test_no_sign_off_fails(audit: Audit) -> None:
    audit.person("alice")
    outcome = audit.verify(report_path=None)
    assert not outcome.ok
    assert outcome.reasons == [f"no sign-off: {audit.out / SIDECAR_NAME} not found; run govkit signoff first"]
    assert read_signoffs(audit.results) == []


def test_trusted_keys_directory_must_hold_keys(signed: Audit, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError) as caught:
        verify_signoffs(signed.results, empty, now=NOW)
    assert str(caught.value) == f"{empty}: no *.pub public keys to trust; copy each signer's .pub file there"
    (empty / "junk.pub").write_text("not a key")
    with pytest.raises(InputError, match=r"junk\.pub: not a PEM public key"):
        verify_signoffs(signed.results, empty, now=NOW)


def test_policy_digest_covers_the_policies_it_extends(audit: Audit) -> None:
    parent = audit.inputs / "default.yaml"
    parent.write_text("version: 1\nname: default\nchecks: []\n")
    chain = [audit.policy, parent]
    chain_sha = sha(b"".join(path.read_bytes() for path in chain))
    files = {**audit.result.provenance.files, "policy": {"path": str(audit.policy), "sha256": chain_sha}}
    result = audit.result.model_copy(
        update={
            "policy": {**audit.result.policy, "files": [str(p) for p in chain], "sha256": chain_sha},
            "provenance": audit.result.provenance.model_copy(update={"files": files}),
        }
    )
    result.write_json(audit.results)
    key, _ = audit.person("alice")
    audit.sign(key)
    audit.publish()
    assert audit.verify().ok
    parent.write_text("version: 1\nname: default\nchecks: []\n# loosened\n")
    new_sha = sha(b"".join(path.read_bytes() for path in chain))
    assert audit.verify().reasons == [
        f"policy file {audit.policy} (with the policies it extends: {parent}) changed since sign-off:"
        f" sha256 now {new_sha} != signed {chain_sha}"
    ]


def test_sign_off_refuses_a_different_report_than_earlier_signers(signed: Audit) -> None:
    bob, _ = signed.person("bob")
    other = sha(b"<html>another rendering</html>")
    with pytest.raises(InputError, match=r"earlier sign-offs are for a different report"):
        sign_results(signed.results, other, bob, "Bob Brown", "Head of Compliance", "approve", now=NOW)
    assert len(read_signoffs(signed.results)) == 1


# ---------------------------------------------------------------------------------------------
# The protocol from Python: what govkit signoff / govkit verify do, without the CLI
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def rendered(audit: Audit) -> Audit:
    """The audit with the real report.html govkit render writes (no sign-off yet)."""
    from govkit.api import render

    render(audit.results, audit.out, formats=["html"])
    audit.alice, _ = audit.person("alice")
    return audit


def test_protocol_sign_off_and_verify_end_to_end(rendered: Audit) -> None:
    from govkit.api import render, sign_off, verify

    a = rendered
    unsigned = a.report.read_bytes()
    record = sign_off(a.results, a.alice, "Alice Adams", "Chief Risk Officer", "approve", now=NOW)
    assert (record.who, record.decision, record.verified) == ("Alice Adams (Chief Risk Officer)", "approve", False)
    assert record.report_sha256 == sha(unsigned)  # the report as audited, without the sign-off block
    assert record.results_sha256 == sha(a.results.read_bytes())
    # report.html now shows the sign-off, exactly as govkit render would draw it
    render(a.results, a.out / "again", formats=["html"], signoffs=read_signoffs(a.results))
    assert a.report.read_text() == (a.out / "again" / "report.html").read_text()
    assert "Alice Adams" in a.report.read_text()

    outcome = verify(a.results, a.trusted, now=NOW)
    assert outcome.reasons == []
    assert outcome.ok
    assert [r.who for r in outcome.approvals] == ["Alice Adams (Chief Risk Officer)"]
    assert "report.html as rendered from results.json" in outcome.checked

    # a second reviewer signs on the published (signed) report
    bob, bob_id = a.person("bob")
    sign_off(a.results, bob, "Bob Brown", "Head of Compliance", "reject", now=NOW)
    outcome = verify(a.results, a.trusted, now=NOW)
    assert outcome.reasons == [
        f"sign-off #2: Bob Brown (Head of Compliance) [claimed; key {bob_id[:16]}] rejected this audit"
        " (signed 2025-03-01T09:30:00+00:00)"
    ]


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        (lambda a: a.report.write_text(a.report.read_text() + "<!-- -->"), "{report} was changed after sign-off"),
        (lambda a: a.current.write_text(a.current.read_text() + "40,M,1,1\n"), "data file {current} changed"),
        (lambda a: a.model.unlink(), "model file {model} is missing"),
        (
            lambda a: a.results.write_bytes(a.results.read_bytes().replace(b'"current_rows": 3', b'"current_rows": 4')),
            "{results} changed since sign-off",
        ),
    ],
    ids=["report", "data", "model", "results"],
)
def test_protocol_verify_fails_after_tampering(rendered: Audit, tamper, reason: str) -> None:
    from govkit.signoff.protocol import sign_off, verify

    a = rendered
    sign_off(a.results, a.alice, "Alice Adams", "Chief Risk Officer", "approve", now=NOW)
    assert verify(a.results, a.trusted, now=NOW).ok
    tamper(a)
    outcome = verify(a.results, a.trusted, now=NOW)
    assert not outcome.ok
    expected = reason.format(report=a.report, current=a.current, model=a.model, results=a.results)
    assert any(r.startswith(expected) for r in outcome.reasons), outcome.reasons


def test_protocol_sign_off_refuses_an_edited_report(rendered: Audit) -> None:
    from govkit.signoff.protocol import sign_off

    a = rendered
    a.report.write_text(a.report.read_text().replace("Governance report", "Governance rapport"))
    with pytest.raises(InputError) as caught:
        sign_off(a.results, a.alice, "Alice Adams", "Chief Risk Officer", "approve", now=NOW)
    assert str(caught.value) == (
        f"{a.report}: differs from a fresh rendering of results.json; it may have been edited. "
        "Run govkit render to rebuild it, read it again, then sign"
    )
    assert not (a.out / SIDECAR_NAME).exists()


def test_protocol_verify_reports_an_unreadable_sidecar_as_a_failed_outcome(rendered: Audit) -> None:
    from govkit.signoff.protocol import verify

    (rendered.out / SIDECAR_NAME).write_text("{not json")
    outcome = verify(rendered.results, rendered.trusted, now=NOW)
    assert not outcome.ok
    assert outcome.reasons == [
        f"{rendered.out / SIDECAR_NAME}: not valid JSON (line 1: Expecting property name enclosed in double quotes)"
    ]


# ---------------------------------------------------------------------------------------------
# An independent DSSE implementation agrees (securesystemslib)
# ---------------------------------------------------------------------------------------------


def test_securesystemslib_verifies_govkit_envelopes(signed: Audit) -> None:
    from securesystemslib.dsse import Envelope
    from securesystemslib.exceptions import VerificationError
    from securesystemslib.signer import SSlibKey

    public = load_public_key(signed.trusted / "alice.pub")
    key = SSlibKey.from_crypto(public, keyid=key_id(public))
    [raw] = json.loads((signed.out / SIDECAR_NAME).read_text())["envelopes"]
    envelope = Envelope.from_dict(json.loads(json.dumps(raw)))  # from_dict rewrites the dict it is given
    assert envelope.pae() == pae(raw["payloadType"], base64.b64decode(raw["payload"]))
    assert list(envelope.verify([key], 1)) == [key_id(public)]

    statement = json.loads(envelope.payload)
    statement["predicate"]["decision"] = "reject"
    raw["payload"] = base64.b64encode(json.dumps(statement).encode()).decode()
    forged = Envelope.from_dict(raw)
    with pytest.raises(VerificationError):
        forged.verify([key], 1)


def test_govkit_verifies_securesystemslib_envelopes(audit: Audit) -> None:
    from securesystemslib.dsse import Envelope
    from securesystemslib.signer import CryptoSigner, SSlibKey

    private, keyid = audit.person("alice")
    secret = load_private_key(private)
    signer = CryptoSigner(secret, SSlibKey.from_crypto(secret.public_key(), keyid=keyid))
    envelope = Envelope(b'{"_type":"https://in-toto.io/Statement/v1"}', PAYLOAD_TYPE, {})
    envelope.sign(signer)
    body, accepted = dsse_verify(
        envelope.to_dict(), {keyid: load_public_key(audit.trusted / "alice.pub")}, supported_types=[PAYLOAD_TYPE]
    )
    assert (body, accepted) == (envelope.payload, [keyid])


# ---------------------------------------------------------------------------------------------
# The statement as pydantic models
# ---------------------------------------------------------------------------------------------


def test_statement_round_trips_byte_for_byte(signed: Audit) -> None:
    from govkit.signoff import parse_statement, statement_bytes

    [raw] = json.loads((signed.out / SIDECAR_NAME).read_text())["envelopes"]
    payload = base64.b64decode(raw["payload"])
    statement = parse_statement(payload)
    assert statement_bytes(statement) == payload  # exactly the bytes that were signed
    assert parse_statement(statement_bytes(statement)) == statement
    assert statement.predicate.signer.name == "Alice Adams"
    assert statement.digests["results.json"] == sha(signed.results.read_bytes())


def test_the_statement_knows_the_same_decisions_as_the_record() -> None:
    from typing import get_args

    from govkit.attestation import DECISIONS
    from govkit.signoff.statement import Decision

    assert get_args(Decision) == DECISIONS


@functools.cache
def static_result() -> RunResult:
    with tempfile.TemporaryDirectory() as folder:
        return Audit(Path(folder)).result


@settings(max_examples=50, deadline=None)
@given(
    name=st.text(min_size=1).filter(lambda s: s.strip() and "\n" not in s and "\r" not in s),
    conditions=st.none() | st.text(min_size=1),
    expires=st.none() | st.dates(),
)
def test_built_statements_round_trip(name: str, conditions: str | None, expires: date | None) -> None:
    from govkit.signoff.statement import build_statement, parse_statement, statement_bytes

    result = static_result()
    decision = "approve" if conditions is None else "approve-with-conditions"
    statement = build_statement(
        result,
        "a" * 64,
        "b" * 64,
        name=name,
        role="Role",
        decision=decision,
        conditions=conditions,
        expires=expires,
        signed_at="2025-03-01T09:30:00+00:00",
    )
    assert parse_statement(statement_bytes(statement)) == statement
    assert json.loads(statement_bytes(statement))["predicate"]["expires"] == (expires and expires.isoformat())


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda s: s.pop("_type"), "the payload is not an in-toto Statement v1 (https://in-toto.io/Statement/v1)"),
        (lambda s: s.update(predicateType="x"), "the statement's predicateType is not https://govkit.dev/signoff/v1"),
        (lambda s: s["subject"].pop(1), "the statement has no report.html subject"),
        (lambda s: s["subject"][0].pop("digest"), "a subject lacks a name or a sha256 digest"),
        (lambda s: s["predicate"].pop("signer"), "the statement has no signer"),
        (
            lambda s: s["predicate"].update(decision="lgtm"),
            "the decision 'lgtm' is not one of approve, reject, approve-with-conditions",
        ),
        (lambda s: s["predicate"].update(expires=20250601), "expires 20250601 is not an ISO date"),
        (lambda s: s["predicate"].update(conditions=["a"]), "the conditions are not text"),
        (lambda s: s.update(ignored="in-toto consumers ignore unknown fields"), None),
    ],
)
def test_statement_problems_are_one_line_reasons(signed: Audit, change, reason: str | None) -> None:
    from govkit.signoff import parse_statement

    [raw] = json.loads((signed.out / SIDECAR_NAME).read_text())["envelopes"]
    statement = json.loads(base64.b64decode(raw["payload"]))
    change(statement)
    payload = json.dumps(statement).encode()
    if reason is None:
        parse_statement(payload)
        return
    with pytest.raises(ValueError, match=re.escape(reason)) as caught:
        parse_statement(payload)
    assert str(caught.value) == reason


def test_every_public_name_resolves() -> None:
    import govkit.signoff
    from govkit.signoff import protocol

    assert sorted(govkit.signoff.__all__) == govkit.signoff.__all__
    for name in govkit.signoff.__all__:
        assert getattr(govkit.signoff, name) is not None, name
    assert (govkit.signoff.sign_off, govkit.signoff.verify) == (protocol.sign_off, protocol.verify)
