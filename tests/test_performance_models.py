"""The performance family on real fitted models of the example data (tests/model_zoo.py): a multiclass
classifier and a regressor, every value cross-checked against scikit-learn on the model's own outputs."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from govkit.families import performance
from govkit.registry import NoParams

pytestmark = pytest.mark.slow  # fits models on the example data


def audited(task: str, positive_label: Any = None) -> tuple[Any, Any, pd.DataFrame]:
    """The zoo's scikit-learn model of ``task``, its audit context and its current data."""
    from tests import model_zoo

    from govkit.preflight import prepare

    case = model_zoo.build(task, "sklearn")
    ctx = prepare(
        data=case.current,
        model=case.model,
        target=case.target,
        sensitive=list(case.sensitive),
        positive_label=positive_label,
        trusted_types=list(case.trusted_types),
    ).context
    return case, ctx, pd.read_csv(case.current)


@pytest.mark.parametrize("favourable", [None, [1, 2]])
def test_multiclass_model_agrees_with_scikit_learn(favourable: Any) -> None:
    from sklearn import metrics

    case, ctx, current = audited("multiclass", favourable)
    assert ctx.task == "multiclass"
    model = case.load()
    inputs = current[list(case.features)]
    truth = current[case.target].to_numpy()
    labels = model.predict(inputs)
    matrix = model.predict_proba(inputs)
    classes = list(model.classes_)
    expected = {
        "accuracy": metrics.accuracy_score(truth, labels),
        "balanced_accuracy": metrics.balanced_accuracy_score(truth, labels),
        "f1": metrics.f1_score(truth, labels, average="macro"),
        "weighted_f1": metrics.f1_score(truth, labels, average="weighted"),
        "precision": metrics.precision_score(truth, labels, average="macro"),
        "weighted_precision": metrics.precision_score(truth, labels, average="weighted"),
        "recall": metrics.recall_score(truth, labels, average="macro"),
        "weighted_recall": metrics.recall_score(truth, labels, average="weighted"),
        "roc_auc": metrics.roc_auc_score(truth, matrix, multi_class="ovr", average="macro", labels=classes),
        "weighted_roc_auc": metrics.roc_auc_score(truth, matrix, multi_class="ovr", average="weighted", labels=classes),
        "average_precision": metrics.average_precision_score(np.equal.outer(truth, classes), matrix, average="macro"),
        "log_loss": metrics.log_loss(truth, matrix, labels=classes),
    }
    for name, definition in performance.CHECKS.items():
        if "multiclass" not in definition.tasks:
            continue
        result = performance.run(name, NoParams(), ctx)
        assert result.value == pytest.approx(expected[name], abs=1e-10), name
        definition.evidence.model_validate(result.details)
    roc = performance.run("roc_auc", NoParams(), ctx).details["roc_curves"]
    for curve, k in zip(roc, range(len(classes)), strict=True):
        positive = truth == classes[k]
        assert curve["area"] == pytest.approx(metrics.roc_auc_score(positive, matrix[:, k]), abs=1e-12)
        assert np.trapezoid(curve["y"], curve["x"]) == pytest.approx(curve["area"], abs=0.01)


def test_regression_model_agrees_with_scikit_learn() -> None:
    from sklearn import metrics

    case, ctx, current = audited("regression")
    assert ctx.task == "regression"
    predicted = case.load().predict(current[list(case.features)])
    truth = current[case.target].to_numpy(dtype=float)
    expected = {
        "mae": metrics.mean_absolute_error(truth, predicted),
        "rmse": metrics.root_mean_squared_error(truth, predicted),
        "r2": metrics.r2_score(truth, predicted),
        "mean_residual": float(np.mean(truth - predicted)),
    }
    for name, value in expected.items():
        result = performance.run(name, NoParams(), ctx)
        assert result.value == pytest.approx(value, rel=1e-9, abs=1e-9), name
        performance.CHECKS[name].evidence.model_validate(result.details)
    details = performance.run("mean_residual", NoParams(), ctx).details
    assert details["scatter"]["sampled_from"] == len(truth)
    median = next(q["value"] for q in details["quantiles"] if q["share"] == 0.5)
    assert median == pytest.approx(float(np.median(truth - predicted)), abs=1e-9)
