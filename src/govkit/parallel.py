"""Run one group of families in a forked worker while the rest run here: two cores, one audit.

The engines are Python-heavy (importing evidently alone takes seconds), so threads would queue on
the interpreter lock; a forked worker instead starts with the parent's data and predictions
already in memory (copy-on-write) and returns only the check results. The drift family goes to the
worker because it is the largest single cost, and it shares no memoised work with the others.

If the worker cannot start, crashes or returns nothing, its checks run here as usual: the audit
never loses a check. Only on Linux, where fork is the normal way to start a process.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    from govkit.context import AuditContext
    from govkit.policy import ResolvedCheck
    from govkit.results import CheckResult

WORKER_FAMILIES = frozenset({"drift"})
DISABLE_VARIABLE = "GOVKIT_PARALLEL"


def available() -> bool:
    """Fork-based workers: Linux, more than one CPU, and not switched off with GOVKIT_PARALLEL=0."""
    if os.environ.get(DISABLE_VARIABLE, "1").strip().lower() in ("0", "false", "no", "off"):
        return False
    return sys.platform.startswith("linux") and (os.cpu_count() or 1) > 1


def run_split(
    checks: list[ResolvedCheck],
    ctx: AuditContext,
    run_check: Callable[[ResolvedCheck, AuditContext], CheckResult],
    in_worker: Callable[[ResolvedCheck], bool],
) -> list[CheckResult]:
    """Every check's result in the given order; the ``in_worker`` ones computed in a forked process."""
    import multiprocessing

    side = [c for c in checks if in_worker(c)]
    if not side or len(side) == len(checks) or not available():
        return [run_check(c, ctx) for c in checks]

    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    sampled_before = len(ctx.sampling)

    def work() -> None:
        try:
            results = [run_check(c, ctx) for c in side]
            send.send(([r.model_dump() for r in results], ctx.sampling[sampled_before:]))
        finally:
            send.close()

    worker = context.Process(target=work, name="govkit-worker", daemon=True)
    try:
        worker.start()
    except OSError:
        return [run_check(c, ctx) for c in checks]
    send.close()  # the parent keeps only the reading end, so a dead worker reads as end-of-file

    here = {id(c): run_check(c, ctx) for c in checks if not in_worker(c)}
    from_worker = _collect(receive, worker)
    if from_worker is None:  # the worker died or failed: run its checks here instead
        there = {id(c): run_check(c, ctx) for c in side}
    else:
        from govkit.results import CheckResult

        dumped, sampling = from_worker
        there = {id(c): CheckResult.model_validate(d) for c, d in zip(side, dumped, strict=True)}
        for entry in sampling:
            if entry not in ctx.sampling:
                ctx.sampling.append(entry)
    merged = {**here, **there}
    return [merged[id(c)] for c in checks]


def _collect(receive: Any, worker: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]] | None:
    """The worker's results, or None when it ended without sending them."""
    try:
        payload = receive.recv()
    except (EOFError, OSError):
        payload = None
    finally:
        receive.close()
    worker.join()
    return payload
