"""Findings: the checks that did not pass, grouped so that one problem is told once.

Several checks can measure the same disparity: the demographic parity ratio and the disparate impact
ratio compare the same selection rates of the same two groups; equalized odds and equal opportunity are
both decided by the same true positive rates when that is the worse gap. Listed one per check, a report
with "5 blockers" may hold two problems. A finding is keyed on what was measured, read from the recorded
evidence (never from check ids): the family, the grouping that decided, the statistic compared and the
pair of groups. Checks that could not run are grouped by family and reason ("no model was given"), since
one missing input silences every check that needs it. Any other check is a finding of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from govkit.report.sections.fairness_key import disparity_key
from govkit.report.text import STATUS_TEXT, finding, number, threshold_text
from govkit.report.wording import CHECK_TERMS, how_to_give, plain_reason
from govkit.results import CheckResult, RunResult, Status

# Worst first: a finding takes the status of its worst check.
STATUS_RANK = {
    Status.ERROR: 0,
    Status.FAIL: 1,
    Status.WARN: 2,
    Status.INCONCLUSIVE: 3,
    Status.SKIP: 4,
    Status.PASS: 5,
}
NOT_RUN = (Status.SKIP, Status.ERROR)
BOUND_WORDS = {"gt": "above", "ge": "at or above", "lt": "below", "le": "at or below"}


@dataclass
class Finding:
    """One problem, with every check that reports it (worst first)."""

    key: tuple[str, ...]
    checks: list[CheckResult] = field(default_factory=list)

    @property
    def status(self) -> Status:
        return min((c.status for c in self.checks), key=STATUS_RANK.__getitem__)

    @property
    def lead(self) -> CheckResult:
        """The check whose words head the finding: the worst, blocking before advisory."""
        return min(self.checks, key=lambda c: (STATUS_RANK[c.status], c.severity != "blocking"))


def finding_key(check: CheckResult) -> tuple[str, ...]:
    """The key two checks share exactly when they report the same problem."""
    if check.status in NOT_RUN:
        return ("not run", check.family, check.status.value, check.message)
    if check.family == "fairness":
        key = disparity_key(check)
        if key is not None:
            return key
    return ("check", check.id)


def group_findings(checks: list[CheckResult]) -> list[Finding]:
    """The checks grouped into findings, in the order their first check appears."""
    found: dict[tuple[str, ...], Finding] = {}
    for check in checks:
        key = finding_key(check)
        found.setdefault(key, Finding(key)).checks.append(check)
    for item in found.values():
        item.checks.sort(key=lambda c: (STATUS_RANK[c.status], c.severity != "blocking"))
    return list(found.values())


def _headline(item: Finding) -> str:
    """What the finding means, in words, before any metric name."""
    lead = item.lead
    if lead.status in NOT_RUN:
        return plain_reason(lead, len(item.checks))
    summary = lead.measurement.summary
    if not summary:
        return finding(lead)
    bound = lead.fail_if if lead.status == Status.FAIL else lead.warn_if
    if bound is None or lead.status not in (Status.FAIL, Status.WARN):
        return summary
    op, at = bound.operator()
    word = "fails" if lead.status == Status.FAIL else "warns"
    return f"{summary} The policy {word} when the {lead.title[0].lower() + lead.title[1:]} is {BOUND_WORDS[op]} {at:g}."


def _check_line(check: CheckResult) -> dict[str, Any]:
    """One check of a finding, for the specialist: name, number, interval and the policy's bound."""
    interval = check.measurement.interval
    return {
        "id": check.id,
        "title": check.title,
        "status": check.status.value,
        "status_text": STATUS_TEXT[check.status],
        "value": number(check.measurement.value),
        "interval": "" if interval is None else f"{number(interval[0])}–{number(interval[1])}",
        "threshold": threshold_text(check),
        "severity": check.severity,
        "message": check.message,
        "term": CHECK_TERMS.get(check.id, ""),
    }


def finding_view(item: Finding) -> dict[str, Any]:
    """A finding as the page places it: the plain sentence first, then each check it covers."""
    return {
        "status": item.status.value,
        "status_text": STATUS_TEXT[item.status],
        "text": _headline(item),
        "hint": how_to_give(item.lead) if item.status in NOT_RUN else "",
        "checks": [_check_line(c) for c in item.checks],
    }


def findings_view(result: RunResult) -> dict[str, Any]:
    """The page's findings: those that block, those worth attention, and how many checks each count stands for."""
    blocking_checks = result.blocking
    attention_checks = [c for c in result.checks if c.status != Status.PASS and c not in blocking_checks]
    blocking = group_findings(blocking_checks)
    # A check that only warns but reports a blocking problem is listed under it, not again below.
    blocking_keys = {item.key for item in blocking}
    for check in attention_checks:
        key = finding_key(check)
        if key in blocking_keys:
            next(item for item in blocking if item.key == key).checks.append(check)
    attention = group_findings([c for c in attention_checks if finding_key(c) not in blocking_keys])
    for item in blocking:
        item.checks.sort(key=lambda c: (STATUS_RANK[c.status], c.severity != "blocking"))
    return {
        "blocking": [finding_view(item) for item in blocking],
        "attention": [finding_view(item) for item in attention],
        "tally": _tally(blocking, attention),
    }


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _tally(blocking: list[Finding], attention: list[Finding]) -> str:
    """The counts said in words: findings are problems, checks are the measurements that report them."""
    if not blocking and not attention:
        return "No finding: every check passed."
    parts = []
    for items, word in ((blocking, "blocking finding"), (attention, "other finding")):
        if items:
            checks = [c for item in items for c in item.checks]
            failing = sum(c.status in (Status.FAIL, Status.ERROR) for c in checks)
            said = f", {failing} of them failing" if failing else ""
            parts.append(f"{_plural(len(items), word)} reported by {_plural(len(checks), 'check')}{said}")
    return (
        "; ".join(parts) + ". A finding is one problem; several checks can measure the same one "
        "(the same gap between the same groups), and each is listed under it."
    )
