"""Renderers: a RunResult in, text out (HTML, JUnit XML, Markdown). Nothing here runs a check."""

from __future__ import annotations

from pathlib import Path

from govkit.results import RunResult

FORMATS = ("html", "json", "junit", "markdown")


def render_format(result: RunResult, name: str, templates: str | Path | None = None) -> str:
    """The text of one output format for ``result``."""
    if name == "json":
        return result.to_json()
    if name == "html":
        from govkit.report.html import render_html

        return render_html(result, templates=templates)
    if name == "junit":
        from govkit.report.junit import render_junit

        return render_junit(result)
    if name == "markdown":
        from govkit.report.markdown import render_markdown

        return render_markdown(result)
    raise ValueError(f"unknown output format '{name}'; use one of {', '.join(FORMATS)}")
