"""`govkit keygen`, `govkit signoff` and `govkit verify`: the reviewer's side of an audit."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from govkit.attestation import DECISIONS
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
    click.echo(f"public key: {public_path} (put it in the trusted-keys folder of the pipelines that verify)")
    click.echo(f"key id: {keyid}")


@click.command()
@click.argument("results", type=click.Path(dir_okay=False))
@click.option("--key", required=True, type=click.Path(dir_okay=False), help="Your private key (from govkit keygen).")
@click.option("--name", required=True, help="Your name, as it appears in the report.")
@click.option("--role", required=True, help="Your role, e.g. 'Model risk officer'.")
@click.option("--decision", required=True, type=click.Choice(DECISIONS))
@click.option("--conditions", help="The conditions of an approve-with-conditions decision.")
@click.option(
    "--expires", type=click.DateTime(formats=["%Y-%m-%d"]), help="Date the sign-off stops being valid (YYYY-MM-DD)."
)
@click.option(
    "--templates",
    type=click.Path(file_okay=False, exists=True),
    help="The templates the report was rendered with, if not the bundled ones.",
)
@handle_errors
def signoff(
    results: str,
    key: str,
    name: str,
    role: str,
    decision: str,
    conditions: str | None,
    expires: Any,
    templates: str | None,
) -> None:
    """Sign the audit in RESULTS: a DSSE envelope beside it binds the results, the report, the model and the data."""
    from govkit import api
    from govkit.signoff.protocol import REPORT_FILE
    from govkit.signoff.sidecar import sidecar_path

    path = Path(results)
    api.sign_off(
        path,
        Path(key),
        name,
        role,
        decision,
        conditions=conditions,
        expires=expires.date() if expires else None,
        templates=templates,
    )
    click.echo(f"signed: {name} ({role}) {decision}; envelope in {sidecar_path(path)}")
    click.echo(f"report re-rendered with the sign-off: {path.parent / REPORT_FILE}")


@click.command()
@click.argument("results", type=click.Path(dir_okay=False))
@click.option(
    "--trusted-keys", required=True, type=click.Path(file_okay=False), help="Folder of trusted public keys (*.pub)."
)
@click.option(
    "--model", type=click.Path(dir_okay=False), help="The model file to check (default: the path recorded in RESULTS)."
)
@click.option("--data", type=click.Path(dir_okay=False), help="The current data file to check (default: as recorded).")
@click.option(
    "--reference", type=click.Path(dir_okay=False), help="The reference data file to check (default: as recorded)."
)
@click.option(
    "--templates",
    type=click.Path(file_okay=False, exists=True),
    help="The templates the report was rendered with, if not the bundled ones.",
)
@handle_errors
def verify(
    results: str, trusted_keys: str, model: str | None, data: str | None, reference: str | None, templates: str | None
) -> None:
    """Exit 0 only if RESULTS is signed off by trusted keys, unexpired, approving, and nothing changed since."""
    from govkit import api

    path = Path(results)
    outcome = api.verify(
        path,
        Path(trusted_keys),
        model=Path(model) if model else None,
        data=Path(data) if data else None,
        reference=Path(reference) if reference else None,
        templates=templates,
    )
    if outcome.ok:
        names = ", ".join(s.who for s in outcome.approvals)
        click.echo(f"VERIFIED: {path} approved by {names}; results, report, model and data unchanged")
        sys.exit(EXIT_PASSED)
    for reason in outcome.reasons:
        click.echo(f"NOT VERIFIED: {reason}", err=True)
    sys.exit(EXIT_FAILED)
