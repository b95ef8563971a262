"""Renderers: a RunResult in, text out (HTML, JUnit XML, Markdown; PDF bytes). Nothing here runs a check."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from govkit.outputs import FORMATS
from govkit.results import FamilyInfo, RunResult

if TYPE_CHECKING:
    from govkit.attestation import SignOff


def render_format(
    result: RunResult,
    name: str,
    templates: str | Path | None = None,
    signoffs: Sequence[SignOff] = (),
    families: Sequence[FamilyInfo] = (),
    paper: str = "A4",
) -> str | bytes:
    """The text of one output format for ``result`` (``families`` describes those the result does not record);
    bytes for the PDF (printed on ``paper``, A4 or Letter)."""
    if name == "json":
        return result.to_json()
    if name == "html":
        from govkit.report.html import render_html

        return render_html(result, templates=templates, signoffs=signoffs, families=families)
    if name == "junit":
        from govkit.report.junit import render_junit

        return render_junit(result)
    if name == "markdown":
        from govkit.report.markdown import render_markdown

        return render_markdown(result)
    if name == "pdf":
        from govkit.report.pdf import render_pdf

        return render_pdf(result, templates=templates, signoffs=signoffs, families=families, paper=paper)
    raise ValueError(f"unknown output format '{name}'; use one of {', '.join(FORMATS)}")
