"""Does a sign-off still hold? Every check that ``verify`` makes, each failure as one line.

The checks, in the order their reasons are listed:

- the log holds at least one sign-off, each envelope is one, and (with ``head``) it still holds the
  entry whose digest the caller pinned;
- every envelope's state (``govkit.signoff.assess``): DSSE Ed25519 signature by a key of the
  verifier's trust (a trusted-keys file or a folder of ``*.pub``; what an envelope says about keys is
  never trusted), the signer's claimed identity equal to the key's record, an intact hash chain;
- the trust policy (``govkit.signoff.decide``): no standing rejection, no expired sign-off, enough
  approvals by distinct keys, every required role, approvals of a failed audit only as overrides when
  the policy requires a pass;
- the report template set given now is the one each sign-off recorded (bundled, or a custom set's
  sha256); with another set the report is not judged at all, as it cannot render as signed;
- results.json, the report (as published and as rendered now without sign-offs) and every signed file
  (data, reference, model, policy) still have the sha256 that was signed.

Only subjects from sign-offs whose signature verified are compared, each once. A path given for a
file the audit did not record (``--model`` for an audit of predictions) is a usage error.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govkit.attestation import SignOff, printable
from govkit.errors import InputError
from govkit.signoff.assess import Assessment, assess_envelopes
from govkit.signoff.chain import Link, head_problem
from govkit.signoff.decide import DECISION_WORDS, apply_policy, describe_signoff, signer_text
from govkit.signoff.sidecar import read_envelopes, sidecar_path
from govkit.signoff.statement import BUNDLED_TEMPLATES, REPORT_SUBJECT, RESULTS_SUBJECT, describe_templates
from govkit.signoff.trust import Trust, load_trust

if TYPE_CHECKING:
    from govkit.results import RunResult

__all__ = ["ROLE_LABELS", "VerifyOutcome", "as_utc", "verify_signoffs"]

ROLE_LABELS = {
    "current": "data file",
    "reference": "reference data file",
    "model": "model file",
    "policy": "policy file",
}
_OPTION_ROLES = {"model": "model", "data": "current", "reference": "reference"}


@dataclass
class VerifyOutcome:
    """What ``verify`` found.

    ``ok`` is True only when the approvals the trust policy requires are there and ``reasons`` is
    empty. ``reasons`` holds one line per problem. ``records`` are every sign-off in the log with its
    state; ``signers`` narrows them to those whose signature verified with a trusted key, whatever
    their decision or expiry; ``approvals`` to the approvals that count. ``summary`` says what was
    verified, a line each (the audit's verdict, the trust, every sign-off with its key id, the log's
    head, the files compared); ``checked`` lists what was compared.
    """

    ok: bool
    reasons: list[str]
    signers: list[SignOff] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    approvals: list[SignOff] = field(default_factory=list)
    records: list[SignOff] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)
    verdict: str | None = None
    head: str | None = None

    def approved_by(self) -> str:
        """``approved by A [key …], approved with conditions by B [key …]``: who approved, and how."""
        return ", ".join(f"{DECISION_WORDS[r.decision]} by {signer_text(r)}" for r in self.approvals)


def as_utc(now: datetime | None) -> datetime:
    """``now`` in UTC (a naive time is taken as UTC); the current time when ``now`` is None."""
    if now is None:
        return datetime.now(UTC)
    return now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)


def verify_signoffs(
    results_path: str | Path,
    trusted_keys: Trust | str | Path,
    *,
    report_path: str | Path | None = None,
    expected_report_bytes: bytes | None = None,
    render_report: Callable[[Sequence[SignOff]], bytes] | None = None,
    unsigned_report_sha256: str | None = None,
    templates: str | None = None,
    model: str | Path | None = None,
    data: str | Path | None = None,
    reference: str | Path | None = None,
    now: datetime | None = None,
    approvals: int | None = None,
    required_roles: Sequence[str] = (),
    require_pass: bool = False,
    head: str | None = None,
) -> VerifyOutcome:
    """Check that the sign-offs beside ``results_path`` still hold for what is on disk.

    ``trusted_keys`` is a ``Trust`` or the path of a trusted-keys file or a folder of ``*.pub`` keys;
    ``approvals``, ``required_roles`` and ``require_pass`` tighten its policy, ``head`` is the sha256
    of a log entry that must still be there. With ``report_path``, the published report must be
    ``expected_report_bytes``, or ``render_report(records)`` for the records as assessed here or as
    read with no trust (``govkit render``'s view). With ``unsigned_report_sha256`` (the report
    rendered now WITHOUT sign-offs) it must be the signed hash. Files are read from the paths recorded
    at audit time unless ``model``, ``data`` (current) or ``reference`` give another; the policy is
    re-hashed over every policy file results.json records. Expiry is judged on ``now``'s UTC date.
    ``templates`` (``templates_id`` of the set rendering now) must be the set each sign-off recorded.

    Raises ``InputError`` for a missing results.json, unusable trust, or a path given for a file the
    audit did not record.
    """
    results_path = Path(results_path)
    results_bytes, result = _read_results(results_path)
    overrides = {"model": model, "current": data, "reference": reference}
    _refuse_unusable_options(result, overrides, head)
    if not isinstance(trusted_keys, Trust):
        trusted_keys = load_trust(
            trusted_keys, approvals=approvals, required_roles=required_roles, require_pass=require_pass
        )
    trust = trusted_keys
    envelopes = _read_log(results_path)
    if isinstance(envelopes, VerifyOutcome):
        return envelopes
    assessment = assess_envelopes(envelopes, trust, as_utc(now).date())
    outcome = _judge(assessment, trust, result, head)
    checked = outcome.checked
    checked.append(f"{len(envelopes)} sign-off(s) against {len(trust.keys)} trusted key(s) in {trust.source}")
    reasons = outcome.reasons + _check_results(results_path, results_bytes, outcome.signers, checked)
    wrong_set = _check_templates(templates, outcome.signers, checked) if templates is not None else []
    reasons += wrong_set or _check_reports(
        report_path, expected_report_bytes, render_report, unsigned_report_sha256, assessment, envelopes, checked
    )
    policy_files = [str(p) for p in result.policy.get("files", [])] if result is not None else []
    reasons += _check_files(outcome.signers, policy_files, overrides, checked)
    outcome.reasons = list(dict.fromkeys(reasons))
    outcome.ok = not outcome.reasons and bool(outcome.approvals)
    outcome.summary.extend(f"checked: {printable(line)}" for line in checked)
    return outcome


def _read_log(results_path: Path) -> list[Any] | VerifyOutcome:
    """The log's envelopes, or the failed outcome when there is no log or it cannot be read."""
    sidecar = sidecar_path(results_path)
    try:
        envelopes = read_envelopes(sidecar)
    except InputError as error:
        return VerifyOutcome(ok=False, reasons=[str(error)])
    if not envelopes:
        missing = "not found" if not sidecar.exists() else "holds no sign-off"
        return VerifyOutcome(ok=False, reasons=[f"no sign-off: {sidecar} {missing}; run govkit signoff first"])
    return envelopes


