"""The explain family: SHAP values must add up to the model's own output, and stay affordable.

Every explainer is checked against something computed independently of govkit: the model's own
decision function or probabilities, a hand-written linear decomposition, shap called directly on the
transformed columns, and brute-force Shapley values for a two-feature model. What each check records
is exactly its evidence model, on these data and on the example's.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import (
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    HistGradientBoostingClassifier,
    RandomForestClassifier,
)
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.tree import DecisionTreeClassifier

from govkit.context import AuditContext
from govkit.families import explain
from govkit.families.explain.params import ExplainParams
from govkit.results import Measurement, Status
from govkit.runner import evidence_problem

NUMERIC = ["income", "debt"]
MIXED = ["income", "region", "debt"]  # the string column sits between the numeric ones on purpose
ADDITIVE = 1e-6  # tree and linear SHAP are exact; this only absorbs floating-point sums


def make_frame(rows: int, seed: int, sex_effect: float = 0.0) -> pd.DataFrame:
    """Two numeric columns, a string column with one rare level, a 0/1 sensitive column, a 0/1 target."""
    rng = np.random.default_rng(seed)
    income = rng.normal(50, 15, rows)
    debt = rng.normal(10, 4, rows)
    region = rng.choice(["north", "south", "east", "island"], rows, p=[0.5, 0.3, 0.17, 0.03])
    sex = rng.integers(0, 2, rows)
    logit = (
        0.08 * (income - 50)
        - 0.25 * (debt - 10)
        + np.select([region == "north", region == "south"], [0.8, -0.4], -0.2)
        + sex_effect * (2 * sex - 1)
    )
    target = (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype(int)
    return pd.DataFrame({"income": income, "debt": debt, "region": region, "sex": sex, "y": target})


TRAIN = make_frame(300, seed=1)
CURRENT = make_frame(40, seed=2)  # below every sample_size used here unless a test says otherwise


def make_context(
    model: Any,
    features: list[str],
    current: pd.DataFrame = CURRENT,
    reference: pd.DataFrame | None = None,
    sensitive: tuple[str, ...] = (),
    positive_label: Any = 1,
    seed: int = 0,
) -> AuditContext:
    return AuditContext(
        current=current,
        reference=reference,
        target="y",
        sensitive=list(sensitive),
        features=features,
        task="binary",
        positive_label=positive_label,
        seed=seed,
        model=model,
    )


def gradient_boosting() -> GradientBoostingClassifier:
    return GradientBoostingClassifier(n_estimators=40, max_depth=2, random_state=0)


def log_odds(probabilities: np.ndarray, column: int) -> np.ndarray:
    """log(p / (1 - p)) of one class, computed from the model's probabilities, not its margin."""
    p = probabilities[:, column]
    return np.log(p) - np.log1p(-p)


POSITIVE_IDS = ["positive-is-second-class", "positive-is-first-class"]


def sampled(population: int, sample: int, seed: int) -> dict[str, Any]:
    """The entry the explain family records in ``ctx.sampling`` when it explains a sample."""
    what = "current rows explained with SHAP"
    return {"family": "explain", "what": what, "population": population, "sample": sample, "seed": seed}


def row_totals(explanation: explain.Explanation) -> np.ndarray:
    return explanation.values.sum(axis=1) + explanation.base_value


# ---------------------------------------------------------------------------------------------
# Additivity: values + base value = the model's own output


@pytest.mark.parametrize("positive_label", [1, 0], ids=POSITIVE_IDS)
def test_tree_model_is_additive_on_the_log_odds(positive_label: int) -> None:
    model = gradient_boosting().fit(TRAIN[NUMERIC], TRAIN.y)
    ctx = make_context(model, NUMERIC, positive_label=positive_label)

    measured = explain.run("additivity", ExplainParams(), ctx)
    assert measured.value is not None
    assert measured.value < ADDITIVE
    assert measured.details["explainer"] == "TreeExplainer"
    assert measured.details["explains"] == f"log-odds of '{positive_label}'"

    explanation = explain.explain(ctx, ExplainParams())
    assert explanation.values.shape == (len(CURRENT), len(NUMERIC))
    column = list(model.classes_).index(positive_label)
    expected = log_odds(model.predict_proba(CURRENT[NUMERIC]), column)
    np.testing.assert_allclose(row_totals(explanation), expected, rtol=0, atol=ADDITIVE)
    sign = 1 if positive_label == 1 else -1
    np.testing.assert_allclose(explanation.model_output, sign * model.decision_function(CURRENT[NUMERIC]))


