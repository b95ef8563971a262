"""The forked worker: same results as running in one process, and no check lost if the worker dies."""

from __future__ import annotations

import os

import pandas as pd
import pytest

from govkit import parallel, placement
from govkit.context import AuditContext
from govkit.policy import CheckSpec, ResolvedCheck
from govkit.registry import NoParams
from govkit.results import CheckResult, Measurement, Status

pytestmark = pytest.mark.skipif(not parallel.available(), reason="fork-based workers run on Linux only")


def _checks(*ids: str) -> list[ResolvedCheck]:
    return [ResolvedCheck(spec=CheckSpec(id=i), params=NoParams(), source="test") for i in ids]


def _context() -> AuditContext:
    return AuditContext(
        current=pd.DataFrame({"a": [1, 2, 3]}),
        reference=None,
        target=None,
        sensitive=[],
        features=["a"],
        task="unknown",
        positive_label=None,
    )


def _result(check: ResolvedCheck, value: float) -> CheckResult:
    return CheckResult(
        id=check.spec.id,
        family=check.spec.id.split(".")[0],
        title="t",
        status=Status.PASS,
        message=str(os.getpid()),
        measurement=Measurement(value=value),
    )


def test_worker_results_come_back_in_policy_order_with_sampling() -> None:
    parent = os.getpid()
    ctx = _context()

    def run_check(check: ResolvedCheck, context: AuditContext) -> CheckResult:
        if check.spec.id.startswith("drift."):
            context.record_sampling("drift", "rows", 10, 5, 0)
        return _result(check, float(len(check.spec.id)))

    checks = _checks("quality.a", "drift.b", "fairness.c", "drift.dd", "quality.ee")
    workers = parallel.start_workers(checks, ctx, run_check)
    assert [[c.spec.id for c in w.checks] for w in workers] == [["drift.b", "drift.dd"], ["quality.a", "quality.ee"]]
    results = parallel.merge(checks, ctx, run_check, workers)
    assert [r.id for r in results] == ["quality.a", "drift.b", "fairness.c", "drift.dd", "quality.ee"]
    assert [r.measurement.value for r in results] == [9.0, 7.0, 10.0, 8.0, 10.0]
    ran_in = {r.id: int(r.message) for r in results}
    assert ran_in["fairness.c"] == parent
    assert ran_in["drift.b"] != parent and ran_in["drift.dd"] == ran_in["drift.b"]  # one worker per group
    assert ran_in["quality.a"] not in (parent, ran_in["drift.b"]) and ran_in["quality.ee"] == ran_in["quality.a"]
    assert ctx.sampling == [{"family": "drift", "what": "rows", "population": 10, "sample": 5, "seed": 0}]


def test_a_dead_worker_loses_no_check() -> None:
    parent = os.getpid()

    def run_check(check: ResolvedCheck, context: AuditContext) -> CheckResult:
        if os.getpid() != parent:
            os._exit(3)  # the worker dies without a word
        return _result(check, 1.0)

    checks = _checks("quality.a", "drift.b")
    ctx = _context()
    worker = parallel.Worker.start([c for c in checks if placement.in_worker(c)], ctx, run_check)
    results = parallel.merge(checks, ctx, run_check, worker)
    assert [(r.id, int(r.message)) for r in results] == [("quality.a", parent), ("drift.b", parent)]


def test_the_worker_starts_before_predictions_and_receives_them(adult_build) -> None:
    """The drift worker forks before the model predicts; prediction drift still gets the predictions."""
    import govkit
    from govkit.policy import load_policy

    arguments = {
        "model": adult_build / "model.skops",
        "data": adult_build / "current.csv",
        "reference": adult_build / "reference.csv",
        "target": "income-per-year",
        "sensitive": ["sex"],
        "positive_label": ">50K",
        "trusted_types": ["sklearn.tree._tree.Tree"],
        "policy": load_policy("default"),
    }
    together = govkit.audit(**arguments)
    alone = govkit.audit(**arguments, parallel=False)
    for check_id in ("drift.prediction_drift", "drift.drifted_columns_share", "drift.schema_differences"):
        assert together.check(check_id).status == alone.check(check_id).status
        assert together.check(check_id).measurement.value == pytest.approx(alone.check(check_id).measurement.value)
    assert together.check("drift.prediction_drift").measurement.value is not None
    # the checks the drift and explain workers take give what they give here, to the last bit
    for result in together.checks:
        if result.family in ("robustness", "explain"):
            twin = alone.check(result.id)
            assert (result.status, result.measurement.value) == (twin.status, twin.measurement.value), result.id
            assert result.measurement.details == twin.measurement.details, result.id
    assert together.provenance.sampling == alone.provenance.sampling


