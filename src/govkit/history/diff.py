"""What changed between two recorded audits, in the terms a reviewer signs on.

Four kinds of change: a check whose status changed (and whether for the worse), a check whose value
moved by more than a tolerance (with both intervals), checks added or removed (a policy change), and
model, data, reference or policy files whose sha256 changed. ``material`` applies a policy's
``reapproval`` settings to a diff: the changes that require a fresh approval.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from govkit.history.records import AuditRecord
    from govkit.reapproval import Reapproval
    from govkit.results import CheckResult

DEFAULT_TOLERANCE = 0.01  # absolute change in a check's value that counts as having moved

# How bad a status is, for "got worse": pass < warn < (skip, inconclusive, error) < fail. A check that
# stopped measuring is worse than one that measured and warned: a warning is a judged number, a lost
# measurement hides whether the problem grew (warn -> error needs a fresh approval; error -> warn does
# not). The three ways of not measuring rank alike; an unknown status ranks as a fail.
_RANK = {"pass": 0, "warn": 1, "skip": 2, "inconclusive": 2, "error": 2, "fail": 3}


@dataclass(frozen=True)
class StatusChange:
    check: str
    title: str
    before: str
    after: str
    worse: bool


@dataclass(frozen=True)
class ValueMove:
    check: str
    title: str
    before: float
    after: float
    before_interval: tuple[float, float] | None
    after_interval: tuple[float, float] | None

    @property
    def delta(self) -> float:
        return self.after - self.before


@dataclass(frozen=True)
class HashChange:
    role: str
    before: str | None
    after: str | None


@dataclass(frozen=True)
class Diff:
    """The changes from audit ``before`` to audit ``after`` (ids), empty lists when nothing changed."""

    before: int
    after: int
    tolerance: float
    statuses: list[StatusChange] = field(default_factory=list)
    moved: list[ValueMove] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    hashes: list[HashChange] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.statuses or self.moved or self.added or self.removed or self.hashes)

    @property
    def changed_checks(self) -> list[str]:
        """Every check named by the diff, once, in the order it is first named."""
        names = [c.check for c in self.statuses] + [m.check for m in self.moved] + self.added + self.removed
        return list(dict.fromkeys(names))

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["changed_checks"] = self.changed_checks
        return data


def diff_records(before: AuditRecord, after: AuditRecord, tolerance: float = DEFAULT_TOLERANCE) -> Diff:
    """Compare two intact records (``ValueError`` naming the record when one is not intact)."""
    for record in (before, after):
        if record.problems:
            raise ValueError(f"audit {record.id} cannot be compared: {record.problems[0]}")
    old = {c.id: c for c in before.result.checks}
    new = {c.id: c for c in after.result.checks}
    shared = [check_id for check_id in new if check_id in old]
    statuses = [_status_change(old[i], new[i]) for i in shared if old[i].status != new[i].status]
    moved = [move for i in shared if (move := _value_move(old[i], new[i], tolerance)) is not None]
    hashes = [
        HashChange(role, before.hashes.get(role), after.hashes.get(role))
        for role in ("model", "data", "reference", "policy")
        if before.hashes.get(role) != after.hashes.get(role)
    ]
    return Diff(
        before=before.id,
        after=after.id,
        tolerance=tolerance,
        statuses=statuses,
        moved=moved,
        added=[i for i in new if i not in old],
        removed=[i for i in old if i not in new],
        hashes=hashes,
    )


def beyond(delta: float, tolerance: float) -> bool:
    """``|delta| > tolerance``, where a change equal to the tolerance up to rounding (0.85 - 0.84) is not."""
    return abs(delta) > tolerance and not math.isclose(abs(delta), tolerance, rel_tol=1e-9, abs_tol=1e-12)


def worse(before: str, after: str) -> bool:
    """Whether a check's status got worse from ``before`` to ``after`` (the order of ``_RANK``)."""
    return _RANK.get(after, 3) > _RANK.get(before, 3)


def _status_change(old: CheckResult, new: CheckResult) -> StatusChange:
    after = new.status.value
    return StatusChange(new.id, new.title, old.status.value, after, worse(old.status.value, after))


def _value_move(old: CheckResult, new: CheckResult, tolerance: float) -> ValueMove | None:
    a, b = old.measurement.value, new.measurement.value
    if a is None or b is None or not (math.isfinite(a) and math.isfinite(b)) or not beyond(b - a, tolerance):
        return None
    return ValueMove(new.id, new.title, a, b, old.measurement.interval, new.measurement.interval)


def material(diff: Diff, settings: Reapproval) -> list[str]:
    """The changes in ``diff`` that need a fresh approval under ``settings``, one plain line each."""
    reasons = []
    if settings.status_worse:
        reasons += [f"{c.check} went from {c.before} to {c.after}" for c in diff.statuses if c.worse]
    if settings.value_moved is not None:
        reasons += [
            f"{m.check} moved from {m.before:.4g} to {m.after:.4g} (more than {settings.value_moved:g})"
            for m in diff.moved
            if beyond(m.delta, settings.value_moved)
        ]
    if settings.checks_changed:
        reasons += [f"{check} was added to the policy" for check in diff.added]
        reasons += [f"{check} was removed from the policy" for check in diff.removed]
    watched = {role for role in ("model", "data", "reference", "policy") if getattr(settings, f"{role}_changed")}
    reasons += [f"the {h.role} file changed" for h in diff.hashes if h.role in watched]
    return reasons