def test_tree_model_with_string_labels_explains_the_positive_label() -> None:
    # classes_ sort to ["approved", "denied"], so the positive label is the first class and the
    # model's single margin speaks for "denied": the values must be turned round.
    labels = np.where(TRAIN.y == 1, "approved", "denied")
    model = gradient_boosting().fit(TRAIN[NUMERIC], labels)
    ctx = make_context(model, NUMERIC, positive_label="approved")
    explanation = explain.explain(ctx, ExplainParams())
    expected = log_odds(model.predict_proba(CURRENT[NUMERIC]), 0)
    np.testing.assert_allclose(row_totals(explanation), expected, rtol=0, atol=ADDITIVE)
    # income raises the chance of "approved" (coefficient +0.08 above): its values rise with income
    income = CURRENT["income"].to_numpy()
    assert np.corrcoef(income, explanation.values[:, 0])[0, 1] > 0.5


@pytest.mark.parametrize("positive_label", [1, 0], ids=POSITIVE_IDS)
def test_linear_model_values_equal_the_hand_decomposition(positive_label: int) -> None:
    # Interventional linear SHAP: phi_ij = w_j (x_ij - mean_j(background)), base = w . mean + b.
    # The background is the whole 150-row reference (background_size=150, so nothing is sampled).
    model = LogisticRegression().fit(TRAIN[NUMERIC], TRAIN.y)
    reference = TRAIN.iloc[:150]
    ctx = make_context(model, NUMERIC, reference=reference, positive_label=positive_label)
    params = ExplainParams(background_size=150)

    assert explain.run("additivity", params, ctx).value < ADDITIVE
    explanation = explain.explain(ctx, params)
    assert explanation.explainer == "LinearExplainer"
    assert explanation.background_size == 150

    sign = 1 if positive_label == 1 else -1  # log-odds of class 0 are minus those of class 1
    weights, intercept = model.coef_[0], model.intercept_[0]
    mean = reference[NUMERIC].to_numpy().mean(axis=0)
    x = CURRENT[NUMERIC].to_numpy()
    np.testing.assert_allclose(explanation.values, sign * (x - mean) * weights, rtol=0, atol=1e-9)
    assert explanation.base_value == pytest.approx(sign * (weights @ mean + intercept), abs=1e-9)
    column = list(model.classes_).index(positive_label)
    expected = log_odds(model.predict_proba(CURRENT[NUMERIC]), column)
    np.testing.assert_allclose(row_totals(explanation), expected, rtol=0, atol=ADDITIVE)


def one_hot_pipeline(variant: str) -> Pipeline:
    if variant == "explicit-passthrough":
        columns = ColumnTransformer(
            [("onehot", OneHotEncoder(), ["region"]), ("num", "passthrough", ["income", "debt"])]
        )
    elif variant == "remainder-passthrough-drop-first":
        columns = ColumnTransformer([("onehot", OneHotEncoder(drop="first"), ["region"])], remainder="passthrough")
    else:  # "infrequent-sparse": "island" (3%) is folded into an infrequent column; output stays sparse
        columns = ColumnTransformer(
            [
                ("onehot", OneHotEncoder(min_frequency=20, handle_unknown="infrequent_if_exist"), ["region"]),
                ("num", "passthrough", ["income", "debt"]),
            ],
            sparse_threshold=1.0,
        )
    return Pipeline([("columns", columns), ("model", gradient_boosting())]).fit(TRAIN[MIXED], TRAIN.y)


PIPELINE_VARIANTS = ["explicit-passthrough", "remainder-passthrough-drop-first", "infrequent-sparse"]


@pytest.mark.parametrize("variant", PIPELINE_VARIANTS)
def test_one_hot_pipeline_is_additive(variant: str) -> None:
    pipeline = one_hot_pipeline(variant)
    ctx = make_context(pipeline, MIXED)
    assert explain.run("additivity", ExplainParams(), ctx).value < ADDITIVE
    explanation = explain.explain(ctx, ExplainParams())
    assert explanation.columns == MIXED
    assert explanation.values.shape == (len(CURRENT), 3)
    expected = log_odds(pipeline.predict_proba(CURRENT[MIXED]), 1)
    np.testing.assert_allclose(row_totals(explanation), expected, rtol=0, atol=ADDITIVE)
    np.testing.assert_allclose(explanation.model_output, pipeline.decision_function(CURRENT[MIXED]))


