"""Task and favourable outcome: detected from the model or the labels, the same rule in both modes, checked
against what the user asks for and against the target, and a policy whose checks do not apply refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import Pipeline

from govkit.cli import main
from govkit.config import load_request
from govkit.errors import InputError, PolicyError
from govkit.policy import load_policy
from govkit.preflight import prepare
from govkit.registry import find_check
from govkit.starter import propose, render_config
from govkit.validation import validate_file

ROWS = 400


def _frame(rows: int = ROWS) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    x1, x2 = rng.normal(size=rows), rng.normal(size=rows)
    return pd.DataFrame(
        {
            "x1": x1,
            "x2": x2,
            "group": np.where(np.arange(rows) % 2 == 0, "a", "b"),
            "y01": (x1 + 0.3 * rng.normal(size=rows) > 0).astype(int),
            "word": np.where(x1 > 0, "approved", "denied"),
            "yes": np.where(x1 > 0, "yes", "no"),
            "medal": np.select([x1 < -0.5, x1 < 0.5], ["bronze", "silver"], "gold"),
            "amount": 1000 * x1 + 50 * x2 + 3000.5,
        }
    )


def _fit(model: Any, frame: pd.DataFrame, target: str) -> Any:
    return model.fit(frame[["x1", "x2"]], frame[target])


def _context(frame: pd.DataFrame, **inputs: Any) -> Any:
    return prepare(data=frame, **inputs).context


def _refused(code: str, **inputs: Any) -> InputError:
    with pytest.raises(InputError) as caught:
        prepare(**inputs)
    assert caught.value.code == code, caught.value
    assert "\n" not in str(caught.value)
    return caught.value


# ---------------------------------------------------------------------------------------------
# The favourable outcome: one rule, with a model or with prediction columns


def test_text_labels_need_a_positive_label_with_a_model_too() -> None:
    frame = _frame()
    model = _fit(LogisticRegression(), frame, "word")
    error = _refused("GK207", data=frame, model=model, target="word")
    assert "'approved', 'denied'" in str(error) and "--positive-label" in str(error)
    scored = frame.assign(pred=model.predict(frame[["x1", "x2"]]))
    error = _refused("GK207", data=scored, target="word", prediction_column="pred")
    assert "'approved', 'denied'" in str(error)
    ctx = _context(frame, model=model, target="word", positive_label="approved")
    assert (ctx.task, ctx.positive_label) == ("binary", "approved")
    np.testing.assert_allclose(ctx.y_score, model.predict_proba(frame[["x1", "x2"]])[:, 0])


@pytest.mark.parametrize(("target", "expected"), [("y01", 1), ("yes", "yes")])
def test_a_truthy_falsy_pair_is_inferred_in_both_modes(target: str, expected: Any) -> None:
    frame = _frame()
    model = _fit(LogisticRegression(), frame, target)
    assert _context(frame, model=model, target=target).positive_label == expected
    scored = frame.assign(pred=model.predict(frame[["x1", "x2"]]))
    assert _context(scored, target=target, prediction_column="pred").positive_label == expected


def test_minus_one_and_one_are_not_guessed() -> None:
    frame = _frame().assign(pm=lambda f: np.where(f["y01"] == 1, 1, -1))
    model = _fit(LogisticRegression(), frame, "pm")
    assert "-1" in str(_refused("GK207", data=frame, model=model, target="pm"))


def test_a_target_without_predictions_infers_nothing_but_checks_a_given_label() -> None:
    frame = _frame()
    assert _context(frame, target="word").positive_label is None
    assert "'granted'" in str(_refused("GK206", data=frame, target="word", positive_label="granted"))


# ---------------------------------------------------------------------------------------------
# Multiclass: a favourable set, or none (one-vs-rest)


def test_multiclass_favourable_set_sums_the_probabilities() -> None:
    frame = _frame()
    model = _fit(LogisticRegression(), frame, "medal")
    ctx = _context(frame, model=model, target="medal", positive_label=["gold", "silver"])
    assert ctx.task == "multiclass" and ctx.favourable_labels == ["gold", "silver"]
    expected = model.predict_proba(frame[["x1", "x2"]])
    assert ctx.classes == ["bronze", "gold", "silver"]
    np.testing.assert_allclose(ctx.current_predictions.probabilities, expected)
    np.testing.assert_allclose(ctx.y_score, expected[:, 1] + expected[:, 2])
    one_vs_rest = _context(frame, model=model, target="medal")
    assert one_vs_rest.positive_label is None and one_vs_rest.y_score is None
    assert one_vs_rest.current_predictions.probabilities is not None


def test_a_favourable_class_that_is_not_a_class_is_named() -> None:
    frame = _frame()
    model = _fit(LogisticRegression(), frame, "medal")
    error = _refused("GK206", data=frame, model=model, target="medal", positive_label=["gold", "platinum"])
    assert "'platinum'" in str(error) and "'gold'" not in str(error).split("labels")[0]


def test_a_binary_task_takes_one_favourable_label() -> None:
    frame = _frame()
    model = _fit(LogisticRegression(), frame, "word")
    error = _refused("GK206", data=frame, model=model, target="word", positive_label=["approved", "denied"])
    assert "one favourable outcome" in str(error)


# ---------------------------------------------------------------------------------------------
# The task: detected, asked for, and refused when the evidence disagrees


def _boosted(kind: str, task: str) -> Any:
    if kind == "xgboost":
        import xgboost

        return xgboost.XGBRegressor(n_estimators=5) if task == "regression" else xgboost.XGBClassifier(n_estimators=5)
    if kind == "lightgbm":
        import lightgbm

        model = lightgbm.LGBMRegressor if task == "regression" else lightgbm.LGBMClassifier
        return model(n_estimators=5, verbose=-1)
    import catboost

    model = catboost.CatBoostRegressor if task == "regression" else catboost.CatBoostClassifier
    return model(iterations=5, verbose=0, allow_writing_files=False)


@pytest.mark.parametrize("kind", ["xgboost", "lightgbm", "catboost"])
@pytest.mark.parametrize(("task", "target"), [("binary", "y01"), ("multiclass", "medal"), ("regression", "amount")])
def test_the_task_of_boosted_models_and_their_pipelines(kind: str, task: str, target: str) -> None:
    frame = _frame()
    y = frame[target] if target != "medal" else frame[target].map({"bronze": 0, "silver": 1, "gold": 2})
    data = frame.assign(**{target: y})
    model = Pipeline(
        [("encode", ColumnTransformer([("pass", "passthrough", ["x1", "x2"])])), ("model", _boosted(kind, task))]
    )
    model.fit(data[["x1", "x2"]], y)
    ctx = _context(data, model=model, target=target)
    assert ctx.task == task
    labels = ctx.y_pred
    np.testing.assert_allclose(
        np.asarray(labels, dtype=float).ravel(), np.asarray(model.predict(data[["x1", "x2"]]), dtype=float).ravel()
    )
    if task != "regression":
        np.testing.assert_allclose(
            ctx.current_predictions.probabilities, model.predict_proba(data[["x1", "x2"]]), rtol=1e-6
        )


def test_task_asked_for_must_fit_the_model() -> None:
    frame = _frame()
    classifier = _fit(LogisticRegression(), frame, "y01")
    error = _refused("GK208", data=frame, model=classifier, target="y01", task="regression")
    assert "the model is a binary classifier" in str(error)
    regressor = _fit(LinearRegression(), frame, "amount")
    assert "a regressor" in str(_refused("GK208", data=frame, model=regressor, target="amount", task="binary"))
    assert _context(frame, model=classifier, target="y01", task="binary").task == "binary"


def test_task_asked_for_must_fit_the_labels() -> None:
    frame = _frame().assign(pred=lambda f: f["amount"] + 1.5)
    error = _refused("GK208", data=frame, target="amount", prediction_column="pred", task="binary")
    assert "distinct numbers" in str(error)
    frame = frame.assign(count=lambda f: f["y01"] * 3 + (f["x2"] > 0), guess=lambda f: f["count"])
    assert _context(frame, target="count", prediction_column="guess").task == "multiclass"
    assert _context(frame, target="count", prediction_column="guess", task="regression").task == "regression"
    frame = frame.assign(said=lambda f: f["word"])
    error = _refused("GK208", data=frame, target="word", prediction_column="said", task="regression")
    assert "not numbers" in str(error)


def test_a_classifier_against_a_numeric_target_is_one_line() -> None:
    frame = _frame()
    model = _fit(LogisticRegression(), frame, "y01")
    error = _refused("GK208", data=frame, model=model, target="amount")
    assert "target 'amount' holds 400 distinct numbers" in str(error) and "--target" in str(error)


def test_a_classifier_fitted_on_a_number_is_refused() -> None:
    frame = _frame().assign(age=lambda f: (f["x1"] * 10 + 40).round().astype(int))
    model = _fit(LogisticRegression(max_iter=50), frame, "age")
    assert "numeric classes" in str(_refused("GK208", data=frame, model=model, target="age"))


def test_an_array_fitted_model_takes_features_in_order() -> None:
    frame = _frame()
    model = LogisticRegression().fit(frame[["x2", "x1"]].to_numpy(), frame["y01"])
    ctx = _context(frame, model=model, target="y01", features=["x2", "x1"])
    np.testing.assert_array_equal(ctx.y_pred, model.predict(frame[["x2", "x1"]].to_numpy()))
    error = _refused("GK307", data=frame, model=model, target="y01")
    assert "--features" in str(error)


# ---------------------------------------------------------------------------------------------
# Policies that do not apply to the task


def _policy(tmp_path: Path, *checks: str) -> Path:
    path = tmp_path / "mine.yaml"
    path.write_text("version: 1\nname: mine\nchecks:\n" + "".join(f"  - id: {c}\n" for c in checks))
    return path


def test_a_classifier_check_on_a_regressor_is_refused_before_the_audit(tmp_path: Path) -> None:
    found = find_check("performance.accuracy")
    assert found is not None and "regression" not in found[1].tasks
    frame = _frame()
    policy = load_policy(_policy(tmp_path, "quality.completeness", "performance.accuracy"))
    regressor = _fit(LinearRegression(), frame, "amount")
    with pytest.raises(PolicyError) as caught:
        prepare(data=frame, model=regressor, target="amount", policy=policy)
    (line,) = caught.value.problems
    assert line.startswith("mine.yaml: checks[1]: performance.accuracy applies to binary and multiclass models")
    assert "not to a regression model; use --policy regression" in line


def test_validate_refuses_a_policy_for_another_task(tmp_path: Path) -> None:
    path = _policy(tmp_path, "quality.completeness", "performance.accuracy")
    assert validate_file(path)[0] == "policy"
    with pytest.raises(PolicyError) as caught:
        validate_file(path, task="regression")
    assert "checks[1]: performance.accuracy" in caught.value.problems[0]
    config = tmp_path / "govkit.yaml"
    config.write_text("version: 1\npolicy: mine.yaml\ntask: regression\n")
    with pytest.raises(PolicyError) as caught:
        validate_file(config)
    assert caught.value.problems[0].startswith("govkit.yaml: task regression: mine.yaml: checks[1]")
    assert validate_file(path, task="binary")[0] == "policy"


def test_the_bundled_policies_fit_their_task() -> None:
    from govkit.preflight.applicable import task_problems

    assert task_problems(load_policy("regression"), "regression") == []
    assert task_problems(load_policy("multiclass"), "multiclass") == []
    assert task_problems(load_policy("default"), "multiclass") == []
    assert task_problems(load_policy("regression"), "binary")  # regression checks on a classifier: refused


def test_the_cli_takes_task_and_repeated_positive_labels(tmp_path: Path) -> None:
    request = load_request(None, {"task": "multiclass", "positive_label": ("gold", "silver"), "policy": "default"})
    assert request.audit["task"] == "multiclass" and request.audit["positive_label"] == ["gold", "silver"]
    assert load_request(None, {"positive_label": ("1",), "policy": "default"}).audit["positive_label"] == "1"
    config = tmp_path / "govkit.yaml"
    config.write_text("version: 1\ntask: multiclass\npositive_label: [gold, silver]\nfeatures: [x2, x1]\n")
    request = load_request(config, {})
    assert request.audit["positive_label"] == ["gold", "silver"] and request.audit["features"] == ["x2", "x1"]
    result = CliRunner().invoke(main, ["audit", "--task", "ternary"])
    assert result.exit_code == 2 and "'ternary' is not one of" in result.output


def test_a_wrong_task_from_the_cli_is_exit_2_with_the_code(tmp_path: Path) -> None:
    frame = _frame().assign(pred=lambda f: f["amount"] + 1.5)
    frame.to_csv(tmp_path / "data.csv", index=False)
    args = ["audit", "--data", str(tmp_path / "data.csv"), "--target", "amount", "--prediction-column", "pred"]
    result = CliRunner().invoke(main, [*args, "--task", "binary", "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "error: task binary was asked for, but the labels are 800 distinct numbers" in result.output


# ---------------------------------------------------------------------------------------------
# govkit init


def test_init_prefers_a_label_column_to_a_numeric_one_named_like_a_target(tmp_path: Path) -> None:
    frame = _frame().rename(columns={"amount": "income"}).assign(approved=lambda f: f["word"] == "approved")
    path = tmp_path / "data.csv"
    frame[["income", "x1", "group", "approved"]].to_csv(path, index=False)
    proposals = propose(path)
    assert (proposals["target"], proposals["task"], proposals["positive_label"]) == ("approved", "binary", True)
    frame[["income", "x1", "group"]].to_csv(path, index=False)
    proposals = propose(path)
    assert (proposals["target"], proposals["task"]) == ("income", "regression")
    assert "task: regression   # proposed" in render_config(path, tmp_path, proposals, None, None)


def test_init_asks_for_the_favourable_label_it_cannot_infer(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    _frame().rename(columns={"word": "decision"})[["x1", "decision"]].to_csv(path, index=False)
    proposals = propose(path)
    assert proposals["positive_label"] is None
    text = render_config(path, tmp_path, proposals, None, None)
    assert "# positive_label: ...   # required: which of approved, denied is the favourable outcome?" in text


def test_a_probability_column_gives_the_two_column_matrix() -> None:
    frame = _frame()
    model = _fit(LogisticRegression(), frame, "word")
    scored = frame.assign(pred=model.predict(frame[["x1", "x2"]]), p=model.predict_proba(frame[["x1", "x2"]])[:, 0])
    ctx = _context(scored, target="word", prediction_column="pred", probability_column="p", positive_label="approved")
    assert ctx.classes == ["denied", "approved"]
    np.testing.assert_allclose(ctx.current_predictions.probabilities[:, 1], scored["p"])
    np.testing.assert_allclose(ctx.current_predictions.probabilities.sum(axis=1), 1.0)


def test_the_library_records_the_task_and_the_favourable_set(tmp_path: Path) -> None:
    import govkit

    frame = _frame()
    model = _fit(LogisticRegression(), frame, "medal")
    policy = _policy(tmp_path, "quality.completeness", "performance.accuracy")
    result = govkit.audit(
        model, frame, target="medal", policy=policy, positive_label=["gold", "silver"], task="multiclass",
        parallel=False,
    )  # fmt: skip
    assert (result.inputs.task, result.inputs.positive_label) == ("multiclass", "gold, silver")
    from govkit.results import RunResult

    assert RunResult.from_json(result.to_json()).to_json() == result.to_json()


def _medal_columns() -> tuple[pd.DataFrame, Any]:
    frame = _frame()
    model = _fit(LogisticRegression(), frame, "medal")
    matrix = model.predict_proba(frame[["x1", "x2"]])
    scored = frame.assign(pred=model.predict(frame[["x1", "x2"]]))
    for index, label in enumerate(model.classes_):
        scored[f"p_{label}"] = matrix[:, index]
    return scored, model


def test_class_probability_columns_give_a_multiclass_matrix() -> None:
    scored, model = _medal_columns()
    mapping = {"gold": "p_gold", "silver": "p_silver", "bronze": "p_bronze"}
    ctx = _context(scored, target="medal", prediction_column="pred", class_probabilities=mapping)
    assert ctx.classes == ["gold", "silver", "bronze"] and ctx.y_score is None
    assert "probability" in ctx.available  # one-vs-rest metrics read the matrix
    expected = model.predict_proba(scored[["x1", "x2"]])
    np.testing.assert_allclose(ctx.current_predictions.probabilities, expected[:, [1, 2, 0]])
    assert not {"p_gold", "p_silver", "p_bronze"} & set(ctx.features)
    ctx = _context(
        scored, target="medal", prediction_column="pred", class_probabilities=mapping, positive_label=["gold"]
    )
    np.testing.assert_allclose(ctx.y_score, expected[:, 1])


def test_class_probability_columns_are_checked() -> None:
    scored, _ = _medal_columns()
    given = {"data": scored, "target": "medal", "prediction_column": "pred"}
    error = _refused("GK204", **given, class_probabilities={"gold": "p_gold", "silver": "p_silver"})
    assert "'bronze'" in str(error) and "have no probability column" in str(error)
    error = _refused("GK204", **given, class_probabilities={"gold": "p_gold", "silver": "p_silver", "tin": "p_bronze"})
    assert "names class 'tin'" in str(error)
    halved = scored.assign(p_gold=scored["p_gold"] / 2)
    mapping = {"gold": "p_gold", "silver": "p_silver", "bronze": "p_bronze"}
    error = _refused("GK205", **{**given, "data": halved}, class_probabilities=mapping)
    assert "do not add up to 1" in str(error)
    assert "'p_gld'" in str(_refused("GK201", **given, class_probabilities={"gold": "p_gld"}))
    error = _refused("GK202", **given, probability_column="p_gold", class_probabilities=mapping)
    assert "instead of --probability-column" in str(error)


def test_class_probability_options_on_the_command_line(tmp_path: Path) -> None:
    request = load_request(None, {"class_probabilities": ("gold=p_gold", "a=b=p_ab"), "policy": "default"})
    assert request.audit["class_probabilities"] == {"gold": "p_gold", "a=b": "p_ab"}
    with pytest.raises(PolicyError) as caught:
        load_request(None, {"class_probabilities": ("gold",), "policy": "default"})
    assert "'gold' is not LABEL=COLUMN" in caught.value.problems[0]
