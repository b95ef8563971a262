"""A diff and a history as text for a terminal, Markdown for a pull request, or JSON for a script.

Check ids and titles come from govkit's own registry, but names, versions and signers come from whoever
ran the audit, so Markdown cells are escaped (no table break, no link, no mention).
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from govkit.history.diff import Diff, ValueMove
    from govkit.history.records import AuditRecord

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+|!@~-])")


def _md(text: object) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def _interval(interval: tuple[float, float] | None) -> str:
    return "" if interval is None else f" [{interval[0]:.4g}, {interval[1]:.4g}]"


def _move(move: ValueMove) -> str:
    return (
        f"{move.before:.4g}{_interval(move.before_interval)} -> {move.after:.4g}{_interval(move.after_interval)}"
        f" ({move.delta:+.4g})"
    )


def diff_lines(diff: Diff) -> list[str]:
    """The diff in plain words, one line per changed check then per changed file (``[]`` when nothing
    changed): ``Title (id): warn -> fail (worse); value 0.1 [..] -> 0.6 [..] (+0.5)``."""
    statuses = {c.check: c for c in diff.statuses}
    moves = {m.check: m for m in diff.moved}
    lines = []
    for check in dict.fromkeys([*statuses, *moves]):
        status, move = statuses.get(check), moves.get(check)
        parts = [f"{status.before} -> {status.after}" + (" (worse)" if status.worse else "")] if status else []
        parts += [f"value {_move(move)}"] if move else []
        title = status.title if status else move.title if move else check
        lines.append(f"{title} ({check}): " + "; ".join(parts))
    lines += [f"{check}: added to the policy" for check in diff.added]
    lines += [f"{check}: removed from the policy" for check in diff.removed]
    lines += [f"{h.role} file changed: {_short(h.before)} -> {_short(h.after)}" for h in diff.hashes]
    return lines


def _short(digest: str | None) -> str:
    return "none" if digest is None else digest[:12]


def diff_text(diff: Diff) -> str:
    head = f"audit {diff.before} -> audit {diff.after} (values moved by more than {diff.tolerance:g})"
    lines = diff_lines(diff) or ["no change"]
    return "\n".join([head, *(f"  {line}" for line in lines)]) + "\n"


def diff_markdown(diff: Diff) -> str:
    out = [f"### Changes from audit {diff.before} to audit {diff.after}", ""]
    if diff.empty:
        return "\n".join([*out, "No check changed status or moved by more than the tolerance.", ""])
    out += ["| check | before | after | change |", "| --- | --- | --- | --- |"]
    for c in diff.statuses:
        out.append(f"| {_md(c.check)} | {c.before} | {c.after} | {'worse' if c.worse else 'status'} |")
    for m in diff.moved:
        out.append(
            f"| {_md(m.check)} | {m.before:.4g}{_md(_interval(m.before_interval))} "
            f"| {m.after:.4g}{_md(_interval(m.after_interval))} | {m.delta:+.4g} |"
        )
    out += [f"| {_md(check)} | | | added |" for check in diff.added]
    out += [f"| {_md(check)} | | | removed |" for check in diff.removed]
    out += [f"| {h.role} file | {_short(h.before)} | {_short(h.after)} | sha256 changed |" for h in diff.hashes]
    return "\n".join([*out, ""])


def diff_json(diff: Diff) -> str:
    return json.dumps(diff.to_dict(), indent=2, allow_nan=False) + "\n"


def approvals_text(record: AuditRecord) -> str:
    """``approved by A (role)``, ``rejected by B``, or ``-``; altered sign-offs are named as such."""
    parts = []
    for signoff in record.signoffs:
        verb = "altered sign-off of" if not signoff.intact else signoff.decision.replace("-", " ") + " by"
        parts.append(f"{verb} {signoff.signer_name} ({signoff.signer_role})")
    return "; ".join(parts) or "-"


def history_table(records: list[AuditRecord]) -> str:
    """One line per audit: id, when, model and version, verdict, counts, approvals, integrity."""
    rows = [("id", "when (UTC)", "model", "version", "verdict", "pass/warn/fail", "sign-offs")]
    for r in records:
        counts = f"{r.counts.get('pass', 0)}/{r.counts.get('warn', 0)}/{r.counts.get('fail', 0)}"
        verdict = r.verdict if r.intact else f"{r.verdict} (ALTERED: {(r.problems or ('a sign-off',))[0]})"
        rows.append(
            (str(r.id), r.created_at[:19].replace("T", " "), r.model_name or "-", r.model_version or "-",
             verdict, counts, approvals_text(r))
        )  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + "  " + row[-1]
             for row in rows]  # fmt: skip
    return "\n".join(line.rstrip() for line in lines) + "\n"


def record_text(record: AuditRecord) -> str:
    """``govkit show``: one record, every field, and what is wrong with it."""
    lines = [
        f"audit {record.id}: {record.model_name or '-'} {record.model_version or ''}".rstrip(),
        f"  recorded: {record.created_at}",
        f"  verdict: {record.verdict}; counts: " + ", ".join(f"{v} {k}" for k, v in sorted(record.counts.items())),
        f"  results sha256: {record.results_sha256}",
        f"  report sha256: {record.report_sha256 or '-'}",
        *(f"  {role} sha256: {digest or '-'}" for role, digest in record.hashes.items()),
        f"  git commit: {record.git_commit or '-'}; engine: {record.engine}",
        f"  integrity: {'intact' if record.intact else 'ALTERED'}",
        *(f"    problem: {problem}" for problem in record.problems),
    ]
    for s in record.signoffs:
        state = "intact" if s.intact else "ALTERED: " + "; ".join(s.problems)
        lines.append(f"  sign-off {s.id}: {s.decision} by {s.signer_name} ({s.signer_role}) at {s.signed_at}; "
                     f"log entry #{s.position} sha256 {s.entry_digest}; {state}")  # fmt: skip
    return "\n".join(lines) + "\n"
