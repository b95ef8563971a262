"""A Markdown summary for a pull request comment or a CI job summary."""

from __future__ import annotations

from govkit.report.text import STATUS_TEXT, VERDICT_TEXT, number, threshold_text
from govkit.results import RunResult

ICONS = {"pass": "✅", "warn": "⚠️", "fail": "❌", "error": "💥", "skip": "⏭️", "inconclusive": "❔"}


def _cell(text: str) -> str:
    """Markdown table cells cannot hold pipes, newlines or raw HTML."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").replace("<", "&lt;").replace(">", "&gt;")


def render_markdown(result: RunResult) -> str:
    label, explanation = VERDICT_TEXT[result.verdict]
    counts = result.counts
    lines = [
        f"## govkit audit: {label}",
        "",
        explanation,
        "",
        " · ".join(f"{ICONS[k]} {STATUS_TEXT[s]} {counts[k]}" for k, s in ((s.value, s) for s in STATUS_TEXT)),
        "",
        f"Policy **{_cell(str(result.policy.get('name', '')))}**, "
        f"{number(result.inputs.current_rows)} current rows, {number(result.inputs.reference_rows)} reference rows, "
        f"seed {result.provenance.seed}.",
        "",
    ]
    if result.blocking:
        lines += ["### Blocking", ""]
        lines += [
            f"- {ICONS[c.status.value]} **{_cell(c.title)}** (`{c.id}`): {_cell(c.message)}" for c in result.blocking
        ]
        lines.append("")
    lines += ["| | Check | Value | Threshold | Finding |", "|---|---|---:|---|---|"]
    for check in result.checks:
        lines.append(
            f"| {ICONS[check.status.value]} | `{check.id}` | {number(check.measurement.value)} | "
            f"{_cell(threshold_text(check))} | {_cell(check.measurement.summary or check.message)} |"
        )
    lines.append("")
    return "\n".join(lines)
