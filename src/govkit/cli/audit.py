"""`govkit audit` and `govkit render`: run a policy, or rebuild outputs from results.json."""

from __future__ import annotations

import atexit
import gc
import shlex
import sys
from pathlib import Path
from typing import Any

import click

from govkit.cli.common import handle_errors, run_audit
from govkit.errors import EXIT_FAILED, EXIT_PASSED
from govkit.outputs import FORMATS as FORMAT_CHOICES


@click.command()
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    help="Project config (default: ./govkit.yaml if present).",
)
@click.option(
    "--model",
    help="Model file: skops, or pickle/joblib with --trust-pickle and --model-sha256; or an MLflow model URI "
    "(models:/NAME/VERSION).",
)
@click.option("--data", help="Current data to audit (CSV or Parquet).")
@click.option("--reference", help="Reference data to compare with (CSV or Parquet).")
@click.option("--target", help="Column with the true outcome.")
@click.option("--sensitive", multiple=True, help="Sensitive column(s), comma-separated or repeated.")
@click.option(
    "--features", multiple=True, help="Model input columns in the model's order (for a model fitted on arrays)."
)
@click.option("--policy", help="Bundled policy name or policy file (default: default).")
@click.option("--out", help="Output folder (default: govkit-report). Existing files in it are kept.")
@click.option(
    "--format",
    "formats",
    multiple=True,
    type=click.Choice(FORMAT_CHOICES),
    help="Outputs to write (repeatable; default html, json, junit and markdown; pdf, on A4, needs Chromium).",
)
@click.option("--prediction-column", help="Audit predictions in this column instead of a model.")
@click.option("--probability-column", help="Positive-class probabilities, with --prediction-column.")
@click.option(
    "--positive-label",
    multiple=True,
    help="The favourable outcome, e.g. 1 or approved; repeat it for several favourable classes of a multiclass model.",
)
@click.option(
    "--class-probability",
    "class_probabilities",
    multiple=True,
    help="LABEL=COLUMN: a class's probability column, with --prediction-column (repeat for every class).",
)
@click.option(
    "--task",
    type=click.Choice(["binary", "multiclass", "regression"]),
    help="The model's task (default: detected from the model or the labels; refused when they disagree).",
)
@click.option(
    "--trust-type", "trust_types", multiple=True, help="A type to trust when loading a skops model (repeatable)."
)
@click.option(
    "--trust-pickle",
    is_flag=True,
    default=None,
    help="Allow loading a pickle/joblib model (it can run code): the one file whose digest --model-sha256 gives.",
)
@click.option("--model-sha256", help="Refuse the model file unless its sha256 matches.")
@click.option(
    "--trust-config",
    is_flag=True,
    default=None,
    help="Accept trusted_types, trust_pickle and model_sha256 from the config file (or GOVKIT_TRUST_CONFIG=1).",
)
@click.option("--seed", type=int, help="Seed for every sample taken (default 0).")
@click.option(
    "--fail-on", type=click.Choice(["fail", "warn"]), help="Exit 1 on failures only (default) or on warnings too."
)
@click.option(
    "--templates",
    type=click.Path(file_okay=False, exists=True),
    help="Folder with report templates overriding the bundled ones.",
)
@click.option(
    "--skip-family",
    "skip_families",
    multiple=True,
    help="A family left out on purpose: it may measure nothing without making the verdict incomplete.",
)
@click.option(
    "--mlflow-run",
    metavar="RUN_ID",
    help="Log the verdict, each check's value and status, and the outputs to this MLflow run (govkit[mlflow]).",
)
@click.option(
    "--timeout",
    type=float,
    help="Seconds the whole audit may take; past them it stops, writes what finished and exits 2 (GK501).",
)
@click.option(
    "--budget",
    "budgets",
    multiple=True,
    metavar="FAMILY=SECONDS",
    help="Seconds one family may take, e.g. explain=60 (repeatable); its unfinished checks become errors.",
)
@click.option(
    "--columns", multiple=True, help="Audit only these columns (comma-separated or repeated); roles are kept."
)
@click.option("--max-columns", type=int, help="Refuse data with more columns than this (default 1000; GK114).")
@click.option(
    "--engine",
    type=click.Choice(["pandas", "stream", "spark"]),
    help="Where rows are read: pandas (in memory, default), stream (Parquet/CSV in batches), spark (govkit[spark]).",
)
@click.option("--sample-rows", type=click.IntRange(min=1), help="stream/spark: rows the frame-reading checks see.")
@click.option("--row-id", help="stream/spark: a column identifying each row; the sample is then engine-independent.")
@click.option("--spark-conf", multiple=True, metavar="KEY=VALUE", help="A Spark setting (repeatable).")
@click.option("--spark-remote", metavar="URL", help="A Spark Connect server, e.g. sc://host:15002.")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors (no progress, no summary).")
@click.option("--store", "store_url", metavar="URL", help="History store, a path or URL (default: .govkit/history.db).")
@click.option("--no-record", is_flag=True, help="Do not record this audit in the history store (it is still compared).")
@click.option(
    "--trusted-keys",
    type=click.Path(exists=True),
    help="Trusted-keys file (or folder of *.pub): only approvals that verify with them count for reapproval.",
)
@click.option("--model-name", help="The model's name in the history (default: the model card's model_name).")
@click.option("--model-version", help="The model's version in the history.")
@handle_errors
def audit(
    config_path: str | None,
    mlflow_run: str | None = None,
    store_url: str | None = None,
    no_record: bool = False,
    model_name: str | None = None,
    model_version: str | None = None,
    trusted_keys: str | None = None,
    **options: Any,
) -> None:
    """Run the policy's checks and write the report. Exit 0 passed, 1 blocked, 2 bad input, 3 internal error."""
    from govkit.config import load_request

    request = load_request(config_path, options)
    command = "govkit " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    from govkit.cli.history import AuditHistory

    history = AuditHistory(
        store_url=store_url, config_path=config_path, record=not no_record,
        model_name=model_name, model_version=model_version, quiet=bool(options.get("quiet")),
        trusted_keys=trusted_keys,
    )  # fmt: skip
    result, written = run_audit(request, command, quiet=bool(options.get("quiet")), prepare=history.attach)
    if not options.get("quiet"):
        _print_summary(result, written)
    if mlflow_run is not None:
        from govkit.mlflow import log_audit

        logged = log_audit(result, mlflow_run)
        if not options.get("quiet"):
            click.echo(f"  logged to MLflow run {logged}")
    reapproval = history.record(result, request.out)  # after the outputs: a store error cannot lose them
    # Everything is written: the engines' millions of long-lived objects need no final collection when the
    # process ends (it took over a second after a small audit), so at exit they leave the collector's sight.
    atexit.register(gc.freeze)
    sys.exit(EXIT_PASSED if result.passed and not reapproval else EXIT_FAILED)


