"""What a sign-off says: the record of one reviewer's decision, with no cryptography in it.

The report shows sign-offs and the signing package creates and verifies them; both read this record,
so the report never depends on the code that signs. The signing package sets each record's ``state``
(was its signature checked, against which keys, does it still hold); the report shows that state and
draws an approval as one only when it is ``"verified"``.

Names, roles and conditions come from envelopes anyone can write, so text from a record is shown
through ``printable``: bidi overrides, zero-width and control characters become visible escapes and
can neither reorder a line nor start a new one. ``unsafe_characters`` finds them, so that signing can
refuse them in the first place.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any

__all__ = ["APPROVING", "DECISIONS", "STATES", "SignOff", "printable", "unsafe_characters"]

DECISIONS = ("approve", "reject", "approve-with-conditions")
APPROVING = frozenset({"approve", "approve-with-conditions"})

# What is known about a sign-off, from best to worst; only "verified" is an approval anyone may rely on.
STATES = (
    "verified",  # signed by a trusted key, identity as recorded, in an intact log, unexpired
    "expired",  # all of that, but past its expiry date
    "not verified",  # no trusted keys were given: a claim, neither good nor bad
    "broken chain",  # the log around it was altered: entries deleted, reordered or inserted
    "identity mismatch",  # a trusted key, but the signer claims a name or role its record does not have
    "untrusted",  # signed by a key the verifier does not trust
    "invalid signature",  # the signature does not verify: altered, forged or unsigned
)

# Bidi overrides and isolates, zero-width characters and BOMs are "Cf"; control characters "Cc";
# line and paragraph separators "Zl"/"Zp"; surrogates, private use and unassigned code points too.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def unsafe_characters(text: str, allowed: str = "") -> list[str]:
    """The characters of ``text`` that could hide or reorder what a reader sees, as ``U+XXXX`` names."""
    found = [c for c in text if c not in allowed and unicodedata.category(c) in _HIDDEN_CATEGORIES]
    return [f"U+{ord(c):04X}" for c in dict.fromkeys(found)]


def printable(text: str) -> str:
    """``text`` with every character ``unsafe_characters`` finds written as a visible escape (``\\u202e``)."""
    if not unsafe_characters(text):
        return text
    return "".join(_escape(c) if unicodedata.category(c) in _HIDDEN_CATEGORIES else c for c in text)


def _escape(character: str) -> str:
    code = ord(character)
    if character in "\n\r\t":
        return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}[character]
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


@dataclass(frozen=True)
class SignOff:
    """One reviewer's sign-off, read from an envelope in the sign-off log.

    ``name``, ``role``, ``decision`` and the rest are what the signed statement SAYS. ``state`` (one of
    ``STATES``) says what was checked: records from ``read_signoffs`` were read with no trusted keys
    (``"not verified"``, or ``"broken chain"`` when the log was visibly altered); records a verifier
    assessed carry its finding, with ``problem`` saying why when it is not ``"verified"``.
    ``verified`` is True when the signature verified with a trusted key (whatever else is wrong);
    ``holder`` is then the key's holder as the trusted-keys file names them, and ``key_file`` where
    the key came from.

    ``position`` is the record's place in the log (1-based); ``index`` and ``previous`` are the place and
    the previous entry's digest the signer bound (None for a sign-off made before the log was chained);
    ``digest`` is this entry's sha256, which the next entry binds.
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
    override_reason: str | None = None
    position: int = 0
    index: int | None = None
    previous: str | None = None
    digest: str = ""
    state: str = "not verified"
    problem: str | None = None
    holder: str | None = None

    @property
    def who(self) -> str:
        """``"Name (Role)"`` as the statement claims it, as reasons and the report show a signer."""
        return f"{self.name} ({self.role})"

    @property
    def approves(self) -> bool:
        return self.decision in APPROVING

    @property
    def counts(self) -> bool:
        """True when the record may be relied on: verified, in an intact log, unexpired."""
        return self.state == "verified"
