""" "Since the last approved audit": the baseline a new audit is compared with, and what changed.

The baseline is the newest intact, approved record of the same model (a record whose stored results or
sign-offs were altered never is). The new audit is compared with it as a ``Diff``; a policy's
``reapproval`` settings pick the material changes, which need a fresh approval. The checks that
moved carry their values over the model's recorded audits, for the report's small trend charts.
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
    from govkit.results import CheckResult, RunResult

# The report's first screen stays small: a few charts, each of recent audits only.
MAX_TRENDS, MAX_AUDITS = 6, 20


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
    trends: list[dict[str, Any]] = field(default_factory=list)  # see ``trends``

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
            "trends": [dict(trend) for trend in self.trends],
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
    # records whose results were altered are left out (as on the trend page), and so is this audit if it
    # was already recorded (with this section, so compared without it): it is drawn last, once
    past = [r for r in store.list(name) if not r.problems and (before is None or r.id < before)][-MAX_AUDITS:]
    this = _without_since(result)
    past = [r for r in past if _without_since(r.result) != this][-(MAX_AUDITS - 1) :]
    return _since(baseline, changes, reapproval, trends(past, result, changes.changed_checks))


def trends(past: list[AuditRecord], result: RunResult, checks: list[str]) -> list[dict[str, Any]]:
    """For each of ``checks`` measured now (at most ``MAX_TRENDS``), its values over the audits ``past``
    (oldest first) and ``result`` last, with the current policy's bounds."""
    now = {c.id: c for c in result.checks if c.measurement.value is not None}
    chosen = [check_id for check_id in checks if check_id in now][:MAX_TRENDS]
    version = result.model_card.get("model_version")
    label = f"version {version}" if version else "this audit"
    found = []
    for check_id in chosen:
        series = [(f"version {r.model_version}" if r.model_version else r.created_at[:10], c)
                  for r in past for c in r.result.checks
                  if c.id == check_id and c.measurement.value is not None]  # fmt: skip
        found.append(_trend(now[check_id], [*series, (label, now[check_id])]))
    return found


def _without_since(result: RunResult) -> str:
    return result.model_copy(update={"since_approved": None}).to_json()


def _trend(latest: CheckResult, series: list[tuple[str, CheckResult]]) -> dict[str, Any]:
    fail, warn = latest.fail_if, latest.warn_if
    return {
        "check": latest.id,
        "title": latest.title,
        "labels": [label for label, _ in series],
        "values": [float(c.measurement.value or 0.0) for _, c in series],
        "statuses": [c.status.value for _, c in series],
        "fail_if": None if fail is None else fail.operator()[1],
        "warn_if": None if warn is None else warn.operator()[1],
        "fail_text": "" if fail is None else f"fail if {fail.describe()}",
        "warn_text": "" if warn is None else f"warn if {warn.describe()}",
    }


def _since(baseline: AuditRecord, changes: Diff, reapproval: Reapproval | None,
           moved: list[dict[str, Any]]) -> Since:  # fmt: skip
    approvals = baseline.approvals
    return Since(
        baseline_id=baseline.id,
        approved_at=max((s.signed_at or s.created_at) for s in approvals),
        approved_by=[f"{s.signer_name} ({s.signer_role})" for s in approvals],
        version=baseline.model_version,
        changes=diff_lines(changes),
        changed_checks=changes.changed_checks,
        material=material(changes, reapproval) if reapproval is not None and reapproval.required else [],
        trends=moved,
    )
