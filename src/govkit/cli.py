"""The ``govkit`` command: parse options, call the library, print a short summary, map to an exit code.

Heavy libraries are imported only inside the commands that need them, so ``govkit --help`` stays
instant. Every error the user can fix is one line on stderr with exit code 2.
"""

from __future__ import annotations

import os
import shlex
import sys
import warnings
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import click

from govkit import __version__
from govkit.errors import EXIT_FAILED, EXIT_INTERNAL, EXIT_PASSED, EXIT_USAGE, GovkitError, PolicyError

FORMAT_CHOICES = ("html", "json", "junit", "markdown")


def _fail(message: str, code: int) -> None:
    for line in message.splitlines() or [message]:
        click.echo(f"govkit: error: {line}", err=True)
    sys.exit(code)


def handle_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Known problems -> one line each and exit 2; anything else -> exit 3 (traceback with GOVKIT_DEBUG=1)."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except PolicyError as error:
            _fail("\n".join(error.problems), EXIT_USAGE)
        except GovkitError as error:
            _fail(str(error), error.exit_code)
        except BrokenPipeError:
            # the reader of our output went away (e.g. `govkit checks | head`): not an error
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(EXIT_PASSED)
        except (KeyboardInterrupt, SystemExit):
            raise
        except Exception as error:
            if os.environ.get("GOVKIT_DEBUG"):
                raise
            _fail(
                f"internal error: {type(error).__name__}: {error}; "
                "rerun with GOVKIT_DEBUG=1 for a traceback and report it",
                EXIT_INTERNAL,
            )

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="govkit")
def main() -> None:
    """govkit: audit a model's data quality, drift, fairness, explanations and performance,
    and write one governance report to sign off."""


def _split(values: tuple[str, ...]) -> list[str] | None:
    parts = [part.strip() for value in values for part in value.split(",") if part.strip()]
    return parts or None


@main.command()
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
            sensitive=_split(options["sensitive"]) or config.sensitive,
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


def _read_results(path: Path):  # noqa: ANN202 - RunResult is imported lazily
    from pydantic import ValidationError

    from govkit.errors import InputError
    from govkit.results import RunResult

    if not path.is_file():
        raise InputError(f"{path}: results file not found; give the results.json an audit wrote")
    try:
        return RunResult.read(path)
    except (ValueError, ValidationError) as error:
        first = str(error).splitlines()[0]
        raise InputError(f"{path}: not a govkit results file ({first})") from None


@main.command("render")
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
    result = _read_results(path)
    folder = Path(out) if out else path.parent
    chosen = list(formats or ("html", "junit", "markdown"))
    from govkit.api import OUTPUT_FILES

    refuse_to_overwrite_inputs([folder / OUTPUT_FILES[f] for f in chosen], [path])
    written = render(result, folder, formats=chosen, templates=templates, signoffs=read_signoffs(path))
    for name, target in written.items():
        click.echo(f"{name}: {target}")


@main.command()
@click.argument("key", type=click.Path(dir_okay=False))
@click.option("--public", type=click.Path(dir_okay=False), help="Where to write the public key (default: KEY.pub).")
@handle_errors
def keygen(key: str, public: str | None) -> None:
    """Create an Ed25519 key pair for signing off audits (the private key is written with mode 600)."""
    from govkit.signing import generate_keypair

    private_path, public_path, keyid = generate_keypair(Path(key), Path(public) if public else None)
    click.echo(f"private key: {private_path} (keep it secret)")
    click.echo(f"public key: {public_path} (put it in the trusted-keys folder of the pipelines that verify)")
    click.echo(f"key id: {keyid}")