def _read_results(results_path: Path) -> tuple[bytes, RunResult | None]:
    """results.json's bytes, and the result in them when they still parse (a tampered file may not)."""
    from govkit.results import RunResult

    try:
        results_bytes = results_path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{results_path}: results file not found") from None
    except OSError as error:
        raise InputError(f"{results_path}: cannot read the results: {error.strerror or error}") from None
    try:
        return results_bytes, RunResult.from_json(results_bytes.decode("utf-8"))
    except ValueError:  # also pydantic's ValidationError and UnicodeDecodeError: the hash check will say it changed
        return results_bytes, None


def _refuse_unusable_options(
    result: RunResult | None, overrides: Mapping[str, str | Path | None], head: str | None
) -> None:
    """A file for a role the audit never recorded would be checked against nothing; a head must be a sha256."""
    if head is not None and not re.fullmatch(r"[0-9a-f]{64}", head.strip().lower()):
        raise InputError(f"--head {head}: not a sha256 (64 hex digits); give the digest govkit signoff printed")
    if result is None:
        return
    recorded = result.provenance.files
    for option, role in _OPTION_ROLES.items():
        given = overrides.get(role)
        if given is not None and role not in recorded:
            what = ROLE_LABELS[role]
            raise InputError(
                f"--{option} {given}: the audit recorded no {what}, so no sign-off binds one and there is"
                f" nothing to compare it with; leave --{option} out"
            )


