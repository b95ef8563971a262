"""Predictions computed in one pass equal the model's own predict and predict_proba, row for row."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.svm import SVC

from govkit import predict


@pytest.fixture(scope="module")
def data() -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.normal(size=900), "c": rng.choice(["a", "b", "c"], size=900)})
    y = np.where((frame["x"] + (frame["c"] == "a")) > 0.3, "yes", "no")
    return frame, y


@pytest.mark.parametrize("chunk", [1000, 128])
def test_pipeline_outputs_match_predict_and_predict_proba(data, chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(predict, "CHUNK_ROWS", chunk)
    frame, y = data
    model = Pipeline(
        [
            ("encode", ColumnTransformer([("c", OneHotEncoder(sparse_output=False), ["c"])], remainder="passthrough")),
            ("model", GradientBoostingClassifier(random_state=0)),
        ]
    ).fit(frame, y)
    labels, scores = predict.model_outputs(model, frame, "yes", binary=True)
    np.testing.assert_array_equal(labels, model.predict(frame))
    np.testing.assert_array_equal(scores, model.predict_proba(frame)[:, 1])
    labels, scores = predict.model_outputs(model, frame, "no", binary=True)
    np.testing.assert_array_equal(scores, model.predict_proba(frame)[:, 0])


def test_a_model_whose_probabilities_can_disagree_with_predict_keeps_predict(data) -> None:
    frame, y = data
    model = Pipeline([("scale", StandardScaler()), ("svc", SVC(probability=True, random_state=0))])
    model.fit(frame[["x"]], y)
    labels, scores = predict.model_outputs(model, frame[["x"]], "yes", binary=True)
    np.testing.assert_array_equal(labels, model.predict(frame[["x"]]))  # never argmax of Platt scores
    np.testing.assert_allclose(scores, model.predict_proba(frame[["x"]])[:, 1])


def test_regressors_and_multiclass_get_labels_only(data) -> None:
    from sklearn.linear_model import LinearRegression

    frame, _ = data
    target = frame["x"] * 2 + 1
    model = LinearRegression().fit(frame[["x"]], target)
    labels, scores = predict.model_outputs(model, frame[["x"]], None, binary=False)
    np.testing.assert_allclose(labels, model.predict(frame[["x"]]))
    assert scores is None
