"""The library's front door: four verbs, each a plain function.

- ``audit``: run a policy on a model (or its predictions) and data; returns a ``RunResult``.
- ``render``: write the outputs of a result (HTML, results.json, JUnit, Markdown).
- ``sign_off``: sign the audit in a results.json (render, hash, bind, sign; the report is re-rendered).
- ``verify``: check the sign-offs against trusted keys and the audited files.

``sign_off`` and ``verify`` are the sign-off protocol of ``govkit.signoff.protocol``; given a history
``store`` they also record the sign-off, and check the sign-off log against the store's record of it.
``record`` and ``since_last_approved`` put an audit in the history store and compare it with the last
approved one (``govkit.history``).

No printing, no ``sys.exit``, no global state: a data scientist can call these inside a pipeline.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from govkit.engines.options import EngineOptions, engine_options
from govkit.errors import EXIT_USAGE, GovkitError, InputError
from govkit.limits import Limits
from govkit.outputs import OUTPUT_FILES
from govkit.policy import Policy, load_policy
from govkit.preflight import Preflight
from govkit.progress import Progress
from govkit.provenance import build_provenance, now
from govkit.registry import describe_families, unrecorded_families
from govkit.results import AuditInputs, RunResult
from govkit.runner import run_policy
from govkit.signoff import protocol

if TYPE_CHECKING:
    from collections.abc import Callable

    import pandas as pd

    from govkit.attestation import SignOff
    from govkit.history import AuditRecord, Store
    from govkit.history.since import Since
    from govkit.progress import ProgressEvent
    from govkit.reapproval import Reapproval
    from govkit.signoff.verification import VerifyOutcome

__all__ = ["OUTPUT_FILES", "audit", "record", "render", "sign_off", "since_last_approved", "verify"]


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
    task: Literal["binary", "multiclass", "regression"] | None = None,
    class_probabilities: dict[Any, str] | None = None,
    model_card: dict[str, Any] | None = None,
    command: str | None = None,
    parallel: bool = True,
    timeout: float | None = None,
    budgets: dict[str, float] | None = None,
    progress: Callable[[ProgressEvent], None] | None = None,
    columns: list[str] | None = None,
    max_columns: int | None = None,
    engine: Literal["pandas", "stream", "spark"] | EngineOptions | None = None,
) -> RunResult:
    """Audit a model (or its predictions) on current data against reference data and a policy.

    ``model`` and the frames: objects or paths; raises ``GovkitError`` (one line) on bad input. ``task`` is
    detected unless given; ``positive_label``: one label or (multiclass) a list; ``features`` orders inputs;
    ``class_probabilities={label: column}``; ``parallel=False`` runs every check here (same results);
    ``timeout``/``budgets``: ``govkit.limits``; ``progress``: ``govkit.progress``; ``columns``: GK114;
    ``engine``: where rows are read, a name or ``govkit.EngineOptions`` (a Spark DataFrame selects spark)."""
    started_at, started = now(), time.perf_counter()
    limits = Limits.make(timeout, budgets)  # checked before anything is read
    sensitive = _sensitive_list(sensitive, fail_on)
    resolved = policy if isinstance(policy, Policy) else load_policy(policy)
    with _model_source(model) as source, Preflight(
        data=data, reference=reference, model=source, target=target, sensitive=sensitive, features=features,
        prediction_column=prediction_column, probability_column=probability_column,
        positive_label=positive_label, seed=seed, trusted_types=trusted_types, trust_pickle=trust_pickle,
        model_sha256=model_sha256, task=task, policy=resolved, class_probabilities=class_probabilities,
        columns=columns, max_columns=max_columns, engine=engine_options(engine, seed=seed),
    ) as preflight:  # fmt: skip
        checks = run_policy(resolved, preflight, parallel=parallel, limits=limits, progress=Progress(progress))
    provenance = build_provenance(
        started_at=started_at, duration_seconds=time.perf_counter() - started, seed=seed,
        files=_audited_files(preflight, resolved, model), sampling=preflight.context.sampling, command=command,
        engine=preflight.engine_record,
    )  # fmt: skip
    result = RunResult(
        policy=resolved.summary(), model_card=_model_card(model_card), inputs=_audited_inputs(preflight),
        provenance=provenance, checks=checks, fail_on=fail_on, families=describe_families(c.family for c in checks),
    )  # fmt: skip
    limits.raise_if_stopped(result)  # past the timeout: AuditTimeout carrying what finished
    return result


def _sensitive_list(sensitive: list[str] | str | None, fail_on: str) -> list[str] | None:
    """The sensitive columns as a list ("sex, race" is two); ``fail_on`` checked on the way."""
    if fail_on not in ("fail", "warn"):
        raise InputError(f"fail_on must be 'fail' or 'warn', not {fail_on!r}")
    if isinstance(sensitive, str):
        return [part.strip() for part in sensitive.split(",") if part.strip()]
    return sensitive


@contextmanager
def _model_source(model: Any) -> Iterator[Any]:
    """The model as given; for an MLflow model URI, the path of its model file, fetched for the ``with``
    block and then read like any other model file (the same rules for skops and pickle)."""
    if not _is_model_uri(model):
        yield model
        return
    from govkit.mlflow import model_file

    with model_file(model) as path:
        yield str(path)


def _audited_inputs(preflight: Preflight) -> AuditInputs:
    """The shape of what was audited, as the context ended up after preflight."""
    ctx = preflight.context
    return AuditInputs(
        target=ctx.target,
        sensitive=ctx.sensitive,
        features=ctx.features,
        positive_label=", ".join(str(label) for label in ctx.favourable_labels) or None,
        task=ctx.task,
        current_rows=ctx.current_rows,
        reference_rows=_reference_rows(preflight),
        model_type=preflight.model_type,
        prediction_source="model" if ctx.model is not None else "column",
        prediction_column=ctx.prediction_column,
        probability_column=ctx.probability_column,
    )


def _reference_rows(preflight: Preflight) -> int:
    """The reference data's rows: all of them, not an engine's sample."""
    tables, ctx = preflight.tables, preflight.context
    if tables is not None and tables.reference is not None:
        return tables.reference.rows
    return 0 if ctx.reference is None else len(ctx.reference)


def _is_model_uri(model: Any) -> bool:
    return isinstance(model, str) and model.startswith(("models:/", "runs:/"))


def _audited_files(preflight: Preflight, policy: Policy, model: Any = None) -> dict[str, dict[str, str]]:
    """role -> {path, sha256} for the data, model and policy files read (an MLflow model by its URI: the
    downloaded copy is gone, the registry keeps the model)."""
    files = dict(preflight.files)
    if _is_model_uri(model) and "model" in files:
        files["model"] = {**files["model"], "path": model}
    if policy.files:
        files["policy"] = {"path": str(policy.files[0]), "sha256": policy.sha256}
    return files


def _model_card(given: dict[str, Any] | None) -> dict[str, Any]:
    """The model's card as its owner gave it (empty values ignored). The policy's own card text is recorded
    with the policy (``policy.summary()``) and shown apart: it never fills in the model's card."""
    return {k: v for k, v in (given or {}).items() if v not in (None, [])}


