"""Plot geometry for the performance section's inline SVG: curves, scatter and histogram, numbers in, coordinates out.

Like ``charts``, the builders here compute every coordinate and every tick's text, so the macros in
``curves.html.j2`` only place shapes; labels (class names, group names) travel as plain strings and
the template engine escapes them. Each builder returns a plain dict the macro of the same name draws.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

# Colour-blind-safe series colours (Okabe-Ito, blue first as the report's accent); past the last one
# a series repeats a colour with a dashed stroke, so twenty classes remain tellable apart.
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#d55e00", "#56b4e9", "#8a6d00", "#000000")
DASHES = ("", "6 3", "2 3")

LEFT, RIGHT, TOP, BOTTOM = 52, 12, 12, 42  # room for the y ticks and label, the x ticks and label
LEGEND_WIDTH = 170
LEGEND_ROW = 16


@dataclass(frozen=True)
class Series:
    """One line of a line plot: its points in data units; ``note`` is shown when the pointer rests on it."""

    label: str
    x: Sequence[float]
    y: Sequence[float]
    note: str = ""
    markers: bool = False  # draw a dot at each point (a reliability curve's bins)
    sizes: Sequence[int] = field(default_factory=tuple)  # rows behind each marker, for its tooltip


def _round(value: float) -> float:
    return round(value, 2)


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About ``count`` round tick values covering [low, high] (steps of 1, 2 or 5 times a power of ten)."""
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        return [low]
    raw = (high - low) / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = float(min((m * power for m in (1, 2, 5, 10)), key=lambda s: abs((high - low) / s - count)))
    first = math.ceil(low / step - 1e-9) * step
    ticks = []
    value = first
    while value <= high + step * 1e-9:
        ticks.append(0.0 if abs(value) < step * 1e-9 else value)
        value += step
    return ticks


def _tick_text(value: float, step: float) -> str:
    decimals = max(0, -math.floor(math.log10(step))) if step > 0 else 0
    return f"{value:,.{min(decimals, 6)}f}"


@dataclass(frozen=True)
class Frame:
    """The plotting area and the data ranges it maps; ``x``/``y`` map data units to pixels."""

    width: int
    height: int
    x_range: tuple[float, float]
    y_range: tuple[float, float]

    @property
    def right(self) -> float:
        return self.width - RIGHT

    @property
    def bottom(self) -> float:
        return self.height - BOTTOM

    def x(self, value: float) -> float:
        low, high = self.x_range
        return _round(LEFT + (value - low) / (high - low or 1.0) * (self.right - LEFT))

    def y(self, value: float) -> float:
        low, high = self.y_range
        return _round(self.bottom - (value - low) / (high - low or 1.0) * (self.bottom - TOP))

    def axes(self, x_label: str, y_label: str) -> dict[str, Any]:
        """The frame, grid lines, tick texts and axis labels every plot shares."""
        x_ticks, y_ticks = nice_ticks(*self.x_range), nice_ticks(*self.y_range)
        x_step = x_ticks[1] - x_ticks[0] if len(x_ticks) > 1 else 1.0
        y_step = y_ticks[1] - y_ticks[0] if len(y_ticks) > 1 else 1.0
        return {
            "frame": {"x": LEFT, "y": TOP, "w": _round(self.right - LEFT), "h": _round(self.bottom - TOP)},
            "x_ticks": [{"at": self.x(t), "text": _tick_text(t, x_step)} for t in x_ticks],
            "y_ticks": [{"at": self.y(t), "text": _tick_text(t, y_step)} for t in y_ticks],
            "tick_x_y": _round(self.bottom + 14),
            "tick_y_x": LEFT - 5,
            "x_label": {"text": x_label, "x": _round((LEFT + self.right) / 2), "y": self.height - 8},
            "y_label": {"text": y_label, "x": 13, "y": _round((TOP + self.bottom) / 2)},
            "top": TOP,
            "left": LEFT,
            "right": _round(self.right),
            "bottom": _round(self.bottom),
        }