def source_of(transformed_name: str) -> str:
    """'onehot__region_north' -> 'region', 'remainder__income' -> 'income' (sklearn's own names)."""
    rest = transformed_name.split("__", 1)[1]
    return next(c for c in MIXED if rest == c or rest.startswith(c + "_"))


@pytest.mark.parametrize("variant", PIPELINE_VARIANTS)
def test_one_hot_columns_are_summed_back_to_their_source(variant: str) -> None:
    import shap

    pipeline = one_hot_pipeline(variant)
    ctx = make_context(pipeline, MIXED)
    explanation = explain.explain(ctx, ExplainParams())
    assert ctx.sampling == []  # 40 rows: the whole frame is explained, in its own order

    # shap directly, in the space the final estimator sees
    transformed = pipeline[:-1].transform(CURRENT[MIXED])
    transformed = np.asarray(transformed.toarray() if hasattr(transformed, "toarray") else transformed)
    raw = np.asarray(shap.TreeExplainer(pipeline[-1]).shap_values(transformed))
    names = list(pipeline[:-1].get_feature_names_out())
    assert raw.shape == (len(CURRENT), len(names))
    assert len(names) > len(MIXED)  # there really are one-hot columns to sum

    sources = [source_of(name) for name in names]
    for j, column in enumerate(MIXED):
        expected = raw[:, [k for k, source in enumerate(sources) if source == column]].sum(axis=1)
        np.testing.assert_allclose(explanation.values[:, j], expected, rtol=0, atol=1e-9, err_msg=column)
    np.testing.assert_allclose(explanation.values.sum(axis=1), raw.sum(axis=1), rtol=0, atol=1e-9)


# ---------------------------------------------------------------------------------------------
# Model-agnostic: the permutation explainer


def brute_force_shapley(predict: Any, row: pd.Series, background: pd.DataFrame) -> np.ndarray:
    """Exact interventional Shapley values of a two-feature model: v(S) = mean over the background
    of f(x_S, background_rest); phi_a = ((v(a) - v()) + (v(ab) - v(b))) / 2, and likewise for b."""
    a, b = background.columns

    def value(on: tuple[str, ...]) -> float:
        frame = background.copy()
        for column in on:
            frame[column] = row[column]
        return float(np.mean(predict(frame)))

    empty, only_a, only_b, both = value(()), value((a,)), value((b,)), value((a, b))
    return np.array([(only_a - empty + both - only_b) / 2, (only_b - empty + both - only_a) / 2])


@pytest.mark.parametrize("scaled", [False, True], ids=["bare-knn", "pipeline-scaler-knn"])
def test_model_agnostic_permutation_is_additive_and_exact_for_two_features(scaled: bool) -> None:
    # shap's permutation explainer walks each permutation forward then backward and credits each
    # feature with the change in output as it is switched on (then off). The changes telescope, so
    # sum(values) + base = f(x) - f(background) + f(background) up to floating-point error (~1e-15
    # for probabilities summed over a few hundred steps): 1e-9 is a loose bound. With two features the
    # forward and backward passes cover both orders, so the values are the exact Shapley values.
    knn = KNeighborsClassifier(n_neighbors=7)
    model = make_pipeline(StandardScaler(), knn) if scaled else knn
    model.fit(TRAIN[NUMERIC], TRAIN.y)
    current, reference = make_frame(14, seed=5), make_frame(30, seed=6)
    params = ExplainParams(sample_size=10, background_size=10)  # the smallest budget allowed
    ctx = make_context(model, NUMERIC, current=current, reference=reference, seed=3)

    measured = explain.run("additivity", params, ctx)
    assert measured.details["explainer"] == "PermutationExplainer"
    assert measured.details["explains"] == "probability of '1'"
    assert measured.value < 1e-9

    explanation = explain.explain(ctx, params)
    sample = current[NUMERIC].sample(n=10, random_state=3)
    background = reference[NUMERIC].sample(n=10, random_state=4)  # seed + 1

    def predict(frame: pd.DataFrame) -> np.ndarray:
        return model.predict_proba(frame)[:, 1]

    # what is explained is the model's real probability on the sampled rows (for the pipeline too:
    # its preprocessing must be applied once, not twice)
    np.testing.assert_allclose(explanation.model_output, predict(sample), rtol=0, atol=1e-12)
    assert explanation.base_value == pytest.approx(predict(background).mean(), abs=1e-12)
    np.testing.assert_allclose(row_totals(explanation), predict(sample), rtol=0, atol=1e-9)
    expected = np.array([brute_force_shapley(predict, row, background) for _, row in sample.iterrows()])
    np.testing.assert_allclose(explanation.values, expected, rtol=0, atol=1e-9)
    assert ctx.sampling == [
        sampled(population=14, sample=10, seed=3),
        {
            "family": "explain",
            "what": "reference rows used as the SHAP background",
            "population": len(reference),
            "sample": 10,
            "seed": 4,
        },
    ]