@main.command()
@click.argument("results", type=click.Path(dir_okay=False))
@click.option("--key", required=True, type=click.Path(dir_okay=False), help="Your private key (from govkit keygen).")
@click.option("--name", required=True, help="Your name, as it appears in the report.")
@click.option("--role", required=True, help="Your role, e.g. 'Model risk officer'.")
@click.option("--decision", required=True, type=click.Choice(["approve", "reject", "approve-with-conditions"]))
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
    import hashlib

    from govkit.errors import InputError
    from govkit.outputs import write_text_atomic
    from govkit.report.html import render_html
    from govkit.signing import read_signoffs, sidecar_path, sign_off

    path = Path(results)
    result = _read_results(path)
    report = path.parent / "report.html"
    existing = read_signoffs(path)
    unsigned = render_html(result, templates=templates)
    if report.exists() and report.read_text(encoding="utf-8") not in (
        unsigned,
        render_html(result, templates=templates, signoffs=existing),
    ):
        raise InputError(
            f"{report}: differs from a fresh rendering of {path.name}; it may have been edited. "
            "Run govkit render to rebuild it, read it again, then sign"
        )
    sign_off(
        path,
        hashlib.sha256(unsigned.encode("utf-8")).hexdigest(),
        Path(key),
        name,
        role,
        decision,
        conditions=conditions,
        expires=expires.date() if expires else None,
    )
    write_text_atomic(report, render_html(result, templates=templates, signoffs=read_signoffs(path)))
    click.echo(f"signed: {name} ({role}) {decision}; envelope in {sidecar_path(path)}")
    click.echo(f"report re-rendered with the sign-off: {report}")


@main.command()
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
    import hashlib

    from govkit.errors import GovkitError
    from govkit.report.html import render_html
    from govkit.signing import read_signoffs
    from govkit.signing import verify as verify_signoffs

    path = Path(results)
    result = _read_results(path)
    try:
        signoffs = read_signoffs(path)
    except GovkitError as error:  # an unreadable sidecar is a failed verification, not a usage error
        click.echo(f"NOT VERIFIED: {error}", err=True)
        sys.exit(EXIT_FAILED)
    report = path.parent / "report.html"
    outcome = verify_signoffs(
        path,
        Path(trusted_keys),
        report_path=report,
        expected_report_bytes=render_html(result, templates=templates, signoffs=signoffs).encode("utf-8"),
        unsigned_report_sha256=hashlib.sha256(render_html(result, templates=templates).encode("utf-8")).hexdigest(),
        model=Path(model) if model else None,
        data=Path(data) if data else None,
        reference=Path(reference) if reference else None,
    )
    if outcome.ok:
        names = ", ".join(s.who for s in outcome.approvals)
        click.echo(f"VERIFIED: {path} approved by {names}; results, report, model and data unchanged")
        sys.exit(EXIT_PASSED)
    for reason in outcome.reasons:
        click.echo(f"NOT VERIFIED: {reason}", err=True)
    sys.exit(EXIT_FAILED)


@main.command()
@click.argument("file", type=click.Path(dir_okay=False))
@handle_errors
def validate(file: str) -> None:
    """Check a policy or a govkit.yaml config; print every problem with its location (exit 0 or 2)."""
    from govkit.validation import validate_file

    kind, summary = validate_file(Path(file))
    click.echo(f"{file}: valid {kind}. {summary}")


@main.command("checks")
@click.option("--family", help="Only the checks of this family (quality, drift, fairness, explain, performance).")
@handle_errors
def checks_command(family: str | None) -> None:
    """Every available check with its one-line doc, the inputs it needs, and its parameters."""
    from govkit.catalog import describe_checks
    from govkit.errors import InputError
    from govkit.registry import family_names

    if family is not None and family not in family_names():
        raise InputError(f"unknown family '{family}'; use one of {', '.join(family_names())}")
    for info in describe_checks(family):
        click.echo(f"{info.id}\n    {info.doc}\n    needs: {', '.join(info.requires)}")
        for param in info.params:
            click.echo(f"    param {param['name']} = {param['default']!r}: {param['description']}")


@main.command()
@handle_errors
def policies() -> None:
    """The policies bundled with govkit (use them by name with --policy)."""
    from govkit.catalog import describe_policies

    for policy in describe_policies():
        extends = f" (extends {', '.join(policy['extends'])})" if policy["extends"] else ""
        click.echo(f"{policy['name']}{extends}: {policy['checks']} checks\n    {policy['description']}")


@main.command()
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
    click.echo(f"  sensitive: {', '.join(proposals['sensitive']) or 'none recognised; set sensitive:'}")
    click.echo("Review the lines marked 'proposed', then run: govkit audit")


if __name__ == "__main__":  # pragma: no cover
    main()
