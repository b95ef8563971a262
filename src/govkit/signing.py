"""Sign-off bound to exactly what was audited: Ed25519 keys, DSSE envelopes, in-toto statements.

A reviewer signs an in-toto Statement v1 whose subjects are ``results.json``, the report *as audited*
(rendered without any sign-off) and every file recorded in ``RunResult.provenance.files`` (current and
reference data, model, policy), each by sha256. The statement travels in a DSSE envelope
(https://github.com/secure-systems-lab/dsse, protocol v1); envelopes from every reviewer accumulate
in the sidecar ``signoff.dsse.json`` beside ``results.json``::

    {"envelopes": [
        {"payload": "<base64 statement>", "payloadType": "application/vnd.in-toto+json",
         "signatures": [{"keyid": "<hex sha256 of the raw 32-byte public key>", "sig": "<base64>"}]},
        ...
    ]}

``verify`` trusts only the public keys found in a directory the verifier controls (never a key named
or carried by an envelope) and reports every problem as one line that names what changed.

No printing, no ``sys.exit``. ``cryptography`` and pydantic load inside the functions that need them,
so importing this module is cheap.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govkit.attestation import DECISIONS, SignOff
from govkit.errors import GovkitError, InputError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

    from govkit.results import RunResult

__all__ = [
    "DECISIONS",
    "PAYLOAD_TYPE",
    "PREDICATE_TYPE",
    "SIDECAR_NAME",
    "STATEMENT_TYPE",
    "SignOff",
    "SignatureError",
    "TrustedKey",
    "VerifyOutcome",
    "dsse_sign",
    "dsse_verify",
    "generate_keypair",
    "key_id",
    "load_private_key",
    "load_public_key",
    "load_trusted_keys",
    "pae",
    "read_signoffs",
    "sidecar_path",
    "sign_off",
    "verify",
]

PAYLOAD_TYPE = "application/vnd.in-toto+json"
STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://govkit.dev/signoff/v1"
SIDECAR_NAME = "signoff.dsse.json"
RESULTS_SUBJECT = "results.json"
REPORT_SUBJECT = "report.html"
# Provenance roles in the order their subjects are listed; any other recorded role follows, sorted.
FILE_ROLES = ("current", "reference", "model", "policy")
ROLE_LABELS = {
    "current": "data file",
    "reference": "reference data file",
    "model": "model file",
    "policy": "policy file",
}
_SHA256 = re.compile(r"[0-9a-f]{64}")


class SignatureError(GovkitError):
    """A DSSE envelope that does not verify; ``str(error)`` is the one-line reason."""


# ---------------------------------------------------------------------------------------------
# Keys
# ---------------------------------------------------------------------------------------------


def key_id(public_key: Ed25519PublicKey) -> str:
    """The key id govkit uses: hex sha256 of the raw 32-byte Ed25519 public key (64 hex characters)."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return hashlib.sha256(public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)).hexdigest()


