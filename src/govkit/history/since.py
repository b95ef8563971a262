""" "Since the last approved audit": the baseline a new audit is compared with, and what changed.

The baseline is the newest intact, approved record of the same model (a record whose stored results or
sign-offs were altered never is). The new audit is compared with it as a ``Diff``; a policy's
``reapproval`` settings pick the material changes, which need a fresh approval.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from govkit.history.diff import DEFAULT_TOLERANCE, Diff, diff_records, material
from govkit.history.records import AuditRecord, file_hashes, sha256_text
from govkit.history.text import diff_lines

if TYPE_CHECKING:
    from collections.abc import Callable

    from govkit.history.store import Store
    from govkit.reapproval import Reapproval
    from govkit.results import RunResult


@dataclass(frozen=True)
class Since:
    """The last approved audit and what changed since: plain data the report and the CLI show."""

    baseline_id: int
    approved_at: str  # when the approving sign-off was made (or recorded)
    approved_by: list[str]  # "name (role)"
    version: str | None
    changes: list[str]  # one plain sentence per change
    changed_checks: list[str]
    material: list[str] = field(default_factory=list)  # the changes that need a fresh approval

    @property
    def needs_approval(self) -> bool:
        return bool(self.material)

    def as_view(self) -> dict[str, Any]:
        """What a report template places: strings and lists only."""
        return {
            "baseline": self.baseline_id,
            "date": self.approved_at[:10],
            "by": ", ".join(self.approved_by),
            "version": self.version or "",
            "changes": list(self.changes),
            "material": list(self.material),
        }


def since_last_approved(
    store: Store,
    result: RunResult,
    *,
    model_name: str | None = None,
    reapproval: Reapproval | None = None,
    before: int | None = None,
    tolerance: float = DEFAULT_TOLERANCE,
    accept: Callable[[AuditRecord], bool] | None = None,
) -> Since | None:
    """Compare ``result`` with the newest approved audit of its model in ``store`` (older than id
    ``before`` when given, accepted by ``accept`` when given); None when there is no such audit."""
    name = model_name or result.model_card.get("model_name")
    baseline = store.last_approved(name, before=before, accept=accept)
    if baseline is None:
        return None
    text = result.to_json()
    current = AuditRecord(
        id=0, created_at="", model_name=name, model_version=None, verdict=result.verdict.value, counts=result.counts,
        results=text, results_sha256=sha256_text(text), report_sha256=None,
        hashes=file_hashes(result),
        git_commit=None, engine="",
    )  # fmt: skip
    changes = diff_records(baseline, current, tolerance)
    return _since(baseline, changes, reapproval)


def _since(baseline: AuditRecord, changes: Diff, reapproval: Reapproval | None) -> Since:
    approvals = baseline.approvals
    return Since(
        baseline_id=baseline.id,
        approved_at=max((s.signed_at or s.created_at) for s in approvals),
        approved_by=[f"{s.signer_name} ({s.signer_role})" for s in approvals],
        version=baseline.model_version,
        changes=diff_lines(changes),
        changed_checks=changes.changed_checks,
        material=material(changes, reapproval) if reapproval is not None and reapproval.required else [],
    )
