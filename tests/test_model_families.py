"""Every model family a team ships, explained: additivity in the explainer's own space, for every task.

Each (task, family) of ``model_zoo`` (scikit-learn HistGradientBoosting, RandomForest, linear and SVM
models, XGBoost, LightGBM, CatBoost, each in a Pipeline; binary with text and 0/1 labels, multiclass,
regression) is explained by the explain family, and checked against things computed without govkit:
the model's own probabilities and predictions (the explained log-odds and margins must reproduce
them), XGBoost's own TreeSHAP (``Booster.predict(pred_contribs=True)``), and skops' own report of the
types a saved model needs. pytest turns any warning into an error, so a leaked scikit-learn
feature-name warning fails these tests too.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

import model_zoo
from govkit.context import AuditContext
from govkit.errors import ModelTrustError
from govkit.families import explain
from govkit.families.explain.evidence import AdditivityEvidence
from govkit.families.explain.params import ExplainParams
from govkit.inputs.models import load_model

# Small budgets: the permutation explainer (SVM) costs hundreds of model calls per explained row.
PARAMS = ExplainParams(sample_size=300, background_size=20, agnostic_sample_size=10)
EXACT = 1e-9  # float64 explainers: only floating-point sums
# XGBoost computes in float32 (its margins and its own TreeSHAP alike): the gap is float32 rounding,
# about 1e-7 of the output's size per tree summed; 1e-6 of the output's size bounds it.
FLOAT32_RELATIVE = 1e-6

# family -> (explainer, classifier space): a binary classifier's space; multiclass is "margin" where
# the binary one is "log-odds"; regressors are explained in their prediction.
EXPECTED = {
    "sklearn": ("TreeExplainer", "log-odds"),
    "xgboost": ("TreeExplainer", "log-odds"),
    "lightgbm": ("TreeExplainer", "log-odds"),
    "catboost": ("TreeExplainer", "log-odds"),
    "random_forest": ("TreeExplainer", "probability"),
    "linear": ("LinearExplainer", "log-odds"),
    "svc": ("PermutationExplainer", "probability"),
}
# What `govkit audit` needs as --trust-type for each family's skops file (README, "Model families").
TRUST_TYPES = {
    "sklearn": ("sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",),
    "random_forest": ("sklearn.tree._tree.Tree",),
    "linear": (),
    "svc": (),
    "xgboost": ("xgboost.core.Booster", "xgboost.sklearn.XGBClassifier"),
    "lightgbm": ("collections.OrderedDict", "lightgbm.basic.Booster", "lightgbm.sklearn.LGBMClassifier"),
    "catboost": ("catboost.core.CatBoostClassifier",),
}
REGRESSOR_TYPES = {
    "xgboost.sklearn.XGBClassifier": "xgboost.sklearn.XGBRegressor",
    "lightgbm.sklearn.LGBMClassifier": "lightgbm.sklearn.LGBMRegressor",
    "catboost.core.CatBoostClassifier": "catboost.core.CatBoostRegressor",
}


def context(case: model_zoo.ZooCase, model: Any) -> AuditContext:
    return AuditContext(
        current=pd.read_csv(case.current),
        reference=pd.read_csv(case.reference),
        target=case.target,
        sensitive=list(case.sensitive),
        features=list(case.features),
        task=case.govkit_task,  # type: ignore[arg-type]
        positive_label=case.positive_label,
        seed=0,
        model=model,
    )


def expected_space(case: model_zoo.ZooCase) -> str:
    space = EXPECTED[case.family][1]
    if case.govkit_task == "regression":
        return "prediction"
    return "margin" if case.govkit_task == "multiclass" and space == "log-odds" else space


def inputs_of(case: model_zoo.ZooCase, ctx: AuditContext, rows: pd.Index) -> Any:
    frame = ctx.current.loc[rows, list(case.features)]
    return frame.to_numpy(dtype=float) if case.fitted_on_arrays else frame


def probabilities_from(explained: np.ndarray, space: str, full_margins: np.ndarray | None) -> np.ndarray:
    """The favourable probability (binary), or every class's (multiclass margins), from explained outputs."""
    if space == "log-odds":
        return 1 / (1 + np.exp(-explained))
    if space == "margin":
        assert full_margins is not None
        shifted = np.exp(full_margins - full_margins.max(axis=1, keepdims=True))
        return shifted / shifted.sum(axis=1, keepdims=True)
    return explained


def independent_output(case: model_zoo.ZooCase, model: Any, x: Any, space: str) -> np.ndarray:
    """What the explained outputs must come to, from the model's public predict / predict_proba only."""
    if space == "prediction":
        return np.asarray(model.predict(x), dtype=float)[:, None]
    probabilities = np.asarray(model.predict_proba(x), dtype=float)
    if space == "margin":
        return probabilities
    classes = [str(c) for c in model.classes_]
    favourable = case.positive_label if isinstance(case.positive_label, list) else [case.positive_label]
    picks = [classes.index(str(label)) for label in favourable]
    return probabilities[:, picks].sum(axis=1, keepdims=True)


