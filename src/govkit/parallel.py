"""Run the slowest families in forked workers while the rest run here: two cores, one audit.

The engines are Python-heavy (importing evidently or great-expectations takes seconds), so threads
would queue on the interpreter lock; a forked worker instead starts with the parent's data already in
memory (copy-on-write) and returns only the check results. Two families go to workers of their own:
drift (evidently) and quality (great-expectations). Each is a large fixed cost, shares no memoised
work with the others, and needs the data but not the model: the workers start as soon as the frames
are read and import their engines while the model loads and predicts here. The drift worker then
receives the plan (input columns, task, favourable label) and, for the few checks that need them, the
model's predictions through a pipe; the quality worker reads only the frames and starts at once.
The drift worker also takes the robustness checks that never touch the model (duplicate rows,
leakage, weak segments...), running every check that needs no prediction before waiting for them.

A third worker, the explain worker, forks once the model is loaded (``start_model_worker``): it has
the model and the frames, computes the SHAP explanations while the model predicts here, and keeps
shap (with numba and matplotlib, which shap imports) out of the audit's own process. Forking after a
model is loaded has one hazard: GNU OpenMP's thread pool does not survive a fork, so a child that
starts a team of threads after its parent ran one waits forever. The explain worker therefore runs
with OpenMP limited to one thread (threadpoolctl), which needs no team, and only for models made of
scikit-learn's own estimators, whose threads that limit governs (tests/test_parallel.py runs one after
the parent used OpenMP). XGBoost, LightGBM, CatBoost and other code keep their explanations here.

If the worker cannot start, crashes or returns nothing, its checks run here as usual: the audit
never loses a check. Only on Linux, where fork is the normal way to start a process, and only from a
single-threaded parent (a library caller running audits in threads gets them without the worker).
The wait for the worker's results is bounded: past it, the worker is stopped and its checks run here.
The worker sends each result as soon as it has it, so when the audit's timeout or its family's budget
(``govkit.limits``) stops it, what it finished is kept and only the rest becomes errors.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from govkit.placement import (
    MODEL_FAMILIES,
    needs_plan,
    needs_predictions,
    run_order,
    scikit_learn_only,
    worker_groups,
)
from govkit.registry import split_check_id

if TYPE_CHECKING:
    from collections.abc import Callable

    from govkit.context import AuditContext
    from govkit.limits import Limits
    from govkit.policy import ResolvedCheck
    from govkit.progress import Progress
    from govkit.results import CheckResult

    RunCheck = Callable[[ResolvedCheck, AuditContext], CheckResult]

# Imported here before the workers fork, so that it is imported once instead of once per process: both
# workers' engines import it, and so does scikit-learn here (about 0.5 s of CPU per process).
SHARED_IMPORTS = ("scipy.stats",)
DISABLE_VARIABLE = "GOVKIT_PARALLEL"
TIMEOUT_VARIABLE = "GOVKIT_WORKER_TIMEOUT"
DEFAULT_TIMEOUT = 900.0


def available() -> bool:
    """Fork-based workers: Linux, more than one CPU, and not switched off with GOVKIT_PARALLEL=0."""
    if os.environ.get(DISABLE_VARIABLE, "1").strip().lower() in ("0", "false", "no", "off"):
        return False
    return sys.platform.startswith("linux") and (os.cpu_count() or 1) > 1


class Worker:
    """A forked process running some of the checks; see the module docstring."""

    def __init__(
        self, process: Any, results: Any, messages: Any, needs_plan: bool, checks: list[ResolvedCheck]
    ) -> None:
        self.checks = checks
        self._process = process
        self._results = results  # parent's reading end: the worker's results
        self._messages = messages  # parent's writing end: the plan, then the predictions
        self._needs_plan = needs_plan
        self._sender: threading.Thread | None = None

    @classmethod
    def start(
        cls,
        checks: list[ResolvedCheck],
        ctx: AuditContext,
        run_check: RunCheck,
        plan_pending: bool = False,
        others: tuple[Worker, ...] = (),
        one_openmp_thread: bool = False,
    ) -> Worker | None:
        """Fork a worker for ``checks``; None when workers are unavailable or the fork fails.

        With ``plan_pending`` the worker waits for ``send_plan`` (and ``send_predictions`` if its checks
        need them) before running any check. ``others``: the workers already started, whose pipes the new
        one closes so each still sees end-of-file when the audit closes its ends. ``one_openmp_thread``:
        for a worker forked after the model was loaded (see the module docstring).
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
            for other in others:
                other.close_pipes()
            try:
                if one_openmp_thread:
                    _one_openmp_thread()
                _warm_up(checks)
                coming = _apply_plan(ctx, receive_messages.recv()) if plan_pending else False
                sampled = sampled_before
                for index in run_order(checks):
                    check = checks[index]
                    if coming and needs_predictions(check):
                        ctx.current_predictions, ctx.reference_predictions = receive_messages.recv()
                        coming = False
                    send_results.send(("start", index, time.monotonic()))
                    result = run_check(check, ctx)
                    # each result goes out as soon as it is known: a worker stopped by a time limit
                    # keeps what it finished
                    send_results.send(("check", index, result.model_dump(), ctx.sampling[sampled:]))
                    sampled = len(ctx.sampling)
                send_results.send(("done",))
            except (EOFError, OSError):
                pass  # the parent gave up (its preflight failed, or a limit stopped the worker)
            finally:
                send_results.close()

        process = context.Process(target=work, name="govkit-worker", daemon=True)
        try:
            process.start()
        except OSError:
            return None
        send_results.close()  # the parent keeps only the reading end, so a dead worker reads as end-of-file
        receive_messages.close()
        return cls(process, receive_results, send_messages, plan_pending, checks)

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
        if not self._needs_plan:
            return
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

    def collect(self, checks: list[ResolvedCheck], limits: Limits | None = None) -> Collected:
        """The worker's results as they arrive, until all are in, the worker ends, or a limit passes.

        Without limits the wait is bounded by $GOVKIT_WORKER_TIMEOUT (else 900 s); with them, also by
        the audit's timeout and by each family's budget counted from its first check in the worker.
        The worker is stopped (killed if still running) whatever happens.
        """
        collected = Collected()
        fallback = time.monotonic() + worker_timeout()
        begun: dict[str, float] = {}
        order = run_order(checks)
        try:
            while len(collected.results) < len(checks):
                if self._results.poll(0):
                    if not self._receive(self._results.recv(), checks, collected, begun):
                        break
                    continue
                family = split_check_id(checks[_next_missing(collected, order)].spec.id)[0]
                kill_at, why = limits.kill_time(family, begun.get(family)) if limits else (None, None)
                stop_at = fallback if kill_at is None else min(kill_at, fallback)
                if time.monotonic() >= stop_at:
                    if kill_at is not None and kill_at <= fallback:
                        collected.cut = (family, why)
                    break
                self._results.poll(max(0.0, min(1.0, stop_at - time.monotonic())))
        except (EOFError, OSError):
            pass  # the worker died: what it did not send runs here
        finally:
            self.stop()
        return collected

    @staticmethod
    def _receive(message: Any, checks: list[ResolvedCheck], collected: Collected, begun: dict[str, float]) -> bool:
        """Record one message of the worker; False at its end."""
        if message[0] == "start":
            _, index, when = message
            begun.setdefault(split_check_id(checks[index].spec.id)[0], when)
        elif message[0] == "check":
            _, index, dumped, sampling = message
            collected.results[index] = dumped
            collected.sampling.extend(sampling)
        return bool(message[0] != "done")

    def close_pipes(self) -> None:
        for end in (self._results, self._messages):
            end.close()

    def stop(self) -> None:
        """Close the pipes and reap the worker (killing it if it is still running)."""
        self.close_pipes()
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


