"""Run a policy over the audited inputs: each family measures, the policy's thresholds judge.

``run_policy`` is the only way checks run. A check whose declared inputs are missing is skipped
with the reason; an exception inside a check is an ``error`` for that check alone; evidence that does
not fit the check's evidence model is an ``error`` too; a value is judged by ``fail_if`` first, then
``warn_if``. The runner owns the parallel workers (see ``govkit.parallel``).
"""

from __future__ import annotations

import contextlib
import gc
import math
import threading
import time
from typing import TYPE_CHECKING, Any

from govkit.context import AuditContext
from govkit.errors import GovkitError
from govkit.registry import CheckDef, find_check, split_check_id
from govkit.results import CheckResult, Measurement, Status, Threshold

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from govkit.limits import Limits
    from govkit.policy import Policy, ResolvedCheck
    from govkit.preflight import Preflight
    from govkit.progress import Progress

# While an audit runs, a full collection at most every this many collections of the middle generation
# (Python's default is 10); see _fewer_full_collections.
FULL_COLLECTION_EVERY = 100
_COLLECTOR_LOCK = threading.Lock()
_COLLECTOR_USERS: list[int] = []  # one entry per audit running in this process
_COLLECTOR_SAVED: list[int] = []  # the thresholds before the first of them

INPUT_HINTS = {
    "reference": "give --reference",
    "target": "give --target",
    "sensitive": "give --sensitive",
    "model": "give --model",
    "prediction": "give --model or --prediction-column",
    "probability": "give a model with predict_proba or --probability-column",
    "classifier": "needs a classification model",
}


def judge(
    measurement: Measurement,
    warn_if: Threshold | None,
    fail_if: Threshold | None,
    fail_when: str = "value",
) -> tuple[Status, str]:
    """The status a measurement earns under the thresholds, and why.

    With ``fail_when="interval"`` a value past ``fail_if`` fails only when its whole confidence
    interval is past it too; otherwise it is a warning that says so.
    """
    value = measurement.value
    if value is None or (isinstance(value, float) and math.isnan(value)):
        if measurement.inconclusive_reason:
            return Status.INCONCLUSIVE, measurement.inconclusive_reason
        return Status.ERROR, "the check produced no value"
    # Evidence that already fails on adequately sized data is a failure even if some of the
    # data could not be judged; otherwise unjudgeable data can never produce a pass.
    if fail_if is not None and fail_if.is_met_by(value):
        interval = measurement.interval
        if fail_when == "interval" and interval is not None:
            if not (fail_if.is_met_by(interval[0]) and fail_if.is_met_by(interval[1])):
                return Status.WARN, (
                    f"value {value:.4g} is {fail_if.describe()}, but its interval {interval[0]:.4g}–{interval[1]:.4g} "
                    "reaches the threshold; the policy fails only when the whole interval is past it"
                )
            return Status.FAIL, (
                f"fails the policy: value {value:.4g} and its whole interval {interval[0]:.4g}–{interval[1]:.4g} "
                f"are {fail_if.describe()}"
            )
        return Status.FAIL, f"fails the policy: value {value:.4g} is {fail_if.describe()}"
    # A value already past warn_if keeps its warning: a family gives a value with an inconclusive reason
    # only when what it could not judge might make the value worse (fairness: groups too small to decide),
    # never better, so the reason is noted beside the warning instead of replacing it.
    if warn_if is not None and warn_if.is_met_by(value):
        noted = f"; {measurement.inconclusive_reason}" if measurement.inconclusive_reason else ""
        return Status.WARN, f"warning: value {value:.4g} is {warn_if.describe()}{noted}"
    if measurement.inconclusive_reason:
        return Status.INCONCLUSIVE, measurement.inconclusive_reason
    if fail_if is None and warn_if is None:
        return Status.PASS, f"measured {value:.4g} (no threshold set: recorded for information)"
    return Status.PASS, f"within the policy: value {value:.4g}"


