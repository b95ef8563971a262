"""`govkit keygen`, `govkit signoff` and `govkit verify`: the reviewer's side of an audit.

Thin: each command parses its options, calls ``govkit.api``, prints and exits (0 verified, 1 not
verified, 2 usage). Every line that carries text a signer chose is printed through ``printable``, so
a name cannot start a line of its own or reorder one.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from govkit.attestation import DECISIONS, SignOff, printable
from govkit.cli.common import handle_errors
from govkit.errors import EXIT_FAILED, EXIT_PASSED


@click.command()
@click.argument("key", type=click.Path(dir_okay=False))
@click.option("--public", type=click.Path(dir_okay=False), help="Where to write the public key (default: KEY.pub).")
@handle_errors
def keygen(key: str, public: str | None) -> None:
    """Create an Ed25519 key pair for signing off audits (the private key is written with mode 600)."""
    from govkit.signoff.keys import generate_keypair

    private_path, public_path, keyid = generate_keypair(Path(key), Path(public) if public else None)
    click.echo(f"private key: {private_path} (keep it secret)")
    click.echo(f"public key: {public_path}")
    click.echo(f"key id: {keyid}")
    click.echo(
        "to be trusted, the verifiers add this key to their trusted-keys file: keyid, your name and role,"
        " and public_key (the .pub file or its text)"
    )


_STORE = click.option(
    "--store", "store_url", metavar="URL", help="History store (default: .govkit/history.db beside govkit.yaml)."
)
_TEMPLATES = click.option(
    "--templates",
    type=click.Path(file_okay=False, exists=True),
    help="The templates the report was rendered with, if not the bundled ones (their digest is signed and checked).",
)


@click.command()
@click.argument("results", type=click.Path(dir_okay=False))
@click.option("--key", required=True, type=click.Path(dir_okay=False), help="Your private key (from govkit keygen).")
@click.option("--name", required=True, help="Your name, as the verifiers' trusted-keys file records it.")
@click.option(
    "--role", required=True, help="Your role, as the trusted-keys file records it, e.g. 'Model risk officer'."
)
@click.option("--decision", required=True, type=click.Choice(DECISIONS))
@click.option("--conditions", help="The conditions of an approve-with-conditions decision.")
@click.option(
    "--expires", type=click.DateTime(formats=["%Y-%m-%d"]), help="Date the sign-off stops being valid (YYYY-MM-DD)."
)
@click.option(
    "--override-reason",
    help="Why you approve an audit that did not pass (required then, refused otherwise); signed and shown by verify.",
)
@click.option(
    "--trusted-keys",
    type=click.Path(exists=True),
    help="The verifiers' trusted-keys file (or folder): checks your key and identity, and the report shows states.",
)
@_TEMPLATES
@_STORE
@handle_errors
def signoff(
    results: str,
    key: str,
    name: str,
    role: str,
    decision: str,
    conditions: str | None,
    expires: Any,
    override_reason: str | None,
    trusted_keys: str | None,
    templates: str | None,
    store_url: str | None,
) -> None:
    """Sign the audit in RESULTS: an entry in the hash-chained log beside it binds results, report, model, data."""
    from govkit import api
    from govkit.signoff.protocol import REPORT_FILE
    from govkit.signoff.sidecar import sidecar_path

    path = Path(results)
    extra: dict[str, Any] = {}  # only what was given: the library's defaults apply to the rest
    if override_reason is not None:
        extra["override_reason"] = override_reason
    if trusted_keys is not None:
        extra["trusted_keys"] = Path(trusted_keys)
    from govkit.cli.history import store_url_for

    store = store_url_for(store_url, None)
    if store is not None:
        extra["store"] = store
    record = api.sign_off(
        path,
        Path(key),
        name,
        role,
        decision,
        conditions=conditions,
        expires=expires.date() if expires else None,
        templates=templates,
        **extra,
    )
    if override_reason is not None:
        click.echo(
            f"warning: {path} did not pass; this approval overrides its verdict: {printable(override_reason)}",
            err=True,
        )
    click.echo(printable(f"signed: {name} ({role}) {decision}; entry in the sign-off log {sidecar_path(path)}"))
    if isinstance(record, SignOff):
        click.echo(f"log entry #{record.position}, sha256 {record.digest} (a pipeline can pin it: verify --head)")
    click.echo(f"report re-rendered with the sign-off: {path.parent / REPORT_FILE}")


@click.command()
@click.argument("results", type=click.Path(dir_okay=False))
@click.option(
    "--trusted-keys",
    required=True,
    type=click.Path(),
    help="Trusted-keys file (keys by key id, holders' names and roles, trust policy) or a folder of *.pub keys.",
)
@click.option(
    "--model", type=click.Path(dir_okay=False), help="The model file to check (default: the path recorded in RESULTS)."
)
@click.option("--data", type=click.Path(dir_okay=False), help="The current data file to check (default: as recorded).")
@click.option(
    "--reference", type=click.Path(dir_okay=False), help="The reference data file to check (default: as recorded)."
)
@click.option("--approvals", type=click.IntRange(min=1), help="Approvals required, by distinct keys (at least).")
@click.option("--require-role", "required_roles", multiple=True, help="A role that must approve (repeatable).")
@click.option("--require-pass", is_flag=True, help="Approvals of an audit that did not pass count only as overrides.")
@click.option("--head", metavar="SHA256", help="The sha256 of a log entry that must still be in the log.")
@click.option(
    "--mlflow-model",
    metavar="URI",
    help="The registered MLflow model version audited (models:/NAME/VERSION): its model file is checked, and "
    "when verified it is tagged govkit.approved=true with the log's head sha256 (govkit[mlflow]).",
)
@_TEMPLATES
@_STORE
@handle_errors
def verify(
    results: str,
    trusted_keys: str,
    model: str | None,
    data: str | None,
    reference: str | None,
    approvals: int | None,
    required_roles: tuple[str, ...],
    require_pass: bool,
    head: str | None,
    mlflow_model: str | None,
    templates: str | None,
    store_url: str | None,
) -> None:
    """Exit 0 only if RESULTS is signed off as the trust policy requires, and nothing changed since."""
    from contextlib import ExitStack

    from govkit import api
    from govkit.cli.history import existing_store_url
    from govkit.errors import InputError

    path = Path(results)
    if mlflow_model is not None and model is not None:
        raise InputError("give either --model or --mlflow-model, not both")
    with ExitStack() as stack:
        if mlflow_model is not None:
            from govkit.mlflow import model_file

            model = str(stack.enter_context(model_file(mlflow_model)))
        outcome = api.verify(
            path,
            Path(trusted_keys),
            model=Path(model) if model else None,
            data=Path(data) if data else None,
            reference=Path(reference) if reference else None,
            templates=templates,
            approvals=approvals,
            required_roles=required_roles,
            require_pass=require_pass,
            head=head,
            **({"store": store} if (store := existing_store_url(store_url)) else {}),
        )
    if outcome.ok:
        click.echo(printable(f"VERIFIED: {path} {outcome.approved_by()}; audit verdict: {outcome.verdict}"))
    for line in outcome.summary:
        click.echo(printable(f"  {line}"))
    if store is None and head is None:
        # said, never implied: without a store (or --head) a log cut short at its end cannot be told apart
        click.echo("  no history store: the sign-off log's end is not anchored (give --store, or --head)")
    if outcome.ok:
        if mlflow_model is not None:
            _approve_in_mlflow(mlflow_model, path, outcome)
        sys.exit(EXIT_PASSED)
    for reason in outcome.reasons:
        click.echo(printable(f"NOT VERIFIED: {reason}"), err=True)
    sys.exit(EXIT_FAILED)


def _approve_in_mlflow(uri: str, results: Path, outcome: Any) -> None:
    """Tag the verified model version approved, with the log's head entry a deployment job can pin."""
    from govkit.inputs import sha256_file
    from govkit.mlflow import approve_model_version

    tags = approve_model_version(
        uri,
        envelope_sha256=outcome.head or "",
        results_sha256=sha256_file(results),
        approved_by=outcome.approved_by(),
    )
    shown = ", ".join(f"{key}={value}" for key, value in tags.items() if key != "govkit.approved_by")
    click.echo(printable(f"  MLflow: {uri} tagged {shown}"))
