"""The history store as an anchor for the sign-off log.

It also records which custom report template set each sign-off was made with (the signed report digest
binds its rendering; the store names the set), so verifying with another set is named as such.

A hash-chained log shows a deleted, reordered or inserted entry, but not the loss of its last entries:
the shorter log is still a valid chain. The store keeps its own copy of every sign-off it recorded, so a
verifier with the store compares: every intact sign-off the store recorded for this results.json must
still be in the log, by its entry digest.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from govkit.history.store import Store


def missing_entries(
    store: Store, results_sha256: str, log_digests: Collection[str], templates_sha256: str | None = None
) -> tuple[list[str], int]:
    """One line per recorded sign-off of this results.json that the log no longer holds, and how many
    the store recorded. A sign-off whose stored copy was altered is reported as such, never ignored. A
    sign-off recorded with a custom template set must be verified with that set (``templates_sha256``
    is the digest of the set given to verify; None for the bundled templates)."""
    problems: list[str] = []
    recorded = 0
    for record in store.find(results_sha256):
        for signoff in record.signoffs:
            recorded += 1
            who = f"{signoff.decision} by {signoff.signer_name} ({signoff.signer_role})"
            if not signoff.intact:
                problems.append(f"history store: the stored copy of sign-off {signoff.id} ({who}) was altered")
            elif signoff.entry_digest not in log_digests:
                place = f"entry #{signoff.position}" if signoff.position else "an entry"
                problems.append(
                    f"the sign-off log lost {place} ({who}, sha256 {signoff.entry_digest[:16]}…) that the history"
                    " store recorded; restore signoff.dsse.json"
                )
            elif signoff.templates_sha256 is not None and signoff.templates_sha256 != templates_sha256:
                problems.append(
                    f"sign-off {signoff.id} ({who}) was made with report templates sha256"
                    f" {signoff.templates_sha256[:16]}…, not the ones given; verify with that template set"
                )
    return problems, recorded
