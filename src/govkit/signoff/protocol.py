"""The sign-off protocol as library calls: what ``govkit signoff`` and ``govkit verify`` do, minus printing.

Signing binds the report AS AUDITED: the report rendered from results.json without any sign-off. So
``sign_off`` renders that report itself, refuses when the report.html beside results.json is neither
that rendering nor the rendering with the sign-offs already made (someone edited it: the reviewer may
have read something else), signs, appends the envelope to the hash-chained log and re-writes
report.html with the sign-offs shown, each with its state. From reading the log to writing the report
it holds the log's lock, so reviewers signing at the same moment all keep their sign-offs and the
report shows them all. Approving an audit that did not pass is an override and needs a reason. The
statement records the template set the report was rendered with (bundled, or a custom set's sha256),
and ``verify`` refuses to judge the report with any other set.

``verify`` renders both reports again and checks them, the log, the trust policy, results.json and
every audited file against what was signed. ``sign_results`` is the step in the middle, for a caller
that renders the report its own way. No printing, no ``sys.exit``; errors are ``GovkitError`` with a
one-line message.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govkit.attestation import SignOff, printable
from govkit.errors import InputError
from govkit.signoff.assess import assess_envelopes
from govkit.signoff.dsse import dsse_sign
from govkit.signoff.keys import load_private_key
from govkit.signoff.request import SignRequest, check_request, check_signer, check_verdict
from govkit.signoff.sidecar import claimed_signoff, log_lock, read_envelopes, sidecar_path, write_envelopes
from govkit.signoff.statement import PAYLOAD_TYPE, build_statement, statement_bytes, templates_id
from govkit.signoff.trust import load_trust
from govkit.signoff.verification import VerifyOutcome, as_utc, verify_signoffs

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

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
    override_reason: str | None = None,
    templates: str | Path | None = None,
    trusted_keys: str | Path | None = None,
    now: datetime | None = None,
) -> SignOff:
    """Sign off the audit in ``results`` with the private ``key``; return the new (unverified) record.

    ``decision`` is one of ``DECISIONS``; ``conditions`` is required for approve-with-conditions and
    refused otherwise; ``override_reason`` is required to approve an audit that did not pass and
    refused otherwise; ``expires`` (valid through that day) must lie after today, UTC. ``templates``
    are the report templates the report was rendered with, if not the bundled ones. ``trusted_keys``
    (a trusted-keys file or folder), when given, must trust ``key`` under this name and role, and the
    re-written report shows every sign-off's state against it (without it: "not verified"). ``now``
    fixes the clock. Raises ``InputError`` when report.html was edited, when the log binds different
    results or a different report or was altered, or on any unusable input.
    """
    from govkit.outputs import write_text_atomic

    path = Path(results)
    request = check_request(name, role, decision, conditions, expires, now, override_reason)
    trust = load_trust(trusted_keys) if trusted_keys is not None else None
    data, result = load_results(path)
    check_verdict(request, result)
    private_key = load_private_key(key)
    if trust is not None:
        check_signer(trust, private_key, request)
    today = as_utc(now).date()
    template_set = templates_id(templates)  # before any rendering: a set that leads outside is refused first
    unsigned = _render(result, templates)  # before the lock: it does not depend on the log
    report, sidecar = path.parent / REPORT_FILE, sidecar_path(path)
    unsigned_sha = _sha256(unsigned.encode("utf-8"))

    def renderings(existing: list[Any]) -> Iterator[str]:
        """What report.html may be now: unsigned, or with the sign-offs (without states, then with)."""
        yield unsigned
        yield _render(result, templates, assess_envelopes(existing).records)
        if trust is not None:
            yield _render(result, templates, assess_envelopes(existing, trust, today).records)

    with log_lock(sidecar):
        existing = read_envelopes(sidecar)
        _check_log(sidecar, existing, _sha256(data), unsigned_sha)
        _refuse_edited_report(report, path, renderings(existing))
        envelope = _append(sidecar, existing, result, data, unsigned_sha, private_key, request, template_set)
        records = assess_envelopes([*existing, envelope], trust, today).records
        write_text_atomic(report, _render(result, templates, records))
    return claimed_signoff(envelope, len(existing) + 1)


def verify(
    results: str | Path,
    trusted_keys: str | Path,
    *,
    model: str | Path | None = None,
    data: str | Path | None = None,
    reference: str | Path | None = None,
    templates: str | Path | None = None,
    now: datetime | None = None,
    approvals: int | None = None,
    required_roles: Sequence[str] = (),
    require_pass: bool = False,
    head: str | None = None,
) -> VerifyOutcome:
    """Do the sign-offs beside ``results`` still hold? ``outcome.ok`` only if every check passes.

    ``trusted_keys`` is a trusted-keys file (keys by key id, each with its holder's name and role, and
    the trust policy; see ``govkit.signoff.trust``) or a folder of ``*.pub`` keys (no identities).
    ``approvals``, ``required_roles`` and ``require_pass`` tighten the policy; ``head`` is the sha256
    of a log entry that must still be in the log. Checks every envelope's signature, identity and
    place in the hash-chained log, the policy (no standing rejection, nothing expired, enough
    approvals, the required roles), that results.json is unchanged, that report.html is the report
    rendered now with the sign-offs and that the report as audited renders as it did, and that the
    model, data, reference and policy files still hash as signed (``model``, ``data``, ``reference``
    give a file's path when it moved; naming a file the audit did not record is an ``InputError``).
    ``templates`` (None: the bundled ones) must be the set each sign-off recorded; another set is a failed
    outcome without judging the report. An unreadable log is a failed outcome; ``outcome.summary`` says
    what was verified.
    """
    path = Path(results)
    _, result = load_results(path)
    trust = load_trust(trusted_keys, approvals=approvals, required_roles=required_roles, require_pass=require_pass)
    template_set = templates_id(templates)

    def render_report(records: Sequence[SignOff]) -> bytes:
        return _render(result, templates, records).encode("utf-8")

    return verify_signoffs(
        path,
        trust,
        report_path=path.parent / REPORT_FILE,
        render_report=render_report,
        unsigned_report_sha256=_sha256(_render(result, templates).encode("utf-8")),
        templates=template_set,
        model=model,
        data=data,
        reference=reference,
        now=now,
        head=head,
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
    override_reason: str | None = None,
) -> dict[str, Any]:
    """Sign ``results_path`` and its audited files, append the envelope to the log, return it.

    The step ``sign_off`` makes after rendering: ``unsigned_report_sha256`` is the sha256 of the report
    rendered from this results.json WITHOUT any sign-off (the report the reviewer read, minus the
    sign-off block). The other arguments are as for ``sign_off``. Earlier envelopes are kept (the log
    is locked from reading to writing); raises ``InputError`` when they bind a different results.json
    or report (the results changed since) or the log was altered.
    """
    request = check_request(name, role, decision, conditions, expires, now, override_reason)
    report_sha = unsigned_report_sha256.strip().lower() if isinstance(unsigned_report_sha256, str) else ""
    if not _SHA256.fullmatch(report_sha):
        raise InputError("unsigned_report_sha256 must be a sha256 hex digest (64 hex characters)")
    path = Path(results_path)
    data, result = load_results(path)
    check_verdict(request, result)
    private_key = load_private_key(key_path)
    sidecar = sidecar_path(path)
    with log_lock(sidecar):
        existing = read_envelopes(sidecar)
        _check_log(sidecar, existing, _sha256(data), report_sha)
        return _append(sidecar, existing, result, data, report_sha, private_key, request)


def load_results(path: Path) -> tuple[bytes, RunResult]:
    """results.json's bytes (what is hashed) and the result parsed from those same bytes."""
    from govkit.results import RunResult

    return RunResult.read_with_bytes(path)


def _render(result: RunResult, templates: str | Path | None, signoffs: Sequence[SignOff] = ()) -> str:
    """The report exactly as ``govkit render`` writes it, for results files of any schema."""
    from govkit.registry import unrecorded_families
    from govkit.report.html import render_html

    return render_html(result, templates=templates, signoffs=signoffs, families=unrecorded_families(result))


def _append(
    sidecar: Path,
    existing: list[Any],
    result: RunResult,
    data: bytes,
    report_sha: str,
    private_key: Ed25519PrivateKey,
    request: SignRequest,
    templates: str | None = None,
) -> dict[str, Any]:
    """Sign the statement chained to the log's last entry and write the longer log. Hold the lock.

    ``templates`` is ``templates_id`` of the set the report was rendered with (None: not recorded)."""
    previous = claimed_signoff(existing[-1], len(existing)).digest if existing else None
    statement = build_statement(
        result,
        _sha256(data),
        report_sha,
        name=request.name,
        role=request.role,
        decision=request.decision,
        conditions=request.conditions,
        expires=request.expires,
        signed_at=request.signed_at,
        override_reason=request.override_reason,
        chain=(len(existing) + 1, previous),
        templates=templates,
    )
    envelope = dsse_sign(statement_bytes(statement), private_key, PAYLOAD_TYPE)
    write_envelopes(sidecar, [*existing, envelope])
    return envelope


def _check_log(sidecar: Path, existing: list[Any], results_sha: str, report_sha: str) -> None:
    """One log, one audit, intact: earlier sign-offs bind the same results.json and report, links hold."""
    assessment = assess_envelopes(existing)
    if assessment.unreadable:
        raise InputError(f"{sidecar}: {assessment.unreadable[0]}")
    for earlier in assessment.records:
        if earlier.results_sha256 != results_sha:
            raise InputError(
                f"{sidecar}: earlier sign-offs are for a different results.json"
                f" (sha256 {earlier.results_sha256}, now {results_sha}); the results changed since"
                f" {printable(earlier.who)} signed, so move the file aside to start a new sign-off"
            )
        if earlier.report_sha256 != report_sha:
            raise InputError(
                f"{sidecar}: earlier sign-offs are for a different report"
                f" (sha256 {earlier.report_sha256}, now {report_sha}); the report rendered from these results"
                f" changed since {printable(earlier.who)} signed"
            )
        if earlier.state == "broken chain":
            raise InputError(
                f"{sidecar}: the sign-off log was altered ({earlier.problem}); signing onto it would hide"
                " that, so restore the log or move it aside to start a new sign-off"
            )


def _refuse_edited_report(report: Path, path: Path, renderings: Iterable[str]) -> None:
    """report.html, if there is one, must be one of the ``renderings`` govkit would make now."""
    if not report.exists():
        return
    on_disk = report.read_text(encoding="utf-8")
    if any(on_disk == rendering for rendering in renderings):
        return
    raise InputError(
        f"{report}: differs from a fresh rendering of {path.name}; it may have been edited. "
        "Run govkit render to rebuild it, read it again, then sign"
    )


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
