"""MLflow, where teams track their models: log an audit to a run, read a registered model the way
govkit reads a model file, and mark a model version approved once its sign-offs verify.

- ``log_audit(result, run_id=None)``: the verdict and each check's value as metrics, each check's status
  and the verdict as tags, results.json, the report, JUnit and the Markdown summary as artifacts.
- ``model_file(uri)``: a ``models:/`` or ``runs:/`` model's files downloaded (files only: nothing is
  deserialised), and the path of the scikit-learn flavour's model file in them. That file then goes
  through ``govkit.inputs.load_model`` like any other: a skops file with its types trusted, a pickle only
  with ``--trust-pickle`` and its ``--model-sha256``.
- ``approve_model_version(uri, ...)``: tags on the registered model version a deployment job can gate on.

MLflow is an optional extra (``govkit[mlflow]``), imported inside the functions that use it. This module
imports the ``mlflow`` package by its absolute name, so being called ``govkit.mlflow`` shadows nothing.
"""

from __future__ import annotations

import math
import os
import re
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govkit.errors import InputError
from govkit.inputs import coded
from govkit.outputs import OUTPUT_FILES
from govkit.results import RunResult

if TYPE_CHECKING:
    from mlflow.tracking import MlflowClient

__all__ = ["approve_model_version", "is_model_uri", "log_audit", "model_file", "model_version_tags"]

MODEL_URI_PREFIXES = ("models:/", "runs:/")
PREFIX = "govkit"
ARTIFACT_PATH = "govkit"
# The outputs logged as artifacts, all pure functions of the result.
LOGGED_FORMATS = ("json", "html", "junit", "markdown")
# MLflow accepts letters, digits, and _ - . space : / in metric and tag keys; anything else becomes _.
_UNSAFE_KEY = re.compile(r"[^A-Za-z0-9_\-. :/]")
# MLflow's limit on tags (and params) in one log_batch request.
_TAGS_PER_BATCH = 100
_PROGRESS_ENV = "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR"


def is_model_uri(value: object) -> bool:
    """True for an MLflow model URI (``models:/name/3``, ``models:/name@alias``, ``runs:/id/path``)."""
    return isinstance(value, str) and value.startswith(MODEL_URI_PREFIXES)


def _mlflow() -> Any:
    try:
        import mlflow
    except ImportError:
        raise InputError("MLflow is not installed; install govkit with it: pip install 'govkit[mlflow]'") from None
    return mlflow


def _client(tracking_uri: str | None = None) -> MlflowClient:
    _mlflow()
    from mlflow.tracking import MlflowClient

    return MlflowClient(tracking_uri=tracking_uri)


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0][:300] if text else type(error).__name__


def _key(*parts: str) -> str:
    return _UNSAFE_KEY.sub("_", ".".join(parts))


def audit_metrics(result: RunResult) -> dict[str, float]:
    """What an audit logs as metrics: passed (1/0), the count of checks per status, each check's value."""
    metrics = {_key(PREFIX, "passed"): 1.0 if result.passed else 0.0}
    metrics.update({_key(PREFIX, "checks", status): float(n) for status, n in result.counts.items()})
    for check in result.checks:
        value = check.measurement.value
        if value is not None and math.isfinite(value):  # MLflow stores no NaN a chart could show
            metrics[_key(PREFIX, check.id)] = float(value)
    return metrics


def audit_tags(result: RunResult) -> dict[str, str]:
    """What an audit logs as tags: the verdict, the policy, and each check's status."""
    tags = {
        _key(PREFIX, "verdict"): result.verdict.value,
        _key(PREFIX, "policy"): str(result.policy.get("name", "")),
        _key(PREFIX, "blocking"): str(len(result.blocking)),
    }
    tags.update({_key(PREFIX, "status", check.id): check.status.value for check in result.checks})
    return tags


