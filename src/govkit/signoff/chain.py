"""The sign-off log as a hash chain: each entry binds the digest of the entry before it.

An entry's digest is the sha256 of its statement (the envelope's decoded payload: the bytes that were
signed). Each statement records ``chain.index`` (its 1-based place in the log) and ``chain.previous``
(the digest of the entry before it; None for the first). Because that link is inside the signed
statement, nobody without the signer's key can move, drop or slip in an entry without breaking a link:

- a deleted entry leaves the next entry pointing at a digest that is not in the log (the gap is named
  by the indices the signers bound);
- reordered entries point at an entry that now comes after them;
- an inserted entry is skipped over by the link of the entry after it;
- a log that starts with an entry whose index is not 1 lost its beginning.

What a chain cannot show by itself is the loss of its LAST entries: the shorter log is still a valid
chain. ``head_problem`` closes that gap for a verifier that knows an entry's digest (``govkit signoff``
prints it; ``govkit verify --head`` checks it), and a trust policy's required roles and approvals make
a deleted rejection visible as a missing approval. Nothing here checks a signature: a link is trusted
as far as the signature around it is.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Link", "chain_problems", "entry_digest", "head_problem"]


def entry_digest(payload: bytes) -> str:
    """The digest of a log entry: sha256 of its statement's bytes, as the next entry binds it."""
    return hashlib.sha256(payload).hexdigest()


@dataclass(frozen=True)
class Link:
    """One entry as the chain sees it: where it is, where its signer put it, and what it binds."""

    position: int  # 1-based place in the log as read
    index: int | None  # the place its statement records; None for an entry signed before chaining
    previous: str | None  # the digest of the entry before it, as signed
    digest: str


def _entries(count: int) -> str:
    return "1 entry" if count == 1 else f"{count} entries"


def _short(digest: str | None) -> str:
    return f"{digest[:16]}…" if digest else "none"


def chain_problems(links: Sequence[Link]) -> dict[int, str]:
    """Position -> one line, for each entry whose link does not fit the entries before it in the log."""
    where = {link.digest: link.position for link in links}
    problems: dict[int, str] = {}
    for number, link in enumerate(links):
        before = links[number - 1] if number else None
        problem = _problem(link, before, where)
        if problem is not None:
            problems[link.position] = problem
    return problems


def _problem(link: Link, before: Link | None, where: dict[str, int]) -> str | None:
    p = link.position
    if link.index is None:
        return (
            f"sign-off #{p} is not chained to the entries before it (signed by a govkit older than the"
            " hash-chained log), so its deletion or reordering could not be seen; sign the audit again"
        )
    expected = before.digest if before is not None else None
    if link.previous == expected:
        if link.index == p:
            return None
        return f"sign-off #{p} follows the right entry but was signed as entry #{link.index}: the log is inconsistent"
    if link.previous is None:
        return (
            f"sign-off #{p} was signed as the first entry of a log, yet entries come before it:"
            " the log was reordered or joined from two logs"
        )
    if link.previous in where:
        q = where[link.previous]
        if q >= p:
            return f"sign-off #{p} was signed after the entry now at position #{q}: the entries were reordered"
        return (
            f"sign-off #{p} was signed right after sign-off #{q}: the {_entries(p - q - 1)} between them"
            " were inserted later"
        )
    return _gap(link, before)


def _gap(link: Link, before: Link | None) -> str:
    """The message for an entry whose previous entry is missing from the log: the gap, by signed index."""
    after = before.index if before is not None and before.index is not None else 0
    first, last = after + 1, link.index - 1 if link.index is not None else None
    if last is not None and last >= first:
        missing = f"entry #{first}" if first == last else f"entries #{first}–#{last}"
        gap = f"{missing} ({_entries(last - first + 1)}) missing"
    else:
        gap = "an entry is missing"
    start = "the start of the log" if before is None else f"sign-off #{before.position}"
    return (
        f"the log has a gap between {start} and sign-off #{link.position}: {gap}; sign-off #{link.position}"
        f" (signed as entry #{link.index}) binds a previous entry with sha256 {_short(link.previous)}"
        " that is not in the log: an entry was deleted"
    )


def head_problem(links: Sequence[Link], head: str) -> str | None:
    """One line when the entry whose digest is ``head`` is not in the log (entries lost from its end)."""
    wanted = head.strip().lower()
    if any(link.digest == wanted for link in links):
        return None
    if not links:
        return f"the log is empty, but it should hold the entry with sha256 {_short(wanted)}: its entries were removed"
    last = links[-1]
    return (
        f"the log ends at sign-off #{last.position} (sha256 {_short(last.digest)}) and has no entry with the"
        f" expected head sha256 {_short(wanted)}: entries were removed from its end, or the log was replaced"
    )
