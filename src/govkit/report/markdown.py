"""A Markdown summary for a pull request comment or a CI job summary."""

from __future__ import annotations

from govkit.report.findings import findings_view
from govkit.report.text import STATUS_TEXT, VERDICT_TEXT, number, threshold_text
from govkit.results import RunResult

ICONS = {"pass": "✅", "warn": "⚠️", "fail": "❌", "error": "💥", "skip": "⏭️", "inconclusive": "❔"}


# Characters that make Markdown live (links, images, emphasis, code, headings, table cells, strike
# through); each is shown as itself with a backslash before it. Parentheses are left as written: a
# link or image needs an unescaped "]" before its "(", and the many "(48 passed)" stay readable.
_MARKDOWN_PUNCTUATION = frozenset("\\`*_[]!#|~")
# What a renderer links by itself: @mentions and bare URLs; a zero-width space breaks each.
_AUTOLINKS = (("@", "@\u200b"), ("://", ":\u200b//"), ("www.", "www\u200b."))


def _cell(text: str) -> str:
    """Text as Markdown shows it literally, on one line: column names and category values come from
    the data, so nothing in them may become a link, image, mention, HTML or a table break."""
    shown: list[str] = []
    for char in text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"):
        if char in _MARKDOWN_PUNCTUATION:
            shown.append("\\" + char)
        elif char in "\r\n\t" or not char.isprintable():
            shown.append(" ")
        else:
            shown.append(char)
    escaped = "".join(shown)
    for found, broken in _AUTOLINKS:
        escaped = escaped.replace(found, broken)
    return escaped


def _code(text: str) -> str:
    """An identifier in a code span, unless it holds what a code span cannot (then escaped text)."""
    if text and all(char.isalnum() or char in "._:-/" for char in text) and "://" not in text:
        return f"`{text}`"
    return _cell(text)


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
        findings = findings_view(result)  # one bullet per finding, its checks under it
        lines += ["### Blocking", "", _cell(findings["tally"]), ""]
        for item in findings["blocking"]:
            lines.append(f"- {ICONS[item['status']]} {_cell(item['text'])}")
            lines += [
                f"  - {ICONS[c['status']]} **{_cell(c['title'])}** ({_code(c['id'])}): {_cell(c['message'])}"
                for c in item["checks"]
            ]
        lines.append("")
    lines += ["| | Check | Value | Threshold | Finding |", "|---|---|---:|---|---|"]
    for check in result.checks:
        lines.append(
            f"| {ICONS[check.status.value]} | {_code(check.id)} | {number(check.measurement.value)} | "
            f"{_cell(threshold_text(check))} | {_cell(check.measurement.summary or check.message)} |"
        )
    lines.append("")
    return "\n".join(lines)
