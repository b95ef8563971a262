"""The performance section: the confusion matrix."""

from __future__ import annotations

from typing import Any

from govkit.report.sections.common import first_with
from govkit.report.text import number
from govkit.results import CheckResult

TEMPLATE = "families/performance.html.j2"


def build(checks: list[CheckResult]) -> dict[str, Any]:
    source = first_with(checks, "confusion_matrix")
    if source is None:
        return {"confusion": None}
    matrix = source.measurement.details["confusion_matrix"]
    return {
        "confusion": {
            "labels": [str(label) for label in matrix["labels"]],
            "rows": [
                {"label": str(label), "cells": [number(v) for v in row]}
                for label, row in zip(matrix["labels"], matrix["matrix"], strict=True)
            ],
        }
    }