def render(
    result: RunResult | str | Path,
    out: str | Path,
    formats: Sequence[str] = ("html", "json"),
    templates: str | Path | None = None,
    signoffs: Sequence[SignOff] = (),
    paper: str = "A4",
) -> dict[str, Path]:
    """Write the chosen outputs of a result into ``out``; return format -> path (``paper``: the PDF's, A4 or Letter).

    Every output is a pure function of the result, so rendering a saved ``results.json`` again
    gives byte-identical files (the PDF: the same pages and attachments, printed again by the browser).
    A results file written before families were recorded in it gets their titles from the installed families.
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

    def produce(name: str) -> str | bytes:
        return _render_one(loaded, name, templates, signoffs, families, kept="json" in formats, paper=paper)

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
    paper: str = "A4",
) -> str | bytes:
    """One renderer's text; its failure becomes one line naming it (exit 2 for the user's own
    templates, exit 3 for a fault in govkit's renderer), and results.json stays written."""
    from govkit.errors import EXIT_INTERNAL, GovkitError
    from govkit.report import render_format

    lost = f"the {name} output was not written" + (" (results.json was)" if kept else "")
    try:
        return render_format(result, name, templates=templates, signoffs=signoffs, families=families, paper=paper)
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


def sign_off(
    results: str | Path, key: str | Path, name: str, role: str, decision: str, *, store: str | Store | None = None,
    **options: Any,
) -> SignOff:  # fmt: skip
    """``govkit.signoff.protocol.sign_off`` (``options`` are its keywords); with a history ``store`` the
    envelope is recorded too, against the recorded audit of this results.json (recorded now if it is not),
    with the digest of the custom ``templates`` when given. The sign-off is made first: a store that fails
    is an error after it, and the log keeps the entry."""
    signed = protocol.sign_off(results, key, name, role, decision, **options)
    if store is not None:
        from govkit.report.html import template_set_digest as templates_digest
        from govkit.signoff.sidecar import read_envelopes, sidecar_path

        envelope = read_envelopes(sidecar_path(results))[signed.position - 1]
        templates = options.get("templates")
        with _store(store) as history:
            found = history.find(signed.results_sha256)
            audit_id = found[-1].id if found else history.record(Path(results).read_bytes())
            history.record_signoff(envelope, audit_id, templates_digest(templates) if templates else None)
    return signed