def _write_new_file(path: Path, data: bytes, mode: int) -> None:
    """Create ``path`` with ``mode``; fail if anything is already there (no race, no overwrite)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        raise InputError(f"{path}: already exists; govkit never overwrites a key file, choose another path") from None
    try:
        os.fchmod(handle, mode)  # the umask may have narrowed it; make it exact
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def generate_keypair(private_path: Path, public_path: Path | None = None) -> tuple[Path, Path, str]:
    """Create an Ed25519 key pair; return ``(private_path, public_path, key_id)``.

    The private key is written as unencrypted PKCS8 PEM with mode 0600; the public key as
    SubjectPublicKeyInfo PEM to ``public_path``, by default ``<private_path>.pub``. Missing parent
    folders are created. An existing file at either path is never overwritten: ``InputError`` names it.
    """
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
        PublicFormat,
    )

    private_path = Path(private_path)
    public_path = Path(public_path) if public_path is not None else private_path.with_name(private_path.name + ".pub")
    if private_path.resolve() == public_path.resolve():
        raise InputError(f"{private_path}: the private and public key need different paths")
    for path in (private_path, public_path):
        if path.exists() or path.is_symlink():
            raise InputError(f"{path}: already exists; govkit never overwrites a key file, choose another path")

    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    public_pem = key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    _write_new_file(private_path, private_pem, 0o600)
    try:
        _write_new_file(public_path, public_pem, 0o644)
    except BaseException:
        private_path.unlink(missing_ok=True)
        raise
    return private_path, public_path, key_id(key.public_key())


def _read_key_file(path: Path, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: {what} not found") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a {what} file") from None
    except OSError as error:
        raise InputError(f"{path}: cannot read the {what}: {error.strerror or error}") from None


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """Read an unencrypted Ed25519 private key in PEM (as ``generate_keypair`` writes it)."""
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    data = _read_key_file(path, "private key")
    try:
        key = load_pem_private_key(data, password=None)
    except TypeError:
        raise InputError(f"{path}: the private key is encrypted; govkit signs with unencrypted keys") from None
    except (ValueError, UnsupportedAlgorithm):
        raise InputError(
            f"{path}: not a PEM private key (is it the .pub file?); make a key pair with govkit keygen"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise InputError(f"{path}: not an Ed25519 private key; make a key pair with govkit keygen")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    """Read an Ed25519 public key in SubjectPublicKeyInfo PEM (a ``.pub`` file from ``generate_keypair``)."""
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    data = _read_key_file(path, "public key")
    try:
        key = load_pem_public_key(data)
    except (ValueError, UnsupportedAlgorithm):
        raise InputError(f"{path}: not a PEM public key; trust the .pub file govkit keygen wrote") from None
    if not isinstance(key, Ed25519PublicKey):
        raise InputError(f"{path}: not an Ed25519 public key; trust the .pub file govkit keygen wrote")
    return key


@dataclass(frozen=True)
class TrustedKey:
    """A public key the verifier trusts, and the file it came from."""

    keyid: str
    path: Path
    key: Ed25519PublicKey


def load_trusted_keys(directory: Path) -> dict[str, TrustedKey]:
    """Every ``*.pub`` PEM public key in ``directory`` (not recursive), by key id.

    Raises ``InputError`` when the directory is missing, holds no ``*.pub`` file, or a ``*.pub`` file is
    not an Ed25519 public key. The same key in two files is listed once, from the first file by name.
    """
    directory = Path(directory)
    if not directory.is_dir():
        what = "is not a directory" if directory.exists() else "not found"
        raise InputError(f"{directory}: trusted keys directory {what}")
    found: dict[str, TrustedKey] = {}
    for path in sorted(directory.glob("*.pub")):
        if not path.is_file():
            continue
        key = load_public_key(path)
        found.setdefault(key_id(key), TrustedKey(key_id(key), path, key))
    if not found:
        raise InputError(f"{directory}: no *.pub public keys to trust; copy each signer's .pub file there")
    return found


# ---------------------------------------------------------------------------------------------
# DSSE
# ---------------------------------------------------------------------------------------------


def pae(payload_type: str, body: bytes) -> bytes:
    """DSSE v1 Pre-Authentication Encoding: the exact bytes a signature covers.

    ``"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body``, where ``type`` is UTF-8 and LEN is the
    byte length in ASCII decimal.
    """
    kind = payload_type.encode("utf-8")
    return b"DSSEv1 %d %b %d %b" % (len(kind), kind, len(body), body)


def _b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _b64decode(text: Any, what: str) -> bytes:
    """Standard or URL-safe base64, with or without padding (DSSE verifiers must accept either)."""
    if not isinstance(text, str):
        raise SignatureError(f"{what} is not a base64 string")
    normalised = text.strip().replace("-", "+").replace("_", "/")
    normalised += "=" * (-len(normalised) % 4)
    try:
        return base64.b64decode(normalised, validate=True)
    except (binascii.Error, ValueError):
        raise SignatureError(f"{what} is not valid base64") from None


def dsse_sign(
    body: bytes, private_key: Ed25519PrivateKey, payload_type: str = PAYLOAD_TYPE, keyid: str | None = None
) -> dict[str, Any]:
    """A DSSE envelope holding ``body`` and one Ed25519 signature over ``pae(payload_type, body)``.

    ``keyid`` defaults to ``key_id`` of the signing key's public half.
    """
    signature = private_key.sign(pae(payload_type, body))
    return {
        "payload": _b64encode(body),
        "payloadType": payload_type,
        "signatures": [{"keyid": keyid or key_id(private_key.public_key()), "sig": _b64encode(signature)}],
    }


def dsse_verify(
    envelope: Mapping[str, Any],
    trusted_keys: Mapping[str, Ed25519PublicKey],
    *,
    supported_types: Collection[str] = (PAYLOAD_TYPE,),
    threshold: int = 1,
    require_all: bool = False,
    keys_label: str = "the trusted keys",
) -> tuple[bytes, list[str]]:
    """Check a DSSE envelope against trusted keys; return ``(payload bytes, accepted key ids)``.

    Follows DSSE protocol v1: each signature is checked over the PAE of the envelope's own payloadType
    and decoded payload, only with keys from ``trusted_keys`` (a keyid present in the envelope narrows
    the candidates to that trusted key; a missing keyid tries every trusted key). The envelope is
    accepted when at least ``threshold`` unique trusted keys verify and its payloadType is supported;
    with ``require_all`` every signature in it must verify too. Raises ``SignatureError`` with a one-line
    reason otherwise.
    """
    from cryptography.exceptions import InvalidSignature

    if not isinstance(envelope, Mapping):
        raise SignatureError("envelope is not a JSON object")
    payload_type = envelope.get("payloadType")
    if not isinstance(payload_type, str):
        raise SignatureError("envelope has no payloadType")
    body = _b64decode(envelope.get("payload"), "payload")
    signatures = envelope.get("signatures")
    if not isinstance(signatures, list) or not signatures:
        raise SignatureError("envelope has no signatures")

    message = pae(payload_type, body)
    accepted: list[str] = []
    problems: list[str] = []
    for entry in signatures:
        if not isinstance(entry, Mapping):
            problems.append("a signature entry is not a JSON object")
            continue
        keyid = entry.get("keyid")
        if keyid is not None and not isinstance(keyid, str):
            problems.append("a signature has a keyid that is not a string")
            continue
        try:
            signature = _b64decode(entry.get("sig"), "sig")
        except SignatureError as error:
            problems.append(f"signature by key {keyid}: {error}" if keyid else str(error))
            continue
        if keyid:
            if keyid not in trusted_keys:
                problems.append(f"key {keyid} is not among {keys_label}")
                continue
            candidates = [keyid]
        else:
            candidates = list(trusted_keys)
        verified_by = None
        for candidate in candidates:
            try:
                trusted_keys[candidate].verify(signature, message)
            except InvalidSignature:
                continue
            verified_by = candidate
            break
        if verified_by is None:
            problems.append(
                f"signature by key {keyid} does not verify: the envelope was altered after signing"
                if keyid
                else f"a signature without keyid verifies with none of {keys_label}"
            )
        elif verified_by not in accepted:
            accepted.append(verified_by)

    if len(accepted) < threshold or (require_all and problems):
        if not problems:
            problems.append(f"only {len(accepted)} of the {threshold} required trusted keys signed")
        raise SignatureError("; ".join(problems))
    if payload_type not in supported_types:
        raise SignatureError(f"payloadType {payload_type!r} is not supported (expected {', '.join(supported_types)})")
    return body, accepted


# ---------------------------------------------------------------------------------------------
# Sign-off records
# ---------------------------------------------------------------------------------------------


def _statement_fields(payload: bytes) -> dict[str, Any]:
    """The parts of a govkit sign-off statement; ``ValueError`` with a short reason if it is not one."""
    try:
        statement = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ValueError("the payload is not JSON") from None
    if not isinstance(statement, dict) or statement.get("_type") != STATEMENT_TYPE:
        raise ValueError(f"the payload is not an in-toto Statement v1 ({STATEMENT_TYPE})")
    if statement.get("predicateType") != PREDICATE_TYPE:
        raise ValueError(f"the statement's predicateType is not {PREDICATE_TYPE}")
    subjects: dict[str, str] = {}
    raw_subjects = statement.get("subject")
    if not isinstance(raw_subjects, list):
        raise ValueError("the statement has no subject list")
    for subject in raw_subjects:
        digest = subject.get("digest") if isinstance(subject, dict) else None
        sha = digest.get("sha256") if isinstance(digest, dict) else None
        name = subject.get("name") if isinstance(subject, dict) else None
        if not isinstance(name, str) or not isinstance(sha, str):
            raise ValueError("a subject lacks a name or a sha256 digest")
        subjects[name] = sha
    for required in (RESULTS_SUBJECT, REPORT_SUBJECT):
        if required not in subjects:
            raise ValueError(f"the statement has no {required} subject")
    predicate = statement.get("predicate")
    signer = predicate.get("signer") if isinstance(predicate, dict) else None
    if not isinstance(predicate, dict) or not isinstance(signer, dict):
        raise ValueError("the statement has no signer")
    name, role = signer.get("name"), signer.get("role")
    decision, conditions = predicate.get("decision"), predicate.get("conditions")
    expires, signed_at = predicate.get("expires"), predicate.get("signed_at")
    if not isinstance(name, str) or not isinstance(role, str):
        raise ValueError("the signer has no name or role")
    if decision not in DECISIONS:
        raise ValueError(f"the decision {decision!r} is not one of {', '.join(DECISIONS)}")
    if conditions is not None and not isinstance(conditions, str):
        raise ValueError("the conditions are not text")
    if not isinstance(signed_at, str):
        raise ValueError("the statement has no signed_at time")
    try:
        expiry = None if expires is None else date.fromisoformat(expires)
    except (TypeError, ValueError):
        raise ValueError(f"expires {expires!r} is not an ISO date") from None
    return {
        "name": name,
        "role": role,
        "decision": decision,
        "conditions": conditions,
        "expires": expiry,
        "signed_at": signed_at,
        "results_sha256": subjects[RESULTS_SUBJECT],
        "report_sha256": subjects[REPORT_SUBJECT],
        "subjects": subjects,
    }


def _first_keyid(envelope: Mapping[str, Any]) -> str:
    signatures = envelope.get("signatures") if isinstance(envelope, Mapping) else None
    if isinstance(signatures, list) and signatures and isinstance(signatures[0], Mapping):
        keyid = signatures[0].get("keyid")
        if isinstance(keyid, str):
            return keyid
    return ""


def _unverified_signoff(envelope: dict[str, Any]) -> SignOff:
    """Parse an envelope's statement WITHOUT checking its signature or payloadType (display only).

    ``ValueError`` when the payload is not a govkit sign-off statement.
    """
    try:
        body = _b64decode(envelope.get("payload"), "payload")
    except SignatureError as error:
        raise ValueError(str(error)) from None
    return SignOff(**_statement_fields(body), keyid=_first_keyid(envelope), envelope=envelope)


def sidecar_path(results_path: Path) -> Path:
    """Where the sign-offs for ``results_path`` live: ``signoff.dsse.json`` in the same folder."""
    return Path(results_path).parent / SIDECAR_NAME


def _read_envelopes(sidecar: Path) -> list[Any]:
    """The envelopes in a sidecar (``[]`` when there is none); ``InputError`` when it is malformed."""
    try:
        text = sidecar.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{sidecar}: cannot read the sign-offs: {error}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(f"{sidecar}: not valid JSON (line {error.lineno}: {error.msg})") from None
    if not isinstance(data, dict) or not isinstance(data.get("envelopes"), list):
        raise InputError(f'{sidecar}: expected a JSON object {{"envelopes": [...]}}')
    return data["envelopes"]


def read_signoffs(results_path: Path) -> list[SignOff]:
    """The sign-offs beside ``results_path``, in signing order, for display. NOT verified.

    Signatures, trust in keys, expiry and file hashes are not checked here (every record has
    ``verified=False``); the report shows them as claims and ``verify`` decides. A missing sidecar
    gives ``[]``; a malformed one raises ``InputError`` naming the envelope.
    """
    sidecar = sidecar_path(results_path)
    records = []
    for number, envelope in enumerate(_read_envelopes(sidecar), start=1):
        if not isinstance(envelope, dict):
            raise InputError(f"{sidecar}: envelope #{number} is not a JSON object")
        try:
            records.append(_unverified_signoff(envelope))
        except ValueError as error:
            raise InputError(f"{sidecar}: envelope #{number}: {error}") from None
    return records


# ---------------------------------------------------------------------------------------------
# Signing
# ---------------------------------------------------------------------------------------------


def _sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _utc(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    return now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)


def _read_results(results_path: Path) -> tuple[bytes, RunResult]:
    from pydantic import ValidationError

    from govkit.results import RunResult

    results_path = Path(results_path)
    try:
        data = results_path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{results_path}: results file not found; run govkit audit first") from None
    except OSError as error:
        raise InputError(f"{results_path}: cannot read the results: {error.strerror or error}") from None
    try:
        result = RunResult.from_json(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, ValidationError) as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise InputError(f"{results_path}: not a govkit results.json ({first})") from None
    return data, result


def _one_line(value: str, what: str) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise InputError(f"the signer's {what} is empty; give it")
    if "\n" in text or "\r" in text:
        raise InputError(f"the signer's {what} must be one line")
    return text


def _subjects(result: RunResult, results_sha256: str, report_sha256: str) -> list[dict[str, Any]]:
    subjects = [
        {"name": RESULTS_SUBJECT, "digest": {"sha256": results_sha256}},
        {"name": REPORT_SUBJECT, "digest": {"sha256": report_sha256}},
    ]
    files = result.provenance.files
    roles = [role for role in FILE_ROLES if role in files] + sorted(set(files) - set(FILE_ROLES))
    for role in roles:
        entry = files[role]
        subjects.append({"name": f"{role}:{entry['path']}", "digest": {"sha256": entry["sha256"]}})
    return subjects


def sign_off(
    results_path: Path,
    unsigned_report_sha256: str,
    key_path: Path,
    name: str,
    role: str,
    decision: str,
    conditions: str | None = None,
    expires: date | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Sign ``results_path`` and its audited files, append the envelope to the sidecar, return it.

    ``unsigned_report_sha256`` is the sha256 of the report rendered from this results.json WITHOUT any
    sign-off (the report the reviewer read, minus the sign-off block). ``decision`` is one of
    ``DECISIONS``; ``conditions`` is required for approve-with-conditions and refused otherwise;
    ``expires`` (a date, valid through that day) must lie after today, UTC. ``now`` fixes the clock.

    Earlier envelopes in ``signoff.dsse.json`` are kept. Raises ``InputError`` when they bind a
    different results.json or report than this one (the results changed since others signed).
    """
    results_path = Path(results_path)
    moment = _utc(now)
    if decision not in DECISIONS:
        raise InputError(f"decision must be one of {', '.join(DECISIONS)}, not {decision!r}")
    if isinstance(conditions, str):
        conditions = conditions.strip() or None
    if decision == "approve-with-conditions" and conditions is None:
        raise InputError("approve-with-conditions needs the conditions: say what must hold for the approval")
    if decision != "approve-with-conditions" and conditions is not None:
        raise InputError(f"conditions are only for approve-with-conditions, not for {decision}")
    if isinstance(expires, datetime):
        expires = _utc(expires).date()
    if expires is not None and expires <= moment.date():
        raise InputError(f"expires {expires.isoformat()} is not in the future (today is {moment.date()} UTC)")
    name, role = _one_line(name, "name"), _one_line(role, "role")
    report_sha = unsigned_report_sha256.strip().lower() if isinstance(unsigned_report_sha256, str) else ""
    if not _SHA256.fullmatch(report_sha):
        raise InputError("unsigned_report_sha256 must be a sha256 hex digest (64 hex characters)")

    data, result = _read_results(results_path)
    results_sha = _sha256_bytes(data)
    key = load_private_key(key_path)

    sidecar = sidecar_path(results_path)
    existing = _read_envelopes(sidecar)
    for number, envelope in enumerate(existing, start=1):
        try:
            earlier = _unverified_signoff(envelope if isinstance(envelope, dict) else {})
        except ValueError as error:
            raise InputError(f"{sidecar}: envelope #{number}: {error}") from None
        if earlier.results_sha256 != results_sha:
            raise InputError(
                f"{sidecar}: earlier sign-offs are for a different results.json"
                f" (sha256 {earlier.results_sha256}, now {results_sha}); the results changed since"
                f" {earlier.who} signed, so move the file aside to start a new sign-off"
            )
        if earlier.report_sha256 != report_sha:
            raise InputError(
                f"{sidecar}: earlier sign-offs are for a different report"
                f" (sha256 {earlier.report_sha256}, now {report_sha}); the report rendered from these results"
                f" changed since {earlier.who} signed"
            )

    statement = {
        "_type": STATEMENT_TYPE,
        "subject": _subjects(result, results_sha, report_sha),
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "signer": {"name": name, "role": role},
            "decision": decision,
            "conditions": conditions,
            "expires": None if expires is None else expires.isoformat(),
            "signed_at": moment.isoformat(timespec="seconds"),
            "audit": {
                "verdict": result.verdict.value,
                "policy": result.policy.get("name"),
                "schema_version": result.schema_version,
                "started_at": result.provenance.started_at,
            },
        },
    }
    body = json.dumps(statement, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    envelope = dsse_sign(body, key)

    from govkit.outputs import write_text_atomic

    sidecar_text = json.dumps({"envelopes": [*existing, envelope]}, indent=2, ensure_ascii=False) + "\n"
    write_text_atomic(sidecar, sidecar_text)
    return envelope


# ---------------------------------------------------------------------------------------------
# Verification
# ---------------------------------------------------------------------------------------------


@dataclass
class VerifyOutcome:
    """What ``verify`` found.

    ``ok`` is True only when there is at least one sign-off and ``reasons`` is empty. ``reasons`` holds
    one line per problem, naming what changed or who rejected. ``signers`` are the sign-offs whose
    signature verified with a trusted key (``verified=True``), whatever their decision or expiry;
    ``approvals`` narrows them to unexpired approvals. ``checked`` lists what was compared, for display.
    """

    ok: bool
    reasons: list[str]
    signers: list[SignOff] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    approvals: list[SignOff] = field(default_factory=list)


def _policy_chain_sha256(paths: list[Path]) -> str:
    """The policy digest as ``Policy.sha256`` records it: sha256 over the files' bytes, child first."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _file_sha256(path: Path) -> str:
    from govkit.inputs import sha256_file

    return sha256_file(path)


def verify(
    results_path: Path,
    trusted_keys_dir: Path,
    *,
    report_path: Path | None = None,
    expected_report_bytes: bytes | None = None,
    unsigned_report_sha256: str | None = None,
    model: Path | None = None,
    data: Path | None = None,
    reference: Path | None = None,
    now: datetime | None = None,
) -> VerifyOutcome:
    """Check that the sign-offs beside ``results_path`` still hold for what is on disk.

    Checks, each failure one line in ``reasons``:

    - there is at least one envelope in ``signoff.dsse.json``;
    - every envelope verifies (DSSE, Ed25519 over the PAE) with the trusted key in ``trusted_keys_dir``
      (``*.pub``) that its keyid names; an envelope's own claims about keys are never trusted;
    - no verified sign-off is a reject or has expired (``expires`` before ``now``'s UTC date);
    - results.json's sha256 equals the signed one;
    - with ``report_path``: the file equals ``expected_report_bytes`` (the report the caller renders from
      results.json with the sign-offs shown); with ``unsigned_report_sha256``: the report rendered now
      without sign-offs has the signed hash;
    - every signed file subject (data, reference, model, policy) still has its signed sha256. Files are
      read from the paths recorded at audit time (relative paths from the current directory) unless
      ``model``, ``data`` (current) or ``reference`` give another path; the policy is re-hashed over the
      policy files recorded in results.json (child first, as the audit did). A missing file fails.

    Raises ``InputError`` only for a missing results.json or unusable trusted keys directory.
    """
    results_path = Path(results_path)
    if report_path is not None and expected_report_bytes is None:
        raise ValueError("verify: give expected_report_bytes with report_path")
    moment = _utc(now)
    today = moment.date()
    try:
        results_bytes = results_path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{results_path}: results file not found") from None
    except OSError as error:
        raise InputError(f"{results_path}: cannot read the results: {error.strerror or error}") from None
    trusted = load_trusted_keys(Path(trusted_keys_dir))
    keys = {keyid: entry.key for keyid, entry in trusted.items()}
    keys_label = f"the trusted keys in {trusted_keys_dir}"

    reasons: list[str] = []
    checked: list[str] = []
    sidecar = sidecar_path(results_path)
    try:
        envelopes = _read_envelopes(sidecar)
    except InputError as error:
        return VerifyOutcome(ok=False, reasons=[str(error)])
    if not envelopes:
        missing = "not found" if not sidecar.exists() else "holds no sign-off"
        return VerifyOutcome(ok=False, reasons=[f"no sign-off: {sidecar} {missing}; run govkit signoff first"])

    signers: list[SignOff] = []
    for number, envelope in enumerate(envelopes, start=1):
        label = f"sign-off #{number}"
        try:
            claimed = _unverified_signoff(envelope).who if isinstance(envelope, dict) else None
        except ValueError:
            claimed = None
        if claimed:
            label += f" by {claimed} (unverified claim)"
        try:
            body, accepted = dsse_verify(envelope, keys, require_all=True, keys_label=keys_label)
        except SignatureError as error:
            reasons.append(f"{label}: {error}")
            continue
        try:
            parsed = _statement_fields(body)
        except ValueError as error:
            reasons.append(f"sign-off #{number}: signed, but not a govkit sign-off: {error}")
            continue
        record = SignOff(
            **parsed,
            keyid=accepted[0],
            envelope=envelope,
            verified=True,
            key_file=str(trusted[accepted[0]].path),
        )
        signers.append(record)
        if record.decision == "reject":
            reasons.append(f"sign-off #{number}: {record.who} rejected this audit (signed {record.signed_at})")
        if record.expires is not None and record.expires < today:
            reasons.append(
                f"sign-off #{number}: the sign-off by {record.who} expired on {record.expires.isoformat()}"
                f" (today is {today.isoformat()} UTC)"
            )
    checked.append(f"{len(envelopes)} sign-off(s) against {len(trusted)} trusted key(s) in {trusted_keys_dir}")

    # The subjects below come only from envelopes whose signature verified; each is compared once.
    results_sha = _sha256_bytes(results_bytes)
    for signed in dict.fromkeys(record.results_sha256 for record in signers):
        if signed != results_sha:
            reasons.append(f"{results_path} changed since sign-off: sha256 now {results_sha} != signed {signed}")
    if signers:
        checked.append(str(results_path))

    if report_path is not None:
        report_path = Path(report_path)
        checked.append(str(report_path))
        try:
            on_disk = report_path.read_bytes()
        except FileNotFoundError:
            reasons.append(f"report {report_path} is missing")
        else:
            if on_disk != expected_report_bytes:
                reasons.append(f"{report_path} was changed after sign-off")
    if unsigned_report_sha256 is not None:
        checked.append("report.html as rendered from results.json")
        for signed in dict.fromkeys(record.report_sha256 for record in signers):
            if signed != unsigned_report_sha256:
                reasons.append(
                    "report.html rendered from results.json now differs from the report that was signed:"
                    f" sha256 now {unsigned_report_sha256} != signed {signed}"
                )

    overrides = {"model": model, "current": data, "reference": reference}
    policy_files = _recorded_policy_files(results_bytes)
    file_subjects: dict[tuple[str, str], None] = {}
    for record in signers:
        for name, sha in record.subjects.items():
            if name not in (RESULTS_SUBJECT, REPORT_SUBJECT):
                file_subjects[(name, sha)] = None
    for name, signed in file_subjects:
        role, _, recorded = name.partition(":")
        label = ROLE_LABELS.get(role, f"{role} file")
        given = overrides.get(role)
        if role == "policy" and given is None and policy_files and policy_files[0] == recorded:
            paths = [Path(p) for p in policy_files]
        else:
            paths = [Path(given) if given is not None else Path(recorded)]
        shown = str(paths[0])
        if len(paths) > 1:  # Policy.sha256 covers the policy and every policy it extends
            shown += f" (with the policies it extends: {', '.join(str(p) for p in paths[1:])})"
        checked.append(f"{label} {shown}")
        missing = [path for path in paths if not path.is_file()]
        if missing:
            reasons.append(f"{label} {missing[0]} is missing")
            continue
        try:
            actual = _policy_chain_sha256(paths) if len(paths) > 1 else _file_sha256(paths[0])
        except OSError as error:
            reasons.append(f"{label} {shown} cannot be read: {error.strerror or error}")
            continue
        if actual != signed:
            reasons.append(f"{label} {shown} changed since sign-off: sha256 now {actual} != signed {signed}")

    reasons = list(dict.fromkeys(reasons))
    approvals = [r for r in signers if r.approves and (r.expires is None or r.expires >= today)]
    return VerifyOutcome(
        ok=not reasons and bool(signers),
        reasons=reasons,
        signers=signers,
        checked=checked,
        approvals=approvals,
    )


def _recorded_policy_files(results_bytes: bytes) -> list[str]:
    """The policy files (child first) that results.json records, or ``[]`` if it cannot say."""
    try:
        data = json.loads(results_bytes.decode("utf-8"))
        files = data["policy"]["files"]
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError):
        return []
    return [str(p) for p in files] if isinstance(files, list) else []
