"""The data of the performance plots: ROC and precision-recall curves, and reliability (calibration) curves.

Curves come from scikit-learn (``roc_curve``, ``precision_recall_curve``) on every row, then are
thinned to at most ``MAX_POINTS`` points so results.json stays small; the check's value is always the
exact area on every row. Calibration is counting (rows, summed scores, positives per bin and group),
so it is a mergeable ``Accumulator`` over the audit's batches, binned as scikit-learn's
``calibration_curve`` bins (equal widths on [0, 1], a score on a bin's upper edge falls in that bin).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from govkit.families.performance.confusion import label_text

if TYPE_CHECKING:
    import numpy as np

    from govkit.context import Batch

MAX_POINTS = 101
CALIBRATION_BINS = 10
MIN_GROUP_ROWS = 30  # a group's reliability curve on fewer rows is noise
MAX_GROUPS = 12  # per sensitive column, the largest groups


def as_text(values: Any, missing: str = "(missing)") -> np.ndarray:
    """Labels as text (``label_text``), converting only the distinct values; a missing value reads ``missing``."""
    import numpy as np
    import pandas as pd

    codes, uniques = pd.factorize(np.asarray(values, dtype=object))
    texts = np.array([*(label_text(u) for u in uniques), missing], dtype=object)
    return texts[codes]  # code -1 (missing) picks the last entry


def thin(x: np.ndarray, y: np.ndarray, limit: int = MAX_POINTS) -> tuple[list[float], list[float]]:
    """At most ``limit`` points of a curve, evenly spaced along it, first and last kept."""
    import numpy as np

    if len(x) > limit:
        keep = np.unique(np.linspace(0, len(x) - 1, limit).round().astype(int))
        x, y = x[keep], y[keep]
    return [round(float(v), 6) for v in x], [round(float(v), 6) for v in y]


def roc(
    truth: np.ndarray, scores: np.ndarray, positive: Any, area: float | None, weights: np.ndarray | None = None
) -> dict[str, Any]:
    """The ROC curve of ``scores`` for ``truth`` (booleans; ``weights``: rows per pair), as ``evidence.Curve``."""
    from sklearn.metrics import roc_curve

    fpr, tpr, _ = roc_curve(truth, scores, sample_weight=weights)
    x, y = thin(fpr, tpr)
    return {
        "positive": label_text(positive),
        "x": x,
        "y": y,
        "area": area,
        "points": len(fpr),
        "rows": _positives(truth, weights),
    }


def precision_recall(
    truth: np.ndarray, scores: np.ndarray, positive: Any, area: float | None, weights: np.ndarray | None = None
) -> dict[str, Any]:
    """The precision-recall curve, recall rising from 0 (as ``evidence.Curve``)."""
    from sklearn.metrics import precision_recall_curve

    precision, recall, _ = precision_recall_curve(truth, scores, sample_weight=weights)
    # scikit-learn lists the points by falling recall; the plot reads them left to right
    x, y = thin(recall[::-1], precision[::-1])
    return {
        "positive": label_text(positive),
        "x": x,
        "y": y,
        "area": area,
        "points": len(recall),
        "rows": _positives(truth, weights),
    }


def _positives(truth: np.ndarray, weights: np.ndarray | None) -> int:
    """The positive rows (a weighted pair stands for its rows)."""
    return int(truth.sum()) if weights is None else int(weights[truth].sum())


@dataclass(frozen=True)
class BinCounts:
    """Per (column, group) key: rows, summed scores and positives in each bin; key ("", "") is all rows."""

    counts: dict[tuple[str, str], np.ndarray]  # shape (3, bins): rows, score sums, positives


@dataclass(frozen=True)
class CalibrationCounter:
    """Reliability counts of the positive-class scores, overall and for each sensitive group."""

    target: str
    positive: frozenset[str]  # the favourable label(s) as text
    sensitive: tuple[str, ...]
    bins: int = CALIBRATION_BINS

    def update(self, batch: Batch) -> BinCounts:
        import numpy as np
        import pandas as pd

        if batch.scores is None:
            raise ValueError("calibration needs the model's scores")
        truth = batch.frame[self.target].to_numpy()
        known = ~pd.isna(truth)
        positive = np.isin(as_text(truth[known]), list(self.positive)).astype(float)
        scores = np.asarray(batch.scores, dtype=float)[known]
        edges = np.linspace(0.0, 1.0, self.bins + 1)
        binned = np.searchsorted(edges[1:-1], scores)
        keys: list[tuple[tuple[str, str], np.ndarray]] = [(("", ""), np.ones(len(scores), dtype=bool))]
        for column in self.sensitive:
            text = as_text(batch.frame[column].to_numpy()[known])
            keys += [((column, str(g)), text == g) for g in np.unique(text)]
        counts = {}
        for key, rows in keys:
            counts[key] = np.vstack(
                [
                    np.bincount(binned[rows], minlength=self.bins),
                    np.bincount(binned[rows], weights=scores[rows], minlength=self.bins),
                    np.bincount(binned[rows], weights=positive[rows], minlength=self.bins),
                ]
            )
        return BinCounts(counts=counts)

    def merge(self, partials: Sequence[BinCounts]) -> BinCounts:

        total: dict[tuple[str, str], np.ndarray] = {}
        for partial in partials:
            for key, counts in partial.counts.items():
                total[key] = total[key] + counts if key in total else counts.astype(float)
        return BinCounts(counts=total)


def calibration_curve(counts: np.ndarray, column: str | None, group: str | None, bins: int) -> dict[str, Any]:
    """One ``evidence.CalibrationCurve`` from a key's (3, bins) counts: the non-empty bins only."""
    rows, sums, positives = counts
    width = 1.0 / bins
    return {
        "column": column,
        "group": group,
        "rows": int(rows.sum()),
        "bins": [
            {
                "lower": round(i * width, 6),
                "upper": round((i + 1) * width, 6),
                "rows": int(rows[i]),
                "mean_score": float(sums[i] / rows[i]),
                "observed_rate": float(positives[i] / rows[i]),
            }
            for i in range(bins)
            if rows[i] > 0
        ],
    }


def calibration(summary: BinCounts, positive: str, bins: int = CALIBRATION_BINS) -> dict[str, Any]:
    """``evidence.Calibration``: all rows, then each column's largest groups with enough rows."""
    groups: list[dict[str, Any]] = []
    left_out = 0
    columns = dict.fromkeys(column for column, _ in summary.counts if column)
    for column in columns:
        keyed = [(group, counts) for (c, group), counts in summary.counts.items() if c == column]
        keyed.sort(key=lambda item: (-item[1][0].sum(), item[0]))
        for rank, (group, counts) in enumerate(keyed):
            if rank >= MAX_GROUPS or counts[0].sum() < MIN_GROUP_ROWS:
                left_out += 1
                continue
            groups.append(calibration_curve(counts, column, group, bins))
    return {
        "positive": positive,
        "bin_count": bins,
        "overall": calibration_curve(summary.counts[("", "")], None, None, bins),
        "groups": groups,
        "groups_left_out": left_out,
    }
