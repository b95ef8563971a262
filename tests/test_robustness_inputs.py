"""Robustness inputs: drift is not pulled back into range, categorical dtypes survive, leakage's noise bias."""

from __future__ import annotations

import numpy as np
import pandas as pd

from govkit.context import AuditContext, Predictions
from govkit.families.robustness import run
from govkit.families.robustness.leakage import column_auc
from govkit.families.robustness.params import CounterfactualParams, LeakageParams, PerturbationParams
from govkit.families.robustness.perturbation import nudge, perturb


def test_a_value_outside_the_reference_range_moves_by_its_step_at_most() -> None:
    values = np.array([5.0, 5.0, 20.0, 20.0, -3.0, -3.0, 9.5])
    step = np.array([1.0, -1.0, 1.0, -1.0, -1.0, 1.0, 1.0])
    moved = nudge(values, step, low=0.0, high=10.0)
    # inside: moved, clipped at the range; above: never further out, down by its step only (not to 10)
    assert moved.tolist() == [6.0, 4.0, 20.0, 19.0, -3.0, -2.0, 10.0]
    assert np.all(np.abs(moved - values) <= np.abs(step))


def test_perturbation_does_not_pull_drifted_values_back() -> None:
    reference = pd.DataFrame({"x": np.arange(0.0, 101.0)})  # IQR 50, range 0..100
    frame = pd.DataFrame({"x": [1_000.0, -500.0, 50.0]})
    changed, columns, _ = perturb(frame, reference, PerturbationParams(numeric_scale=0.01), seed=3, keep=[])
    assert columns["numeric"] == ["x"]
    assert np.all(np.abs(changed["x"] - frame["x"]) <= 0.5)  # 0.01 x IQR
    assert changed["x"].iloc[0] <= 1_000.0 and changed["x"].iloc[1] >= -500.0


def _categorical_frame(rows: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    colour = rng.choice(["red", "green", "blue", "teal"], rows, p=[0.5, 0.3, 0.195, 0.005])
    frame = pd.DataFrame(
        {
            "colour": pd.Categorical(colour, categories=["blue", "green", "red", "teal"]),
            "sex": pd.Categorical(rng.choice(["F", "M"], rows)),
            "x": rng.normal(0, 1, rows),
        }
    )
    signal = frame["x"] + np.where(colour == "red", 1.0, -0.5)
    frame["y"] = (rng.random(rows) < 1 / (1 + np.exp(-signal))).astype(int)
    return frame


def test_perturbation_keeps_a_category_dtype() -> None:
    frame = _categorical_frame()
    changed, columns, remapped = perturb(frame, frame, PerturbationParams(rare_share=0.05), seed=1, keep=["sex"])
    assert columns["categorical"] == ["colour"] and remapped == (frame["colour"] == "teal").sum() > 0
    assert changed["colour"].dtype == frame["colour"].dtype  # the same categories, in the same order
    assert not (changed["colour"] == "teal").any()
    assert changed["sex"].dtype == frame["sex"].dtype


def _lightgbm_context(frame: pd.DataFrame) -> AuditContext:
    import lightgbm

    inputs = ["colour", "sex", "x"]
    model = lightgbm.LGBMClassifier(n_estimators=20, min_child_samples=5, verbose=-1, random_state=0)
    model.fit(frame[inputs], frame["y"])  # colour and sex as native categoricals
    return AuditContext(
        current=frame,
        reference=frame,
        target="y",
        sensitive=["sex"],
        features=inputs,
        task="binary",
        positive_label=1,
        model=model,
        current_predictions=Predictions(labels=model.predict(frame[inputs]), scores=None),
    )


def test_a_lightgbm_model_with_categorical_inputs_runs_through_both_checks() -> None:
    """LightGBM refuses object columns: before, both checks handed it ``category`` inputs turned object."""
    ctx = _lightgbm_context(_categorical_frame())
    perturbed = run("perturbation_flip_rate", PerturbationParams(rare_share=0.05), ctx)
    assert perturbed.details["categorical_columns"] == ["colour"] and perturbed.value is not None
    flipped = run("counterfactual_flip_rate", CounterfactualParams(), ctx)
    assert [a["column"] for a in flipped.details["attributes"]] == ["sex"] and flipped.value is not None


def test_leakage_auc_of_noise_is_a_little_above_one_half_as_documented() -> None:
    """The documented upward bias: pure noise scores about one standard error (~0.01) above 0.5, far below 0.95."""
    rng = np.random.default_rng(0)
    classes = np.repeat([0, 1], 1_000)
    found = [column_auc(pd.Series(rng.normal(size=2_000), name="x"), classes, LeakageParams(), 0) for _ in range(20)]
    aucs = np.array([auc for auc, _ in found])
    assert np.all(aucs >= 0.5) and 0.503 < aucs.mean() < 0.525
