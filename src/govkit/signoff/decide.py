"""The trust policy applied to the assessed sign-offs: which approvals count, and why verify says no.

Given the records ``govkit.signoff.assess`` made (each with its state) and the ``TrustPolicy``:

- every record that is not "verified" or "expired" is a reason (untrusted, forged, altered, claimed
  identity, broken log);
- with ``supersede_rejections`` only each key's LAST sign-off counts (earlier ones are noted as
  superseded); otherwise every sign-off counts, so a signed rejection stands whatever follows it;
- a counted rejection is a reason, and so is a counted sign-off that expired;
- an approval of an audit that did not pass counts only as an override with a reason when the
  policy has ``require_pass``; without it, it counts and the verdict is said beside it;
- the approvals must come from at least ``approvals`` distinct keys, and each required role needs an
  approval by a key whose holder has that role.

It also writes the lines ``verify`` prints about each sign-off. Every text a signer chose goes through
``printable``, so a name cannot reorder or forge a line of output.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from govkit.attestation import SignOff, printable
from govkit.signoff.trust import TrustPolicy

__all__ = ["PolicyFinding", "apply_policy", "describe_signoff", "signer_text"]

COUNTED_STATES = ("verified", "expired")
DECISION_WORDS = {"approve": "approved", "approve-with-conditions": "approved with conditions", "reject": "rejected"}


@dataclass
class PolicyFinding:
    """What the policy made of the sign-offs: the reasons against, the approvals that count, notes."""

    reasons: list[str] = field(default_factory=list)
    approvals: list[SignOff] = field(default_factory=list)
    notes: dict[int, list[str]] = field(default_factory=dict)  # position -> notes for its line


def signer_text(record: SignOff, key: bool = True) -> str:
    """Who signed, as far as it is known: the key's recorded holder, or the claim marked as one.

    With ``key``, a verified signer is followed by the first 16 hex digits of the key id.
    """
    suffix = f"; key {record.keyid[:16]}" if key else ""
    if record.holder is not None and record.state != "identity mismatch":
        return printable(record.holder) + (f" [key {record.keyid[:16]}]" if key else "")
    if record.verified:
        return f"{printable(record.who)} [claimed{suffix}]"
    return f"{printable(record.who)} (unverified claim)"


def apply_policy(records: Sequence[SignOff], policy: TrustPolicy, *, passed: bool, verdict: str) -> PolicyFinding:
    """The policy's finding on ``records`` (in log order) for an audit whose verdict is ``verdict``."""
    finding = PolicyFinding()
    for record in records:
        if record.state not in COUNTED_STATES:
            finding.reasons.append(_state_reason(record))
    trusted = [r for r in records if r.state in COUNTED_STATES]
    counted = _supersede(trusted, finding) if policy.supersede_rejections else trusted
    for record in counted:
        label = f"sign-off #{record.position}"
        if record.decision == "reject":
            finding.reasons.append(f"{label}: {signer_text(record)} rejected this audit (signed {record.signed_at})")
        elif record.state == "expired":
            finding.reasons.append(f"{label}: the sign-off by {signer_text(record)} {record.problem}")
        elif record.approves:
            _approval(record, policy, passed, verdict, finding)
    _thresholds(policy, finding)
    return finding


def _state_reason(record: SignOff) -> str:
    label, problem = f"sign-off #{record.position}", printable(record.problem or record.state)
    if record.state == "broken chain":  # the chain's lines name the positions themselves
        return problem
    if record.state == "identity mismatch":
        return f"{label}: {problem}"
    return f"{label} by {signer_text(record)}: {problem}"


def _supersede(trusted: list[SignOff], finding: PolicyFinding) -> list[SignOff]:
    """Each key's last sign-off; the earlier ones get a note saying which sign-off replaced them."""
    latest = {record.keyid: record for record in trusted}
    for record in trusted:
        last = latest[record.keyid]
        if last is not record:
            finding.notes.setdefault(record.position, []).append(f"superseded by sign-off #{last.position} (same key)")
    return [record for record in trusted if latest[record.keyid] is record]


def _approval(record: SignOff, policy: TrustPolicy, passed: bool, verdict: str, finding: PolicyFinding) -> None:
    if passed or record.override_reason:
        finding.approvals.append(record)
        return
    if policy.require_pass:
        finding.reasons.append(
            f"sign-off #{record.position}: {signer_text(record)} approved an audit whose verdict is {verdict}"
            " without an override reason; the trust policy requires a passed audit or an explicit override"
        )
        return
    finding.notes.setdefault(record.position, []).append(f"approves an audit whose verdict is {verdict}")
    finding.approvals.append(record)


def _thresholds(policy: TrustPolicy, finding: PolicyFinding) -> None:
    keys = dict.fromkeys(record.keyid for record in finding.approvals)
    if len(keys) < policy.approvals:
        finding.reasons.append(
            f"{len(keys)} of the {policy.approvals} approval(s) the trust policy requires, by distinct trusted keys"
        )
    for role in policy.required_roles:
        if not any(record.role == role and record.holder is not None for record in finding.approvals):
            finding.reasons.append(f"no approval by a holder of the required role {printable(role)}")


def describe_signoff(record: SignOff, notes: Sequence[str] = ()) -> str:
    """One line about a sign-off for ``verify``'s output: decision, signer, state, key id, conditions."""
    parts = [f"sign-off #{record.position}: {record.decision} by {signer_text(record, key=False)}"]
    if record.state == "verified":
        parts.append(f" — verified with key {record.keyid}")
    else:
        parts.append(f" — {record.state}: {printable(record.problem or '')}")
        if record.verified:
            parts.append(f"; key {record.keyid}")
    if record.conditions:
        parts.append(f"; conditions: {printable(record.conditions)}")
    if record.override_reason:
        parts.append(f"; overrides the audit's verdict: {printable(record.override_reason)}")
    if record.expires is not None:
        parts.append(f"; expires {record.expires.isoformat()}")
    parts.extend(f"; {note}" for note in notes)
    return "".join(parts)