def test_the_drift_worker_takes_the_robustness_checks_that_never_touch_the_model() -> None:
    checks = _checks(
        "quality.expectation_success_share", "drift.prediction_drift", "robustness.weak_segments",
        "robustness.perturbation_flip_rate", "drift.drifted_columns_share", "robustness.duplicate_rows",
        "robustness.counterfactual_flip_rate", "robustness.single_feature_leakage", "explain.proxy_features",
    )  # fmt: skip
    drift, quality = placement.worker_groups(checks)
    assert [c.spec.id for c in drift] == [
        "drift.prediction_drift", "robustness.weak_segments", "drift.drifted_columns_share",
        "robustness.duplicate_rows", "robustness.single_feature_leakage",
    ]  # fmt: skip
    assert [c.spec.id for c in quality] == ["quality.expectation_success_share"]
    # the model's checks stay in the process that loads the model
    model_checks = [c for c in checks if "flip_rate" in c.spec.id or c.spec.id.startswith("explain")]
    assert not any(placement.in_worker(c) for c in model_checks)
    # what needs the predictions runs last, so the worker waits for them only when nothing else is left
    assert [drift[i].spec.id for i in placement.run_order(drift)] == [
        "drift.drifted_columns_share", "robustness.duplicate_rows", "robustness.single_feature_leakage",
        "drift.prediction_drift", "robustness.weak_segments",
    ]  # fmt: skip


def test_a_failed_prediction_stops_the_worker_and_reports_one_line(adult_build, tmp_path) -> None:
    import govkit
    from govkit.errors import InputError

    broken = tmp_path / "current.csv"
    frame = pd.read_csv(adult_build / "current.csv")
    frame["age"] = "not a number"  # the model's numeric input becomes text: it cannot predict
    frame.to_csv(broken, index=False)
    with pytest.raises(InputError, match="could not predict"):
        govkit.audit(
            model=adult_build / "model.skops",
            data=broken,
            reference=adult_build / "reference.csv",
            target="income-per-year",
            sensitive=["sex"],
            positive_label=">50K",
            trusted_types=["sklearn.tree._tree.Tree"],
        )
    import multiprocessing

    assert multiprocessing.active_children() == []  # no worker left behind


def test_switched_off_by_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVKIT_PARALLEL", "0")
    assert parallel.available() is False


def test_parallel_and_sequential_audits_agree_on_the_example(adult_build) -> None:
    from govkit.policy import load_policy
    from govkit.preflight import prepare
    from govkit.runner import run_policy

    policy = load_policy("default")
    arguments = {
        "data": adult_build / "current.csv",
        "reference": adult_build / "reference.csv",
        "model": adult_build / "model.skops",
        "target": "income-per-year",
        "sensitive": ["sex", "race"],
        "positive_label": ">50K",
        "trusted_types": ["sklearn.tree._tree.Tree"],
    }
    together = run_policy(policy, prepare(**arguments).context, parallel=True)
    alone = run_policy(policy, prepare(**arguments).context, parallel=False)
    assert [r.id for r in together] == [r.id for r in alone]
    for a, b in zip(together, alone, strict=True):
        assert a.status == b.status, a.id
        if a.measurement.value is None:
            assert b.measurement.value is None
        else:
            # evidently sums in an order that depends on the process's hash seed: last-digit noise only
            assert a.measurement.value == pytest.approx(b.measurement.value, rel=1e-9, abs=1e-12), a.id


def test_no_predictions_at_all_never_leaves_the_worker_waiting(adult_build) -> None:
    """Without a model or prediction column, the worker is told no predictions will come."""
    import govkit
    from govkit.policy import load_policy
    from govkit.preflight import prepare
    from govkit.runner import run_policy

    current = pd.read_csv(adult_build / "current.csv").head(3000)
    reference = pd.read_csv(adult_build / "reference.csv").head(3000)
    result = govkit.audit(data=current, reference=reference, target="income-per-year", positive_label=">50K")
    assert result.check("drift.prediction_drift").status == Status.SKIP
    assert result.check("drift.drifted_columns_share").measurement.value is not None
    # the library path with a finished context: same answer
    ctx = prepare(data=current, reference=reference, target="income-per-year", positive_label=">50K").context
    checks = run_policy(load_policy("default"), ctx)
    assert {c.id: c.status for c in checks}["drift.prediction_drift"] == Status.SKIP


