"""Every kind of model a team ships, end to end through the command line to a rendered report.

The matrix is {binary with text labels, binary 0/1, multiclass with 3 classes, regression} x
{scikit-learn Pipeline, XGBoost, LightGBM} (models from ``tests/model_zoo.py``, trained on the example
data), plus predictions-only mode for each task. Each cell runs ``govkit audit`` under the bundled policy
written for its task, must give a report with no check in status ``error``, and its numbers are checked
against scikit-learn and fairlearn's ``MetricFrame`` computed on the model's own predictions with the
same favourable label. Predictions-only mode, given the same model's outputs as columns, must measure
the same numbers as the model itself.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from fairlearn.metrics import MetricFrame, selection_rate
from sklearn import metrics

import model_zoo as zoo
from govkit.cli import main

pytestmark = pytest.mark.slow  # every cell trains a model and audits it with every family (about 30 s each)

POLICY = {"binary": "default", "multiclass": "multiclass", "regression": "regression"}


def _positive(case: zoo.ZooCase) -> list[Any]:
    if case.positive_label is None:
        return []
    return list(case.positive_label) if isinstance(case.positive_label, list) else [case.positive_label]


def _audit(args: list[str], out: Path, policy: str, without_model: frozenset[str] = frozenset()) -> dict[str, Any]:
    """``govkit audit`` through the CLI; the results, after checking the run and its report."""
    result = CliRunner().invoke(
        main, ["audit", *args, "--policy", policy, "--out", str(out), "--format", "html", "--format", "json"]
    )
    assert result.exit_code in (0, 1), result.output  # passed or blocked: never bad input or an internal error
    results = json.loads((out / "results.json").read_text())
    errors = {c["id"]: c["message"] for c in results["checks"] if c["status"] == "error"}
    assert not errors, errors
    families = {c["family"] for c in results["checks"]}
    unmeasured = [f for f in families if all(c["status"] == "skip" for c in results["checks"] if c["family"] == f)]
    assert set(unmeasured) <= without_model, unmeasured  # every family measures something for every kind of model
    html = (out / "report.html").read_text()
    assert "<html" in html and results["policy"]["name"] in html
    return results


def _checks(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in results["checks"]}


@functools.cache
def _outputs(task: str, family: str) -> tuple[pd.DataFrame, np.ndarray, np.ndarray | None, list[Any] | None]:
    """The current data, and the model's labels, probabilities and classes on it (computed here, not by govkit)."""
    case = zoo.build(task, family)
    model = case.load()
    current = pd.read_csv(case.current)
    inputs = current[list(case.features)]
    labels = np.asarray(model.predict(inputs))
    if case.model_kind == "regressor":
        return current, labels, None, None
    return current, labels, np.asarray(model.predict_proba(inputs)), list(model.classes_)


def _favourable(case: zoo.ZooCase, values: Any) -> np.ndarray:
    """Rows whose label is favourable, compared as text (1, 1.0 and '1' alike)."""
    wanted = {str(label) for label in _positive(case)}
    return np.asarray([str(v).removesuffix(".0") in wanted for v in values])


def _cross_check_classifier(case: zoo.ZooCase, results: dict[str, Any]) -> None:
    current, labels, probabilities, classes = _outputs(case.task, case.family)
    truth = current[case.target].to_numpy()
    checks = _checks(results)
    assert checks["performance.accuracy"]["measurement"]["value"] == pytest.approx(
        metrics.accuracy_score(truth, labels.astype(truth.dtype))
    )
    favourable = _favourable(case, labels)
    frame = MetricFrame(
        metrics={"selection_rate": selection_rate},
        y_true=_favourable(case, truth),
        y_pred=favourable,
        sensitive_features=current["sex"],
    )
    fairness = checks["fairness.demographic_parity_difference"]["measurement"]["details"]
    rates = {group["group"]: group["selection_rate"] for group in fairness["groups"]["sex"]}
    for group, rate in frame.by_group["selection_rate"].items():
        assert rates[group] == pytest.approx(rate)
    (by_sex,) = [c for c in fairness["comparisons"] if c["grouping"] == "sex"]
    assert by_sex["value"] == pytest.approx(frame.difference()["selection_rate"])
    assert probabilities is not None and classes is not None
    if case.govkit_task == "binary":
        column = [str(c) for c in classes].index(str(_positive(case)[0]))
        expected = metrics.roc_auc_score(_favourable(case, truth), probabilities[:, column])
    else:
        expected = metrics.roc_auc_score(truth, probabilities, multi_class="ovr", average="macro", labels=classes)
    assert checks["performance.roc_auc"]["measurement"]["value"] == pytest.approx(expected)


def _cross_check_regressor(case: zoo.ZooCase, results: dict[str, Any]) -> None:
    current, predicted, _, _ = _outputs(case.task, case.family)
    truth = current[case.target].to_numpy(dtype=float)
    checks = _checks(results)
    value = {name: checks[f"performance.{name}"]["measurement"]["value"] for name in ("mae", "rmse", "r2")}
    assert value["mae"] == pytest.approx(metrics.mean_absolute_error(truth, predicted))
    assert value["rmse"] == pytest.approx(np.sqrt(metrics.mean_squared_error(truth, predicted)))
    assert value["r2"] == pytest.approx(metrics.r2_score(truth, predicted))
    frame = MetricFrame(
        metrics={"mae": metrics.mean_absolute_error},
        y_true=truth,
        y_pred=predicted,
        sensitive_features=current["sex"],
    )
    fairness = checks["fairness.mae_difference"]["measurement"]["details"]
    errors = {group["group"]: group["mae"] for group in fairness["groups"]["sex"]}
    for group, mae in frame.by_group["mae"].items():
        assert errors[group] == pytest.approx(mae)
    (by_sex,) = [c for c in fairness["comparisons"] if c["grouping"] == "sex"]
    assert by_sex["value"] == pytest.approx(frame.difference()["mae"])


