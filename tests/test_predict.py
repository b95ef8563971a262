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


@pytest.mark.parametrize(("first", "chunk_bytes"), [(2000, predict.CHUNK_BYTES), (64, 4096), (100, 1)])
def test_pipeline_outputs_match_predict_and_predict_proba(
    data, first: int, chunk_bytes: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # one chunk; a first chunk of 64 rows then chunks of 4096 bytes (128 rows of 4 float64 columns); 100 each
    monkeypatch.setattr(predict, "CHECK_ROWS", first)
    monkeypatch.setattr(predict, "CHUNK_BYTES", chunk_bytes)
    frame, y = data
    model = Pipeline(
        [
            ("encode", ColumnTransformer([("c", OneHotEncoder(sparse_output=False), ["c"])], remainder="passthrough")),
            ("model", GradientBoostingClassifier(random_state=0)),
        ]
    ).fit(frame, y)
    outputs = predict.model_outputs(model, frame, ["yes"])
    np.testing.assert_array_equal(outputs.labels, model.predict(frame))
    np.testing.assert_array_equal(outputs.scores, model.predict_proba(frame)[:, 1])
    np.testing.assert_array_equal(outputs.probabilities, model.predict_proba(frame))
    assert outputs.classes == ["no", "yes"]
    outputs = predict.model_outputs(model, frame, ["no"])
    np.testing.assert_array_equal(outputs.scores, model.predict_proba(frame)[:, 0])


def test_a_model_whose_probabilities_can_disagree_with_predict_keeps_predict(data) -> None:
    frame, y = data
    model = Pipeline([("scale", StandardScaler()), ("svc", SVC(probability=True, random_state=0))])
    model.fit(frame[["x"]], y)
    outputs = predict.model_outputs(model, frame[["x"]], ["yes"])
    np.testing.assert_array_equal(outputs.labels, model.predict(frame[["x"]]))  # never argmax of Platt scores
    np.testing.assert_allclose(outputs.scores, model.predict_proba(frame[["x"]])[:, 1])


def test_a_regressor_gets_labels_only(data) -> None:
    from sklearn.linear_model import LinearRegression

    frame, _ = data
    target = frame["x"] * 2 + 1
    model = LinearRegression().fit(frame[["x"]], target)
    outputs = predict.model_outputs(model, frame[["x"]])
    np.testing.assert_allclose(outputs.labels, model.predict(frame[["x"]]))
    assert outputs.scores is None and outputs.probabilities is None and outputs.classes is None


def test_multiclass_gets_the_matrix_and_the_favourable_sum(data) -> None:
    from sklearn.linear_model import LogisticRegression

    frame, _ = data
    y = np.select([frame["x"] < -0.5, frame["x"] < 0.5], ["bronze", "silver"], "gold")
    model = LogisticRegression().fit(frame[["x"]], y)
    outputs = predict.model_outputs(model, frame[["x"]], ["gold", "silver"])
    expected = model.predict_proba(frame[["x"]])
    np.testing.assert_array_equal(outputs.labels, model.predict(frame[["x"]]))
    np.testing.assert_allclose(outputs.probabilities, expected)
    assert outputs.classes == ["bronze", "gold", "silver"]
    np.testing.assert_allclose(outputs.scores, expected[:, 1] + expected[:, 2])
    assert predict.model_outputs(model, frame[["x"]]).scores is None  # no favourable set: one-vs-rest


def test_an_array_fitted_model_predicts_on_named_columns_without_warnings(data) -> None:
    import warnings

    from sklearn.linear_model import LogisticRegression

    frame, y = data
    model = LogisticRegression().fit(frame[["x"]].to_numpy(), y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # scikit-learn's "X has feature names" would raise here
        outputs = predict.model_outputs(model, frame[["x"]], ["yes"])
    np.testing.assert_array_equal(outputs.labels, model.predict(frame[["x"]].to_numpy()))


def test_float32_probabilities_are_a_float64_distribution(data) -> None:
    import xgboost
    from sklearn.metrics import log_loss

    frame, _ = data
    y = np.select([frame["x"] < -0.5, frame["x"] < 0.5], [0, 1], 2)
    model = xgboost.XGBClassifier(n_estimators=20, max_depth=3, n_jobs=1).fit(frame[["x"]], y)
    own = model.predict_proba(frame[["x"]])
    assert own.dtype == np.float32
    outputs = predict.model_outputs(model, frame[["x"]], [1, 2])
    assert outputs.probabilities.dtype == np.float64
    np.testing.assert_allclose(outputs.probabilities.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    np.testing.assert_allclose(outputs.probabilities, own, rtol=1e-5, atol=1e-7)
    log_loss(y, outputs.probabilities)  # no "do not sum to one" warning (warnings are errors in the tests)


def test_chunks_are_sized_by_the_bytes_of_the_transformed_matrix(monkeypatch: pytest.MonkeyPatch) -> None:
    from scipy import sparse

    monkeypatch.setattr(predict, "CHUNK_BYTES", 16 * 2**20)
    # 2,000 rows of 135 float64 columns: 1,080 bytes a row, so 15,534 rows make 16 MiB
    assert predict.chunk_rows(np.zeros((2000, 135)), 2000) == 16 * 2**20 // 1080
    # a narrow matrix stops at the row cap, a very wide one at the first chunk's size
    assert predict.chunk_rows(np.zeros((2000, 2)), 2000) == predict.MAX_CHUNK_ROWS
    assert predict.chunk_rows(np.zeros((2000, 20_000)), 2000) == predict.CHECK_ROWS
    # sparse: the stored values and indices count, not the dense shape
    wide = sparse.random(2000, 100_000, density=0.0001, format="csr", random_state=0)
    stored = wide.data.nbytes + wide.indices.nbytes + wide.indptr.nbytes
    assert predict.chunk_rows(wide, 2000) == min(predict.MAX_CHUNK_ROWS, 16 * 2**20 * 2000 // stored)
    frame = pd.DataFrame({"a": np.zeros(2000), "b": np.zeros(2000, dtype=np.int32)})  # 12 bytes a row
    assert predict.chunk_rows(frame, 2000) == predict.MAX_CHUNK_ROWS
    monkeypatch.setattr(predict, "CHUNK_BYTES", 12 * 3000)
    assert predict.chunk_rows(frame, 2000) == 3000
