"""Time limits of one audit: a timeout for the whole audit and a budget of seconds per family.

Both are operational settings (how long this machine may spend), not governance rules, so they live
in ``govkit.yaml`` (``timeout:``, ``budgets: {explain: 60}``) and on the command line (``--timeout``,
``--budget explain=60``), never in a policy: the same policy must mean the same thing everywhere.

How a limit is enforced depends on where the work runs, because a Python thread cannot be killed:

- a family in the worker process (drift) is killed when its budget or the audit's timeout runs out;
  the checks it had finished are kept, the others become errors;
- a family in the audit's own process is cut at check boundaries: a check that has started runs to
  its end, and no further check of that family (or, past the timeout, of any family) starts;
- preflight (reading, loading the model, predicting) is cut at its phase boundaries the same way.

A check cut by a limit is an ``error`` whose message says which limit and how long it was, so a
blocking check cut makes the verdict Incomplete, never a pass. Past the audit's timeout the library
raises ``AuditTimeout`` carrying the result of what finished (the CLI writes it, then exits 2).
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from govkit.errors import GovkitError, InputError

if TYPE_CHECKING:
    from govkit.results import RunResult

# What a family's work is called in a plain sentence ("the explanations did not finish within 60 s").
WORK_NAMES = {
    "quality": "the data-quality checks",
    "drift": "the drift checks",
    "fairness": "the fairness checks",
    "explain": "the explanations",
    "performance": "the performance checks",
}
TIMEOUT_CODE = "GK501"
CUT_PREFIX = "not run: "  # how the message of a check cut by a limit begins


class AuditTimeout(GovkitError):
    """The audit ran past its timeout. ``result`` holds what finished (None when no check had run)."""

    def __init__(self, message: str, result: RunResult | None = None) -> None:
        super().__init__(message, code=TIMEOUT_CODE)
        self.result = result


def seconds(value: Any, where: str) -> float | None:
    """A limit in seconds: a positive finite number, or None for no limit."""
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(value, bool) or not math.isfinite(number) or number <= 0:
        shown = str(value)[:40]
        raise InputError(f"{where}: {shown!r} is not a number of seconds above 0; e.g. 600", code="GK502")
    return number


def parse_budgets(values: Mapping[str, Any] | list[str] | tuple[str, ...] | None) -> dict[str, float]:
    """``{"explain": 60}`` or ``("explain=60", ...)`` as family -> seconds; family names checked."""
    from govkit.registry import family_names

    if not values:
        return {}
    pairs: list[tuple[str, Any]] = []
    if isinstance(values, Mapping):
        pairs = [(str(k), v) for k, v in values.items()]
    else:
        for item in values:
            name, sign, amount = str(item).partition("=")
            if not sign:
                raise InputError(
                    f"--budget: {str(item)[:40]!r} is not FAMILY=SECONDS; e.g. --budget explain=60", code="GK502"
                )
            pairs.append((name.strip(), amount.strip()))
    known = family_names()
    budgets: dict[str, float] = {}
    for name, amount in pairs:
        if name not in known:
            raise InputError(f"budgets: unknown family {name[:40]!r}; use one of {', '.join(known)}", code="GK502")
        budget = seconds(amount, f"budgets: {name}")
        assert budget is not None
        budgets[name] = budget
    return budgets


def work_name(family: str) -> str:
    return WORK_NAMES.get(family, f"the {family} checks")


@dataclass
class Limits:
    """The limits of one audit and what has been spent against them (monotonic clock, shared by the worker)."""

    timeout: float | None = None
    budgets: dict[str, float] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)
    spent: dict[str, float] = field(default_factory=dict)
    timed_out: bool = False

    @classmethod
    def make(cls, timeout: Any = None, budgets: Any = None) -> Limits:
        return cls(timeout=seconds(timeout, "timeout"), budgets=parse_budgets(budgets))

    @property
    def deadline(self) -> float | None:
        return None if self.timeout is None else self.started + self.timeout

    def expired(self) -> bool:
        deadline = self.deadline
        return deadline is not None and time.monotonic() >= deadline

    def timeout_reason(self) -> str:
        assert self.timeout is not None
        return f"{CUT_PREFIX}the audit did not finish within its {self.timeout:g} s timeout (--timeout / timeout:)"

    def budget_reason(self, family: str) -> str:
        budget = self.budgets[family]
        return (
            f"{CUT_PREFIX}{work_name(family)} did not finish within {budget:g} s "
            f"(--budget {family}={budget:g} / budgets: {{{family}: {budget:g}}})"
        )

    def refusal(self, family: str) -> str | None:
        """Why a check of ``family`` must not start now, or None when it may."""
        if self.expired():
            self.timed_out = True
            return self.timeout_reason()
        budget = self.budgets.get(family)
        if budget is not None and self.spent.get(family, 0.0) >= budget:
            return self.budget_reason(family)
        return None

    def charge(self, family: str, elapsed: float) -> None:
        self.spent[family] = self.spent.get(family, 0.0) + elapsed

    def kill_time(self, family: str, begun: float | None) -> tuple[float | None, str | None]:
        """When work of ``family`` begun at ``begun`` (monotonic) must be stopped, and the reason then."""
        times: list[tuple[float, str]] = []
        if self.deadline is not None:
            times.append((self.deadline, "timeout"))
        budget = self.budgets.get(family)
        if budget is not None and begun is not None:
            times.append((begun + budget, "budget"))
        if not times:
            return None, None
        return min(times)

    def raise_if_stopped(self, result: RunResult) -> None:
        """``AuditTimeout`` carrying ``result`` when the timeout cut checks; the CLI writes it, then stops."""
        # the worker cuts its own checks too, on its copy of the limits: its messages say so
        if self.timed_out or (
            self.timeout is not None and any(c.message == self.timeout_reason() for c in result.checks)
        ):
            finished = sum(1 for check in result.checks if not check.message.startswith(CUT_PREFIX))
            raise AuditTimeout(self.stopped_message("", finished, len(result.checks)), result)

    def stopped_message(self, phase: str, finished: int, total: int) -> str:
        """The one line shown when the audit's timeout stops it."""
        assert self.timeout is not None
        if total == 0:
            return (
                f"the audit did not finish within its {self.timeout:g} s timeout: it stopped after {phase}, before any "
                "check ran, so nothing was measured; raise --timeout (timeout: in govkit.yaml) or audit fewer rows"
            )
        return (
            f"the audit did not finish within its {self.timeout:g} s timeout: {finished} of {total} checks finished "
            "and the rest are errors in results.json; raise --timeout (timeout: in govkit.yaml) or give the slow "
            "family a --budget"
        )
