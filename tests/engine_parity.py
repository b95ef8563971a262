"""Comparing two audits of the same data on different engines: what must be identical, what may differ.

Statuses, the verdict, messages and every integer must be identical; floats may differ only in the
order of additions (relative or absolute 1e-12). Durations, provenance and the engine's own record
differ by nature and are left out.
"""

from __future__ import annotations

import math
from typing import Any

from govkit.results import RunResult

TOLERANCE = 1e-12


def differences(left: Any, right: Any, where: str = "") -> list[str]:
    """Where ``left`` and ``right`` differ beyond the tolerance (an empty list when they agree)."""
    if isinstance(left, dict) and isinstance(right, dict):
        if set(left) != set(right):
            return [f"{where}: keys {sorted(set(left) ^ set(right))}"]
        return [d for key in left for d in differences(left[key], right[key], f"{where}.{key}")]
    if isinstance(left, list) and isinstance(right, list):
        if len(left) != len(right):
            return [f"{where}: {len(left)} items against {len(right)}"]
        return [d for i, (a, b) in enumerate(zip(left, right, strict=True)) for d in differences(a, b, f"{where}[{i}]")]
    if isinstance(left, float) and isinstance(right, float):
        if math.isnan(left) and math.isnan(right):
            return []
        if math.isclose(left, right, rel_tol=TOLERANCE, abs_tol=TOLERANCE):
            return []
        return [f"{where}: {left!r} != {right!r}"]
    if isinstance(left, bool) or isinstance(right, bool) or type(left) is not type(right):
        return [] if left == right and type(left) is type(right) else [f"{where}: {left!r} != {right!r}"]
    return [] if left == right else [f"{where}: {left!r} != {right!r}"]


def audit_differences(left: RunResult, right: RunResult) -> list[str]:
    """Every difference between two audits' checks, verdicts and inputs."""
    found = differences(left.inputs.model_dump(mode="json"), right.inputs.model_dump(mode="json"), "inputs")
    if left.verdict != right.verdict:
        found.append(f"verdict: {left.verdict} != {right.verdict}")
    a = {check.id: check.model_dump(mode="json", exclude={"duration_seconds"}) for check in left.checks}
    b = {check.id: check.model_dump(mode="json", exclude={"duration_seconds"}) for check in right.checks}
    if list(a) != list(b):
        return [*found, f"checks: {list(a)} != {list(b)}"]
    for check_id in a:
        found += differences(a[check_id], b[check_id], check_id)
    return found