def log_audit(
    result: RunResult | str | Path,
    run_id: str | None = None,
    *,
    tracking_uri: str | None = None,
    experiment_id: str | None = None,
    artifact_path: str = ARTIFACT_PATH,
) -> str:
    """Log ``result`` (a ``RunResult`` or a results.json path) to an MLflow run; return the run's id.

    ``run_id`` None logs to the active run (``mlflow.start_run``), or else to a new run in
    ``experiment_id`` (default: MLflow's default experiment), which is ended when logged.
    The tracking store is ``tracking_uri``, else MLflow's own setting (``MLFLOW_TRACKING_URI``).
    """
    loaded = result if isinstance(result, RunResult) else RunResult.read(result)
    mlflow = _mlflow()
    from mlflow.entities import Metric, RunTag

    client = _client(tracking_uri)
    active = mlflow.active_run() if run_id is None else None
    created = run_id is None and active is None
    if active is not None:
        run_id = active.info.run_id
    elif run_id is None:
        experiment = experiment_id or os.environ.get("MLFLOW_EXPERIMENT_ID") or "0"
        run_id = client.create_run(experiment, tags={"mlflow.runName": f"{PREFIX}-audit"}).info.run_id
    try:
        client.get_run(run_id)
    except Exception as error:
        raise InputError(
            f"MLflow run {run_id}: no such run in the tracking store ({_first_line(error)}); "
            "check the run id (--mlflow-run) and MLFLOW_TRACKING_URI"
        ) from None
    stamp = _timestamp_ms(loaded)
    metrics = [Metric(key, value, stamp, 0) for key, value in audit_metrics(loaded).items()]
    tags = [RunTag(key, value) for key, value in audit_tags(loaded).items()]
    try:
        client.log_batch(run_id, metrics=metrics)
        for start in range(0, len(tags), _TAGS_PER_BATCH):
            client.log_batch(run_id, tags=tags[start : start + _TAGS_PER_BATCH])
        with tempfile.TemporaryDirectory(prefix="govkit-mlflow-") as folder:
            client.log_artifacts(run_id, str(_render_outputs(loaded, Path(folder))), artifact_path)
    except mlflow.exceptions.MlflowException as error:  # a store that refuses (read-only, gone, a finished run)
        raise InputError(f"MLflow run {run_id}: the audit could not be logged ({_first_line(error)})") from None
    if created:
        client.set_terminated(run_id, "FINISHED")
    return run_id


def _timestamp_ms(result: RunResult) -> int:
    """The audit's finish time in milliseconds, so the metrics are dated by the audit, not the upload."""
    from datetime import datetime

    try:
        return int(datetime.fromisoformat(result.provenance.finished_at).timestamp() * 1000)
    except ValueError:
        import time

        return int(time.time() * 1000)


def _render_outputs(result: RunResult, folder: Path) -> Path:
    """The outputs ``govkit render`` would write for ``result``, into ``folder``."""
    from govkit.outputs import write_bytes_atomic
    from govkit.registry import unrecorded_families
    from govkit.report import render_format

    families = unrecorded_families(result)
    for name in LOGGED_FORMATS:
        text = render_format(result, name, families=families)
        write_bytes_atomic(folder / OUTPUT_FILES[name], text if isinstance(text, bytes) else text.encode("utf-8"))
    return folder


@contextmanager
def model_file(uri: str, tracking_uri: str | None = None) -> Iterator[Path]:
    """The model file of an MLflow model's scikit-learn flavour, downloaded into a temporary folder that
    lives as long as the ``with`` block. Only files are fetched; the caller loads the file with govkit's
    own rules (skops with trusted types; a pickle only when the user trusts it)."""
    _mlflow()
    from mlflow.artifacts import download_artifacts

    with tempfile.TemporaryDirectory(prefix="govkit-mlflow-model-") as folder:
        try:
            with _no_progress_bar():
                local = Path(download_artifacts(artifact_uri=uri, dst_path=folder, tracking_uri=tracking_uri))
        except Exception as error:
            raise coded("GK305", f"{uri}: the model could not be fetched from MLflow ({_first_line(error)})") from None
        yield _flavour_file(local, uri)


