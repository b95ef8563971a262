"""Run one group of families in a forked worker while the rest run here: two cores, one audit.

The engines are Python-heavy (importing evidently alone takes seconds), so threads would queue on
the interpreter lock; a forked worker instead starts with the parent's data already in memory
(copy-on-write) and returns only the check results. The drift family goes to the worker: it is the
largest single cost, it shares no memoised work with the others, and it needs the data but not the
model: the worker starts as soon as the frames are read, imports its engine while the model loads,
then receives the plan (input columns, task, favourable label) and, for the few checks that need
them, the model's predictions through a pipe.

If the worker cannot start, crashes or returns nothing, its checks run here as usual: the audit
never loses a check. Only on Linux, where fork is the normal way to start a process, and only from a
single-threaded parent (a library caller running audits in threads gets them without the worker).
The wait for the worker's results is bounded: past it, the worker is stopped and its checks run here.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
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
TIMEOUT_VARIABLE = "GOVKIT_WORKER_TIMEOUT"
DEFAULT_TIMEOUT = 900.0


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

    def __init__(self, process: Any, results: Any, messages: Any, needs_plan: bool) -> None:
        self._process = process
        self._results = results  # parent's reading end: the worker's results
        self._messages = messages  # parent's writing end: the plan, then the predictions
        self._needs_plan = needs_plan
        self._sender: threading.Thread | None = None

    @classmethod
    def start(
        cls, checks: list[ResolvedCheck], ctx: AuditContext, run_check: RunCheck, plan_pending: bool = False
    ) -> Worker | None:
        """Fork a worker for ``checks``; None when workers are unavailable or the fork fails.

        With ``plan_pending`` the context is not complete yet: the worker waits for ``send_plan``
        (and, if its checks need them, ``send_predictions``) before running any check.
        """
        import multiprocessing

        if not checks or not available() or not _single_threaded():
            return None
        context = multiprocessing.get_context("fork")
        receive_results, send_results = context.Pipe(duplex=False)
        receive_messages, send_messages = context.Pipe(duplex=False)
        sampled_before = len(ctx.sampling)

        def work() -> None:
            send_messages.close()
            try:
                _warm_up(checks)
                coming = _apply_plan(ctx, receive_messages.recv()) if plan_pending else False
                results = []
                for check in checks:
                    if coming and _needs_predictions(check):
                        ctx.current_predictions, ctx.reference_predictions = receive_messages.recv()
                        coming = False
                    results.append(run_check(check, ctx))
                send_results.send(([r.model_dump() for r in results], ctx.sampling[sampled_before:]))
            except (EOFError, OSError):
                pass  # the parent gave up (its preflight failed); nothing to report
            finally:
                send_results.close()

        process = context.Process(target=work, name="govkit-worker", daemon=True)
        try:
            process.start()
        except OSError:
            return None
        send_results.close()  # the parent keeps only the reading end, so a dead worker reads as end-of-file
        receive_messages.close()
        return cls(process, receive_results, send_messages, plan_pending)

    def send_plan(self, ctx: AuditContext, predictions_coming: bool) -> None:
        """The inputs decided after the fork: columns, task, label, predictions read from columns, and
        whether the model's predictions will follow (then ``send_predictions`` must be called)."""
        if not self._needs_plan:
            return
        plan = {
            "features": ctx.features,
            "task": ctx.task,
            "positive_label": ctx.positive_label,
            "predictions": (ctx.current_predictions, ctx.reference_predictions)
            if ctx.current_predictions is not None
            else None,
            "predictions_coming": predictions_coming,
        }
        self._send_in_background(plan)

    def send_predictions(self, ctx: AuditContext) -> None:
        """Hand the model's predictions to the worker, without waiting for it to read them."""
        self._send_in_background((ctx.current_predictions, ctx.reference_predictions))

    def _send_in_background(self, message: Any) -> None:
        """Messages go out in order, on one thread, so a busy worker never blocks the audit."""
        previous = self._sender

        def send() -> None:
            if previous is not None:
                previous.join()
            with contextlib.suppress(OSError):  # the worker is gone; its checks will run here
                self._messages.send(message)

        self._sender = threading.Thread(target=send, name="govkit-send", daemon=True)
        self._sender.start()

    def results(self, timeout: float | None = None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]] | None:
        """The worker's results and sampling records, or None when it ended without sending them or
        did not send them within ``timeout`` seconds (default: $GOVKIT_WORKER_TIMEOUT, else 900)."""
        deadline = time.monotonic() + (worker_timeout() if timeout is None else timeout)
        try:
            while not self._results.poll(max(0.0, min(1.0, deadline - time.monotonic()))):
                if time.monotonic() >= deadline:
                    return None  # the worker is stopped below; its checks run here
            return self._results.recv()
        except (EOFError, OSError):
            return None
        finally:
            self.stop()

    def stop(self) -> None:
        """Close the pipes and reap the worker (killing it if it is still running)."""
        for end in (self._results, self._messages):
            end.close()
        if self._process.is_alive():
            self._process.join(timeout=0.1)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()
        if self._sender is not None:
            self._sender.join(timeout=1)


def worker_timeout() -> float:
    """Seconds the audit waits for the worker before running its checks itself."""
    try:
        return max(0.0, float(os.environ.get(TIMEOUT_VARIABLE, DEFAULT_TIMEOUT)))
    except ValueError:
        return DEFAULT_TIMEOUT


# Threads that may run while the worker forks: govkit's own senders (a pipe write, no lock the worker
# needs), and tqdm's monitor, which one of the engines starts once per process and which only sleeps
# and takes tqdm's own lock for a moment every ten seconds (the worker shows no progress bars).
_HARMLESS_THREADS = frozenset({"govkit-send", "tqdm_monitor"})


def _single_threaded() -> bool:
    """Forking copies only the calling thread: a lock another thread holds (an import lock, a
    logging lock) stays held forever in the child. So no fork while any thread but this one (or
    govkit's own message senders, which hold none of those) is running."""
    current = threading.current_thread()
    return all(thread is current or thread.name in _HARMLESS_THREADS for thread in threading.enumerate())


def _warm_up(checks: list[ResolvedCheck]) -> None:
    """Import the worker's engines first: that is what it can do while the parent loads the model."""
    from govkit.registry import load_family

    for name in dict.fromkeys(split_check_id(c.spec.id)[0] for c in checks):
        hook = getattr(load_family(name), "warm_up", None)
        if hook is not None:
            hook()


def _apply_plan(ctx: AuditContext, plan: dict[str, Any]) -> bool:
    """Complete the worker's context; True when the model's predictions are still to come."""
    ctx.features = plan["features"]
    ctx.task = plan["task"]
    ctx.positive_label = plan["positive_label"]
    if plan["predictions"] is not None:
        ctx.current_predictions, ctx.reference_predictions = plan["predictions"]
    return bool(plan["predictions_coming"])


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
    # samples listed family by family in policy order, wherever they were taken, so the record is the same
    # whether or not a worker ran
    families = list(dict.fromkeys(split_check_id(c.spec.id)[0] for c in checks))
    ctx.sampling.sort(key=lambda e: families.index(e["family"]) if e["family"] in families else len(families))
    merged = {**here, **there}
    return [merged[id(c)] for c in checks]
