"""`govkit audit` and `govkit render`: run a policy, or rebuild outputs from results.json."""

from __future__ import annotations

import shlex
import sys
import warnings
from pathlib import Path
from typing import Any

import click

from govkit.cli.common import handle_errors, read_results, split_values
from govkit.errors import EXIT_FAILED, EXIT_PASSED

FORMAT_CHOICES = ("html", "json", "junit", "markdown")


@click.command()
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    help="Project config (default: ./govkit.yaml if present).",
)
@click.option("--model", help="Model file: skops, or pickle/joblib with --trust-pickle.")
@click.option("--data", help="Current data to audit (CSV or Parquet).")
@click.option("--reference", help="Reference data to compare with (CSV or Parquet).")
@click.option("--target", help="Column with the true outcome.")
@click.option("--sensitive", multiple=True, help="Sensitive column(s), comma-separated or repeated.")
@click.option("--policy", help="Bundled policy name or policy file (default: default).")
@click.option("--out", help="Output folder (default: govkit-report). Existing files in it are kept.")
@click.option(
    "--format",
    "formats",
    multiple=True,
    type=click.Choice(FORMAT_CHOICES),
    help="Outputs to write (repeatable; default html and json).",
)
@click.option("--prediction-column", help="Audit predictions in this column instead of a model.")
@click.option("--probability-column", help="Positive-class probabilities, with --prediction-column.")
@click.option("--positive-label", help="The favourable outcome, e.g. 1 or approved.")
@click.option(
    "--trust-type", "trust_types", multiple=True, help="A type to trust when loading a skops model (repeatable)."
)
@click.option(
    "--trust-pickle", is_flag=True, default=None, help="Allow loading a pickle/joblib model; it can run code."
)
@click.option("--model-sha256", help="Refuse the model file unless its sha256 matches.")
@click.option("--seed", type=int, help="Seed for every sample taken (default 0).")
@click.option(
    "--fail-on", type=click.Choice(["fail", "warn"]), help="Exit 1 on failures only (default) or on warnings too."
)
@click.option(
    "--templates",
    type=click.Path(file_okay=False, exists=True),
    help="Folder with report templates overriding the bundled ones.",
)
@handle_errors
def audit(config_path: str | None, **options: Any) -> None:
    """Run the policy's checks and write the report. Exit 0 passed, 1 blocked, 2 bad input, 3 internal error."""
    from govkit.api import audit as run_audit
    from govkit.api import render
    from govkit.config import AuditConfig, find_config, load_config, resolve
    from govkit.outputs import refuse_to_overwrite_inputs

    if config_path is not None:
        config, base = load_config(config_path)
    elif (found := find_config()) is not None:
        config, base = load_config(found)
    else:
        config, base = AuditConfig(), Path.cwd()

    def pick(option: str, configured: Any, path: bool = False) -> Any:
        given = options.get(option)
        if given not in (None, ()):
            return given
        return resolve(base, configured) if path else configured

    from govkit.policy import load_policy

    # a policy named on the command line is relative to the working directory, one in the config to the config
    policy = load_policy(options["policy"]) if options.get("policy") else load_policy(config.policy, relative_to=base)
    out = Path(pick("out", config.out, path=True))
    formats = list(options["formats"] or config.formats)
    data, reference, model = (
        pick("data", config.data, True),
        pick("reference", config.reference, True),
        pick("model", config.model, True),
    )
    refuse_to_overwrite_inputs(
        [out / _output_name(f) for f in formats],
        [Path(p) for p in (data, reference, model) if p],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = run_audit(
            model=model,
            data=data,
            reference=reference,
            target=pick("target", config.target),
            sensitive=split_values(options["sensitive"]) or config.sensitive,
            policy=policy,
            features=config.features,
            prediction_column=pick("prediction_column", config.prediction_column),
            probability_column=pick("probability_column", config.probability_column),
            positive_label=pick("positive_label", config.positive_label),
            seed=pick("seed", config.seed),
            fail_on=pick("fail_on", config.fail_on),
            trusted_types=list(options["trust_types"]) + config.trusted_types,
            trust_pickle=bool(pick("trust_pickle", config.trust_pickle)),
            model_sha256=pick("model_sha256", config.model_sha256),
            model_card=config.model_card.model_dump(),
            command="govkit " + " ".join(shlex.quote(a) for a in sys.argv[1:]),
        )
        written = render(result, out, formats=formats, templates=options.get("templates"))
    _print_summary(result, written)
    sys.exit(EXIT_PASSED if result.passed else EXIT_FAILED)


def _output_name(fmt: str) -> str:
    from govkit.api import OUTPUT_FILES

    return OUTPUT_FILES[fmt]


def _print_summary(result: Any, written: dict[str, Path]) -> None:
    from govkit.report.text import STATUS_TEXT, VERDICT_TEXT, finding

    label, explanation = VERDICT_TEXT[result.verdict]
    counts = result.counts
    click.echo(f"Verdict: {label}. {explanation}")
    click.echo("  " + ", ".join(f"{counts[s.value]} {STATUS_TEXT[s].lower()}" for s in STATUS_TEXT))
    for check in result.blocking:
        click.echo(f"  blocking: {finding(check)}")
    for name, path in written.items():
        click.echo(f"  {name}: {path}")


@click.command("render")
@click.argument("results", type=click.Path(dir_okay=False))
@click.option("--out", help="Output folder (default: the folder of RESULTS).")
@click.option(
    "--format",
    "formats",
    multiple=True,
    type=click.Choice(FORMAT_CHOICES),
    help="Outputs to write (default: html, junit, markdown).",
)
@click.option(
    "--templates",
    type=click.Path(file_okay=False, exists=True),
    help="Folder with report templates overriding the bundled ones.",
)
@handle_errors
def render_command(results: str, out: str | None, formats: tuple[str, ...], templates: str | None) -> None:
    """Rebuild the report and other outputs from a results.json, without re-running any check."""
    from govkit.api import render
    from govkit.outputs import refuse_to_overwrite_inputs
    from govkit.signing import read_signoffs

    path = Path(results)
    result = read_results(path)
    folder = Path(out) if out else path.parent
    chosen = list(formats or ("html", "junit", "markdown"))
    from govkit.api import OUTPUT_FILES

    refuse_to_overwrite_inputs([folder / OUTPUT_FILES[f] for f in chosen], [path])
    written = render(result, folder, formats=chosen, templates=templates, signoffs=read_signoffs(path))
    for name, target in written.items():
        click.echo(f"{name}: {target}")