def test_the_wait_for_the_worker_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker that never answers is stopped after GOVKIT_WORKER_TIMEOUT; its checks run here."""
    import time

    parent = os.getpid()

    def run_check(check: ResolvedCheck, context: AuditContext) -> CheckResult:
        if os.getpid() != parent:
            time.sleep(60)
        return _result(check, 1.0)

    monkeypatch.setenv(parallel.TIMEOUT_VARIABLE, "0.5")
    checks = _checks("quality.a", "drift.b")
    worker = parallel.Worker.start([c for c in checks if placement.in_worker(c)], _context(), run_check)
    assert worker is not None
    started = time.monotonic()
    results = parallel.merge(checks, _context(), run_check, worker)
    assert time.monotonic() - started < 10
    assert [(r.id, int(r.message)) for r in results] == [("quality.a", parent), ("drift.b", parent)]


def test_no_fork_from_a_parent_running_other_threads() -> None:
    """fork copies one thread; a lock held by another (an import lock) would stay held in the worker."""
    import threading

    stop = threading.Event()
    other = threading.Thread(target=stop.wait, name="someone-else")
    other.start()
    try:
        checks = _checks("drift.b")
        assert parallel.Worker.start(checks, _context(), lambda c, x: _result(c, 1.0)) is None
    finally:
        stop.set()
        other.join()
    worker = parallel.Worker.start(_checks("drift.b"), _context(), lambda c, x: _result(c, 1.0))
    assert worker is not None
    worker.stop()


def test_the_explain_worker_is_for_models_made_of_scikit_learn_estimators_only() -> None:
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier, StackingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer, OneHotEncoder

    class Custom(LogisticRegression):  # defined here, not in scikit-learn
        pass

    encode = ColumnTransformer([("c", OneHotEncoder(), ["c"])], remainder="passthrough")
    assert placement.scikit_learn_only(Pipeline([("encode", encode), ("model", HistGradientBoostingClassifier())]))
    assert placement.scikit_learn_only(FunctionTransformer())
    assert not placement.scikit_learn_only(Pipeline([("encode", encode), ("model", Custom())]))
    assert not placement.scikit_learn_only(ColumnTransformer([("c", Custom(), ["c"])]))
    stacked = StackingClassifier([("a", LogisticRegression()), ("b", Custom())])
    assert not placement.scikit_learn_only(stacked)
    xgboost = pytest.importorskip("xgboost")
    assert not placement.scikit_learn_only(Pipeline([("encode", encode), ("model", xgboost.XGBClassifier())]))


def test_a_worker_forked_after_this_process_ran_openmp_still_predicts(monkeypatch: pytest.MonkeyPatch) -> None:
    """GNU OpenMP's pool does not survive a fork: without the one-thread limit this child would wait forever."""
    import numpy as np
    from sklearn.ensemble import HistGradientBoostingClassifier

    monkeypatch.setenv(parallel.TIMEOUT_VARIABLE, "60")  # a hang fails the test instead of stalling it
    rng = np.random.default_rng(0)
    features = rng.normal(size=(20_000, 6))
    labels = (features[:, 0] + rng.normal(size=20_000) > 0).astype(int)
    model = HistGradientBoostingClassifier(max_iter=30, random_state=0).fit(features, labels)
    expected = float(model.predict_proba(features)[:, 1].sum())  # this process has now run OpenMP regions
    parent = os.getpid()

    def run_check(check: ResolvedCheck, context: AuditContext) -> CheckResult:
        return _result(check, float(model.predict_proba(features)[:, 1].sum()))

    checks = _checks("explain.x")
    worker = parallel.Worker.start(checks, _context(), run_check, one_openmp_thread=True)
    assert worker is not None
    collected = worker.collect(checks)
    assert 0 in collected.results, "the worker did not answer: OpenMP hung after the fork"
    assert collected.results[0]["measurement"]["value"] == expected
    assert int(collected.results[0]["message"]) != parent
