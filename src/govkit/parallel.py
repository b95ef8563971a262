"""Run one group of families in a forked worker while the rest run here: two cores, one audit.

The engines are Python-heavy (importing evidently alone takes seconds), so threads would queue on
the interpreter lock; a forked worker instead starts with the parent's data already in memory
(copy-on-write) and returns only the check results. The drift family goes to the worker: it is the
largest single cost, it shares no memoised work with the others, and most of it (the feature
columns) needs no prediction, so the worker can start before the model has predicted. The few
checks that do need predictions wait for them to arrive through a pipe.

If the worker cannot start, crashes or returns nothing, its checks run here as usual: the audit
never loses a check. Only on Linux, where fork is the normal way to start a process.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from typing import TYPE_CHECKING, Any

from govkit.registry import find_check, split_check_id

if TYPE_CHECKING:
    from collections.abc import Callable

    from govkit.context import AuditContext
    from govkit.policy import ResolvedCheck
    from govkit.results import CheckResult

    RunCheck = Callable[[ResolvedCheck, AuditContext], CheckResult]

WORKER_FAMILIES = frozenset({"drift"})
DISABLE_VARIABLE = "GOVKIT_PARALLEL"
PREDICTION_INPUTS = frozenset({"prediction", "probability", "classifier"})


def available() -> bool:
    """Fork-based workers: Linux, more than one CPU, and not switched off with GOVKIT_PARALLEL=0."""
    if os.environ.get(DISABLE_VARIABLE, "1").strip().lower() in ("0", "false", "no", "off"):
        return False
    return sys.platform.startswith("linux") and (os.cpu_count() or 1) > 1


def in_worker(check: ResolvedCheck) -> bool:
    return split_check_id(check.spec.id)[0] in WORKER_FAMILIES


def _needs_predictions(check: ResolvedCheck) -> bool:
    found = find_check(check.spec.id)
    return found is not None and bool(found[1].requires & PREDICTION_INPUTS)


class Worker:
    """A forked process running some of the checks; see the module docstring."""

    def __init__(self, process: Any, results: Any, predictions: Any, needs_predictions: bool) -> None:
        self._process = process
        self._results = results  # parent's reading end: the worker's results
        self._predictions = predictions  # parent's writing end: the model's predictions, when needed
        self._needs_predictions = needs_predictions
        self._sender: threading.Thread | None = None

    @classmethod
    def start(cls, checks: list[ResolvedCheck], ctx: AuditContext, run_check: RunCheck) -> Worker | None:
        """Fork a worker for ``checks``; None when workers are unavailable or the fork fails."""
        import multiprocessing

        if not checks or not available():
            return None
        context = multiprocessing.get_context("fork")
        receive_results, send_results = context.Pipe(duplex=False)
        receive_predictions, send_predictions = context.Pipe(duplex=False)
        needs = ctx.current_predictions is None and any(_needs_predictions(c) for c in checks)
        sampled_before = len(ctx.sampling)

        def work() -> None:
            send_predictions.close()
            try:
                results = []
                for check in checks:
                    if needs and ctx.current_predictions is None and _needs_predictions(check):
                        ctx.current_predictions, ctx.reference_predictions = receive_predictions.recv()
                    results.append(run_check(check, ctx))
                send_results.send(([r.model_dump() for r in results], ctx.sampling[sampled_before:]))
            except (EOFError, OSError):
                pass  # the parent gave up (its predictions failed); nothing to report
            finally:
                send_results.close()

        process = context.Process(target=work, name="govkit-worker", daemon=True)
        try:
            process.start()
        except OSError:
            return None
        send_results.close()  # the parent keeps only the reading end, so a dead worker reads as end-of-file
        receive_predictions.close()
        return cls(process, receive_results, send_predictions, needs)

    def send_predictions(self, ctx: AuditContext) -> None:
        """Hand the model's predictions to the worker, without waiting for it to read them."""
        if not self._needs_predictions:
            return
        payload = (ctx.current_predictions, ctx.reference_predictions)

        def send() -> None:
            with contextlib.suppress(OSError):  # the worker is gone; its checks will run here
                self._predictions.send(payload)

        self._sender = threading.Thread(target=send, name="govkit-send-predictions", daemon=True)
        self._sender.start()

    def results(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]] | None:
        """The worker's results and sampling records, or None when it ended without sending them."""
        try:
            return self._results.recv()
        except (EOFError, OSError):
            return None
        finally:
            self.stop()

    def stop(self) -> None:
        """Close the pipes and reap the worker (killing it if it is still running)."""
        for end in (self._results, self._predictions):
            end.close()
        if self._process.is_alive():
            self._process.join(timeout=0.1)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()
        if self._sender is not None:
            self._sender.join(timeout=1)


def merge(
    checks: list[ResolvedCheck],
    ctx: AuditContext,
    run_check: RunCheck,
    worker: Worker | None,
) -> list[CheckResult]:
    """Run the parent's share of ``checks``, collect the worker's, and return all in policy order."""
    from govkit.results import CheckResult

    side = [c for c in checks if in_worker(c)] if worker is not None else []
    here = {id(c): run_check(c, ctx) for c in checks if not (worker is not None and in_worker(c))}
    there: dict[int, CheckResult] = {}
    if worker is not None:
        returned = worker.results()
        if returned is None:  # the worker died or failed: run its checks here instead
            there = {id(c): run_check(c, ctx) for c in side}
        else:
            dumped, sampling = returned
            there = {id(c): CheckResult.model_validate(d) for c, d in zip(side, dumped, strict=True)}
            for entry in sampling:
                if entry not in ctx.sampling:
                    ctx.sampling.append(entry)
    merged = {**here, **there}
    return [merged[id(c)] for c in checks]
