"""`govkit validate`, `checks`, `policies` and `init`: what govkit can check, and a starting config."""

from __future__ import annotations

from pathlib import Path

import click

from govkit.cli.common import handle_errors


@click.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--task",
    type=click.Choice(["binary", "multiclass", "regression"]),
    default=None,
    help="Also check that every enabled check applies to this task (a config's task: is used otherwise).",
)
@handle_errors
def validate(file: str, task: str | None) -> None:
    """Check a policy or a govkit.yaml config; print every problem with its location (exit 0 or 2)."""
    from govkit.validation import validate_file

    kind, summary = validate_file(Path(file), task=task)
    click.echo(f"{file}: valid {kind}. {summary}")
    if kind == "config":
        for warning in _trust_warnings(Path(file)):
            click.echo(f"govkit: warning: {warning}", err=True)


def _trust_warnings(path: Path) -> list[str]:
    """A valid config may still be refused by ``govkit audit``: its trust keys need the operator's word."""
    import os

    from govkit.config import TRUST_ENV, TRUST_KEYS, load_config
    from govkit.report.text import terminal_safe

    config, _ = load_config(path)
    given = [key for key in TRUST_KEYS if key in config.model_fields_set and getattr(config, key)]
    if not given or os.environ.get(TRUST_ENV) == "1":
        return []
    return [
        terminal_safe(
            f"{path.name}: {', '.join(given)}: govkit audit refuses a config file's trust settings unless the "
            f"operator confirms them with --trust-config or {TRUST_ENV}=1 (or passes them on the command line)"
        )
    ]


@click.command("checks")
@click.option(
    "--family", help="Only the checks of this family (quality, drift, fairness, explain, performance, robustness)."
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "markdown"]),
    default="text",
    show_default=True,
    help="markdown: one table (check, title, what it measures, needs), as in the README.",
)
@handle_errors
def checks_command(family: str | None, output_format: str) -> None:
    """Every available check with its one-line doc, the inputs it needs, and its parameters."""
    from govkit.catalog import checks_markdown, describe_checks
    from govkit.errors import InputError
    from govkit.registry import family_names

    if family is not None and family not in family_names():
        raise InputError(f"unknown family '{family}'; use one of {', '.join(family_names())}")
    if output_format == "markdown":
        click.echo(checks_markdown(describe_checks(family)), nl=False)
        return
    for info in describe_checks(family):
        click.echo(f"{info.id}\n    {info.doc}\n    needs: {', '.join(info.requires)}")
        for param in info.params:
            click.echo(f"    param {param['name']} = {param['default']!r}: {param['description']}")


@click.command()
@handle_errors
def policies() -> None:
    """The policies bundled with govkit (use them by name with --policy)."""
    from govkit.catalog import describe_policies

    for policy in describe_policies():
        extends = f" (extends {', '.join(policy['extends'])})" if policy["extends"] else ""
        click.echo(f"{policy['name']}{extends}: {policy['checks']} checks\n    {policy['description']}")


@click.command()
@click.option(
    "--data", required=True, type=click.Path(dir_okay=False), help="A CSV or Parquet file of the data to audit."
)
@click.option("--reference", type=click.Path(dir_okay=False), help="Reference data, if there is some.")
@click.option("--model", type=click.Path(dir_okay=False), help="The model file, if there is one.")
@click.option(
    "--out",
    default="govkit.yaml",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="Where to write the config.",
)
@handle_errors
def init(data: str, reference: str | None, model: str | None, out: str) -> None:
    """Write a commented starter govkit.yaml for your data (never overwrites an existing file)."""
    from govkit.starter import write_starter

    path, proposals = write_starter(
        Path(data), Path(out), model=Path(model) if model else None, reference=Path(reference) if reference else None
    )
    click.echo(f"wrote {path}")
    click.echo(f"  target: {proposals['target'] or 'not recognised; set target:'}")
    click.echo(f"  task: {proposals.get('task') or 'not recognised; set task:'}")
    click.echo(f"  sensitive: {', '.join(proposals['sensitive']) or 'none recognised; set sensitive:'}")
    click.echo("Review the lines marked 'proposed', then run: govkit audit")