def _recorded(check: ResolvedCheck, definition: CheckDef) -> dict[str, Any]:
    """What every result of this check records, whatever its status."""
    spec = check.spec
    return {
        "id": spec.id,
        "family": split_check_id(spec.id)[0],
        "title": definition.title,
        "severity": spec.severity,
        "required": spec.required,
        "fail_when": spec.fail_when,
        "warn_if": spec.warn_if,
        "fail_if": spec.fail_if,
        "params": check.params.model_dump(mode="json"),
        "refs": spec.refs,
        "doc": spec.doc or definition.doc,
    }


def _missing_inputs(definition: CheckDef, ctx: AuditContext) -> str | None:
    missing = sorted(definition.requires - ctx.available)
    if not missing:
        return None
    hints = "; ".join(INPUT_HINTS[m] for m in missing if m in INPUT_HINTS)
    return f"skipped: needs {', '.join(missing)}" + (f" ({hints})" if hints else "")


def run_check(check: ResolvedCheck, ctx: AuditContext) -> CheckResult:
    """One check: skipped, measured and judged, or an error; never an exception."""
    found = find_check(check.spec.id)
    assert found is not None, check.spec.id  # the policy loader validated every id
    family, definition = found
    base = _recorded(check, definition)
    skipped = _missing_inputs(definition, ctx)
    if skipped is not None:
        return CheckResult(status=Status.SKIP, message=skipped, **base)
    started = time.perf_counter()
    try:
        measurement: Measurement = family.run(split_check_id(check.spec.id)[1], check.params, ctx)
    except GovkitError as error:
        problem = f"could not run: {error}"
    except Exception as error:  # one broken check must not stop the audit
        problem = f"could not run: {type(error).__name__}: {first_line(error)}"
    else:
        mismatch = evidence_problem(definition, measurement)
        if mismatch is None:
            status, message = judge(measurement, check.spec.warn_if, check.spec.fail_if, check.spec.fail_when)
            elapsed = time.perf_counter() - started
            return CheckResult(
                status=status, message=message, measurement=measurement, duration_seconds=elapsed, **base
            )
        return CheckResult(
            status=Status.ERROR,
            message=f"could not run: {mismatch}",
            measurement=measurement,
            duration_seconds=time.perf_counter() - started,
            **base,
        )
    return CheckResult(status=Status.ERROR, message=problem, duration_seconds=time.perf_counter() - started, **base)


def evidence_problem(definition: CheckDef, measurement: Measurement) -> str | None:
    """Why ``measurement.details`` does not fit the check's evidence model, or None when it does.

    The details are validated, not replaced: results.json keeps exactly what the family measured.
    """
    from pydantic import ValidationError

    try:
        definition.evidence.model_validate(measurement.details)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "details"
        return f"the evidence does not match {definition.evidence.__name__} at {where}: {first['msg']}"
    return None


def first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else ""


def run_policy(
    policy: Policy,
    inputs: AuditContext | Preflight,
    *,
    parallel: bool = True,
    limits: Limits | None = None,
    progress: Progress | None = None,
) -> list[CheckResult]:
    """Every enabled check of the policy, in the policy's order.

    ``inputs`` is a complete ``AuditContext``, or a ``Preflight`` whose phases the runner drives: it
    reads the frames, forks the workers for the families that run beside this process (where fork is
    available and ``parallel`` is on; the workers import their engines while the model loads and
    predicts here), then hands the drift worker the plan and the predictions as they become known; the
    explain worker forks once the model is loaded.
    The results are the same with or without the workers.

    ``limits`` (``govkit.limits``) cut the audit at phase and check boundaries and stop the workers;
    past the audit's timeout before any check ran, ``AuditTimeout`` is raised. ``progress`` receives
    each phase's start and end.
    """
    with _fewer_full_collections():
        return _run_policy(policy, inputs, parallel, limits, progress)


