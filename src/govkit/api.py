"""The library's front door: four verbs, each a plain function.

- ``audit``: run a policy on a model (or its predictions) and data; returns a ``RunResult``.
- ``render``: write the outputs of a result (HTML, results.json, JUnit, Markdown).
- ``sign_off``: sign the audit in a results.json (render, hash, bind, sign; the report is re-rendered).
- ``verify``: check the sign-offs against trusted keys and the audited files.

``sign_off`` and ``verify`` are the sign-off protocol of ``govkit.signoff.protocol``, re-exported here.

No printing, no ``sys.exit``, no global state: a data scientist can call these inside a pipeline.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from govkit.errors import EXIT_USAGE, InputError
from govkit.outputs import OUTPUT_FILES
from govkit.policy import Policy, load_policy
from govkit.preflight import Preflight
from govkit.provenance import build_provenance, now
from govkit.registry import describe_families, unrecorded_families
from govkit.results import AuditInputs, RunResult
from govkit.runner import run_policy
from govkit.signoff.protocol import sign_off, verify

if TYPE_CHECKING:
    import pandas as pd

    from govkit.attestation import SignOff

__all__ = ["OUTPUT_FILES", "audit", "render", "sign_off", "verify"]


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
    started_at, started = now(), time.perf_counter()
    if fail_on not in ("fail", "warn"):
        raise InputError(f"fail_on must be 'fail' or 'warn', not {fail_on!r}")
    if isinstance(sensitive, str):
        sensitive = [part.strip() for part in sensitive.split(",") if part.strip()]
    resolved = policy if isinstance(policy, Policy) else load_policy(policy)
    preflight = Preflight(
        data=data, reference=reference, model=model, target=target, sensitive=sensitive, features=features,
        prediction_column=prediction_column, probability_column=probability_column, positive_label=positive_label,
        seed=seed, trusted_types=trusted_types, trust_pickle=trust_pickle, model_sha256=model_sha256,
    )  # fmt: skip
    checks = run_policy(resolved, preflight, parallel=parallel)
    return RunResult(
        policy=resolved.summary(),
        model_card=_model_card(resolved, model_card),
        inputs=_audited_inputs(preflight),
        provenance=build_provenance(
            started_at=started_at,
            duration_seconds=time.perf_counter() - started,
            seed=seed,
            files=_audited_files(preflight, resolved),
            sampling=preflight.context.sampling,
            command=command,
        ),
        checks=checks,
        fail_on=fail_on,
        families=describe_families(c.family for c in checks),
    )


def _audited_inputs(preflight: Preflight) -> AuditInputs:
    """The shape of what was audited, as the context ended up after preflight."""
    ctx = preflight.context
    return AuditInputs(
        target=ctx.target,
        sensitive=ctx.sensitive,
        features=ctx.features,
        positive_label=None if ctx.positive_label is None else str(ctx.positive_label),
        task=ctx.task,
        current_rows=len(ctx.current),
        reference_rows=0 if ctx.reference is None else len(ctx.reference),
        model_type=preflight.model_type,
        prediction_source="model" if ctx.model is not None else "column",
        prediction_column=ctx.prediction_column,
        probability_column=ctx.probability_column,
    )


def _audited_files(preflight: Preflight, policy: Policy) -> dict[str, dict[str, str]]:
    """role -> {path, sha256} for the data, model and policy files read."""
    files = dict(preflight.files)
    if policy.files:
        files["policy"] = {"path": str(policy.files[0]), "sha256": policy.sha256}
    return files


def _model_card(policy: Policy, given: dict[str, Any] | None) -> dict[str, Any]:
    """The policy's model card, overridden key by key by the one given (empty values ignored)."""
    card = {k: v for k, v in policy.model_card.model_dump().items() if v not in (None, [])}
    card.update({k: v for k, v in (given or {}).items() if v not in (None, [])})
    return card


def render(
    result: RunResult | str | Path,
    out: str | Path,
    formats: Sequence[str] = ("html", "json"),
    templates: str | Path | None = None,
    signoffs: Sequence[SignOff] = (),
) -> dict[str, Path]:
    """Write the chosen outputs of a result into ``out``; return format -> path.

    Every output is a pure function of the result, so rendering a saved ``results.json`` again
    gives byte-identical files. A results file written before families were recorded in it gets
    their titles from the installed families.
    """
    from govkit.outputs import check_output_folder, output_lock, refuse_to_overwrite_inputs, write_set

    source = None if isinstance(result, RunResult) else Path(result)
    loaded = result if isinstance(result, RunResult) else RunResult.read(result)
    families = unrecorded_families(loaded)
    folder = Path(out)
    check_output_folder(folder)
    # never write over the audited files, nor over the results file being rendered
    audited = [Path(entry["path"]) for entry in loaded.provenance.files.values() if entry.get("path")]
    refuse_to_overwrite_inputs(
        [folder / OUTPUT_FILES[name] for name in formats if not (name == "json" and source is None)],
        [*audited, source],
    )

    def produce(name: str) -> str:
        return _render_one(loaded, name, templates, signoffs, families, kept="json" in formats)

    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InputError(f"{folder}: cannot create the output folder ({error.strerror})", code="GK402") from None
    # results.json first, on its own: whatever fails later, the measurements are kept
    first = ("json", loaded.to_json()) if "json" in formats else None
    with output_lock(folder):
        return write_set(folder, first, produce, [name for name in formats if name != "json"])


def _render_one(
    result: RunResult,
    name: str,
    templates: str | Path | None,
    signoffs: Sequence[SignOff],
    families: Sequence[Any],
    kept: bool,
) -> str:
    """One renderer's text; its failure becomes one line naming it (exit 2 for the user's own
    templates, exit 3 for a fault in govkit's renderer), and results.json stays written."""
    from govkit.errors import EXIT_INTERNAL, GovkitError
    from govkit.report import render_format

    lost = f"the {name} output was not written" + (" (results.json was)" if kept else "")
    try:
        return render_format(result, name, templates=templates, signoffs=signoffs, families=families)
    except GovkitError as error:
        named = GovkitError(f"{lost}: {error}", code=error.code)
        named.exit_code = error.exit_code
        raise named from error
    except Exception as error:
        failure = GovkitError(
            f"{lost}: {type(error).__name__}: {error}"
            + ("; check the templates" if templates is not None and name == "html" else "; report it")
        )
        failure.exit_code = EXIT_USAGE if templates is not None and name == "html" else EXIT_INTERNAL
        raise failure from error
