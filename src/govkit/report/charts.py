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


def _bar(
    label: str,
    value: float | None,
    interval: tuple[float, float] | None,
    y: int,
    scale: float,
    label_width: int,
    bar_height: int,
    value_format: str,
) -> dict[str, Any]:
    """One bar of ``bar_chart``: its length, its whisker and where its value is written."""
    text = "n/a" if value is None else (f"{value * 100:.1f}%" if value_format == "percent" else number(value))
    end = max(0.0, (value or 0.0) * scale)
    if interval is not None:
        end = max(end, interval[1] * scale)  # the value is written past the whisker, not over it
    return {
        "label": label,
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
    bars = [
        _bar(label, value, interval, index * (bar_height + gap), scale, label_width, bar_height, value_format)
        | {"css": "bar bar-highlight" if label in highlight else "bar"}
        for index, (label, value, interval) in enumerate(items)
    ]
    height = len(items) * (bar_height + gap) + 22
    ticks = [
        {"x": _round(label_width + fraction * plot), "text": _tick(fraction * top, value_format, top)}
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


def _tick(value: float, value_format: str, top: float = 1.0) -> str:
    """An axis label; with an axis below 10%, quarters need a decimal ("0.5%", not "0%" and "1%")."""
    if value_format != "percent":
        return f"{value:.2g}"
    return f"{value * 100:.1f}%" if top < 0.1 else f"{value * 100:.0f}%"


def mini_histogram(
    reference: Sequence[float], current: Sequence[float], width: int = 150, height: int = 40
) -> dict[str, Any]:
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


def _colour(rank: float | None) -> str:
    """Low feature values blue, high red, non-numeric grey: the usual SHAP summary colouring."""
    if rank is None:
        return "#8a94a3"
    t = max(0.0, min(1.0, rank))
    low, high = (30, 136, 229), (255, 0, 82)
    r, g, b = (round(a + (z - a) * t) for a, z in zip(low, high, strict=True))
    return f"#{r:02x}{g:02x}{b:02x}"


def beeswarm(
    rows: Sequence[dict[str, Any]], width: int = 640, label_width: int = 160, row_height: int = 26
) -> dict[str, Any]:
    """SHAP summary: one row per column, one dot per explained row at its SHAP value, jittered by density."""
    values = [abs(v) for row in rows for v in row["shap"]]
    extent = max(values) if values else 1.0
    extent = extent or 1.0
    plot = width - label_width - 20
    centre = label_width + plot / 2
    scale = (plot / 2) / extent
    out_rows = []
    for index, row in enumerate(rows):
        y0 = index * row_height + row_height / 2
        ranks = row.get("rank") or [None] * len(row["shap"])
        # jitter: stack dots that fall in the same pixel bucket, alternating up and down
        buckets: dict[int, int] = {}
        dots = []
        for shap_value, rank in zip(row["shap"], ranks, strict=False):
            x = centre + shap_value * scale
            bucket = int(x // 3)
            count = buckets.get(bucket, 0)
            buckets[bucket] = count + 1
            offset = ((count + 1) // 2) * 2.2 * (1 if count % 2 else -1)
            dots.append(
                {
                    "x": _round(x),
                    "y": _round(y0 + max(-row_height / 2 + 2, min(row_height / 2 - 2, offset))),
                    "fill": _colour(rank),
                }
            )
        out_rows.append({"label": row["column"], "y": _round(y0 + 4), "dots": dots})
    height = len(rows) * row_height + 24
    return {
        "width": width,
        "height": height,
        "label_x": label_width - 8,
        "centre": _round(centre),
        "axis_y": height - 18,
        "rows": out_rows,
        "ticks": [
            {"x": _round(centre + f * extent * scale), "text": f"{f * extent:+.2g}" if f else "0"}
            for f in (-1.0, -0.5, 0.0, 0.5, 1.0)
        ],
    }


def diverging_bars(items: Sequence[tuple[str, float]], width: int = 160, height: int = 14) -> list[dict[str, Any]]:
    """A small bar per signed value, left of the centre for negative values, right for positive ones."""
    extent = max([abs(v) for _, v in items] + [1e-12])
    half = width / 2
    return [
        {
            "label": label,
            "text": f"{value:+.3f}",
            "x": _round(half if value >= 0 else half - abs(value) / extent * half),
            "w": _round(max(abs(value) / extent * half, 0.5)),
            "css": "bar-up" if value >= 0 else "bar-down",
            "width": width,
            "height": height,
            "centre": _round(half),
        }
        for label, value in items
    ]


def sparkline(
    values: Sequence[float],
    labels: Sequence[str],
    statuses: Sequence[str],
    bounds: Sequence[tuple[float, str, str]] = (),
    width: int = 240,
    height: int = 56,
    pad: int = 6,
) -> dict[str, Any]:
    """A small line of one check's values (oldest first) with its thresholds as (value, text, kind) lines.

    The vertical range covers the values and the thresholds, so a value's distance to a bound is seen.
    """
    shown = [*values, *(bound for bound, _, _ in bounds)]
    low, high = (min(shown), max(shown)) if shown else (0.0, 1.0)
    if high - low < 1e-12:
        low, high = low - 0.5, high + 0.5
    span = high - low
    low, high = low - 0.08 * span, high + 0.08 * span

    def y(value: float) -> float:
        return _round(height - pad - (height - 2 * pad) * (value - low) / (high - low))

    step = (width - 2 * pad) / max(len(values) - 1, 1)
    points = [
        {
            "x": _round(pad + index * step),
            "y": y(value),
            "status": status,
            "text": f"{label}: {number(value)}, {status}",
        }
        for index, (value, label, status) in enumerate(zip(values, labels, statuses, strict=True))
    ]
    return {
        "width": width,
        "height": height,
        "path": " ".join(f"{p['x']},{p['y']}" for p in points),
        "points": points,
        "lines": [{"y": y(bound), "text": text, "kind": kind} for bound, text, kind in bounds],
        "first": labels[0] if labels else "",
        "last": labels[-1] if labels else "",
        "range": f"{number(min(values))} to {number(max(values))}" if values else "",
    }
