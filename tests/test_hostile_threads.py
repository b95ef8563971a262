"""The library embedded in a service: audits in concurrent threads and processes finish, and agree with
a serial run.

Small frames and the whole default policy: every family runs, each audit takes about a second, so 8
threads x 10 rounds stay affordable. Every wait is bounded (a hang fails the test instead of blocking
the suite). Results are compared whole, minus the time each check took.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

WAIT = 600  # seconds: far past any round here, short of blocking CI forever


def _arguments() -> dict[str, Any]:
    """Current and reference data with a target, predictions, probabilities and a sensitive column."""
    import numpy as np
    import pandas as pd

    def frame(seed: int) -> pd.DataFrame:
        rng = np.random.default_rng(seed)
        target = rng.integers(0, 2, 240)
        flipped = np.where(rng.random(240) < 0.15, 1 - target, target)
        return pd.DataFrame(
            {
                "age": rng.integers(18, 80, 240),
                "income": rng.normal(50, 10, 240).round(2),
                "region": rng.choice(["north", "south", "east"], 240),
                "sex": rng.choice(["F", "M"], 240),
                "y": target,
                "p": flipped,
                "q": np.clip(0.5 + (flipped - 0.5) * rng.random(240), 0, 1).round(4),
            }
        )

    return {
        "data": frame(0),
        "reference": frame(1),
        "target": "y",
        "sensitive": ["sex"],
        "prediction_column": "p",
        "probability_column": "q",
    }


def comparable(result: Any) -> list[dict[str, Any]]:
    """Everything a check records except how long it took."""
    return [check.model_dump(mode="json", exclude={"duration_seconds"}) for check in result.checks]


def audit_rounds(rounds: int, parallel: bool = True) -> list[list[dict[str, Any]]]:
    """``rounds`` audits in a row, as comparable records (the target of a spawned process)."""
    import warnings

    import govkit

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return [comparable(govkit.audit(**_arguments(), parallel=parallel)) for _ in range(rounds)]


@pytest.mark.slow
@pytest.mark.parametrize("parallel", [True, False], ids=["worker-allowed", "no-worker"])
def test_audits_in_eight_threads_match_a_serial_run(parallel: bool) -> None:
    """8 threads x 10 rounds of govkit.audit() in one process: no hang, no error, the serial results.

    Threads never fork the drift worker (an audit started while others run keeps drift in its own
    thread) and take turns in great-expectations, whose current context is one per process.
    """
    from concurrent.futures import ThreadPoolExecutor

    serial = audit_rounds(1, parallel)[0]
    assert serial and all(check["status"] != "error" for check in serial), serial
    with ThreadPoolExecutor(max_workers=8) as pool:
        for _ in range(10):
            futures = [pool.submit(audit_rounds, 1, parallel) for _ in range(8)]
            for future in futures:
                (got,) = future.result(timeout=WAIT)
                assert got == serial


@pytest.mark.slow
def test_audits_in_eight_spawned_processes_match_a_serial_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """8 processes (spawn) x 3 rounds each: the same results as one process running one audit.

    The hash seed is fixed for the children, so the engines' sums over sets add in the same order.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    monkeypatch.setenv("PYTHONHASHSEED", "0")
    monkeypatch.syspath_prepend(str(Path(__file__).parent))
    context = multiprocessing.get_context("spawn")
    # parallel=False: each process imports evidently once (a drift worker forked per audit would import it
    # again each time); the worker's path is taken in the thread test above
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as one:
        serial = one.submit(audit_rounds, 1, False).result(timeout=WAIT)[0]
    with ProcessPoolExecutor(max_workers=8, mp_context=context) as pool:
        futures = [pool.submit(audit_rounds, 3, False) for _ in range(8)]
        for future in futures:
            rounds = future.result(timeout=WAIT)
            assert len(rounds) == 3 and all(got == serial for got in rounds)
    assert os.environ["PYTHONHASHSEED"] == "0"
