"""The library's front door: ``audit()`` runs a policy on a model and data; ``render()`` writes outputs.

No printing, no ``sys.exit``, no global state: a data scientist can call these inside a pipeline.
"""

from __future__ import annotations

import platform
import subprocess
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from govkit.parallel import Worker, in_worker, merge
from govkit.policy import Policy, load_policy
from govkit.preflight import prepare
from govkit.results import AuditInputs, Provenance, RunResult
from govkit.runner import run_check

if TYPE_CHECKING:
    import pandas as pd

    from govkit.attestation import SignOff
    from govkit.context import AuditContext

TRACKED_LIBRARIES = (
    "govkit",
    "pandas",
    "numpy",
    "scikit-learn",
    "great-expectations",
    "evidently",
    "fairlearn",
    "shap",
    "skops",
    "scipy",
)


def library_versions() -> dict[str, str]:
    found: dict[str, str] = {}
    for name in TRACKED_LIBRARIES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found


def git_commit(where: Path) -> str | None:
    """The commit of the repository the audit runs in, when there is one."""
    try:
        completed = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=where, capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    commit = completed.stdout.strip()
    return commit if completed.returncode == 0 and commit else None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def audit(
    model: Any = None,
    data: str | Path | pd.DataFrame | None = None,
    reference: str | Path | pd.DataFrame | None = None,
    target: str | None = None,
    sensitive: list[str] | str | None = None,
    policy: str | Path | Policy = "default",
    *,
    features: list[str] | None = None,
    prediction_column: str | None = None,
    probability_column: str | None = None,
    positive_label: Any = None,
    seed: int = 0,
    fail_on: Literal["fail", "warn"] = "fail",
    trusted_types: list[str] | None = None,
    trust_pickle: bool = False,
    model_sha256: str | None = None,
    model_card: dict[str, Any] | None = None,
    command: str | None = None,
    parallel: bool = True,
) -> RunResult:
    """Audit a model (or its predictions) on current data against reference data and a policy.

    ``model`` and the frames may be objects or file paths. Returns a ``RunResult``; raises
    ``govkit.errors.GovkitError`` (with a one-line message) on input that cannot be audited.
    ``parallel=False`` runs every check in this process (the results are the same).
    """
    started_at, started = _now(), time.perf_counter()
    if isinstance(sensitive, str):
        sensitive = [part.strip() for part in sensitive.split(",") if part.strip()]
    resolved = policy if isinstance(policy, Policy) else load_policy(policy)
    # The drift worker (see govkit.parallel) forks as soon as the frames are read; the model loads and
    # predicts here meanwhile, and the worker is sent what it needs as it becomes known.
    side = [c for c in resolved.checks if in_worker(c)] if parallel else []
    workers: list[Worker] = []

    def start_worker(early: AuditContext) -> None:
        worker = Worker.start(side, early, run_check, plan_pending=True)
        if worker is not None:
            workers.append(worker)

    try:
        prepared = prepare(
            data=data,
            reference=reference,
            model=model,
            target=target,
            sensitive=sensitive,
            features=features,
            prediction_column=prediction_column,
            probability_column=probability_column,
            positive_label=positive_label,
            seed=seed,
            trusted_types=trusted_types,
            trust_pickle=trust_pickle,
            model_sha256=model_sha256,
            defer_predictions=True,
            on_frames=start_worker if side else None,
        )
        ctx = prepared.context
        worker = workers[0] if workers else None
        deferred = prepared.pending is not None
        if worker is not None:
            worker.send_plan(ctx, predictions_coming=deferred)
        prepared.finish()
        if worker is not None and deferred:
            worker.send_predictions(ctx)
        checks = merge(resolved.checks, ctx, run_check, worker)
    finally:
        for running in workers:
            running.stop()

    files = dict(prepared.files)
    if resolved.files:
        files["policy"] = {"path": str(resolved.files[0]), "sha256": resolved.sha256}
    card = {k: v for k, v in resolved.model_card.model_dump().items() if v not in (None, [])}
    card.update({k: v for k, v in (model_card or {}).items() if v not in (None, [])})
    return RunResult(
        policy=resolved.summary(),
        model_card=card,
        inputs=AuditInputs(
            target=ctx.target,
            sensitive=ctx.sensitive,
            features=ctx.features,
            positive_label=None if ctx.positive_label is None else str(ctx.positive_label),
            task=ctx.task,
            current_rows=len(ctx.current),
            reference_rows=0 if ctx.reference is None else len(ctx.reference),
            model_type=prepared.model_type,
            prediction_source="model" if ctx.model is not None else "column",
            prediction_column=ctx.prediction_column,
            probability_column=ctx.probability_column,
        ),
        provenance=Provenance(
            started_at=started_at,
            finished_at=_now(),
            duration_seconds=round(time.perf_counter() - started, 3),
            seed=seed,
            govkit_version=library_versions()["govkit"],
            python_version=platform.python_version(),
            platform=f"{platform.system()} {platform.machine()}",
            library_versions=library_versions(),
            files=files,
            git_commit=git_commit(Path.cwd()),
            sampling=ctx.sampling,
            command=command,
        ),
        checks=checks,
        fail_on=fail_on,
    )


OUTPUT_FILES = {"html": "report.html", "json": "results.json", "junit": "junit.xml", "markdown": "summary.md"}


def render(
    result: RunResult | str | Path,
    out: str | Path,
    formats: list[str] | tuple[str, ...] = ("html", "json"),
    templates: str | Path | None = None,
    signoffs: Sequence[SignOff] = (),
) -> dict[str, Path]:
    """Write the chosen outputs of a result into ``out``; return format -> path.

    Every output is a pure function of the result, so rendering a saved ``results.json`` again
    gives byte-identical files.
    """
    from govkit.outputs import refuse_to_overwrite_inputs, write_text_atomic
    from govkit.report import render_format

    source = None if isinstance(result, RunResult) else Path(result)
    if source is not None:
        result = RunResult.read(source)
    folder = Path(out)
    # never write over the audited files, nor over the results file being rendered
    audited = [Path(entry["path"]) for entry in result.provenance.files.values() if entry.get("path")]
    refuse_to_overwrite_inputs(
        [folder / OUTPUT_FILES[name] for name in formats if not (name == "json" and source is None)],
        [*audited, source],
    )
    written: dict[str, Path] = {}
    for name in formats:
        text = (
            result.to_json() if name == "json" else render_format(result, name, templates=templates, signoffs=signoffs)
        )
        written[name] = write_text_atomic(folder / OUTPUT_FILES[name], text)
    return written
