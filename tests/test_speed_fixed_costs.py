"""The fixed-cost cuts change no number: evidently's figure-free ValueDrift, the collector's setting, the workers."""

from __future__ import annotations

import gc
import os
from types import SimpleNamespace
from typing import cast

import numpy as np
import pandas as pd
import pytest

from govkit import parallel
from govkit.context import AuditContext
from govkit.families.drift.params import Kind
from govkit.policy import CheckSpec, ResolvedCheck
from govkit.registry import NoParams
from govkit.results import CheckResult, Measurement, Status


def _frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(3)
    reference = pd.DataFrame(
        {
            "x": rng.normal(size=3000),
            "y": rng.lognormal(size=3000),
            "c": rng.choice(["a", "b", "c", "d"], size=3000, p=[0.4, 0.3, 0.2, 0.1]),
        }
    )
    current = pd.DataFrame(
        {
            "x": rng.normal(0.15, 1.0, size=2000),
            "y": rng.lognormal(size=2000),
            "c": rng.choice(["a", "b", "c", "d"], size=2000, p=[0.3, 0.3, 0.2, 0.2]),
        }
    )
    return reference, current


def _stock_evidently(reference: pd.DataFrame, current: pd.DataFrame) -> dict[str, tuple[str, float, float, bool]]:
    """The same columns through evidently's own ValueDrift, with its figures: column -> method, threshold,
    score, drifted."""
    from evidently import DataDefinition, Dataset, Report
    from evidently.metrics import ValueDrift

    definition = DataDefinition(
        numerical_columns=["x", "y"],
        categorical_columns=["c"],
        text_columns=[],
        datetime_columns=[],
        unknown_columns=[],
        list_columns=[],
    )
    snapshot = Report([ValueDrift(column=c) for c in ("x", "y", "c")], include_tests=True).run(
        Dataset.from_pandas(current, data_definition=definition),
        Dataset.from_pandas(reference, data_definition=definition),
    )
    found = {}
    for result in snapshot.metric_results.values():
        params = result.metric_value_location.metric.params
        test = next(t for t in result.tests if t.id == "drift")
        assert result.widget, "evidently's own ValueDrift still draws its figures"
        found[params["column"]] = (
            params["method"],
            params["threshold"],
            float(result.value),
            getattr(test.status, "value", test.status) == "FAIL",
        )
    return found


def test_figure_free_value_drift_gives_evidentlys_numbers() -> None:
    from govkit.families.drift.evidently_adapter import _coded_categories, _display_names, run_evidently

    reference, current = _frames()
    kinds: dict[str, Kind] = {"x": "numerical", "y": "numerical", "c": "categorical"}
    ours = run_evidently(reference, current, kinds, dict.fromkeys(kinds), dict.fromkeys(kinds))
    # evidently's stock metric after ours: its calculation was not replaced for everyone else. It gets the
    # categories coded as the adapter codes them, so both sum in the same order.
    stock = _stock_evidently(*_coded_categories(reference, current, kinds))
    names = _display_names()
    for column, (method, threshold, score, drifted) in stock.items():
        assert ours[column]["method"] == names.get(method, method)
        assert ours[column]["threshold"] == threshold
        assert ours[column]["score"] == score  # bit for bit: the same calculation
        assert ours[column]["drifted"] is drifted
    assert ours["x"]["drifted"] is True and ours["y"]["drifted"] is False  # the frames really differ


def test_value_drift_keeps_evidentlys_calculation() -> None:
    from evidently.metrics import ValueDrift
    from evidently.metrics.column_statistics import ValueDriftCalculation

    from govkit.families.drift.evidently_adapter import _value_drift

    ours = _value_drift()
    assert _value_drift() is ours  # one class per process
    assert issubclass(ours, ValueDrift) and ours is not ValueDrift
    assert ValueDrift.__calculation_type__ is ValueDriftCalculation
    assert issubclass(ours.__calculation_type__, ValueDriftCalculation)


def _check(check_id: str) -> ResolvedCheck:
    return ResolvedCheck(spec=CheckSpec(id=check_id), params=NoParams(), source="test")


def test_the_collector_runs_fewer_full_collections_during_an_audit_and_is_restored() -> None:
    from govkit import runner
    from govkit.policy import Policy

    seen: list[tuple[int, int, int]] = []

    def run_check(check: ResolvedCheck, ctx: AuditContext) -> CheckResult:
        seen.append(gc.get_threshold())
        return CheckResult(
            id=check.spec.id, family="fairness", title="t", status=Status.PASS, message="",
            measurement=Measurement(value=1.0),
        )  # fmt: skip

    before = gc.get_threshold()
    ctx = AuditContext(
        current=pd.DataFrame({"a": [1, 2]}), reference=None, target=None, sensitive=[], features=["a"],
        task="unknown", positive_label=None,
    )  # fmt: skip
    policy = cast("Policy", SimpleNamespace(checks=[_check("fairness.x")]))  # run_policy reads its checks only
    original = runner.run_check
    runner.run_check = run_check
    try:
        runner.run_policy(policy, ctx, parallel=False)
    finally:
        runner.run_check = original
    assert seen == [(before[0], before[1], max(before[2], runner.FULL_COLLECTION_EVERY))]
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0  # nothing left frozen in this process


@pytest.mark.skipif(not parallel.available(), reason="fork-based workers run on Linux only")
def test_quality_runs_in_its_own_worker_at_once_without_the_plan() -> None:
    """The quality worker needs no plan: it runs while the drift worker still waits for one."""
    parent = os.getpid()

    def run_check(check: ResolvedCheck, ctx: AuditContext) -> CheckResult:
        return CheckResult(
            id=check.spec.id, family=check.spec.id.split(".")[0], title="t", status=Status.PASS,
            message=str(os.getpid()), measurement=Measurement(value=1.0),
        )  # fmt: skip

    ctx = AuditContext(
        current=pd.DataFrame({"a": [1, 2]}), reference=None, target=None, sensitive=[], features=[],
        task="unknown", positive_label=None,
    )  # fmt: skip
    checks = [_check("quality.a"), _check("drift.b")]
    workers = parallel.start_workers(checks, ctx, run_check, plan_pending=True)
    assert [[c.spec.id for c in w.checks] for w in workers] == [["drift.b"], ["quality.a"]]
    try:
        quality = workers[1].collect(workers[1].checks)  # answered although no plan was ever sent
        assert int(quality.results[0]["message"]) not in (parent, 0)
    finally:
        for worker in workers:
            worker.stop()
