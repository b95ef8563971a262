"""Helpers every section builder shares: finding a check's evidence and the row each check gets."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from govkit.report.text import STATUS_TEXT, number, threshold_text
from govkit.report.wording import how_to_give, plain_reason
from govkit.results import CheckResult, Status

E = TypeVar("E", bound=BaseModel)


def read_evidence(check: CheckResult, model: type[E]) -> E | None:
    """The check's evidence when its details are what ``model`` describes (not a skip, error or other check)."""
    try:
        return model.model_validate(check.measurement.details)
    except ValidationError:
        return None


def first_evidence(checks: list[CheckResult], model: type[E]) -> E | None:
    """The evidence of the first check whose details are what ``model`` describes.

    Sections find their tables by the shape of the evidence, never by a check id, so a policy may run
    any subset of a family's checks.
    """
    for check in checks:
        evidence = read_evidence(check, model)
        if evidence is not None:
            return evidence
    return None


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
        # a check that could not run says why in words; the runner's terse reason stays as the message
        "message": how_to_give(check) or check.message if check.status == Status.SKIP else check.message,
        "summary": plain_reason(check) if check.status == Status.SKIP else measurement.summary,
        "severity": check.severity,
        "required": check.required,
        "refs": check.refs,
        "doc": check.doc,
        "sample_size": number(measurement.sample_size) if measurement.sample_size is not None else "—",
        "method": measurement.method,
    }