@contextmanager
def _no_progress_bar() -> Iterator[None]:
    """MLflow draws a download progress bar on stderr; govkit's output stays its own (unless the user set it)."""
    if _PROGRESS_ENV in os.environ:
        yield
        return
    os.environ[_PROGRESS_ENV] = "false"
    try:
        yield
    finally:
        os.environ.pop(_PROGRESS_ENV, None)


def _flavour_file(local: Path, uri: str) -> Path:
    """The scikit-learn flavour's serialised model named by the MLmodel file in ``local``."""
    import yaml

    descriptor = local / "MLmodel"
    if not descriptor.is_file():
        raise coded("GK301", f"{uri}: no MLmodel file there; give the URI of a logged or registered model")
    try:
        flavours = (yaml.safe_load(descriptor.read_text(encoding="utf-8")) or {}).get("flavors") or {}
    except (yaml.YAMLError, UnicodeDecodeError, AttributeError) as error:
        raise coded("GK305", f"{uri}: its MLmodel file is not readable ({_first_line(error)})") from None
    sklearn = flavours.get("sklearn") if isinstance(flavours, Mapping) else None
    if not isinstance(sklearn, Mapping) or not isinstance(sklearn.get("pickled_model"), str):
        named = ", ".join(sorted(str(name) for name in flavours)) if isinstance(flavours, Mapping) else "none"
        raise coded(
            "GK301",
            f"{uri}: has the flavours {named}; govkit audits scikit-learn models (the sklearn flavour), best "
            "logged with mlflow.sklearn.log_model(..., serialization_format='skops')",
        )
    path = (local / sklearn["pickled_model"]).resolve()
    if not path.is_relative_to(local.resolve()) or not path.is_file():
        raise coded(
            "GK305", f"{uri}: the model file {sklearn['pickled_model']!r} its MLmodel names is not in the model"
        )
    return path


def _registered_version(uri: str, client: MlflowClient) -> tuple[str, str]:
    """(name, version) of a ``models:/name/version`` or ``models:/name@alias`` URI."""
    rest = uri.removeprefix("models:/") if uri.startswith("models:/") else None
    if not rest or ("/" not in rest and "@" not in rest):
        raise InputError(f"{uri}: not a registered model version; give models:/NAME/VERSION or models:/NAME@ALIAS")
    try:
        if "@" in rest:
            name, alias = rest.split("@", 1)
            return name, str(client.get_model_version_by_alias(name, alias).version)
        name, version = rest.rsplit("/", 1)
        return name, str(client.get_model_version(name, version).version)
    except Exception as error:
        raise InputError(f"{uri}: no such model version in the MLflow registry ({_first_line(error)})") from None


def approve_model_version(
    uri: str, *, envelope_sha256: str, results_sha256: str, approved_by: str, tracking_uri: str | None = None
) -> dict[str, str]:
    """Tag a registered model version approved (call only after ``verify`` passed); return the tags set.

    ``envelope_sha256`` is the sign-off log's head entry, so a deployment job can pin the very approval.
    """
    client = _client(tracking_uri)
    name, version = _registered_version(uri, client)
    tags = {
        "govkit.approved": "true",
        "govkit.envelope_sha256": envelope_sha256,
        "govkit.results_sha256": results_sha256,
        "govkit.approved_by": approved_by[:5000],
    }
    for key, value in tags.items():
        client.set_model_version_tag(name, version, key, value)
    return tags


def model_version_tags(uri: str, tracking_uri: str | None = None) -> dict[str, str]:
    """The tags of a registered model version (what a deployment job reads to gate on approval)."""
    client = _client(tracking_uri)
    name, version = _registered_version(uri, client)
    return dict(client.get_model_version(name, version).tags)
