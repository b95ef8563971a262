"""The fixed-cost cuts change no number: evidently's drift calculation without its Report, the drift worker's
import of that calculation alone, the collector's setting, the workers."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
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


def test_evidentlys_drift_calculation_gives_a_stock_reports_numbers() -> None:
    from govkit.families.drift.evidently_adapter import _coded_categories, _display_names, run_evidently

    reference, current = _frames()
    kinds: dict[str, Kind] = {"x": "numerical", "y": "numerical", "c": "categorical"}
    ours = run_evidently(reference, current, kinds, dict.fromkeys(kinds), dict.fromkeys(kinds))
    # evidently's stock Report gets the categories coded as the adapter codes them, so both sum in one order
    stock = _stock_evidently(*_coded_categories(reference, current, kinds))
    names = _display_names()
    for column, (method, threshold, score, drifted) in stock.items():
        assert ours[column]["method"] == names.get(method, method)
        assert ours[column]["threshold"] == threshold
        assert ours[column]["score"] == score  # bit for bit: the same calculation
        assert ours[column]["drifted"] is drifted
    assert ours["x"]["drifted"] is True and ours["y"]["drifted"] is False  # the frames really differ
    # a method and threshold the policy names reach evidently as given
    named = run_evidently(reference, current, {"x": "numerical"}, {"x": "ks"}, {"x": 0.01})
    from scipy.stats import ks_2samp

    assert named["x"]["method"] == "ks" and named["x"]["threshold"] == 0.01
    assert named["x"]["score"] == pytest.approx(ks_2samp(reference["x"], current["x"]).pvalue, rel=1e-12)


# Run in a fresh interpreter: the drift worker's warm-up, then one column through the calculation.
_WORKER_IMPORT = """
import json, sys
import numpy as np, pandas as pd
from govkit.families.drift import evidently_adapter as adapter
adapter.warm_up()
rng = np.random.default_rng(1)
reference = pd.DataFrame({"x": rng.normal(size=2000), "c": rng.choice(list("abc"), 2000)})
current = pd.DataFrame({"x": rng.normal(0.2, 1, size=2000), "c": rng.choice(list("abc"), 2000)})
found = adapter.run_evidently(reference, current, {"x": "numerical", "c": "categorical"}, {"x": None, "c": None},
                              {"x": None, "c": None})
print(json.dumps({"found": found, "modules": sorted(m for m in sys.modules if m.startswith("evidently")),
                  "version": adapter.evidently_version()}))
"""


def test_the_drift_workers_warm_up_imports_the_calculation_alone_with_the_same_numbers() -> None:
    import json

    from govkit.families.drift import evidently_adapter

    done = subprocess.run([sys.executable, "-c", _WORKER_IMPORT], capture_output=True, text=True, check=True)
    light = json.loads(done.stdout)
    assert "evidently.ui" not in light["modules"] and "evidently.core.report" not in light["modules"]
    assert len(light["modules"]) < 100  # the package __init__ alone imports over four hundred
    from evidently import __version__

    assert light["version"] == __version__
    rng = np.random.default_rng(1)
    reference = pd.DataFrame({"x": rng.normal(size=2000), "c": rng.choice(list("abc"), 2000)})
    current = pd.DataFrame({"x": rng.normal(0.2, 1, size=2000), "c": rng.choice(list("abc"), 2000)})
    kinds: dict[str, Kind] = {"x": "numerical", "c": "categorical"}
    whole = evidently_adapter.run_evidently(reference, current, kinds, dict.fromkeys(kinds), dict.fromkeys(kinds))
    assert light["found"] == json.loads(json.dumps(whole))


# Run in a fresh interpreter: the quality worker's warm-up, then the quality family on a hand-made frame.
_QUALITY_WORKER = """
import json, sys
import numpy as np, pandas as pd
from govkit.families import quality
quality.warm_up()
from govkit.context import AuditContext
from govkit.families.quality.params import QualityParams
rng = np.random.default_rng(2)
reference = pd.DataFrame({"x": rng.normal(size=500), "c": rng.choice(list("abc"), 500)})
current = pd.DataFrame({"x": rng.normal(size=400), "c": rng.choice(list("abcd"), 400)})
current.loc[::9, "x"] = None
ctx = AuditContext(current=current, reference=reference, target=None, sensitive=[], features=["x", "c"],
                   task="unknown", positive_label=None)
found = {name: quality.run(name, QualityParams(), ctx).model_dump(mode="json") for name in quality.CHECKS}
print(json.dumps({"found": found, "blocked": [n for n in ("pyspark", "sqlalchemy") if sys.modules.get(n, 1) is None]}))
"""


def test_the_quality_workers_warm_up_leaves_out_unused_backends_with_the_same_results() -> None:
    import json

    from govkit.families import quality
    from govkit.families.quality.params import QualityParams

    done = subprocess.run([sys.executable, "-c", _QUALITY_WORKER], capture_output=True, text=True, check=True)
    light = json.loads(done.stdout)
    assert light["blocked"] == ["pyspark", "sqlalchemy"]
    rng = np.random.default_rng(2)
    reference = pd.DataFrame({"x": rng.normal(size=500), "c": rng.choice(list("abc"), 500)})
    current = pd.DataFrame({"x": rng.normal(size=400), "c": rng.choice(list("abcd"), 400)})
    current.loc[::9, "x"] = None
    ctx = AuditContext(
        current=current, reference=reference, target=None, sensitive=[], features=["x", "c"], task="unknown",
        positive_label=None,
    )  # fmt: skip
    whole = {name: quality.run(name, QualityParams(), ctx).model_dump(mode="json") for name in quality.CHECKS}
    assert light["found"] == json.loads(json.dumps(whole))
    assert whole["failed_expectations"]["value"] > 0  # the new category and the missing values fail something


_QUALITY_FALLBACK = """
import json, sys
from govkit.families.quality import gx
real, seen = gx._import_gx, []
def refusing_once():
    seen.append(sys.modules.get("sqlalchemy", "importable") is None)
    if len(seen) == 1:
        raise ImportError("this great-expectations needs sqlalchemy")
    return real()
gx._import_gx = refusing_once
gx.warm_up()
print(json.dumps({"blocked_then": seen, "imported": "great_expectations" in sys.modules}))
"""


def test_a_great_expectations_that_needs_the_backends_is_imported_as_usual() -> None:
    import json

    done = subprocess.run([sys.executable, "-c", _QUALITY_FALLBACK], capture_output=True, text=True, check=True)
    # first with sqlalchemy marked missing; refused, so again with it importable
    assert json.loads(done.stdout) == {"blocked_then": [True, False], "imported": True}


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