def _fit(label: str, limit: int = 26) -> str:
    """A legend entry that fits its column; the full label is its tooltip and the line's."""
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _style(index: int) -> tuple[str, str]:
    return PALETTE[index % len(PALETTE)], DASHES[(index // len(PALETTE)) % len(DASHES)]


def line_plot(
    series: Sequence[Series],
    *,
    x_label: str,
    y_label: str,
    reference: Sequence[tuple[float, float]] = (),
    x_range: tuple[float, float] = (0.0, 1.0),
    y_range: tuple[float, float] = (0.0, 1.0),
    plot_width: int = 340,
    height: int = 320,
) -> dict[str, Any]:
    """Lines (ROC, precision-recall, reliability curves) on fixed ranges, with an optional dashed reference line.

    A legend is drawn right of the plot when there is more than one series.
    """
    legend_width = LEGEND_WIDTH if len(series) > 1 else 0
    frame = Frame(width=plot_width, height=height, x_range=x_range, y_range=y_range)
    lines: list[dict[str, Any]] = []
    for index, line in enumerate(series):
        colour, dash = _style(index)
        points = [(frame.x(a), frame.y(b)) for a, b in zip(line.x, line.y, strict=True)]
        sizes = list(line.sizes) or [0] * len(points)
        lines.append(
            {
                "label": line.label,
                "note": line.note,
                "colour": colour,
                "dash": dash,
                "points": " ".join(f"{a},{b}" for a, b in points),
                "markers": [
                    {"x": a, "y": b, "text": f"{line.label}: {x:.3g}, {y:.3g} ({n:,} rows)"}
                    for (a, b), x, y, n in zip(points, line.x, line.y, sizes, strict=True)
                ]
                if line.markers
                else [],
            }
        )
    legend = [
        {
            "label": _fit(item["label"]),
            "full": item["label"],
            "colour": item["colour"],
            "dash": item["dash"],
            "x": plot_width + 8,
            "y": TOP + 10 + i * LEGEND_ROW,
        }
        for i, item in enumerate(lines)
        if legend_width
    ]
    return {
        "width": plot_width + legend_width,
        "height": max(height, TOP + 20 + len(legend) * LEGEND_ROW),
        **frame.axes(x_label, y_label),
        "reference": " ".join(f"{frame.x(a)},{frame.y(b)}" for a, b in reference),
        "lines": lines,
        "legend": legend,
    }


def _padded(values: Sequence[float], include_zero: bool = False) -> tuple[float, float]:
    """A data range with 4% room either side (a single value gets a unit-wide range)."""
    finite = [v for v in values if math.isfinite(v)]
    low, high = (min(finite), max(finite)) if finite else (0.0, 1.0)
    if include_zero:
        low, high = min(low, 0.0), max(high, 0.0)
    if high == low:
        return low - 0.5, high + 0.5
    pad = (high - low) * 0.04
    return low - pad, high + pad


def scatter_plot(
    x: Sequence[float], y: Sequence[float], *, x_label: str, y_label: str, width: int = 460, height: int = 320
) -> dict[str, Any]:
    """Points (residual against prediction) with a line at y = 0."""
    frame = Frame(width=width, height=height, x_range=_padded(x), y_range=_padded(y, include_zero=True))
    return {
        "width": width,
        "height": height,
        **frame.axes(x_label, y_label),
        "zero": frame.y(0.0),
        "dots": [{"x": frame.x(a), "y": frame.y(b)} for a, b in zip(x, y, strict=True)],
    }


def histogram_plot(
    edges: Sequence[float], counts: Sequence[int], *, x_label: str, width: int = 460, height: int = 320
) -> dict[str, Any]:
    """Bars on the given bin edges, each with its range and count as a tooltip; a line marks x = 0 when in range."""
    top = max([*counts, 1])
    frame = Frame(width=width, height=height, x_range=(edges[0], edges[-1]), y_range=(0.0, top * 1.05))
    bars = []
    for low, high, count in zip(edges[:-1], edges[1:], counts, strict=True):
        x1, x2 = frame.x(low), frame.x(high)
        y = frame.y(count)
        bars.append(
            {
                "x": x1,
                "w": _round(max(x2 - x1 - 1, 0.5)),
                "y": y,
                "h": _round(frame.bottom - y),
                "text": f"{low:.4g} to {high:.4g}: {count:,} rows",
            }
        )
    zero = frame.x(0.0) if edges[0] <= 0.0 <= edges[-1] else None
    return {"width": width, "height": height, **frame.axes(x_label, "rows"), "bars": bars, "zero": zero}
