"""Does a sign-off still hold? Every check that ``verify`` makes, each failure as one line.

The checks, in the order their reasons are listed:

- there is at least one envelope in the sidecar;
- every envelope verifies (DSSE, Ed25519 over the PAE) with the trusted key its keyid names, taken from
  the verifier's own folder of ``*.pub`` files; what an envelope says about keys is never trusted;
- no verified sign-off is a reject or has expired;
- results.json, the report (as published and as rendered now without sign-offs) and every signed file
  (data, reference, model, policy) still have the sha256 that was signed.

Only subjects from envelopes whose signature verified are compared, each once.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from govkit.attestation import SignOff
from govkit.errors import InputError
from govkit.signoff.dsse import SignatureError, dsse_verify
from govkit.signoff.keys import TrustedKey, load_trusted_keys
from govkit.signoff.sidecar import claimed_signoff, read_envelopes, sidecar_path
from govkit.signoff.statement import PAYLOAD_TYPE, REPORT_SUBJECT, RESULTS_SUBJECT, parse_statement, to_signoff

__all__ = ["ROLE_LABELS", "VerifyOutcome", "as_utc", "verify_signoffs"]

ROLE_LABELS = {
    "current": "data file",
    "reference": "reference data file",
    "model": "model file",
    "policy": "policy file",
}


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


def as_utc(now: datetime | None) -> datetime:
    """``now`` in UTC (a naive time is taken as UTC); the current time when ``now`` is None."""
    if now is None:
        return datetime.now(UTC)
    return now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)


def verify_signoffs(
    results_path: str | Path,
    trusted_keys_dir: str | Path,
    *,
    report_path: str | Path | None = None,
    expected_report_bytes: bytes | None = None,
    unsigned_report_sha256: str | None = None,
    model: str | Path | None = None,
    data: str | Path | None = None,
    reference: str | Path | None = None,
    now: datetime | None = None,
) -> VerifyOutcome:
    """Check that the sign-offs beside ``results_path`` still hold for what is on disk.

    With ``report_path``, the file must equal ``expected_report_bytes`` (the report the caller rendered
    from results.json with the sign-offs shown); with ``unsigned_report_sha256`` (the report rendered
    now WITHOUT sign-offs) it must be the signed hash. Files are read from the paths recorded at audit
    time (relative paths from the current directory) unless ``model``, ``data`` (current) or
    ``reference`` give another; the policy is re-hashed over every policy file results.json records
    (child first, as the audit did). A missing file fails. Expiry is judged on ``now``'s UTC date.

    Raises ``InputError`` only for a missing results.json or an unusable trusted keys directory.
    """
    results_path, trusted_keys_dir = Path(results_path), Path(trusted_keys_dir)
    if report_path is not None and expected_report_bytes is None:
        raise ValueError("verify: give expected_report_bytes with report_path")
    today = as_utc(now).date()
    results_bytes = _read_results_bytes(results_path)
    trusted = load_trusted_keys(trusted_keys_dir)
    sidecar = sidecar_path(results_path)
    try:
        envelopes = read_envelopes(sidecar)
    except InputError as error:
        return VerifyOutcome(ok=False, reasons=[str(error)])
    if not envelopes:
        missing = "not found" if not sidecar.exists() else "holds no sign-off"
        return VerifyOutcome(ok=False, reasons=[f"no sign-off: {sidecar} {missing}; run govkit signoff first"])

    signers, reasons = _verify_envelopes(envelopes, trusted, f"the trusted keys in {trusted_keys_dir}", today)
    checked = [f"{len(envelopes)} sign-off(s) against {len(trusted)} trusted key(s) in {trusted_keys_dir}"]
    reasons += _check_results(results_path, results_bytes, signers, checked)
    if report_path is not None and expected_report_bytes is not None:
        reasons += _check_published_report(Path(report_path), expected_report_bytes, checked)
    if unsigned_report_sha256 is not None:
        reasons += _check_rendered_report(unsigned_report_sha256, signers, checked)
    overrides = {"model": model, "current": data, "reference": reference}
    reasons += _check_files(signers, _recorded_policy_files(results_bytes), overrides, checked)

    approvals = [r for r in signers if r.approves and (r.expires is None or r.expires >= today)]
    reasons = list(dict.fromkeys(reasons))
    return VerifyOutcome(
        ok=not reasons and bool(signers), reasons=reasons, signers=signers, checked=checked, approvals=approvals
    )


def _read_results_bytes(results_path: Path) -> bytes:
    try:
        return results_path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{results_path}: results file not found") from None
    except OSError as error:
        raise InputError(f"{results_path}: cannot read the results: {error.strerror or error}") from None


def _verify_envelopes(
    envelopes: list[Any], trusted: Mapping[str, TrustedKey], keys_label: str, today: date
) -> tuple[list[SignOff], list[str]]:
    """The sign-offs whose signature verified, and a reason for every envelope that failed or objects."""
    keys = {keyid: entry.key for keyid, entry in trusted.items()}
    signers: list[SignOff] = []
    reasons: list[str] = []
    for number, envelope in enumerate(envelopes, start=1):
        label = f"sign-off #{number}"
        claimed = _claimed_who(envelope)
        if claimed:  # shown so a reader can tell the envelopes apart, marked as what it is
            label += f" by {claimed} (unverified claim)"
        try:
            body, accepted = dsse_verify(
                envelope, keys, supported_types=(PAYLOAD_TYPE,), require_all=True, keys_label=keys_label
            )
        except SignatureError as error:
            reasons.append(f"{label}: {error}")
            continue
        try:
            statement = parse_statement(body)
        except ValueError as error:
            reasons.append(f"sign-off #{number}: signed, but not a govkit sign-off: {error}")
            continue
        key = trusted[accepted[0]]
        record = to_signoff(statement, keyid=key.keyid, envelope=envelope, verified=True, key_file=str(key.path))
        signers.append(record)
        if record.decision == "reject":
            reasons.append(f"sign-off #{number}: {record.who} rejected this audit (signed {record.signed_at})")
        if record.expires is not None and record.expires < today:
            reasons.append(
                f"sign-off #{number}: the sign-off by {record.who} expired on {record.expires.isoformat()}"
                f" (today is {today.isoformat()} UTC)"
            )
    return signers, reasons


def _claimed_who(envelope: Any) -> str | None:
    if not isinstance(envelope, dict):
        return None
    try:
        return claimed_signoff(envelope).who
    except ValueError:
        return None


def _check_results(results_path: Path, results_bytes: bytes, signers: list[SignOff], checked: list[str]) -> list[str]:
    now = hashlib.sha256(results_bytes).hexdigest()
    if signers:
        checked.append(str(results_path))
    return [
        f"{results_path} changed since sign-off: sha256 now {now} != signed {signed}"
        for signed in dict.fromkeys(record.results_sha256 for record in signers)
        if signed != now
    ]


def _check_published_report(report_path: Path, expected: bytes, checked: list[str]) -> list[str]:
    checked.append(str(report_path))
    try:
        on_disk = report_path.read_bytes()
    except FileNotFoundError:
        return [f"report {report_path} is missing"]
    return [] if on_disk == expected else [f"{report_path} was changed after sign-off"]


def _check_rendered_report(unsigned_report_sha256: str, signers: list[SignOff], checked: list[str]) -> list[str]:
    checked.append("report.html as rendered from results.json")
    return [
        "report.html rendered from results.json now differs from the report that was signed:"
        f" sha256 now {unsigned_report_sha256} != signed {signed}"
        for signed in dict.fromkeys(record.report_sha256 for record in signers)
        if signed != unsigned_report_sha256
    ]


def _check_files(
    signers: list[SignOff],
    policy_files: list[str],
    overrides: Mapping[str, str | Path | None],
    checked: list[str],
) -> list[str]:
    """Every signed file subject (``<role>:<recorded path>``) against the file on disk now."""
    reasons: list[str] = []
    for name, signed in _file_subjects(signers):
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
        reason = _check_file(label, shown, paths, signed)
        if reason is not None:
            reasons.append(reason)
    return reasons


def _file_subjects(signers: Iterable[SignOff]) -> list[tuple[str, str]]:
    """The (name, sha256) file subjects of every verified sign-off, each once, in signing order."""
    found: dict[tuple[str, str], None] = {}
    for record in signers:
        for name, sha in record.subjects.items():
            if name not in (RESULTS_SUBJECT, REPORT_SUBJECT):
                found[(name, sha)] = None
    return list(found)


def _check_file(label: str, shown: str, paths: list[Path], signed: str) -> str | None:
    missing = [path for path in paths if not path.is_file()]
    if missing:
        return f"{label} {missing[0]} is missing"
    try:
        actual = _sha256_files(paths)
    except OSError as error:
        return f"{label} {shown} cannot be read: {error.strerror or error}"
    if actual != signed:
        return f"{label} {shown} changed since sign-off: sha256 now {actual} != signed {signed}"
    return None


def _sha256_files(paths: list[Path]) -> str:
    """One file's sha256 as the audit recorded it; for a policy chain, over the files' bytes, child first."""
    if len(paths) == 1:
        from govkit.inputs import sha256_file

        return sha256_file(paths[0])
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _recorded_policy_files(results_bytes: bytes) -> list[str]:
    """The policy files (child first) that results.json records, or ``[]`` if it cannot say."""
    try:
        data = json.loads(results_bytes.decode("utf-8"))
        files = data["policy"]["files"]
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError):
        return []
    return [str(p) for p in files] if isinstance(files, list) else []