# ---------------------------------------------------------------------------------------------
# Sensitive columns


def test_sensitive_input_that_drives_the_label_carries_a_large_share() -> None:
    # sex moves the log-odds by ±3 while income (sd 15 × 0.08 = 1.2) and debt (sd 4 × 0.25 = 1) move
    # them by about ±1 each, so sex should carry well over half of the total mean |SHAP|.
    train = make_frame(400, seed=7, sex_effect=3.0)
    features = ["income", "debt", "sex"]
    model = gradient_boosting().fit(train[features], train.y)
    ctx = make_context(model, features, current=make_frame(60, seed=8, sex_effect=3.0), sensitive=("sex",))

    measured = explain.run("sensitive_feature_importance", ExplainParams(), ctx)
    assert measured.value > 0.5
    assert measured.details["sensitive_inputs"] == ["sex"]
    share = {row["column"]: row["share"] for row in measured.details["importance"]}
    assert measured.value == pytest.approx(share["sex"])
    assert measured.details["importance"][0]["column"] == "sex"
    assert "sex" in measured.summary
    top = explain.run("top_feature_share", ExplainParams(), ctx)
    assert top.value == pytest.approx(measured.value)


def test_sensitive_input_the_label_ignores_carries_a_small_share() -> None:
    features = ["income", "debt", "sex"]
    model = gradient_boosting().fit(TRAIN[features], TRAIN.y)  # sex_effect=0: sex is pure noise
    ctx = make_context(model, features, sensitive=("sex",))
    measured = explain.run("sensitive_feature_importance", ExplainParams(), ctx)
    assert 0.0 <= measured.value < 0.1


def test_sensitive_column_that_is_not_an_input_has_no_importance() -> None:
    model = gradient_boosting().fit(TRAIN[NUMERIC], TRAIN.y)
    ctx = make_context(model, NUMERIC, sensitive=("sex",))
    measured = explain.run("sensitive_feature_importance", ExplainParams(), ctx)
    assert measured.value == 0.0
    assert measured.details["sensitive_inputs"] == []
    assert measured.summary.startswith("No sensitive column is a model input")


# ---------------------------------------------------------------------------------------------
# Sampling and importance


def test_sampling_is_recorded_and_seeded() -> None:
    current = make_frame(300, seed=9)
    model = gradient_boosting().fit(TRAIN[NUMERIC], TRAIN.y)
    params = ExplainParams(sample_size=50)

    first = make_context(model, NUMERIC, current=current, seed=7)
    measured = explain.run("additivity", params, first)
    assert measured.sample_size == 50
    assert measured.details["population"] == 300
    assert first.sampling == [sampled(population=300, sample=50, seed=7)]
    explanation = explain.explain(first, params)
    assert explanation.values.shape == (50, 2)
    # the rows explained are exactly pandas' seeded sample of the current frame
    sample = current[NUMERIC].sample(n=50, random_state=7)
    np.testing.assert_allclose(explanation.model_output, model.decision_function(sample))

    second = make_context(model, NUMERIC, current=current, seed=7)
    again = explain.explain(second, params)
    np.testing.assert_array_equal(again.values, explanation.values)
    assert second.sampling == first.sampling

    other = explain.explain(make_context(model, NUMERIC, current=current, seed=8), params)
    assert not np.array_equal(other.model_output, explanation.model_output)