def _judge(assessment: Assessment, trust: Trust, result: RunResult | None, head: str | None) -> VerifyOutcome:
    """The outcome of the states and the policy, before any file is compared, with its summary lines."""
    records = assessment.records
    verdict = result.verdict.value if result is not None else "unknown (results.json does not parse)"
    passed = result.passed if result is not None else False
    finding = apply_policy(records, trust.policy, passed=passed, verdict=verdict)
    reasons = [*assessment.unreadable, *finding.reasons]
    links = [Link(r.position, r.index, r.previous, r.digest) for r in records]
    if head is not None:
        problem = head_problem(links, head)
        if problem is not None:
            reasons.insert(0, problem)
    last = records[-1].digest if records else None
    policy_name = printable(str(result.policy.get("name", ""))) if result is not None else "?"
    kind = "trusted-keys file (holders named)" if trust.identities else "folder of keys (names are claims only)"
    summary = [
        f"audit: verdict {verdict}, policy {policy_name}",
        f"trust: {len(trust.keys)} key(s) from {printable(str(trust.source))}, a {kind}",
        f"policy: {trust.policy.describe()}",
        *(describe_signoff(r, finding.notes.get(r.position, ())) for r in records),
        f"log: {len(records)} entr{'y' if len(records) == 1 else 'ies'}, head sha256 {last}",
    ]
    return VerifyOutcome(
        ok=False,
        reasons=reasons,
        signers=[r for r in records if r.verified],
        approvals=finding.approvals,
        records=records,
        summary=summary,
        verdict=verdict,
        head=last,
    )


def _report_candidates(
    expected: bytes | None,
    render_report: Callable[[Sequence[SignOff]], bytes] | None,
    assessment: Assessment,
    envelopes: list[Any],
) -> Iterable[bytes]:
    """The reports that may be published: as given, or rendered with these states or with none (lazily)."""
    if expected is not None:
        yield expected
    if render_report is not None:
        yield render_report(assessment.records)
        yield render_report(assess_envelopes(envelopes).records)


def _check_results(results_path: Path, results_bytes: bytes, signers: list[SignOff], checked: list[str]) -> list[str]:
    now = hashlib.sha256(results_bytes).hexdigest()
    if signers:
        checked.append(str(results_path))
    return [
        f"{results_path} changed since sign-off: sha256 now {now} != signed {signed}"
        for signed in dict.fromkeys(record.results_sha256 for record in signers)
        if signed != now
    ]


def _check_reports(
    report_path: str | Path | None,
    expected_report_bytes: bytes | None,
    render_report: Callable[[Sequence[SignOff]], bytes] | None,
    unsigned_report_sha256: str | None,
    assessment: Assessment,
    envelopes: list[Any],
    checked: list[str],
) -> list[str]:
    """The published report and the report rendered now without sign-offs, against what was signed."""
    reasons: list[str] = []
    if report_path is not None and (expected_report_bytes is not None or render_report is not None):
        expected = _report_candidates(expected_report_bytes, render_report, assessment, envelopes)
        reasons += _check_published_report(Path(report_path), expected, checked)
    if unsigned_report_sha256 is not None:
        signers = [r for r in assessment.records if r.verified]
        reasons += _check_rendered_report(unsigned_report_sha256, signers, checked)
    return reasons


def _check_templates(templates: str, signers: list[SignOff], checked: list[str]) -> list[str]:
    """The template set given now against the set each verified sign-off recorded (one line per set signed).

    With another set the reports would differ for that reason alone, so they are then not compared."""
    signed_sets: dict[str, SignOff] = {}
    for record in signers:
        recorded = _signed_templates(record)
        if recorded is not None:
            signed_sets.setdefault(recorded, record)
    if signed_sets:
        checked.append(f"report templates: {describe_templates(templates)}")
    return [
        f"report templates differ from the set signed: {printable(record.who)} signed the report rendered with"
        f" {describe_templates(recorded)}, verify was given {describe_templates(templates)};"
        f" {'leave --templates out' if recorded == BUNDLED_TEMPLATES else 'give --templates the set that was signed'}"
        for recorded, record in signed_sets.items()
        if recorded != templates
    ]


def _signed_templates(record: SignOff) -> str | None:
    """The template set ``record``'s statement recorded (None in sign-offs made before sets were recorded)."""
    from govkit.signoff.dsse import SignatureError, b64decode
    from govkit.signoff.statement import parse_statement

    try:
        return parse_statement(b64decode(record.envelope.get("payload"), "payload")).predicate.templates
    except (SignatureError, ValueError):  # a verified envelope decodes; anything else has its own reason
        return None


def _check_published_report(report_path: Path, expected: Iterable[bytes], checked: list[str]) -> list[str]:
    checked.append(str(report_path))
    try:
        on_disk = report_path.read_bytes()
    except FileNotFoundError:
        return [f"report {report_path} is missing"]
    return [] if any(on_disk == candidate for candidate in expected) else [f"{report_path} was changed after sign-off"]


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
