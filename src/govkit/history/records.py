"""What the store hands back: an audit record with its sign-offs, and whether each is still intact.

The store is not trusted blindly. A record's integrity is re-checked every time it is read: its stored
results.json must still hash to the digest recorded with it and parse as a results file; each sign-off's
envelope must still hash to its recorded digest, decode to a statement whose entry digest is the one
recorded, and bind this audit's results.json. A record with a problem is shown with it and is never
an approval baseline.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from govkit.attestation import APPROVING

if TYPE_CHECKING:
    from govkit.results import RunResult


# The store's names for the audited files -> their roles in results.json's provenance.
FILE_ROLES = {"model": "model", "data": "current", "reference": "reference", "policy": "policy"}


def file_hashes(result: RunResult) -> dict[str, str | None]:
    """model, data, reference, policy -> the sha256 the audit recorded (None when it had no such file)."""
    files = result.provenance.files
    return {name: (files.get(role) or {}).get("sha256") for name, role in FILE_ROLES.items()}


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class SignoffRecord:
    """One recorded sign-off: the envelope as stored, what it claims, and what is wrong with it."""

    id: int
    audit_id: int
    created_at: str
    envelope: str
    envelope_sha256: str
    entry_digest: str
    position: int | None
    signer_name: str
    signer_role: str
    decision: str
    signed_at: str | None
    templates_sha256: str | None = None
    problems: tuple[str, ...] = ()

    @property
    def intact(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class AuditRecord:
    """One recorded audit. ``problems`` lists what no longer holds; empty means intact."""

    id: int
    created_at: str
    model_name: str | None
    model_version: str | None
    verdict: str
    counts: dict[str, int]
    results: str
    results_sha256: str
    report_sha256: str | None
    hashes: dict[str, str | None]  # model, data, reference, policy -> sha256
    git_commit: str | None
    engine: str
    signoffs: list[SignoffRecord] = field(default_factory=list)
    problems: tuple[str, ...] = ()

    @property
    def intact(self) -> bool:
        return not self.problems and all(s.intact for s in self.signoffs)

    @property
    def approvals(self) -> list[SignoffRecord]:
        return [s for s in self.signoffs if s.intact and s.decision in APPROVING]

    @property
    def rejections(self) -> list[SignoffRecord]:
        return [s for s in self.signoffs if s.intact and s.decision not in APPROVING]

    @property
    def approved(self) -> bool:
        """Intact, with an intact approval and no intact rejection: a baseline later audits compare with."""
        return self.intact and bool(self.approvals) and not self.rejections

    @cached_property
    def result(self) -> RunResult:
        """The stored results.json, parsed (only call it on a record whose results parse)."""
        from govkit.results import RunResult

        return RunResult.from_json(self.results)


def audit_problems(results: str, results_sha256: str, verdict: str) -> tuple[str, ...]:
    """Why a stored audit can no longer be relied on (empty when it can)."""
    from govkit.results import RunResult

    if sha256_text(results) != results_sha256:
        return (f"its stored results no longer hash to the recorded sha256 {results_sha256[:16]}…",)
    try:
        parsed = RunResult.from_json(results)
    except Exception as error:  # any parse failure means the record cannot be used
        return (f"its stored results are not a results file ({type(error).__name__})",)
    if parsed.verdict.value != verdict:
        return (f"its recorded verdict {verdict} is not the verdict of its results ({parsed.verdict.value})",)
    return ()


def signoff_problems(row: dict[str, Any], results_sha256: str) -> tuple[str, ...]:
    """Why a stored sign-off no longer holds: its envelope altered, or it binds other results."""
    envelope = row["envelope"]
    if sha256_text(envelope) != row["envelope_sha256"]:
        return ("its stored envelope no longer hashes to the recorded sha256",)
    try:
        payload = base64.b64decode(json.loads(envelope)["payload"], validate=True)
        statement = json.loads(payload)
        subjects = {s["name"]: s["digest"]["sha256"] for s in statement["subject"]}
        predicate = statement["predicate"]
    except (ValueError, KeyError, TypeError, binascii.Error):
        return ("its stored envelope is not a govkit sign-off",)
    problems = []
    if hashlib.sha256(payload).hexdigest() != row["entry_digest"]:
        problems.append("its statement is not the log entry recorded")
    if subjects.get("results.json") != results_sha256:
        problems.append("it signs a different results.json than the audit it is recorded with")
    if predicate.get("decision") != row["decision"]:
        problems.append("its recorded decision is not the signed one")
    return tuple(problems)


def envelope_facts(envelope: dict[str, Any]) -> dict[str, Any]:
    """What a sign-off row records of an envelope: digests and the claims of its statement.

    ``ValueError`` when the envelope is not a DSSE envelope of a govkit sign-off statement.
    """
    try:
        payload = base64.b64decode(envelope["payload"], validate=True)
        statement = json.loads(payload)
        predicate = statement["predicate"]
        subjects = {s["name"]: s["digest"]["sha256"] for s in statement["subject"]}
        signer = predicate["signer"]
        facts = {
            "entry_digest": hashlib.sha256(payload).hexdigest(),
            "position": (predicate.get("chain") or {}).get("index"),
            "signer_name": str(signer["name"]),
            "signer_role": str(signer["role"]),
            "decision": str(predicate["decision"]),
            "signed_at": predicate.get("signed_at"),
            "results_sha256": subjects["results.json"],
        }
    except (ValueError, KeyError, TypeError, binascii.Error) as error:
        raise ValueError(f"not a govkit sign-off envelope ({type(error).__name__}: {error})") from None
    return facts