def test_no_sampling_is_recorded_when_every_row_fits_the_budget() -> None:
    model = gradient_boosting().fit(TRAIN[NUMERIC], TRAIN.y)
    ctx = make_context(model, NUMERIC)
    measured = explain.run("top_feature_share", ExplainParams(sample_size=40), ctx)
    assert measured.sample_size == measured.details["population"] == 40
    assert ctx.sampling == []


def test_importance_shares_sum_to_one_and_are_ranked() -> None:
    pipeline = one_hot_pipeline("explicit-passthrough")
    ctx = make_context(pipeline, MIXED)
    measured = explain.run("top_feature_share", ExplainParams(), ctx)
    importance = measured.details["importance"]
    assert sorted(row["column"] for row in importance) == sorted(MIXED)
    assert sum(row["share"] for row in importance) == pytest.approx(1.0, abs=1e-12)
    shares = [row["share"] for row in importance]
    assert shares == sorted(shares, reverse=True)
    assert measured.value == shares[0]

    explanation = explain.explain(ctx, ExplainParams())
    mean_abs = np.abs(explanation.values).mean(axis=0)
    for row in importance:
        j = MIXED.index(row["column"])
        assert row["mean_abs_shap"] == pytest.approx(mean_abs[j], abs=1e-12)
        assert row["share"] == pytest.approx(mean_abs[j] / mean_abs.sum(), abs=1e-12)


def test_explanation_is_computed_once_per_audit() -> None:
    model = gradient_boosting().fit(TRAIN[NUMERIC], TRAIN.y)
    ctx = make_context(model, NUMERIC)
    assert explain.explain(ctx, ExplainParams()) is explain.explain(ctx, ExplainParams())


# ---------------------------------------------------------------------------------------------
# Multiclass and regression: which outputs are explained, in which space


def three_classes(frame: pd.DataFrame) -> np.ndarray:
    """bronze / silver / gold by income less debt: three classes the numeric columns predict."""
    score = frame["income"] - 2 * frame["debt"]
    return np.select([score < 25, score < 40], ["bronze", "silver"], "gold")


def multiclass_context(model: Any, positive_label: Any) -> AuditContext:
    ctx = make_context(model, NUMERIC, positive_label=positive_label)
    ctx.task = "multiclass"
    return ctx


def direct_tree_shap(model: Any) -> tuple[np.ndarray, np.ndarray]:
    """shap called directly: (rows x columns x classes values, base value per class)."""
    import shap

    explainer = shap.TreeExplainer(model)
    values = np.asarray(explainer.shap_values(CURRENT[NUMERIC]))
    return values, np.asarray(explainer.expected_value, dtype=float)


def test_a_favourable_set_is_one_summed_probability_for_a_forest() -> None:
    # TreeExplainer explains a forest's probabilities, which add across classes: the favourable set's
    # values are the sum of its classes' values, and they add up to P(gold) + P(silver)
    model = RandomForestClassifier(n_estimators=20, max_depth=4, random_state=0)
    model.fit(TRAIN[NUMERIC], three_classes(TRAIN))
    ctx = multiclass_context(model, ["gold", "silver"])
    measured = explain.run("additivity", ExplainParams(), ctx)
    assert measured.value < ADDITIVE
    assert measured.details["space"] == "probability"
    assert measured.details["explains"] == "probability of 'gold' or 'silver'"
    explanation = explain.explain(ctx, ExplainParams())
    classes = list(model.classes_)
    picks = [classes.index("gold"), classes.index("silver")]
    values, base = direct_tree_shap(model)
    np.testing.assert_allclose(explanation.values, values[:, :, picks].sum(axis=2), rtol=0, atol=1e-12)
    assert explanation.base_value == pytest.approx(base[picks].sum(), abs=1e-12)
    expected = model.predict_proba(CURRENT[NUMERIC])[:, picks].sum(axis=1)
    np.testing.assert_allclose(explanation.model_output, expected, rtol=0, atol=ADDITIVE)


