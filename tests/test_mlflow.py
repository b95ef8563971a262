"""MLflow, for real: a local tracking store and model registry on SQLite, no server and no mock.

An audit is logged to a run and read back (metrics, tags, artifacts); a model logged with the skops
serialisation and registered is audited by its ``models:/`` URI; a model logged as a pickle is refused
unless trusted; the approval tag lands on the model version only after ``govkit verify`` passes.
"""

from __future__ import annotations

import json
import math
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from sklearn.linear_model import LogisticRegression

from govkit.cli import main
from govkit.errors import EXIT_FAILED, EXIT_PASSED, EXIT_USAGE
from govkit.results import RunResult
from requirements import need_module

mlflow = need_module("mlflow", "pip install govkit[mlflow]")

pytestmark = [
    # MLflow's SQL store configures its mappers with SQLAlchemy's deprecated ``noload`` strategy (2.1).
    pytest.mark.filterwarnings("ignore:The ``noload`` loader strategy is deprecated"),
]


@pytest.fixture(scope="module", autouse=True)
def _no_threads_left_behind():  # type: ignore[no-untyped-def]
    """MLflow's artifact repositories keep idle thread pools for the life of the process. govkit never
    forks its drift worker while other threads run (a fork would copy their locks), so later tests in
    this process would audit without the worker: shut MLflow's pools down when this module is done."""
    yield
    import concurrent.futures
    import gc

    for pool in [o for o in gc.get_objects() if isinstance(o, concurrent.futures.ThreadPoolExecutor)]:
        pool.shutdown(wait=True)


POLICY = """\
version: 1
name: mlflow-test
checks:
  - id: performance.accuracy
    fail_if: {lt: 0.7}
  - id: performance.roc_auc
    fail_if: {lt: 0.7}
"""


