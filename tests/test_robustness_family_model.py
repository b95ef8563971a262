"""Robustness checks that ask the model again: counterfactual flips against a hand count, perturbation by hand."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

import govkit
from govkit.context import AuditContext, Predictions
from govkit.families.robustness import run
from govkit.families.robustness.evidence import CounterfactualEvidence, PerturbationEvidence
from govkit.families.robustness.params import CounterfactualParams, PerturbationParams
from govkit.families.robustness.perturbation import nearest_frequent
from govkit.results import Status


def applicants(rows: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "sex": rng.choice(["Female", "Male"], rows),
            "race": rng.choice(["A", "B", "C"], rows, p=[0.6, 0.3, 0.1]),
            "income": rng.normal(50, 15, rows),
        }
    )
    signal = (frame["income"] - 50) / 10 + np.where(frame["sex"] == "Male", 0.8, -0.8)
    signal += frame["race"].map({"A": 0.5, "B": -0.5, "C": 0.0}).to_numpy()
    frame["approved"] = np.where(rng.random(rows) < 1 / (1 + np.exp(-signal)), "yes", "no")
    return frame


def fitted(frame: pd.DataFrame, inputs: list[str]) -> Pipeline:
    categorical = [c for c in inputs if frame[c].dtype == object]
    encode = ColumnTransformer(
        [("categorical", OneHotEncoder(handle_unknown="ignore"), categorical)], remainder="passthrough"
    )
    return Pipeline([("encode", encode), ("model", LogisticRegression(max_iter=1000))]).fit(
        frame[inputs], frame["approved"]
    )


def model_context(frame: pd.DataFrame, model: Pipeline, inputs: list[str], **kwargs: Any) -> AuditContext:
    return AuditContext(
        current=frame,
        reference=kwargs.pop("reference", frame),
        target="approved",
        sensitive=kwargs.pop("sensitive", ["sex", "race"]),
        features=inputs,
        task="binary",
        positive_label="yes",
        model=model,
        current_predictions=Predictions(labels=model.predict(frame[inputs]), scores=None),
        seed=kwargs.pop("seed", 0),
    )


def test_counterfactual_flip_rate_matches_a_hand_count() -> None:
    train, current = applicants(3000, seed=1), applicants(60, seed=2)
    inputs = ["sex", "race", "income"]
    model = fitted(train, inputs)
    ctx = model_context(current, model, inputs)
    measurement = run("counterfactual_flip_rate", CounterfactualParams(), ctx)
    evidence = CounterfactualEvidence.model_validate(measurement.details)
    original = model.predict(current[inputs])
    # sex: swap it row by row and count by hand
    swapped = current[inputs].copy()
    swapped["sex"] = np.where(current["sex"] == "Male", "Female", "Male")
    changed = model.predict(swapped) != original
    sex = next(a for a in evidence.attributes if a.column == "sex")
    assert sex.overall.flipped == int(changed.sum()) > 0
    for group in sex.groups:
        at = (current["sex"] == group.group).to_numpy()
        assert (group.rows, group.flipped) == (int(at.sum()), int(changed[at].sum()))
    # race: a row counts when any other value changes its decision
    any_change = np.zeros(len(current), dtype=bool)
    for value in ["A", "B", "C"]:
        other = current[inputs].assign(race=value)
        any_change |= (model.predict(other) != original) & (current["race"] != value).to_numpy()
    race = next(a for a in evidence.attributes if a.column == "race")
    assert race.overall.flipped == int(any_change.sum())
    assert measurement.value == pytest.approx(max(sex.overall.share, race.overall.share))
    assert evidence.not_inputs == []


def test_a_model_that_cannot_see_the_attribute_is_reported_as_such_not_passed(tmp_path: Path) -> None:
    train, current = applicants(2000, seed=3), applicants(300, seed=4)
    model = fitted(train, ["income"])
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        "version: 1\nname: cf\nchecks:\n  - id: robustness.counterfactual_flip_rate\n    warn_if: {gt: 0.01}\n"
    )
    result = govkit.audit(
        model=model,
        data=current,
        target="approved",
        sensitive=["sex", "race"],
        policy=policy,
        positive_label="yes",
        parallel=False,
    )
    check = result.check("robustness.counterfactual_flip_rate")
    assert check.status == Status.INCONCLUSIVE
    assert check.message.startswith("no sensitive attribute is a model input (sex, race)")
    assert CounterfactualEvidence.model_validate(check.measurement.details).not_inputs == ["sex", "race"]


def test_perturbation_flips_match_a_hand_perturbation() -> None:
    train, current = applicants(3000, seed=5), applicants(500, seed=6)
    inputs = ["income"]
    model = fitted(train, inputs)
    ctx = model_context(current, model, inputs, reference=train, seed=11)
    params = PerturbationParams(numeric_scale=0.05)
    measurement = run("perturbation_flip_rate", params, ctx)
    evidence = PerturbationEvidence.model_validate(measurement.details)
    # by hand: the same seeded step of at most 5% of the reference IQR, clipped to the reference's range
    q1, q3 = np.quantile(train["income"], [0.25, 0.75])
    step = np.random.default_rng(11).uniform(-1, 1, len(current)) * 0.05 * (q3 - q1)
    moved = np.clip(current["income"] + step, train["income"].min(), train["income"].max())
    flipped = model.predict(pd.DataFrame({"income": moved})) != model.predict(current[inputs])
    assert evidence.overall.flipped == int(flipped.sum()) > 0
    assert measurement.value == pytest.approx(flipped.mean())
    assert evidence.numeric_columns == ["income"]
    by_sex = {g.group: g for g in evidence.groups if g.column == "sex"}
    female = (current["sex"] == "Female").to_numpy()
    assert by_sex["Female"].flipped == int(flipped[female].sum())


def test_perturbation_leaves_sensitive_columns_alone_and_samples_with_a_record() -> None:
    train, current = applicants(3000, seed=7), applicants(400, seed=8)
    inputs = ["sex", "race", "income"]
    model = fitted(train, inputs)
    ctx = model_context(current, model, inputs)
    measurement = run("perturbation_flip_rate", PerturbationParams(max_rows=100), ctx)
    evidence = PerturbationEvidence.model_validate(measurement.details)
    assert evidence.rows == 100 and evidence.population == 400
    assert "sex" not in evidence.categorical_columns and "race" not in evidence.categorical_columns
    assert ctx.sampling == [
        {"family": "robustness", "what": "rows perturbed", "population": 400, "sample": 100, "seed": 0}
    ]
    again = run("perturbation_flip_rate", PerturbationParams(max_rows=100), model_context(current, model, inputs))
    assert again.value == measurement.value  # seeded: the same rows, the same steps


def test_rare_categories_go_to_the_most_similar_frequent_value() -> None:
    assert nearest_frequent("Mlae", ["Male", "Female"]) == "Male"
    assert nearest_frequent("Self-emp", ["Private", "Self-emp-not-inc"]) == "Self-emp-not-inc"


def test_a_flagged_proxy_is_flipped_like_a_sensitive_attribute() -> None:
    train, current = applicants(3000, seed=9), applicants(80, seed=10)
    for frame in (train, current):
        frame["district"] = np.where(frame["sex"] == "Male", "north", "south")  # a perfect proxy of sex
    inputs = ["district", "income"]
    model = fitted(train, inputs)
    ctx = model_context(current, model, inputs, sensitive=["sex"])
    evidence = CounterfactualEvidence.model_validate(
        run("counterfactual_flip_rate", CounterfactualParams(proxies=["district"]), ctx).details
    )
    assert evidence.not_inputs == ["sex"]
    (district,) = evidence.attributes
    assert district.column == "district" and district.proxy
    moved = current[inputs].assign(district=np.where(current["district"] == "north", "south", "north"))
    assert district.overall.flipped == int((model.predict(moved) != model.predict(current[inputs])).sum()) > 0