def test_favourable_classes_are_explained_each_on_its_own_in_margin_space() -> None:
    # margins do not add across classes, so each favourable class keeps its own values; importance is
    # the mean |SHAP| summed over them (shap's multi-output bar chart)
    model = HistGradientBoostingClassifier(max_iter=30, random_state=0).fit(TRAIN[NUMERIC], three_classes(TRAIN))
    ctx = multiclass_context(model, ["gold", "silver"])
    measured = explain.run("additivity", ExplainParams(), ctx)
    assert measured.value < ADDITIVE
    assert measured.details["space"] == "margin"
    outputs = measured.details["outputs"]
    assert [o["name"] for o in outputs] == ["margin of 'gold'", "margin of 'silver'"]
    assert measured.details["local"] == []  # several outputs: no single decision boundary
    explanation = explain.explain(ctx, ExplainParams())
    classes = list(model.classes_)
    picks = [classes.index("gold"), classes.index("silver")]
    values, base = direct_tree_shap(model)
    assert [o["base_value"] for o in outputs] == pytest.approx(base[picks].tolist(), abs=1e-12)
    mean_abs = np.abs(values[:, :, picks]).mean(axis=0).sum(axis=1)
    shares = {row["column"]: row["mean_abs_shap"] for row in explanation.importance()}
    assert [shares[c] for c in NUMERIC] == pytest.approx(mean_abs.tolist(), abs=1e-12)
    # the explained margins are the model's own: softmax of its decision function is predict_proba
    margins = model.decision_function(CURRENT[NUMERIC])
    np.testing.assert_allclose(explanation.all_outputs, margins[:, picks], rtol=0, atol=1e-12)
    soft = np.exp(margins) / np.exp(margins).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(soft, model.predict_proba(CURRENT[NUMERIC]), rtol=0, atol=1e-9)