def check_explanation(case: model_zoo.ZooCase) -> explain.Explanation:
    model = case.load()
    ctx = context(case, model)
    measured = explain.run("additivity", PARAMS, ctx)
    evidence = AdditivityEvidence.model_validate(measured.details)
    explanation = explain.explain(ctx, PARAMS)
    space = expected_space(case)
    assert evidence.explainer == EXPECTED[case.family][0]
    assert evidence.space == space
    assert f"checked in {space} space" in (measured.summary or "")
    assert explanation.all_values is not None and explanation.all_outputs is not None
    assert np.isfinite(explanation.all_values).all() and np.isfinite(explanation.all_outputs).all()
    scale = max(1.0, float(np.abs(explanation.all_outputs).max()))
    tolerance = FLOAT32_RELATIVE * scale if case.family == "xgboost" else EXACT * scale
    assert measured.value is not None and measured.value <= tolerance, (measured.value, tolerance)
    assert [o.additivity_error for o in evidence.outputs] == pytest.approx(explanation.additivity_errors())

    # the explained outputs are the model's own, in the stated space: through the link function
    # (sigmoid, softmax) they give back the model's probabilities
    x = inputs_of(case, ctx, explanation.rows)
    full = None
    if space == "margin":
        full = explain_margins(model, x)
        np.testing.assert_array_equal(explanation.all_outputs, full[:, [int(p) for p in case.positive_label]])
    truth = independent_output(case, model, x, space)
    explained = probabilities_from(explanation.all_outputs, space, full)
    np.testing.assert_allclose(explained, truth, rtol=0, atol=1e-6 if case.family == "xgboost" else 1e-9)
    return explanation


def explain_margins(model: Any, x: Any) -> np.ndarray:
    """Every class's raw margin, from each library's own API (what the margin explanation decomposes)."""
    final = model[-1] if hasattr(model, "steps") else model
    matrix = model[:-1].transform(x) if hasattr(model, "steps") else x
    module = type(final).__module__
    if module.startswith("xgboost"):
        return np.asarray(final.predict(matrix, output_margin=True), dtype=float)
    if module.startswith("lightgbm"):
        return np.asarray(final.predict(matrix, raw_score=True), dtype=float)
    if module.startswith("catboost"):
        return np.asarray(final.predict(matrix, prediction_type="RawFormulaVal"), dtype=float)
    return np.asarray(final.decision_function(matrix), dtype=float)


# The SVM's permutation explanation costs seconds per row on ~90 one-hot columns: run with `make test`.
CASES = [
    pytest.param(task, family, id=f"{task}-{family}", marks=[pytest.mark.slow] if family == "svc" else [])
    for task in model_zoo.TASKS
    for family in model_zoo.FAMILIES
]


@pytest.mark.parametrize(("task", "family"), CASES)
def test_every_family_is_additive_in_its_own_space(task: str, family: str) -> None:
    explanation = check_explanation(model_zoo.build(task, family))
    if task == "multiclass" and expected_space(model_zoo.build(task, family)) == "margin":
        # margins do not add across classes: each favourable class is explained on its own
        assert explanation.outputs == ["margin of '1'", "margin of '2'"]
    elif task == "multiclass":
        assert explanation.outputs == ["probability of '1' or '2'"]


@pytest.mark.parametrize("task", ["binary_01", "multiclass", "regression"])
@pytest.mark.parametrize("family", ["sklearn", "xgboost", "lightgbm", "random_forest", "linear", "catboost"])
def test_models_fitted_on_arrays_are_explained_without_feature_name_warnings(task: str, family: str) -> None:
    # filterwarnings=error: scikit-learn's "X has feature names, but ... was fitted without feature
    # names" (and LightGBM's and XGBoost's own) would fail this test
    case = model_zoo.build(task, family, arrays=True)
    explanation = check_explanation(case)
    assert explanation.columns == list(case.features)
    ctx = context(case, case.load())
    for name in ("sensitive_feature_importance", "top_feature_share", "importance_disparity", "proxy_features"):
        params = explain.CHECKS[name].params(**PARAMS.model_dump())
        assert explain.run(name, params, ctx).details["space"] == expected_space(case)


def by_source(names: list[str], columns: list[str]) -> list[str]:
    """'categorical__sex_Male' -> 'sex', 'numeric__age' -> 'age': scikit-learn's own output names."""
    rest = [name.split("__", 1)[1] for name in names]
    return [max((c for c in columns if r == c or r.startswith(c + "_")), key=len) for r in rest]