def _run_policy(
    policy: Policy,
    inputs: AuditContext | Preflight,
    parallel: bool,
    limits: Limits | None,
    progress: Progress | None,
) -> list[CheckResult]:
    from govkit.limits import Limits
    from govkit.parallel import merge, start_workers
    from govkit.progress import Progress

    limits = limits or Limits()
    progress = progress or Progress(started=limits.started)
    preflight = None if isinstance(inputs, AuditContext) else inputs
    if isinstance(inputs, AuditContext):
        ctx = inputs
    else:
        with progress.phase("read"):
            ctx = inputs.read_frames()
            progress.rows = len(ctx.current)
    _stop_if_expired(limits, "reading the data")
    run = limited(limits)
    workers = start_workers(policy.checks, ctx, run, plan_pending=preflight is not None) if parallel else []
    try:
        if preflight is None:  # a complete context: its model is loaded already
            _start_model_worker(policy, ctx, run, workers, parallel)
        if preflight is not None:
            with progress.phase("plan"):
                preflight.plan()
            _stop_if_expired(limits, "loading the model")
            pending = preflight.predictions_pending
            for worker in workers:
                worker.send_plan(ctx, predictions_coming=pending)
            _start_model_worker(policy, ctx, run, workers, parallel)
            if pending:
                with progress.phase("predict"):
                    preflight.predict()
                _stop_if_expired(limits, "predicting")
                for worker in workers:
                    worker.send_predictions(ctx)
        return merge(policy.checks, ctx, run, workers, limits, progress)
    finally:
        for worker in workers:
            worker.stop()


def _start_model_worker(
    policy: Policy, ctx: AuditContext, run: Callable[[ResolvedCheck, AuditContext], CheckResult],
    workers: list[Any], parallel: bool,
) -> None:  # fmt: skip
    """Fork the explain worker beside the others (``parallel.start_model_worker``), when it applies."""
    from govkit.parallel import start_model_worker

    worker = start_model_worker(policy.checks, ctx, run, workers) if parallel else None
    if worker is not None:
        workers.append(worker)


@contextlib.contextmanager
def _fewer_full_collections() -> Iterator[None]:
    """Fewer full garbage collections while the audit runs; the collector's setting is restored after.

    Importing the engines creates millions of objects that live as long as the process, and every
    full collection walks all of them: importing evidently, great-expectations and shap took 6.1 s of
    CPU with Python's default (a full collection every 10) and 5.4 s with one every 100. The
    young generations are still collected as often as before, so short-lived reference cycles are
    freed as soon as ever; only the walks over the long-lived objects are rarer.
    """
    with _COLLECTOR_LOCK:  # audits in threads: the first in sets it, the last out restores it
        if not _COLLECTOR_USERS:
            young, middle, old = _COLLECTOR_SAVED[:] = gc.get_threshold()
            gc.set_threshold(young, middle, max(old, FULL_COLLECTION_EVERY))
        _COLLECTOR_USERS.append(1)
    try:
        yield
    finally:
        with _COLLECTOR_LOCK:
            _COLLECTOR_USERS.pop()
            if not _COLLECTOR_USERS:
                young, middle, old = _COLLECTOR_SAVED
                gc.set_threshold(young, middle, old)


def limited(
    limits: Limits, inner: Callable[[ResolvedCheck, AuditContext], CheckResult] | None = None
) -> Callable[[ResolvedCheck, AuditContext], CheckResult]:
    """``run_check`` (or ``inner``) refusing a check once the audit's timeout or its family's budget has passed."""
    runs = inner or run_check

    def run(check: ResolvedCheck, ctx: AuditContext) -> CheckResult:
        family = split_check_id(check.spec.id)[0]
        reason = limits.refusal(family)
        if reason is not None:
            return cut_check(check, reason)
        started = time.perf_counter()
        try:
            return runs(check, ctx)
        finally:
            limits.charge(family, time.perf_counter() - started)

    return run


def cut_check(check: ResolvedCheck, reason: str) -> CheckResult:
    """The result of a check a time limit kept from running: an error, so it never reads as a pass."""
    found = find_check(check.spec.id)
    assert found is not None, check.spec.id
    return CheckResult(status=Status.ERROR, message=reason, **_recorded(check, found[1]))


def _stop_if_expired(limits: Limits, phase: str) -> None:
    """Past the audit's timeout before any check ran: stop here, nothing was measured."""
    from govkit.limits import AuditTimeout

    if limits.expired():
        limits.timed_out = True
        raise AuditTimeout(limits.stopped_message(phase, 0, 0))
