"""``govkit trend``: each check's value over a model's recorded audits, against its thresholds.

The page is one self-contained HTML file: inline CSS and inline SVG, no script, no URL, so it opens
offline and makes no request. The geometry of every chart (points, intervals, threshold lines) is
computed here; the template only places it. Altered records are left out and counted on the page.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from govkit.history.records import AuditRecord
    from govkit.results import CheckResult, Threshold

WIDTH, HEIGHT, PAD_X, PAD_Y = 600, 170, 56, 18
TEMPLATE = "history/trend.html.j2"


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    low: float | None  # interval drawn from y(low) to y(high)
    high: float | None
    label: str  # the audit's version or date, under the axis
    text: str  # value and status, as the point's tooltip
    status: str


@dataclass(frozen=True)
class Line:
    y: float
    label: str
    kind: str  # "fail" or "warn"


@dataclass
class Chart:
    check: str
    title: str
    points: list[Point] = field(default_factory=list)
    thresholds: list[Line] = field(default_factory=list)
    path: str = ""  # the SVG polyline joining the points
    top: str = ""  # axis labels
    bottom: str = ""


def build_charts(records: list[AuditRecord], check: str | None = None) -> list[Chart]:
    """One chart per check measured in at least one record (or only ``check``), in policy order."""
    series: dict[str, list[tuple[AuditRecord, CheckResult]]] = {}
    for record in records:
        for result in record.result.checks:
            if (check is None or result.id == check) and result.measurement.value is not None:
                series.setdefault(result.id, []).append((record, result))
    return [_chart(check_id, entries, len(records), records) for check_id, entries in series.items()]


def _chart(check_id: str, entries: list[tuple[AuditRecord, CheckResult]], count: int,
           records: list[AuditRecord]) -> Chart:  # fmt: skip
    latest = entries[-1][1]
    bounds = [b for _, c in entries for b in _values(c)]
    bounds += [t.operator()[1] for t in (latest.fail_if, latest.warn_if) if t is not None]
    low, high = min(bounds), max(bounds)
    if math.isclose(low, high):
        low, high = low - 0.5, high + 0.5
    span = high - low
    low, high = low - 0.05 * span, high + 0.05 * span
    order = {record.id: position for position, record in enumerate(records)}

    def x(position: int) -> float:
        return round(PAD_X + (WIDTH - 2 * PAD_X) * (position / max(count - 1, 1)), 1)

    def y(value: float) -> float:
        return round(HEIGHT - PAD_Y - (HEIGHT - 2 * PAD_Y) * (value - low) / (high - low), 1)

    points = [_point(record, result, x(order[record.id]), y) for record, result in entries]
    chart = Chart(check_id, latest.title, points, top=f"{high:.3g}", bottom=f"{low:.3g}")
    chart.thresholds = [
        Line(y(t.operator()[1]), f"{kind} if {t.describe()}", kind)
        for kind, t in (("fail", latest.fail_if), ("warn", latest.warn_if))
        if t is not None
    ]
    chart.path = " ".join(f"{p.x},{p.y}" for p in points)
    return chart


def _values(check: CheckResult) -> list[float]:
    found = [check.measurement.value, *(check.measurement.interval or ())]
    return [v for v in found if v is not None and math.isfinite(v)]


def _point(record: AuditRecord, check: CheckResult, x: float, scale: Callable[[float], float]) -> Point:
    value = float(check.measurement.value or 0.0)
    interval = check.measurement.interval
    label = record.model_version or record.created_at[:10]
    text = (
        f"audit {record.id} ({label}): {value:.4g}"
        + (f" [{interval[0]:.4g}, {interval[1]:.4g}]" if interval else "")
        + f", {check.status.value}"
    )
    return Point(x, scale(value), scale(interval[0]) if interval else None, scale(interval[1]) if interval else None,
                 label, text, check.status.value)  # fmt: skip


def threshold_text(threshold: Threshold | None) -> str:
    return "" if threshold is None else threshold.describe()


def render_trend(model: str, records: list[AuditRecord], check: str | None = None) -> str:
    """The trend page for ``model`` from its records (oldest first); altered records are left out."""
    from govkit.report.html import environment

    intact = [r for r in records if not r.problems]
    charts = build_charts(intact, check)
    return (
        environment()
        .get_template(TEMPLATE)
        .render(
            model=model,
            check=check,
            charts=charts,
            audits=len(intact),
            left_out=len(records) - len(intact),
            first=intact[0].created_at[:10] if intact else "",
            last=intact[-1].created_at[:10] if intact else "",
            width=WIDTH,
            height=HEIGHT,
            pad_x=PAD_X,
        )
    )