@pytest.mark.parametrize("task", ["binary_01", "multiclass", "regression"])
def test_xgboost_values_equal_xgboosts_own_treeshap(task: str) -> None:
    import xgboost

    case = model_zoo.build(task, "xgboost")
    model = case.load()
    ctx = context(case, model)
    explanation = explain.explain(ctx, PARAMS)
    matrix = model[:-1].transform(ctx.current.loc[explanation.rows, list(case.features)])
    booster = model[-1].get_booster()
    contributions = booster.predict(xgboost.DMatrix(np.asarray(matrix, dtype=float)), pred_contribs=True)
    contributions = contributions.reshape(len(matrix), -1, contributions.shape[-1])  # rows x outputs x (cols + 1)
    sources = by_source(list(model[:-1].get_feature_names_out()), list(case.features))
    expected = np.zeros((len(matrix), len(case.features), contributions.shape[1]))
    for j, source in enumerate(sources):
        expected[:, case.features.index(source), :] += contributions[:, :, j]
    picks = [1, 2] if task == "multiclass" else [0]
    assert explanation.all_values is not None and explanation.base_values is not None
    np.testing.assert_allclose(explanation.all_values, expected[:, :, picks], rtol=0, atol=1e-6)
    np.testing.assert_allclose(explanation.base_values, contributions[0, picks, -1], rtol=0, atol=1e-6)
    # and XGBoost's contributions add up to its own margin within its float32 arithmetic
    margin = np.asarray(model[-1].predict(matrix, output_margin=True), dtype=float).reshape(len(matrix), -1)
    gap = np.abs(contributions.sum(axis=2) - margin).max()
    assert gap <= FLOAT32_RELATIVE * max(1.0, float(np.abs(margin).max()))


def test_xgboost_with_text_labels_is_explained_through_its_booster() -> None:
    # XGBoost takes classes 0..n-1 only: text labels come through OneVsRestClassifier, whose one
    # booster speaks for the second label ("denied"), so "approved" is its negated log-odds.
    case = model_zoo.build("binary_text", "xgboost")
    model = case.load()
    explanation = check_explanation(case)
    assert explanation.outputs == ["log-odds of 'approved'"]
    x = model[:-1].transform(context(case, model).current.loc[explanation.rows, list(case.features)])
    booster = model[-1].estimators_[0]
    np.testing.assert_allclose(explanation.model_output, -booster.predict(x, output_margin=True), atol=1e-6)


@pytest.mark.parametrize("family", list(TRUST_TYPES))
@pytest.mark.parametrize("task", ["binary_01", "regression"])
def test_each_family_loads_only_with_its_documented_trust_types(task: str, family: str) -> None:
    case = model_zoo.build(task, family)
    documented = TRUST_TYPES[family]
    if task == "regression":
        documented = tuple(REGRESSOR_TYPES.get(name, name) for name in documented)
    assert set(case.trusted_types) == set(documented)
    if documented:
        with pytest.raises(ModelTrustError, match="not trusted") as refused:
            load_model(case.model, trusted_types=list(documented[:-1]))
        assert refused.value.code == "GK304"
    model = load_model(case.model, trusted_types=list(documented))
    frame = pd.read_csv(case.current).head(50)[list(case.features)]
    np.testing.assert_array_equal(model.predict(frame), case.load().predict(frame))


TREE_FAMILIES = ["sklearn", "xgboost", "lightgbm", "catboost", "random_forest"]


@pytest.mark.parametrize("task", ["binary_01", "multiclass", "regression"])
@pytest.mark.parametrize("family", TREE_FAMILIES)
# shap's notice that a LightGBM binary model's values are one array; govkit silences it itself
@pytest.mark.filterwarnings("ignore:LightGBM binary classifier with TreeExplainer:UserWarning")
def test_tree_values_pass_shaps_own_additivity_check_and_match_it(task: str, family: str) -> None:
    # shap's own check_additivity compares its values with the model output it computes itself
    # (and raises when they disagree); govkit's values, summed back to input columns, keep each row's total
    import shap

    case = model_zoo.build(task, family)
    model = case.load()
    ctx = context(case, model)
    explanation = explain.explain(ctx, PARAMS)
    matrix = np.asarray(model[:-1].transform(ctx.current.loc[explanation.rows, list(case.features)]), dtype=float)
    explainer = shap.TreeExplainer(model[-1])
    direct = np.asarray(explainer.shap_values(matrix, check_additivity=True))
    direct = direct if direct.ndim == 3 else direct[:, :, None]
    if task == "multiclass":
        picks = [1, 2]
        direct = direct[:, :, picks]
        if family == "random_forest":  # probabilities: the favourable set is one summed output
            direct = direct.sum(axis=2, keepdims=True)
    elif task == "binary_01" and family == "random_forest":
        direct = direct[:, :, [1]]  # probability of class 1
    assert explanation.all_values is not None
    totals = direct.sum(axis=1)  # xgboost's values are float32: summed in another order, they differ by rounding
    tolerance = FLOAT32_RELATIVE * max(1.0, float(np.abs(totals).max())) if family == "xgboost" else EXACT
    np.testing.assert_allclose(explanation.all_values.sum(axis=1), totals, rtol=0, atol=tolerance)
