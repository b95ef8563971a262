"""What a sign-off says: the record of one reviewer's decision, with no cryptography in it.

The report shows sign-offs and the signing package creates and verifies them; both read this record,
so the report never depends on the code that signs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

DECISIONS = ("approve", "reject", "approve-with-conditions")
APPROVING = frozenset({"approve", "approve-with-conditions"})


@dataclass(frozen=True)
class SignOff:
    """One reviewer's sign-off, read from an envelope in the sidecar.

    ``verified`` says whether the envelope's signature was checked against a trusted key: records from
    ``read_signoffs`` are NOT verified (``verified=False``, ``key_file=None``), they only show what the
    sidecar claims; records in ``VerifyOutcome.signers`` are (``verified=True``, ``key_file`` set).
    """

    name: str
    role: str
    decision: str
    conditions: str | None
    expires: date | None
    signed_at: str
    keyid: str
    results_sha256: str
    report_sha256: str
    subjects: dict[str, str]  # subject name -> sha256, in statement order
    envelope: dict[str, Any] = field(repr=False)
    verified: bool = False
    key_file: str | None = None

    @property
    def who(self) -> str:
        """``"Name (Role)"``, as reasons and the report show a signer."""
        return f"{self.name} ({self.role})"

    @property
    def approves(self) -> bool:
        return self.decision in APPROVING