def _print_summary(result: Any, written: dict[str, Path]) -> None:
    from govkit.report.text import STATUS_TEXT, VERDICT_TEXT, finding, terminal_safe

    label, explanation = VERDICT_TEXT[result.verdict]
    counts = result.counts
    click.echo(f"Verdict: {label}. {explanation}")
    click.echo("  " + ", ".join(f"{counts[s.value]} {STATUS_TEXT[s].lower()}" for s in STATUS_TEXT))
    for family in result.unmeasured_families:
        click.echo(f"  not evaluated: {family} measured nothing; give its checks their inputs or opt out")
    unmeasured = set(result.unmeasured_families)
    for check in result.blocking:
        if check.family not in unmeasured:
            click.echo(f"  blocking: {terminal_safe(finding(check))}")
    for name, path in written.items():
        click.echo(f"  {name}: {terminal_safe(str(path))}")


@click.command("render")
@click.argument("results", type=click.Path(dir_okay=False))
@click.option("--out", help="Output folder (default: the folder of RESULTS).")
@click.option(
    "--format",
    "formats",
    multiple=True,
    type=click.Choice(FORMAT_CHOICES),
    help="Outputs to write (default: html, junit, markdown; pdf needs Chromium).",
)
@click.option(
    "--paper", type=click.Choice(["A4", "Letter"]), default="A4", show_default=True, help="Paper size of the PDF."
)
@click.option(
    "--templates",
    type=click.Path(file_okay=False, exists=True),
    help="Folder with report templates overriding the bundled ones.",
)
@click.option(
    "--trusted-keys",
    type=click.Path(exists=True),
    help="Trusted-keys file (or folder of *.pub): the report then shows each sign-off's verified state.",
)
@handle_errors
def render_command(
    results: str,
    out: str | None,
    formats: tuple[str, ...],
    paper: str,
    templates: str | None,
    trusted_keys: str | None,
) -> None:
    """Rebuild the report and other outputs from a results.json, without re-running any check."""
    from govkit import api
    from govkit.signoff import assess_signoffs, read_signoffs

    path = Path(results)
    chosen = list(formats or ("html", "junit", "markdown"))
    # without trust material every sign-off shows as "not verified", never as an approval
    signoffs = assess_signoffs(path, Path(trusted_keys)) if trusted_keys else read_signoffs(path)
    written = api.render(
        path, Path(out) if out else path.parent, formats=chosen, templates=templates, signoffs=signoffs, paper=paper
    )
    for name, target in written.items():
        click.echo(f"{name}: {target}")
