"""The sign-off protocol as library calls: what ``govkit signoff`` and ``govkit verify`` do, minus printing.

Signing binds the report AS AUDITED: the report rendered from results.json without any sign-off. So
``sign_off`` renders that report itself, refuses when the report.html beside results.json is neither
that rendering nor the rendering with the sign-offs already made (someone edited it: the reviewer may
have read something else), signs, and re-writes report.html with the sign-offs shown. ``verify``
renders both again and checks them, results.json and every audited file against what was signed.

``sign_results`` is the step in the middle, for a caller that renders the report its own way.
No printing, no ``sys.exit``; errors are ``GovkitError`` with a one-line message.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govkit.attestation import DECISIONS, SignOff
from govkit.errors import GovkitError, InputError
from govkit.signoff.dsse import dsse_sign
from govkit.signoff.keys import load_private_key
from govkit.signoff.sidecar import claimed_signoff, read_envelopes, read_signoffs, sidecar_path, write_envelopes
from govkit.signoff.statement import PAYLOAD_TYPE, build_statement, statement_bytes
from govkit.signoff.verification import VerifyOutcome, as_utc, verify_signoffs

if TYPE_CHECKING:
    from govkit.results import RunResult

__all__ = ["REPORT_FILE", "load_results", "sign_off", "sign_results", "verify"]

REPORT_FILE = "report.html"  # the report beside results.json, as govkit audit and govkit render write it
_SHA256 = re.compile(r"[0-9a-f]{64}")


def sign_off(
    results: str | Path,
    key: str | Path,
    name: str,
    role: str,
    decision: str,
    *,
    conditions: str | None = None,
    expires: date | None = None,
    templates: str | Path | None = None,
    now: datetime | None = None,
) -> SignOff:
    """Sign off the audit in ``results`` with the private ``key``; return the new (unverified) record.

    ``decision`` is one of ``DECISIONS``; ``conditions`` is required for approve-with-conditions and
    refused otherwise; ``expires`` (valid through that day) must lie after today, UTC. ``templates``
    are the report templates the report was rendered with, if not the bundled ones; ``now`` fixes the
    clock. The envelope is appended to ``signoff.dsse.json`` and report.html is re-written with every
    sign-off shown, each file atomically. Raises ``InputError`` when report.html was edited, when
    earlier sign-offs bind different results or a different report, or on any unusable input.
    """
    from govkit.outputs import write_text_atomic

    path = Path(results)
    request = _check_request(name, role, decision, conditions, expires, now)  # before any slow rendering
    data, result = load_results(path)
    existing = read_signoffs(path)
    report = path.parent / REPORT_FILE
    unsigned = _render(result, templates)
    if report.exists() and report.read_text(encoding="utf-8") not in (
        unsigned,
        _render(result, templates, existing),
    ):
        raise InputError(
            f"{report}: differs from a fresh rendering of {path.name}; it may have been edited. "
            "Run govkit render to rebuild it, read it again, then sign"
        )
    envelope = _sign(path, data, result, _sha256(unsigned.encode("utf-8")), Path(key), request)
    write_text_atomic(report, _render(result, templates, read_signoffs(path)))
    return claimed_signoff(envelope)


def verify(
    results: str | Path,
    trusted_keys: str | Path,
    *,
    model: str | Path | None = None,
    data: str | Path | None = None,
    reference: str | Path | None = None,
    templates: str | Path | None = None,
    now: datetime | None = None,
) -> VerifyOutcome:
    """Do the sign-offs beside ``results`` still hold? ``outcome.ok`` only if every check passes.

    Checks every envelope against the public keys in the folder ``trusted_keys`` (``*.pub``), that no
    trusted signer rejected or expired, that results.json is unchanged, that report.html is exactly the
    report rendered now with the sign-offs and that the report as audited renders as it did, and that
    the model, data, reference and policy files still hash as signed (``model``, ``data``,
    ``reference`` give a file's path when it moved). An unreadable sidecar is a failed outcome, not an
    exception. Raises ``InputError`` for an unreadable results.json or trusted keys folder.
    """

    path = Path(results)
    _, result = load_results(path)
    try:
        signoffs = read_signoffs(path)
    except GovkitError as error:  # a broken sidecar is a failed verification, not a usage error
        return VerifyOutcome(ok=False, reasons=[str(error)])
    return verify_signoffs(
        path,
        Path(trusted_keys),
        report_path=path.parent / REPORT_FILE,
        expected_report_bytes=_render(result, templates, signoffs).encode("utf-8"),
        unsigned_report_sha256=_sha256(_render(result, templates).encode("utf-8")),
        model=model,
        data=data,
        reference=reference,
        now=now,
    )


def sign_results(
    results_path: str | Path,
    unsigned_report_sha256: str,
    key_path: str | Path,
    name: str,
    role: str,
    decision: str,
    conditions: str | None = None,
    expires: date | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Sign ``results_path`` and its audited files, append the envelope to the sidecar, return it.

    The step ``sign_off`` makes after rendering: ``unsigned_report_sha256`` is the sha256 of the report
    rendered from this results.json WITHOUT any sign-off (the report the reviewer read, minus the
    sign-off block). The other arguments are as for ``sign_off``. Earlier envelopes are kept; raises
    ``InputError`` when they bind a different results.json or report (the results changed since).
    """
    request = _check_request(name, role, decision, conditions, expires, now)
    report_sha = unsigned_report_sha256.strip().lower() if isinstance(unsigned_report_sha256, str) else ""
    if not _SHA256.fullmatch(report_sha):
        raise InputError("unsigned_report_sha256 must be a sha256 hex digest (64 hex characters)")
    data, result = load_results(Path(results_path))
    return _sign(Path(results_path), data, result, report_sha, Path(key_path), request)


def load_results(path: Path) -> tuple[bytes, RunResult]:
    """results.json's bytes (what is hashed) and the result parsed from those same bytes."""
    from govkit.results import RunResult

    return RunResult.read_with_bytes(path)


def _render(result: RunResult, templates: str | Path | None, signoffs: Sequence[SignOff] = ()) -> str:
    """The report exactly as ``govkit render`` writes it, for results files of any schema."""
    from govkit.registry import unrecorded_families
    from govkit.report.html import render_html

    return render_html(result, templates=templates, signoffs=signoffs, families=unrecorded_families(result))


@dataclass(frozen=True)
class _Request:
    """What the reviewer asked to sign, checked."""

    name: str
    role: str
    decision: str
    conditions: str | None
    expires: date | None
    signed_at: str


def _check_request(
    name: str, role: str, decision: str, conditions: str | None, expires: date | None, now: datetime | None
) -> _Request:
    moment = as_utc(now)
    if decision not in DECISIONS:
        raise InputError(f"decision must be one of {', '.join(DECISIONS)}, not {decision!r}")
    if isinstance(conditions, str):
        conditions = conditions.strip() or None
    if decision == "approve-with-conditions" and conditions is None:
        raise InputError("approve-with-conditions needs the conditions: say what must hold for the approval")
    if decision != "approve-with-conditions" and conditions is not None:
        raise InputError(f"conditions are only for approve-with-conditions, not for {decision}")
    if isinstance(expires, datetime):
        expires = as_utc(expires).date()
    if expires is not None and expires <= moment.date():
        raise InputError(f"expires {expires.isoformat()} is not in the future (today is {moment.date()} UTC)")
    return _Request(
        name=_one_line(name, "name"),
        role=_one_line(role, "role"),
        decision=decision,
        conditions=conditions,
        expires=expires,
        signed_at=moment.isoformat(timespec="seconds"),
    )


def _one_line(value: str, what: str) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise InputError(f"the signer's {what} is empty; give it")
    if "\n" in text or "\r" in text:
        raise InputError(f"the signer's {what} must be one line")
    return text


def _sign(
    results_path: Path, data: bytes, result: RunResult, report_sha: str, key_path: Path, request: _Request
) -> dict[str, Any]:
    """Sign the statement for ``data`` (results.json's bytes) and append it to the sidecar."""
    results_sha = _sha256(data)
    key = load_private_key(key_path)
    sidecar = sidecar_path(results_path)
    existing = read_envelopes(sidecar)
    _refuse_other_audit(sidecar, existing, results_sha, report_sha)
    statement = build_statement(
        result,
        results_sha,
        report_sha,
        name=request.name,
        role=request.role,
        decision=request.decision,
        conditions=request.conditions,
        expires=request.expires,
        signed_at=request.signed_at,
    )
    envelope = dsse_sign(statement_bytes(statement), key, PAYLOAD_TYPE)
    write_envelopes(sidecar, [*existing, envelope])
    return envelope


def _refuse_other_audit(sidecar: Path, existing: list[Any], results_sha: str, report_sha: str) -> None:
    """One sidecar, one audit: earlier sign-offs must bind the same results.json and report."""
    for number, envelope in enumerate(existing, start=1):
        try:
            earlier = claimed_signoff(envelope if isinstance(envelope, dict) else {})
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


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
