"""What a reviewer asks to sign, checked before anything is signed.

- the decision is one of ``DECISIONS``; conditions go with approve-with-conditions and nothing else;
- the name and role are one line of visible text: no bidi overrides, zero-width or control
  characters (they could disguise who signed, in the report and in ``verify``'s output); conditions
  and an override reason may span lines but hide nothing either;
- the expiry lies after today (UTC);
- approving an audit that did not pass (verdict fail or incomplete) is an override: it needs a reason,
  and a reason is refused anywhere else;
- with the verifier's trust at hand, the signing key must be trusted and the name and role must be
  the ones its trusted-keys record gives: ``verify`` would not count the sign-off otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from govkit.attestation import APPROVING, DECISIONS, unsafe_characters
from govkit.errors import InputError
from govkit.signoff.trust import check_holder_text

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from govkit.results import RunResult
    from govkit.signoff.trust import Trust

__all__ = ["SignRequest", "check_request", "check_signer", "check_verdict"]


@dataclass(frozen=True)
class SignRequest:
    """What the reviewer asked to sign, checked."""

    name: str
    role: str
    decision: str
    conditions: str | None
    expires: date | None
    signed_at: str
    override_reason: str | None = None


def check_request(
    name: str,
    role: str,
    decision: str,
    conditions: str | None,
    expires: date | None,
    now: datetime | None,
    override_reason: str | None = None,
) -> SignRequest:
    """The request, checked on its own (no file read); ``InputError`` with one line otherwise."""
    from govkit.signoff.verification import as_utc

    moment = as_utc(now)
    if decision not in DECISIONS:
        raise InputError(f"decision must be one of {', '.join(DECISIONS)}, not {decision!r}")
    conditions = _free_text(conditions, "the conditions")
    if decision == "approve-with-conditions" and conditions is None:
        raise InputError("approve-with-conditions needs the conditions: say what must hold for the approval")
    if decision != "approve-with-conditions" and conditions is not None:
        raise InputError(f"conditions are only for approve-with-conditions, not for {decision}")
    override_reason = _free_text(override_reason, "the override reason")
    if override_reason is not None and decision not in APPROVING:
        raise InputError(f"an override reason is only for approving an audit that did not pass, not for {decision}")
    if isinstance(expires, datetime):
        expires = as_utc(expires).date()
    if expires is not None and expires <= moment.date():
        raise InputError(f"expires {expires.isoformat()} is not in the future (today is {moment.date()} UTC)")
    return SignRequest(
        name=check_holder_text(name, "the signer's name"),
        role=check_holder_text(role, "the signer's role"),
        decision=decision,
        conditions=conditions,
        expires=expires,
        signed_at=moment.isoformat(timespec="seconds"),
        override_reason=override_reason,
    )


def _free_text(value: str | None, what: str) -> str | None:
    """Text that may span lines, stripped (None when empty), with nothing hidden in it."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    hidden = unsafe_characters(text, allowed="\n\t")
    if hidden:
        raise InputError(f"{what} may not hold invisible or control characters ({', '.join(hidden)}); type it plainly")
    return text or None


def check_verdict(request: SignRequest, result: RunResult) -> None:
    """Approving an audit that did not pass needs an override reason; a passed audit needs none."""
    verdict = result.verdict.value
    if request.decision in APPROVING and not result.passed and request.override_reason is None:
        raise InputError(
            f"the audit's verdict is {verdict}: approving it overrides the verdict; say why with"
            " --override-reason (it is signed and shown by verify), or sign --decision reject"
        )
    if request.override_reason is not None and result.passed:
        raise InputError(
            f"the audit passed (verdict {verdict}): there is nothing to override; leave --override-reason out"
        )


def check_signer(trust: Trust, private_key: Ed25519PrivateKey, request: SignRequest) -> None:
    """The signing key must be one ``trust`` holds, and the name and role the ones recorded for it."""
    from govkit.signoff.keys import key_id

    keyid = key_id(private_key.public_key())
    record = trust.keys.get(keyid)
    if record is None:
        raise InputError(f"your key {keyid} is not among {trust.label}: verify would not count this sign-off")
    if record.name is not None and (record.name, record.role) != (request.name, request.role):
        raise InputError(
            f"{trust.source} records key {keyid[:16]} as held by {record.holder}, not"
            f" {request.name} ({request.role}): sign with the name and role of the record"
        )