@pytest.mark.parametrize(("task", "family"), zoo.matrix())
def test_a_model_audits_end_to_end(task: str, family: str, tmp_path: Path) -> None:
    case = zoo.build(task, family)
    positive = [arg for label in _positive(case) for arg in ("--positive-label", str(label))]
    results = _audit([*case.cli_args(), *positive], tmp_path / "report", POLICY[case.govkit_task])
    assert results["inputs"]["task"] == case.govkit_task
    if case.model_kind == "regressor":
        assert results["inputs"]["positive_label"] is None
        _cross_check_regressor(case, results)
    else:
        assert results["inputs"]["positive_label"] == ", ".join(str(label) for label in _positive(case))
        _cross_check_classifier(case, results)


def _scored(case: zoo.ZooCase, path: Path, which: str) -> Path:
    """The case's data with the model's predictions (and the favourable probability, binary) as columns."""
    source = case.current if which == "current" else case.reference
    frame = pd.read_csv(source)
    model = case.load()
    inputs = frame[list(case.features)]
    frame["predicted"] = model.predict(inputs)
    if case.govkit_task == "binary":
        column = [str(c) for c in model.classes_].index(str(case.positive_label))
        frame["favourable_probability"] = model.predict_proba(inputs)[:, column]
    if case.govkit_task == "multiclass":
        for index, label in enumerate(model.classes_):
            frame[f"probability_{label}"] = model.predict_proba(inputs)[:, index]
    frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("task", zoo.TASKS)
def test_predictions_only_measure_what_the_model_does(task: str, tmp_path: Path) -> None:
    case = zoo.build(task, "sklearn")
    args = [
        "--data", str(_scored(case, tmp_path / "current.csv", "current")),
        "--reference", str(_scored(case, tmp_path / "reference.csv", "reference")),
        "--target", case.target, "--prediction-column", "predicted",
        *[arg for column in case.sensitive for arg in ("--sensitive", column)],
        *[arg for label in _positive(case) for arg in ("--positive-label", str(label))],
    ]  # fmt: skip
    if case.govkit_task == "binary":
        args += ["--probability-column", "favourable_probability"]
    if case.govkit_task == "multiclass":
        args += [arg for label in case.classes or () for arg in ("--class-probability", f"{label}=probability_{label}")]
    # explanations need the model itself: from prediction columns the family is skipped, visibly
    results = _audit(args, tmp_path / "report", POLICY[case.govkit_task], without_model=frozenset({"explain"}))
    assert results["inputs"]["task"] == case.govkit_task and results["inputs"]["prediction_source"] == "column"
    if case.model_kind == "regressor":
        _cross_check_regressor(case, results)
    else:
        _cross_check_classifier(case, results)


def test_an_ambiguous_favourable_label_is_exit_2_in_both_modes(tmp_path: Path) -> None:
    case = zoo.build("binary_text", "sklearn")
    model_mode = CliRunner().invoke(main, ["audit", *case.cli_args(), "--out", str(tmp_path / "a")])
    scored = _scored(case, tmp_path / "current.csv", "current")
    columns = ["audit", "--data", str(scored), "--target", case.target, "--prediction-column", "predicted"]
    columns_mode = CliRunner().invoke(main, [*columns, "--out", str(tmp_path / "b")])
    for outcome in (model_mode, columns_mode):
        assert outcome.exit_code == 2
        assert "cannot tell which label is the favourable outcome among 'approved', 'denied'" in outcome.output
        assert "--positive-label" in outcome.output
    assert not (tmp_path / "a" / "results.json").exists()


def test_a_classifier_policy_on_a_regressor_is_refused_with_its_location(tmp_path: Path) -> None:
    case = zoo.build("regression", "sklearn")
    outcome = CliRunner().invoke(main, ["audit", *case.cli_args(), "--policy", "default", "--out", str(tmp_path)])
    assert outcome.exit_code == 2
    lines = [line for line in outcome.output.splitlines() if "performance.accuracy" in line]
    assert len(lines) == 1 and re.search(r"default\.yaml: checks\[\d+\]: performance\.accuracy applies to", lines[0])
    assert "binary and multiclass models, not to a regression model; use --policy regression" in lines[0]
    assert not (tmp_path / "results.json").exists()


def test_the_default_policy_audits_a_multiclass_model_one_vs_rest(tmp_path: Path) -> None:
    case = zoo.build("multiclass", "sklearn")
    results = _audit(case.cli_args(), tmp_path / "report", "default")
    assert (results["inputs"]["task"], results["inputs"]["positive_label"]) == ("multiclass", None)
    checks = _checks(results)
    current, _, probabilities, classes = _outputs(case.task, case.family)
    expected = metrics.roc_auc_score(
        current[case.target], probabilities, multi_class="ovr", average="macro", labels=classes
    )
    assert checks["performance.roc_auc"]["measurement"]["value"] == pytest.approx(expected)
    assert checks["fairness.demographic_parity_difference"]["status"] != "skip"
