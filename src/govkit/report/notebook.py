"""The report inside a notebook: ``RunResult._repr_html_`` shows the HTML report in a sandboxed frame.

The report is placed in the ``srcdoc`` of an ``<iframe sandbox>`` with every character HTML-escaped, so
nothing in it (a column name, a category value) is markup of the notebook page: it is parsed only inside
the frame, and an empty ``sandbox`` gives that frame no scripts, forms, pop-ups or same-origin access.
The report itself carries no script either.
"""

from __future__ import annotations

import html

from govkit.results import RunResult

FRAME_HEIGHT_PX = 640


def notebook_html(result: RunResult, height: int = FRAME_HEIGHT_PX) -> str:
    """One sandboxed frame holding ``result``'s HTML report, under a one-line caption with the verdict."""
    from govkit.registry import unrecorded_families
    from govkit.report.html import render_html
    from govkit.report.text import VERDICT_TEXT

    report = render_html(result, families=unrecorded_families(result))
    label, explanation = VERDICT_TEXT[result.verdict]
    caption = html.escape(f"govkit verdict: {label}. {explanation}")
    return (
        f'<div class="govkit-result"><p><strong>{caption}</strong></p>'
        f'<iframe sandbox="" referrerpolicy="no-referrer" title="govkit report" '
        f'style="width: 100%; height: {int(height)}px; border: 1px solid #ccc;" '
        f'srcdoc="{html.escape(report, quote=True)}"></iframe></div>'
    )
