"""Values from great-expectations results as plain, short, JSON-safe Python data.

GE hands back numpy scalars, NaN and arbitrary objects; results.json and the evidence models take
only plain JSON, so every value the family records passes through here.
"""

from __future__ import annotations

import json
import math
import numbers
from typing import Any

_TEXT_LIMIT = 160  # observed values are shown, not dumped


def short(value: Any, limit: int = _TEXT_LIMIT) -> str:
    """A value as at most ``limit`` characters: scalars as str() shows them, containers as JSON."""
    if isinstance(value, dict | list | tuple | set | frozenset):
        text = json.dumps(json_safe(value), ensure_ascii=False)
    else:
        text = str(json_safe(value))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def count_or_none(value: Any) -> int | None:
    """A count from a GE result (Python or numpy integer) as int, else None."""
    return int(value) if isinstance(value, numbers.Integral) and not isinstance(value, bool) else None


def finite_or_none(value: Any) -> float | None:
    """A finite number as float, else None (NaN and infinities have no place in a JSON count)."""
    return float(value) if isinstance(value, int | float) and math.isfinite(value) else None


def json_safe(value: Any) -> Any:
    """Plain JSON data: numpy scalars unwrapped, NaN and infinity as strings, anything else as str."""
    if isinstance(value, dict):
        return {str(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_safe(item) for item in value]
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    item = getattr(value, "item", None)  # numpy and pandas scalars
    if callable(item):
        try:
            unwrapped = item()
        except (TypeError, ValueError):
            return str(value)
        if unwrapped is not value and isinstance(unwrapped, str | bool | int | float):
            return json_safe(unwrapped)
    return str(value)