def _one_openmp_thread() -> None:
    """OpenMP limited to one thread for the rest of this (forked) process's life: see the module docstring."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="openmp")


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


def _next_missing(collected: Collected, order: list[int]) -> int:
    """The check the worker is running (or about to): the first of its run order without a result."""
    return next(index for index in order if index not in collected.results)


@dataclass
class Collected:
    """What came back from the worker: dumped results by position, sampling records, and the limit
    (family, "timeout" or "budget") that stopped it, if one did."""

    results: dict[int, dict[str, Any]] = field(default_factory=dict)
    sampling: list[dict[str, Any]] = field(default_factory=list)
    cut: tuple[str, str | None] | None = None


def start_workers(
    checks: list[ResolvedCheck], ctx: AuditContext, run_check: RunCheck, plan_pending: bool = False
) -> list[Worker]:
    """A worker for each group of ``worker_groups(checks)`` (none when workers are unavailable).

    ``plan_pending`` as for ``Worker.start``; a group whose checks read only the frames starts at once.
    """
    import gc
    import importlib

    groups = worker_groups(checks)
    if groups and available():
        for name in SHARED_IMPORTS:
            with contextlib.suppress(ImportError):  # then each engine finds out for itself
                importlib.import_module(name)
    workers: list[Worker] = []
    # Everything alive now goes to the collector's permanent generation in the workers: their collections
    # then never walk (and so never write to, copying the page) the objects they share with this process.
    # Not when the caller has frozen objects of its own: unfreezing afterwards would undo that.
    freeze = gc.get_freeze_count() == 0
    if freeze:
        gc.freeze()
    try:
        for group in groups:
            worker = Worker.start(group, ctx, run_check, plan_pending and needs_plan(group), tuple(workers))
            if worker is not None:
                workers.append(worker)
    finally:
        if freeze:
            gc.unfreeze()  # this process collects as before
    return workers


def start_model_worker(
    checks: list[ResolvedCheck], ctx: AuditContext, run_check: RunCheck, others: list[Worker]
) -> Worker | None:
    """The explain worker, forked now that ``ctx.model`` is loaded and before it predicts here.

    None when workers are unavailable, the policy has no such check, or the model is not made of
    scikit-learn estimators only (``placement.scikit_learn_only``, see the module docstring); its checks
    then run here.
    """
    import gc

    mine = [c for c in checks if split_check_id(c.spec.id)[0] in MODEL_FAMILIES]
    if not mine or ctx.model is None or not available() or not scikit_learn_only(ctx.model):
        return None
    freeze = gc.get_freeze_count() == 0  # as in start_workers
    if freeze:
        gc.freeze()
    try:
        return Worker.start(mine, ctx, run_check, others=tuple(others), one_openmp_thread=True)
    finally:
        if freeze:
            gc.unfreeze()


def merge(
    checks: list[ResolvedCheck],
    ctx: AuditContext,
    run_check: RunCheck,
    worker: Worker | list[Worker] | None,
    limits: Limits | None = None,
    progress: Progress | None = None,
) -> list[CheckResult]:
    """Run the parent's share of ``checks``, collect the workers', and return all in policy order.

    ``run_check`` is expected to honour ``limits`` (refusing a check once a limit has passed); a
    worker stopped by a limit has the limit recorded here, so its unfinished checks are refused too.
    """
    workers = [] if worker is None else [worker] if isinstance(worker, Worker) else list(worker)
    away = {id(c) for w in workers for c in w.checks}
    here = _run_here([c for c in checks if id(c) not in away], ctx, run_check, progress)
    there: dict[int, CheckResult] = {}
    for each in workers:
        there.update(_collect(each, ctx, run_check, limits, progress))
    # samples listed family by family in policy order, wherever they were taken, so the record is the same
    # whether or not a worker ran
    families = list(dict.fromkeys(split_check_id(c.spec.id)[0] for c in checks))
    ctx.sampling.sort(key=lambda e: families.index(e["family"]) if e["family"] in families else len(families))
    merged = {**here, **there}
    return [merged[id(c)] for c in checks]


def _collect(
    worker: Worker, ctx: AuditContext, run_check: RunCheck, limits: Limits | None, progress: Progress | None
) -> dict[int, CheckResult]:
    """One worker's results by check; a check it did not finish runs here (or is refused by a limit)."""
    from govkit.results import CheckResult

    side = worker.checks
    began = time.monotonic()
    collected = worker.collect(side, limits)
    if collected.cut is not None and limits is not None:
        family, why = collected.cut
        if why == "budget":
            limits.spent[family] = math.inf  # the rest of the family is refused, not run here
    there: dict[int, CheckResult] = {}
    for index, check in enumerate(side):
        dumped = collected.results.get(index)
        there[id(check)] = CheckResult.model_validate(dumped) if dumped is not None else run_check(check, ctx)
    for entry in collected.sampling:
        if entry not in ctx.sampling:
            ctx.sampling.append(entry)
    if progress is not None:
        for family in dict.fromkeys(split_check_id(c.spec.id)[0] for c in side):
            mine = [there[id(c)] for c in side if split_check_id(c.spec.id)[0] == family]
            spent = sum(r.duration_seconds or 0.0 for r in mine) or time.monotonic() - began
            progress.finished("checks", spent, family=family, checks=len(mine))
    return there


def _run_here(
    checks: list[ResolvedCheck], ctx: AuditContext, run_check: RunCheck, progress: Progress | None
) -> dict[int, CheckResult]:
    """The checks of this process in order, each run of one family reported as a phase."""
    results: dict[int, CheckResult] = {}
    start = 0
    while start < len(checks):
        family = split_check_id(checks[start].spec.id)[0]
        end = start
        while end < len(checks) and split_check_id(checks[end].spec.id)[0] == family:
            end += 1
        if progress is None:
            results.update({id(c): run_check(c, ctx) for c in checks[start:end]})
        else:
            with progress.phase("checks", family) as counted:
                for check in checks[start:end]:
                    results[id(check)] = run_check(check, ctx)
                    counted.append(1)
        start = end
    return results
