"""The data-quality section: how many learned expectations held, and a table of those that failed."""

from __future__ import annotations

from typing import Any

from govkit.report.sections.common import first_with
from govkit.report.text import number
from govkit.results import CheckResult

TEMPLATE = "families/quality.html.j2"


def build(checks: list[CheckResult]) -> dict[str, Any]:
    source = first_with(checks, "expectations")
    if source is None:
        return {"failed": [], "passed": None, "evaluated": None}
    details = source.measurement.details
    failed = [
        {
            "expectation": str(e.get("expectation_type") or e.get("expectation") or ""),
            "column": "—" if e.get("column") is None else str(e.get("column")),
            "observed": str(e.get("observed", "")),
            "unexpected": number(e.get("unexpected_count")),
            "examples": ", ".join(str(x) for x in (e.get("examples") or e.get("unexpected_examples") or [])[:5]),
        }
        for e in details["expectations"]
        if not e.get("success")
    ]
    return {"failed": failed, "passed": details.get("passed"), "evaluated": details.get("evaluated")}
