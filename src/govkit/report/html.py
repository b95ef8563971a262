"""The HTML governance report: one self-contained, offline file rendered with Jinja2."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from govkit.errors import InputError
from govkit.resources import templates_dir
from govkit.results import FamilyInfo, RunResult

if TYPE_CHECKING:
    import jinja2

    from govkit.attestation import SignOff

TEMPLATE = "report.html.j2"


def environment(templates: str | Path | None = None) -> jinja2.Environment:
    """Autoescaping, strict Jinja2 environment over the user's templates, then the bundled ones."""
    import jinja2

    folders = [str(templates_dir())]
    if templates is not None:
        folder = Path(templates)
        if not folder.is_dir():
            raise InputError(f"{folder}: templates folder not found; fix --templates")
        folders.insert(0, str(folder))
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(folders),
        autoescape=True,  # everything from data is escaped; nothing is ever marked safe
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_html(
    result: RunResult,
    templates: str | Path | None = None,
    signoffs: Sequence[SignOff] = (),
    families: Sequence[FamilyInfo] = (),
) -> str:
    """The report; sign-offs, when given, are shown in the sign-off block (only those bound to this result)."""
    from govkit.report.view import build_view

    return environment(templates).get_template(TEMPLATE).render(view=build_view(result, signoffs, families))
