"""What each sign-off in the log is worth: its ``state``, for the report and for ``verify``.

``assess_envelopes`` turns the log's envelopes into ``SignOff`` records, one per envelope, each with a
state from ``govkit.attestation.STATES`` and, when it is not "verified", the one-line ``problem``:

- with no trust material every record is "not verified" (a claim), unless the log around it was
  visibly altered ("broken chain");
- with trust material (``govkit.signoff.trust.Trust``): "invalid signature" when the DSSE signature
  does not verify, "untrusted" when no trusted key signed, "identity mismatch" when the name or role
  the signer claims is not the one the trusted-keys file records for the key, "broken chain" when the
  entry's link does not fit the log, "expired" after its expiry date, and "verified" otherwise.

``read_signoffs`` is the no-trust reading ``govkit render`` uses; ``assess_signoffs`` reads the log
beside a results.json with whatever trust the caller has. Nothing here prints or exits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govkit.attestation import SignOff
from govkit.errors import InputError
from govkit.signoff.chain import Link, chain_problems
from govkit.signoff.sidecar import claimed_signoff, read_envelopes, sidecar_path

if TYPE_CHECKING:
    from govkit.signoff.trust import Trust

__all__ = ["Assessment", "assess_envelopes", "assess_signoffs", "read_signoffs"]


@dataclass(frozen=True)
class Assessment:
    """The log as assessed: a record per readable envelope, and a line per envelope that is not one."""

    records: list[SignOff]
    unreadable: list[str]


def assess_envelopes(envelopes: Sequence[Any], trust: Trust | None = None, today: date | None = None) -> Assessment:
    """Each envelope's sign-off with its state; ``trust`` is a ``Trust`` or None, ``today`` judges expiry.

    An envelope that is not a govkit sign-off statement gives a line in ``unreadable`` (and no record);
    the chain is checked over the readable entries, so an unreadable one also breaks the link after it.
    """
    claims: list[SignOff] = []
    unreadable: list[str] = []
    for position, envelope in enumerate(envelopes, start=1):
        if not isinstance(envelope, dict):
            unreadable.append(f"sign-off #{position}: the envelope is not a JSON object")
            continue
        try:
            claims.append(claimed_signoff(envelope, position))
        except ValueError as error:
            unreadable.append(f"sign-off #{position}: not a govkit sign-off: {error}")
    broken = chain_problems([Link(c.position, c.index, c.previous, c.digest) for c in claims])
    records = [_assess(claim, trust, broken.get(claim.position), today) for claim in claims]
    return Assessment(records, unreadable)


def _assess(claim: SignOff, trust: Trust | None, chain_problem: str | None, today: date | None) -> SignOff:
    if trust is None:
        if chain_problem is not None:
            return replace(claim, state="broken chain", problem=chain_problem)
        return claim
    from govkit.signoff.dsse import SignatureError, dsse_verify
    from govkit.signoff.statement import PAYLOAD_TYPE

    keys = {keyid: entry.key for keyid, entry in trust.keys.items()}
    try:
        _, accepted = dsse_verify(
            claim.envelope, keys, supported_types=(PAYLOAD_TYPE,), require_all=True, keys_label=trust.label
        )
    except SignatureError as error:
        # "untrusted" only when every signature names a key the verifier does not hold; unsigned is invalid
        keyids = _keyids(claim.envelope)
        untrusted = bool(keyids) and not any(keyid in keys for keyid in keyids)
        return replace(claim, state="untrusted" if untrusted else "invalid signature", problem=str(error))
    key = trust.keys[accepted[0]]
    record = replace(claim, keyid=key.keyid, verified=True, key_file=str(key.path), holder=key.holder)
    if key.name is not None and (key.name, key.role) != (claim.name, claim.role):
        problem = f"signed with the key of {key.holder} (as {trust.source} records it) but claims to be {claim.who}"
        return replace(record, state="identity mismatch", problem=problem)
    if chain_problem is not None:
        return replace(record, state="broken chain", problem=chain_problem)
    if today is not None and claim.expires is not None and claim.expires < today:
        problem = f"expired on {claim.expires.isoformat()} (today is {today.isoformat()} UTC)"
        return replace(record, state="expired", problem=problem)
    return replace(record, state="verified")


def _keyids(envelope: Mapping[str, Any]) -> list[str]:
    signatures = envelope.get("signatures")
    if not isinstance(signatures, list):
        return []
    return [s["keyid"] for s in signatures if isinstance(s, Mapping) and isinstance(s.get("keyid"), str)]


def assess_signoffs(
    results_path: str | Path, trusted_keys: Trust | str | Path | None = None, *, now: datetime | None = None
) -> list[SignOff]:
    """The sign-offs beside ``results_path`` with their states, for a report.

    ``trusted_keys`` is a ``Trust``, a trusted-keys file or folder path, or None (every record then
    "not verified"). A missing log gives ``[]``; a malformed one, or an envelope that is not a govkit
    sign-off, raises ``InputError`` naming it.
    """
    from govkit.signoff.trust import load_trust
    from govkit.signoff.verification import as_utc

    trust = load_trust(trusted_keys) if isinstance(trusted_keys, (str, Path)) else trusted_keys
    sidecar = sidecar_path(results_path)
    assessment = assess_envelopes(read_envelopes(sidecar), trust, as_utc(now).date())
    if assessment.unreadable:
        raise InputError(f"{sidecar}: {assessment.unreadable[0]}")
    return assessment.records


def read_signoffs(results_path: str | Path) -> list[SignOff]:
    """The sign-offs beside ``results_path``, in log order, for display. NOT verified.

    No trusted keys are used: every record is "not verified" (or "broken chain" when the log was
    visibly altered); ``verify`` decides. A missing log gives ``[]``; a malformed one raises
    ``InputError`` naming the envelope.
    """
    return assess_signoffs(results_path)
