"""Helpers every section builder shares: finding a check's evidence and the row each check gets."""

from __future__ import annotations

from typing import Any

from govkit.report.text import STATUS_TEXT, number, threshold_text
from govkit.results import CheckResult


def first_with(checks: list[CheckResult], key: str) -> CheckResult | None:
    """The first check whose evidence holds ``key``: several checks of a family share one table."""
    return next((c for c in checks if key in c.measurement.details), None)


def check_row(check: CheckResult) -> dict[str, Any]:
    """One check as the report's tables show it."""
    measurement = check.measurement
    interval = measurement.interval
    return {
        "id": check.id,
        "title": check.title,
        "status": check.status.value,
        "status_text": STATUS_TEXT[check.status],
        "value": number(measurement.value),
        "interval": None if interval is None else f"{number(interval[0])} – {number(interval[1])}",
        "threshold": threshold_text(check),
        "message": check.message,
        "summary": measurement.summary,
        "severity": check.severity,
        "required": check.required,
        "refs": check.refs,
        "doc": check.doc,
        "sample_size": number(measurement.sample_size) if measurement.sample_size is not None else "—",
        "method": measurement.method,
    }