def _frame(rows: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=rows), rng.normal(size=rows)
    y = (x1 + 0.5 * rng.normal(size=rows) > 0).astype(int)
    return pd.DataFrame({"x1": x1, "x2": x2, "group": np.where(np.arange(rows) % 2 == 0, "a", "b"), "y": y})


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A SQLite-backed tracking store with a model registry, an experiment, and two registered models:
    ``credit`` logged with skops, ``credit-pickle`` logged with cloudpickle."""
    import mlflow.sklearn

    root = tmp_path_factory.mktemp("mlflow")
    uri = f"sqlite:///{root}/mlflow.db"
    patch = pytest.MonkeyPatch()
    patch.setenv("MLFLOW_TRACKING_URI", uri)
    patch.setenv("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    patch.chdir(root)  # anything MLflow writes beside the store stays in the test's folder
    train = _frame(300, seed=1)
    model = LogisticRegression().fit(train[["x1", "x2"]], train["y"])
    experiment = mlflow.create_experiment("govkit", artifact_location=str(root / "artifacts"))
    with warnings.catch_warnings():
        # MLflow warns that the models are logged without a signature or input example
        warnings.simplefilter("ignore")
        with mlflow.start_run(experiment_id=experiment) as run:
            mlflow.sklearn.log_model(model, name="model", serialization_format="skops", registered_model_name="credit")
            mlflow.sklearn.log_model(
                model, name="pickled", serialization_format="cloudpickle", registered_model_name="credit-pickle"
            )
    data = root / "current.csv"
    _frame(200, seed=2).to_csv(data, index=False)
    policy = root / "policy.yaml"
    policy.write_text(POLICY)
    yield {"uri": uri, "experiment": experiment, "run": run.info.run_id, "data": str(data), "policy": str(policy)}
    patch.undo()


def cli(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args])


def _audit(store: dict[str, str], out: Path, model: str, *extra: object):
    return cli(
        "audit", "--model", model, "--data", store["data"], "--target", "y", "--policy", store["policy"],
        "--out", out, *extra,
    )  # fmt: skip


def test_an_audit_is_logged_to_a_run_and_reads_back(store: dict[str, str], tmp_path: Path) -> None:
    from mlflow.tracking import MlflowClient

    client = MlflowClient()
    run_id = client.create_run(store["experiment"]).info.run_id
    outcome = _audit(store, tmp_path / "out", "models:/credit/1", "--mlflow-run", run_id)
    assert outcome.exit_code == EXIT_PASSED, outcome.output
    assert f"logged to MLflow run {run_id}" in outcome.output
    result = RunResult.read(tmp_path / "out" / "results.json")

    logged = client.get_run(run_id).data
    assert logged.metrics["govkit.passed"] == 1.0
    assert logged.metrics["govkit.checks.pass"] == result.counts["pass"] == 2
    for check in result.checks:
        assert math.isclose(logged.metrics[f"govkit.{check.id}"], check.measurement.value)
        assert logged.tags[f"govkit.status.{check.id}"] == check.status.value
    assert logged.tags["govkit.verdict"] == result.verdict.value == "pass"
    assert logged.tags["govkit.policy"] == "mlflow-test"

    names = sorted(Path(a.path).name for a in client.list_artifacts(run_id, "govkit"))
    assert names == ["junit.xml", "report.html", "results.json", "summary.md"]
    local = Path(client.download_artifacts(run_id, "govkit/results.json", str(tmp_path)))
    # the logged results.json is the very file the audit wrote
    assert local.read_bytes() == (tmp_path / "out" / "results.json").read_bytes()


def test_log_audit_from_the_library_logs_to_the_active_run(store: dict[str, str], tmp_path: Path) -> None:
    from govkit.mlflow import log_audit

    outcome = _audit(store, tmp_path / "out", "models:/credit/1")
    assert outcome.exit_code == EXIT_PASSED, outcome.output
    with mlflow.start_run(experiment_id=store["experiment"]) as run:
        assert log_audit(tmp_path / "out" / "results.json") == run.info.run_id
    logged = mlflow.get_run(run.info.run_id).data
    assert logged.tags["govkit.verdict"] == "pass"
    # with no run given and none active, a run of its own, ended when logged
    created = log_audit(tmp_path / "out" / "results.json", experiment_id=store["experiment"])
    assert created != run.info.run_id
    assert mlflow.get_run(created).info.status == "FINISHED"


def test_a_missing_run_is_one_line_exit_2(store: dict[str, str], tmp_path: Path) -> None:
    outcome = _audit(store, tmp_path / "out", "models:/credit/1", "--mlflow-run", "0123456789abcdef")
    assert outcome.exit_code == EXIT_USAGE, outcome.output
    assert "MLflow run 0123456789abcdef: no such run in the tracking store" in outcome.output
    assert "check the run id (--mlflow-run)" in outcome.output
    assert "Traceback" not in outcome.output


def test_a_registered_model_is_audited_by_uri_and_recorded_as_the_uri(store: dict[str, str], tmp_path: Path) -> None:
    outcome = _audit(store, tmp_path / "out", "models:/credit/1")
    assert outcome.exit_code == EXIT_PASSED, outcome.output
    result = RunResult.read(tmp_path / "out" / "results.json")
    assert result.inputs.model_type == "sklearn.linear_model._logistic.LogisticRegression"
    assert result.provenance.files["model"]["path"] == "models:/credit/1"
    # the sha256 recorded is the registered model's skops file
    import hashlib

    from mlflow.artifacts import download_artifacts

    local = Path(download_artifacts(artifact_uri="models:/credit/1", dst_path=str(tmp_path / "dl")))
    digest = hashlib.sha256((local / "model.skops").read_bytes()).hexdigest()
    assert result.provenance.files["model"]["sha256"] == digest
    assert json.loads((tmp_path / "out" / "results.json").read_text())["verdict"] == "pass"


def test_a_pickled_registered_model_is_refused_unless_trusted(store: dict[str, str], tmp_path: Path) -> None:
    refused = _audit(store, tmp_path / "a", "models:/credit-pickle/1")
    assert refused.exit_code == EXIT_USAGE, refused.output
    assert "GK302" in refused.output or "can run arbitrary code" in refused.output
    assert "--trust-pickle" in refused.output
    unpinned = _audit(store, tmp_path / "b", "models:/credit-pickle/1", "--trust-pickle")
    assert unpinned.exit_code == EXIT_USAGE, unpinned.output  # the flag alone names no file
    digest = re.search(r"--model-sha256 ([0-9a-f]{64})", unpinned.output)
    assert digest is not None, unpinned.output
    trusted = _audit(store, tmp_path / "c", "models:/credit-pickle/1", "--trust-pickle", "--model-sha256", digest[1])
    assert trusted.exit_code == EXIT_PASSED, trusted.output


def test_an_unknown_model_version_is_one_line_exit_2(store: dict[str, str], tmp_path: Path) -> None:
    outcome = _audit(store, tmp_path / "out", "models:/credit/99")
    assert outcome.exit_code == EXIT_USAGE, outcome.output
    assert "models:/credit/99: the model could not be fetched from MLflow" in outcome.output
    assert "Traceback" not in outcome.output


def test_the_approval_tag_is_set_only_after_a_passing_verify(store: dict[str, str], tmp_path: Path) -> None:
    from govkit.mlflow import model_version_tags

    out = tmp_path / "out"
    assert _audit(store, out, "models:/credit/1").exit_code == EXIT_PASSED
    keys = tmp_path / "keys"
    keys.mkdir()
    assert cli("keygen", keys / "alice.pem").exit_code == EXIT_PASSED
    trusted = tmp_path / "trusted"
    trusted.mkdir()
    (trusted / "alice.pub").write_bytes((keys / "alice.pem.pub").read_bytes())
    results = out / "results.json"

    # no sign-off yet: verify fails and the version carries no approval
    failed = cli("verify", results, "--trusted-keys", trusted, "--mlflow-model", "models:/credit/1")
    assert failed.exit_code == EXIT_FAILED, failed.output
    assert "govkit.approved" not in model_version_tags("models:/credit/1")

    signed = cli(
        "signoff", results, "--key", keys / "alice.pem", "--name", "Alice", "--role", "Risk", "--decision", "approve"
    )
    assert signed.exit_code == EXIT_PASSED, signed.output
    # another model's file does not hash as the audited one: not verified, not tagged
    other = cli("verify", results, "--trusted-keys", trusted, "--mlflow-model", "models:/credit-pickle/1")
    assert other.exit_code == EXIT_FAILED, other.output
    assert "govkit.approved" not in model_version_tags("models:/credit-pickle/1")

    verified = cli("verify", results, "--trusted-keys", trusted, "--mlflow-model", "models:/credit/1")
    assert verified.exit_code == EXIT_PASSED, verified.output
    tags = model_version_tags("models:/credit/1")
    assert tags["govkit.approved"] == "true"
    head = next(line for line in verified.output.splitlines() if "head sha256" in line).split("head sha256 ")[1]
    assert tags["govkit.envelope_sha256"] == head.split()[0].strip(",;")
    import hashlib

    assert tags["govkit.results_sha256"] == hashlib.sha256(results.read_bytes()).hexdigest()
    assert "Alice" in tags["govkit.approved_by"]


def test_a_flavour_govkit_cannot_read_is_named(store: dict[str, str], tmp_path: Path) -> None:
    import mlflow.pyfunc

    class Constant(mlflow.pyfunc.PythonModel):
        def predict(self, context: object, model_input: list[float]) -> list[float]:
            return [0.0 for _ in model_input]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # MLflow asks for a signature and an input example
        with mlflow.start_run(experiment_id=store["experiment"]):
            mlflow.pyfunc.log_model(name="constant", python_model=Constant(), registered_model_name="constant")
    outcome = _audit(store, tmp_path / "out", "models:/constant/1")
    assert outcome.exit_code == EXIT_USAGE, outcome.output
    assert "has the flavours python_function" in outcome.output
    assert "serialization_format='skops'" in outcome.output
