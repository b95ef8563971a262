"""Chart geometry for the report's inline SVG: numbers in, coordinates out.

Templates only place the shapes computed here, so they stay free of logic, and nothing from the
data is ever marked safe: labels travel as plain strings and are escaped by the template engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from govkit.report.text import number


def _round(value: float) -> float:
    return round(value, 2)


def bar_chart(
    items: Sequence[tuple[str, float | None, tuple[float, float] | None]],
    *,
    highlight: frozenset[str] = frozenset(),
    maximum: float | None = None,
    marker: tuple[float, str] | None = None,
    value_format: str = "number",
    width: int = 640,
    label_width: int = 200,
    bar_height: int = 18,
    gap: int = 8,
) -> dict[str, Any]:
    """A horizontal bar chart: one bar per (label, value, optional interval)."""
    values = [v for _, v, _ in items if v is not None]
    upper = [ci[1] for _, _, ci in items if ci is not None]
    top = maximum if maximum is not None else max([*values, *upper, 1e-12])
    if marker is not None:
        top = max(top, marker[0])
    plot = width - label_width - 70
    scale = plot / top if top > 0 else 0.0
    bars = []
    for index, (label, value, interval) in enumerate(items):
        y = index * (bar_height + gap)
        text = (
            "n/a"
            if value is None
            else (f"{value * 100:.1f}%" if value_format == "percent" else number(value))
        )
        end = max(0.0, (value or 0.0) * scale)
        if interval is not None:
            end = max(end, interval[1] * scale)  # the value is written past the whisker, not over it
        bars.append(
            {
                "label": label,
                "css": "bar bar-highlight" if label in highlight else "bar",
                "y": y,
                "text_y": y + bar_height * 0.72,
                "width": _round(max(0.0, (value or 0.0) * scale)),
                "value_x": _round(label_width + end + 6),
                "text": text,
                "interval": None
                if interval is None
                else {
                    "x1": _round(label_width + interval[0] * scale),
                    "x2": _round(label_width + interval[1] * scale),
                    "y": y + bar_height / 2,
                },
            }
        )
    height = len(items) * (bar_height + gap) + 22
    ticks = [
        {"x": _round(label_width + fraction * plot), "text": _tick(fraction * top, value_format)}
        for fraction in (0.0, 0.25, 0.5, 0.75, 1.0)
    ]
    return {
        "width": width,
        "height": height,
        "label_width": label_width,
        "label_x": label_width - 8,
        "bar_height": bar_height,
        "axis_y": height - 16,
        "ticks": ticks,
        "bars": bars,
        "marker": None
        if marker is None
        else {"x": _round(label_width + marker[0] * scale), "text": marker[1], "y2": height - 20},
    }


def _tick(value: float, value_format: str) -> str:
    return f"{value * 100:.0f}%" if value_format == "percent" else f"{value:.2g}"


def mini_histogram(reference: Sequence[float], current: Sequence[float], width: int = 150, height: int = 40) -> dict[str, Any]:
    """Two overlaid distributions (reference and current shares per bin) for one column."""
    count = max(len(reference), len(current), 1)
    top = max([*reference, *current, 1e-12])
    slot = width / count
    bars = []
    for index in range(count):
        ref = reference[index] if index < len(reference) else 0.0
        cur = current[index] if index < len(current) else 0.0
        ref_h, cur_h = ref / top * (height - 2), cur / top * (height - 2)
        bars.append(
            {
                "ref_x": _round(index * slot + 1),
                "cur_x": _round(index * slot + slot / 2),
                "w": _round(max(slot / 2 - 1, 1)),
                "ref_y": _round(height - ref_h),
                "ref_h": _round(ref_h),
                "cur_y": _round(height - cur_h),
                "cur_h": _round(cur_h),
            }
        )
    return {"width": width, "height": height, "bars": bars}