def verify(results: str | Path, trusted_keys: str | Path, *, store: str | Store | None = None,
           **options: Any) -> VerifyOutcome:  # fmt: skip
    """``govkit.signoff.protocol.verify`` (``options`` are its keywords). With a history ``store``, every
    sign-off the store recorded for this results.json must still be in the log: deleting the log's last
    entries (which a hash chain alone cannot show) fails verification, naming what is missing, and so does
    a custom template set other than the one the store recorded with the sign-offs."""
    outcome = protocol.verify(results, trusted_keys, **options)
    if store is not None:
        from govkit.history.anchor import missing_entries
        from govkit.report.html import template_set_digest as templates_digest
        from govkit.signoff.chain import entry_digest
        from govkit.signoff.dsse import SignatureError, b64decode
        from govkit.signoff.sidecar import read_envelopes, sidecar_path

        data, _ = protocol.load_results(Path(results))
        digests = set()
        for envelope in read_envelopes(sidecar_path(results)):
            try:  # an entry that does not decode is verify's to report; it matches nothing here
                digests.add(entry_digest(b64decode(envelope.get("payload"), "payload")))
            except SignatureError:
                continue
        templates = options.get("templates")
        with _store(store) as history:
            missing, recorded = missing_entries(
                history, hashlib.sha256(data).hexdigest(), digests, templates_digest(templates) if templates else None
            )
        outcome.reasons.extend(missing)
        outcome.ok = outcome.ok and not missing
        outcome.summary.append(
            f"history store: {recorded} recorded sign-off(s), {recorded - len(missing)} in the log"
            if recorded
            else "history store: no sign-off of this results.json is recorded; the log's end is not anchored"
        )
    return outcome


def record(
    result: RunResult | str | Path,
    store: str | Store,
    *,
    out: str | Path | None = None,
    model_name: str | None = None,
    model_version: str | None = None,
) -> int:
    """Record an audit in the history ``store`` (a URL, a path or a ``govkit.history.Store``); return its id.

    ``result`` is a result or its results.json; with ``out`` (the folder ``render`` wrote) the record keeps
    the results.json and the sha256 of the report.html written there. Raises ``govkit.history.StoreError``
    (one line) when the store cannot be used.
    """
    from govkit.history.records import sha256_text

    folder = Path(out) if out is not None else None
    written = folder / OUTPUT_FILES["json"] if folder is not None else None
    if isinstance(result, (str, Path)):
        text = Path(result).read_text(encoding="utf-8")
    else:
        text = result.to_json()
        if written is not None and written.is_file():
            on_disk = written.read_text(encoding="utf-8")
            # the results.json written for this very audit (its bytes are what a sign-off binds), never an
            # earlier run's file left in the folder when this run did not write json
            try:
                same_audit = RunResult.from_json(on_disk).provenance.started_at == result.provenance.started_at
            except (ValueError, GovkitError):  # not a results file of any audit: certainly not this one's
                same_audit = False
            if same_audit:
                text = on_disk
    report = folder / OUTPUT_FILES["html"] if folder is not None else None
    report_sha = sha256_text(report.read_text(encoding="utf-8")) if report is not None and report.is_file() else None
    with _store(store) as history:
        return history.record(text, report_sha256=report_sha, model_name=model_name, model_version=model_version)


def since_last_approved(
    result: RunResult,
    store: str | Store,
    *,
    model_name: str | None = None,
    reapproval: Reapproval | None = None,
    trusted_keys: str | Path | None = None,
) -> Since | None:
    """What changed from the last approved audit of the model in ``store`` to ``result`` (None when none
    is approved yet); ``.material`` lists the changes ``reapproval`` (default: the policy's) says need a
    fresh approval. With ``trusted_keys`` (a trusted-keys file or folder), an audit counts as approved
    only when an approval's signature verifies with a trusted key under its holder's identity, and no
    such rejection stands."""
    from govkit.history.since import since_last_approved as compare
    from govkit.reapproval import Reapproval

    if reapproval is None and result.policy.get("reapproval") is not None:
        reapproval = Reapproval.model_validate(result.policy["reapproval"])
    accept = approved_by_trusted_keys(trusted_keys) if trusted_keys is not None else None
    with _store(store) as history:
        return compare(history, result, model_name=model_name, reapproval=reapproval, accept=accept)


def approved_by_trusted_keys(trusted_keys: str | Path) -> Callable[[AuditRecord], bool]:
    """A test of a history record: does a trusted key's holder approve it, with no trusted rejection?"""
    import json

    from govkit.attestation import APPROVING
    from govkit.signoff.assess import assess_envelopes
    from govkit.signoff.trust import load_trust

    trust = load_trust(trusted_keys)

    def verified(envelope: str) -> bool:
        # one envelope at a time: the store is no log, so only the signature and the identity are judged
        records = assess_envelopes([json.loads(envelope)], trust).records
        return any(r.verified and r.state != "identity mismatch" for r in records)

    def accept(record: AuditRecord) -> bool:
        decisions = [s.decision for s in record.signoffs if s.intact and verified(s.envelope)]
        return any(d in APPROVING for d in decisions) and all(d in APPROVING for d in decisions)

    return accept


def _store(store: str | Store) -> Any:
    """A context for using ``store``: a given ``Store`` stays open, one opened from a URL is closed."""
    from contextlib import nullcontext

    from govkit.history import Store

    return nullcontext(store) if isinstance(store, Store) else Store(store)