def test_without_a_favourable_set_every_class_is_explained_up_to_a_bound() -> None:
    model = HistGradientBoostingClassifier(max_iter=30, random_state=0).fit(TRAIN[NUMERIC], three_classes(TRAIN))
    measured = explain.run("additivity", ExplainParams(), multiclass_context(model, None))
    assert [o["name"] for o in measured.details["outputs"]] == [f"margin of '{c}'" for c in model.classes_]
    assert measured.value < ADDITIVE
    many = (TRAIN["income"] // 4).astype(int).clip(5, 18)  # 14 classes
    wide = DecisionTreeClassifier(max_depth=6, random_state=0).fit(TRAIN[NUMERIC], many)
    measured = explain.run("additivity", ExplainParams(), multiclass_context(wide, None))
    names = [o["name"] for o in measured.details["outputs"]]
    assert names == [f"probability of '{c}'" for c in wide.classes_[:10]]  # the first ten, in class order
    assert measured.value < ADDITIVE


def test_multiclass_gradient_boosting_which_shap_cannot_read_is_explained_by_permutation() -> None:
    model = gradient_boosting().fit(TRAIN[NUMERIC], three_classes(TRAIN))
    ctx = multiclass_context(model, ["gold"])
    ctx.reference = TRAIN.iloc[:150]
    params = ExplainParams(sample_size=10, background_size=10)
    measured = explain.run("additivity", params, ctx)
    assert measured.details["explainer"] == "PermutationExplainer"
    assert measured.details["space"] == "probability"
    assert measured.value < 1e-9
    explanation = explain.explain(ctx, params)
    gold = list(model.classes_).index("gold")
    expected = model.predict_proba(ctx.current.loc[explanation.rows, NUMERIC])[:, gold]
    np.testing.assert_allclose(explanation.model_output, expected, rtol=0, atol=1e-12)


def test_a_regressor_is_explained_in_its_prediction() -> None:
    model = GradientBoostingRegressor(n_estimators=40, max_depth=2, random_state=0)
    model.fit(TRAIN[NUMERIC], TRAIN["income"] * 2 - TRAIN["debt"])
    ctx = make_context(model, NUMERIC, positive_label=None)
    ctx.task = "regression"
    measured = explain.run("additivity", ExplainParams(), ctx)
    assert measured.value < ADDITIVE
    assert measured.details["space"] == "prediction"
    assert measured.details["explains"] == "prediction"
    assert measured.details["local"] == []  # no decision boundary to be confident about
    assert "checked in prediction space" in (measured.summary or "")
    explanation = explain.explain(ctx, ExplainParams())
    np.testing.assert_allclose(explanation.model_output, model.predict(CURRENT[NUMERIC]), rtol=0, atol=1e-12)


def test_every_explain_check_applies_to_every_task() -> None:
    from govkit.registry import TASKS

    assert all(check.tasks == TASKS for check in explain.CHECKS.values())


# ---------------------------------------------------------------------------------------------
# Evidence: every check records exactly the fields of its evidence model

EXPLAINERS = {
    "tree": gradient_boosting,
    "linear": LogisticRegression,
    "permutation": lambda: KNeighborsClassifier(n_neighbors=7),
}
WITH_SEX = ["income", "debt", "sex"]


def every_check(kind: str) -> dict[str, Measurement]:
    """Each explain check, measured on the small data with a sensitive input, keyed by check name."""
    model = EXPLAINERS[kind]().fit(TRAIN[WITH_SEX], TRAIN.y)
    ctx = make_context(model, WITH_SEX, reference=TRAIN.iloc[:150], sensitive=("sex",))
    return {name: explain.run(name, check.params(), ctx) for name, check in explain.CHECKS.items()}


def assert_is_its_evidence(name: str, details: dict[str, Any]) -> None:
    model = explain.CHECKS[name].evidence
    model.model_validate(details)
    assert set(details) == set(model.model_fields), name  # no field is left out either


@pytest.mark.parametrize("kind", list(EXPLAINERS))
def test_every_check_records_exactly_its_evidence_model(kind: str) -> None:
    measured = every_check(kind)
    for name, measurement in measured.items():
        assert_is_its_evidence(name, measurement.details)
    assert measured["additivity"].details["explainer"] == f"{kind.capitalize()}Explainer"


def renamed(details: dict[str, Any], where: list[Any], new_key: str) -> dict[str, Any]:
    """A deep copy of ``details`` with the key at path ``where`` renamed to ``new_key``."""
    out = copy.deepcopy(details)
    parent = out
    for step in where[:-1]:
        parent = parent[step]
    parent[new_key] = parent.pop(where[-1])
    return out


RENAMES = [
    ("additivity", ["importance"], "importances"),
    ("top_feature_share", ["importance", 0, "share"], "importance_share"),
    ("top_feature_share", ["summary_plot", 0, "rank"], "ranks"),
    ("additivity", ["local", 0, "contributions", 0, "shap"], "value"),
    ("sensitive_feature_importance", ["sensitive_inputs"], "sensitive_columns"),
    ("proxy_features", ["proxies", 0, "proxy_auc"], "auc"),
    ("importance_disparity", ["groups", 0, "rows"], "count"),
]


@pytest.mark.parametrize(("name", "where", "new_key"), RENAMES, ids=[f"{r[0]}:{r[2]}" for r in RENAMES])
def test_a_renamed_key_is_rejected(name: str, where: list[Any], new_key: str) -> None:
    measurement = every_check("tree")[name]
    details = renamed(measurement.details, where, new_key)
    with pytest.raises(ValidationError):
        explain.CHECKS[name].evidence.model_validate(details)
    # the runner turns such a measurement into an error instead of judging it
    problem = evidence_problem(explain.CHECKS[name], measurement.model_copy(update={"details": details}))
    assert problem is not None
    assert problem.startswith(f"the evidence does not match {explain.CHECKS[name].evidence.__name__}")


def test_an_unknown_check_name_raises_before_anything_is_explained() -> None:
    ctx = make_context(model=None, features=NUMERIC)  # explaining would fail differently
    with pytest.raises(KeyError, match="explain has no check 'feature_importance'"):
        explain.run("feature_importance", ExplainParams(), ctx)


def test_every_check_records_its_evidence_on_the_example(adult_build: Path, tmp_path: Path) -> None:
    import skops.io as sio

    import govkit

    policy = tmp_path / "explain.yaml"
    entries = "".join(f"  - id: explain.{name}\n" for name in explain.CHECKS)
    policy.write_text(f"version: 1\nname: explain-only\nchecks:\n{entries}")
    result = govkit.audit(
        model=sio.load(adult_build / "model.skops", trusted=["sklearn.tree._tree.Tree"]),
        data=pd.read_csv(adult_build / "current.csv"),
        reference=pd.read_csv(adult_build / "reference.csv"),
        target="income-per-year",
        sensitive="sex,race",
        positive_label=">50K",
        policy=policy,
        parallel=False,
    )
    checks = {check.id.removeprefix("explain."): check for check in result.checks}
    assert set(checks) == set(explain.CHECKS)
    for name, check in checks.items():
        assert check.status != Status.ERROR, check.message
        assert_is_its_evidence(name, check.measurement.details)
