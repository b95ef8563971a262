"""The ``govkit`` command: parse options, call the library, print a short summary, map to an exit code.

Heavy libraries are imported only inside the commands that need them, so ``govkit --help`` stays
instant. Every error the user can fix is one line on stderr with exit code 2.
"""

from __future__ import annotations

import click

from govkit import __version__
from govkit.cli import audit, catalog, history, signoff


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="govkit")
def main() -> None:
    """govkit: audit a model's data quality, drift, fairness, explanations, performance and robustness,
    and write one governance report to sign off."""


for command in (
    audit.audit,
    audit.render_command,
    signoff.keygen,
    signoff.signoff,
    signoff.verify,
    catalog.validate,
    catalog.checks_command,
    catalog.policies,
    catalog.init,
    history.history,
    history.show,
    history.diff,
    history.trend,
):
    main.add_command(command)
