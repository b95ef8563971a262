"""The model predicts only the reference rows the policy's checks read, and every result stays the same.

Only the drift checks of one series (prediction and residual drift) read the model's outputs on the
reference data, and they read a seeded sample of ``max_rows`` rows. Preflight predicts the union of those
samples (``govkit.preflight.predictions.reference_rows``); the checks then draw the same sample from the
rows that were predicted (``govkit.families.drift.sampling.limited_values``). These tests hold the results
of such audits to those of audits that predict every reference row.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestRegressor
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

import govkit
import govkit.predict
import govkit.preflight.predictions as predictions
from govkit.context import AuditContext, seeded_positions
from govkit.families.drift.sampling import limited, limited_values
from govkit.policy import load_policy

ROOT = Path(__file__).resolve().parent.parent
PLUGINS = Path(__file__).parent / "plugins"


def _context() -> AuditContext:
    frame = pd.DataFrame({"a": range(10)})
    return AuditContext(
        current=frame, reference=frame, target=None, sensitive=[], features=["a"], task="unknown",
        positive_label=None, seed=3,
    )  # fmt: skip


# --- the sampling rule -------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 7, 123])
def test_seeded_positions_are_the_positions_pandas_samples_from_any_frame_or_series(seed: int) -> None:
    frame = pd.DataFrame({"x": np.arange(1000) * 3, "y": list("abcd") * 250}, index=np.arange(1000)[::-1] + 5)
    for sampled in (frame.sample(n=137, random_state=seed), frame["y"].sample(n=137, random_state=seed)):
        assert np.array_equal(frame.index.get_indexer(sampled.index), seeded_positions(1000, 137, seed))


@pytest.mark.parametrize(
    "values",
    [
        np.linspace(0.0, 1.0, 500),  # scores
        np.array(["low", "mid", "high", "mid", "low"] * 100, dtype=object),  # text labels
        np.arange(500) % 3,  # integer labels
    ],
)
def test_values_of_the_predicted_rows_give_the_series_limited_takes_from_every_row(values: np.ndarray) -> None:
    every, held = _context(), _context()
    rows = np.unique(np.concatenate([seeded_positions(500, 60, 3), seeded_positions(500, 90, 3)]))
    expected = limited(pd.Series(values), 60, every, "reference score values")
    found = limited_values(values[rows], rows, 500, 60, held, "reference score values")
    pd.testing.assert_series_equal(found, expected)
    assert (
        held.sampling
        == every.sampling
        == [{"family": "drift", "what": "reference score values", "population": 500, "sample": 60, "seed": 3}]
    )
    # every row held, in order: exactly limited
    pd.testing.assert_series_equal(limited_values(values, None, 500, 60, _context(), "x"), expected)


def test_a_sample_needing_a_row_that_was_not_predicted_is_an_error_not_a_wrong_number() -> None:
    rows = seeded_positions(500, 60, 3)[:-1]  # one sampled row missing
    with pytest.raises(ValueError, match="did not predict every row"):
        limited_values(np.zeros(len(rows)), np.sort(rows), 500, 60, _context(), "reference score values")
    with pytest.raises(ValueError, match="every row is needed"):
        limited_values(np.zeros(3), np.array([1, 2, 3]), 500, None, _context(), "reference score values")


def test_reference_rows_are_the_union_of_the_samples_or_every_row() -> None:
    union = predictions.reference_rows([100, 40, 100], 1000, 5)
    assert union is not None
    assert np.array_equal(union, np.unique(np.r_[seeded_positions(1000, 100, 5), seeded_positions(1000, 40, 5)]))
    assert predictions.reference_rows([100, None], 1000, 5) is None  # a check reads every row
    assert predictions.reference_rows([1000], 1000, 5) is None  # a sample as large as the data: every row
    assert predictions.reference_rows(None, 1000, 5) is None  # not known


def test_the_checks_that_read_reference_predictions_declare_how_many_rows() -> None:
    assert predictions.reference_sample_sizes(load_policy("default")) == [100_000]
    assert predictions.reference_sample_sizes(load_policy("regression")) == [100_000, 100_000]
    assert predictions.reference_sample_sizes(None) is None  # a library caller may run any check


def test_a_third_party_check_means_every_reference_row_is_predicted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(PLUGINS))
    policy = tmp_path / "plugin.yaml"
    policy.write_text(
        "version: 1\nname: plugin\nchecks:\n  - id: example.missing_share\n    params: {column: a}\n"
        "  - id: drift.prediction_drift\n    params: {max_rows: 50}\n"
    )
    assert predictions.reference_sample_sizes(load_policy(str(policy))) is None


def test_only_the_series_drift_checks_read_the_reference_predictions() -> None:
    """A family that starts reading them must declare ``reference_prediction_rows`` (and join this list)."""
    readers = {
        path.relative_to(ROOT / "src" / "govkit" / "families").as_posix()
        for path in (ROOT / "src" / "govkit" / "families").rglob("*.py")
        if re.search(r"\breference_predictions\b", path.read_text(encoding="utf-8"))
    }
    assert readers == {"drift/series.py"}
    from govkit.families import drift

    declared = {name for name, check in drift.CHECKS.items() if check.reference_prediction_rows is not None}
    assert declared == {"prediction_drift", "residual_drift"}


# --- whole audits against audits that predict every reference row ---------------------------------------


def _frames(task: str, rows: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)

    def frame(shift: float) -> pd.DataFrame:
        x = rng.normal(shift, 1.0, rows)
        group = rng.choice(["a", "b", "c"], rows)
        noise = rng.normal(0, 0.5, rows)
        if task == "regression":
            target: Any = 3 * x + (group == "b") + noise
        elif task == "multiclass":
            target = np.where(x + noise > 0.6, "high", np.where(x + noise < -0.4, "low", "mid"))
        else:
            target = np.where(x + noise > 0.2, "approved", "declined")
        return pd.DataFrame({"x": x, "z": rng.normal(0, 1, rows), "group": group, "y": target})

    return frame(0.0), frame(0.3)


def _model(task: str, reference: pd.DataFrame) -> Any:
    encode = ColumnTransformer([("g", OneHotEncoder(handle_unknown="ignore"), ["group"])], remainder="passthrough")
    estimator = RandomForestRegressor(n_estimators=10, random_state=0) if task == "regression" else LogisticRegression()
    return make_pipeline(encode, estimator).fit(reference[["x", "z", "group"]], reference["y"])


POLICIES = {
    "binary": "  - {id: drift.prediction_drift, params: {max_rows: 300}, warn_if: {gt: 0.1}}\n"
    "  - {id: performance.accuracy, warn_if: {lt: 0.8}}\n",
    "multiclass": "  - {id: drift.prediction_drift, params: {max_rows: 400}, warn_if: {gt: 0.1}}\n"
    "  - {id: performance.accuracy, warn_if: {lt: 0.8}}\n",
    "regression": "  - {id: drift.prediction_drift, params: {max_rows: 300}, warn_if: {gt: 0.1}}\n"
    "  - {id: drift.residual_drift, params: {max_rows: 450}, warn_if: {gt: 0.1}}\n"
    "  - {id: performance.mae, warn_if: {gt: 5}}\n",
}


def _audit(task: str, tmp_path: Path, parallel: bool, checks: str | None = None) -> tuple[Any, list[int]]:
    reference, current = _frames(task, 2000, 4)
    model = _model(task, reference)
    policy = tmp_path / f"{task}.yaml"
    policy.write_text(f"version: 1\nname: {task}\nchecks:\n" + (checks or POLICIES[task]))
    predicted: list[int] = []
    original = govkit.predict.model_outputs

    def counting(model: Any, inputs: pd.DataFrame, *args: Any) -> Any:
        predicted.append(len(inputs))
        return original(model, inputs, *args)

    govkit.predict.model_outputs = counting  # type: ignore[assignment]
    try:
        result = govkit.audit(
            model=model, data=current, reference=reference, target="y", policy=str(policy), seed=9, parallel=parallel,
            positive_label="approved" if task == "binary" else None,
        )  # fmt: skip
    finally:
        govkit.predict.model_outputs = original
    return result, predicted


def _comparable(result: Any) -> tuple[Any, Any]:
    checks = [c.model_dump(exclude={"duration_seconds"}) for c in result.checks]
    return checks, result.provenance.sampling


@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
@pytest.mark.parametrize("parallel", [False, True])
def test_an_audit_predicting_the_sampled_reference_rows_equals_one_predicting_every_row(
    task: str, parallel: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sampled, predicted = _audit(task, tmp_path, parallel)
    sizes = {"binary": [300], "multiclass": [400], "regression": [300, 450]}[task]
    union = np.unique(np.concatenate([seeded_positions(2000, size, 9) for size in sizes]))
    assert predicted == [2000, len(union)]  # every current row, then the reference rows sampled
    assert len(union) < 2000

    monkeypatch.setattr(predictions, "reference_rows", lambda sizes, length, seed: None)
    every, predicted_every = _audit(task, tmp_path, parallel)
    assert predicted_every == [2000, 2000]
    assert _comparable(sampled) == _comparable(every)
    drifts = [c for c in sampled.checks if c.id.startswith("drift.")]
    assert drifts and all(c.measurement.value is not None for c in drifts)


def test_a_policy_without_such_checks_predicts_no_reference_row(tmp_path: Path) -> None:
    result, predicted = _audit(
        "binary", tmp_path, False, "  - {id: performance.accuracy}\n  - {id: drift.drifted_columns_share}\n"
    )
    assert predicted == [2000]
    assert {c.id: c.status.value for c in result.checks}["drift.drifted_columns_share"] in ("pass", "warn", "fail")
