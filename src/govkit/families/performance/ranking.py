"""ROC AUC and average precision over every row: the scores' distinct values with their counts.

Both areas depend on the rows only through how many positives and negatives share each score, so an
``Accumulator`` keeps every row's score, sorted, per class (``merge`` joins and sorts), and the
decision turns them into distinct (score, is-positive) pairs with their rows. scikit-learn's own
``roc_auc_score``, ``average_precision_score`` and curves, given the pairs weighted by their counts,
then compute exactly the whole data's values (a weighted pair stands for its rows; equal scores are
tied either way). Used on an engine (``--engine stream|spark``), where the frame is a sample but every
row is counted where it lives.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from govkit.families.performance.rows import scored_rows

if TYPE_CHECKING:
    import numpy as np

    from govkit.context import AuditContext, Batch


@dataclass(frozen=True)
class ScorePairs:
    """Distinct (score, positive) pairs and the rows of each: what scikit-learn is given, as weights."""

    scores: np.ndarray
    positive: np.ndarray
    counts: np.ndarray


@dataclass(frozen=True)
class SortedScores:
    """Every row's score, sorted, one array for the positive rows and one for the others.

    Eight bytes a row and a merge that is a concatenation and one sort: lighter than counting pairs
    per batch (the scores of a boosted model are nearly all distinct, so pairs would not shrink them).
    """

    positive: np.ndarray
    negative: np.ndarray

    def pairs(self) -> ScorePairs:
        """The distinct scores of each class with their rows."""
        import numpy as np

        runs = [_runs(self.positive), _runs(self.negative)]
        flags = [np.ones(len(runs[0][0]), dtype=bool), np.zeros(len(runs[1][0]), dtype=bool)]
        return ScorePairs(
            scores=np.concatenate([runs[0][0], runs[1][0]]),
            positive=np.concatenate(flags),
            counts=np.concatenate([runs[0][1], runs[1][1]]),
        )


def _runs(ordered: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(distinct values, rows of each) of a sorted array."""
    import numpy as np

    if len(ordered) == 0:
        return ordered, np.empty(0, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    return ordered[starts], np.diff(np.r_[starts, len(ordered)])


@dataclass(frozen=True)
class PairCounter:
    """The positive-class scores of every row with a known target, sorted by class, batch by batch."""

    target: str
    positive: Any

    def update(self, batch: Batch) -> SortedScores:
        import numpy as np

        positive, scores = scored_rows(batch, self.target, self.positive, "ROC AUC and average precision")
        return SortedScores(np.sort(scores[positive]), np.sort(scores[~positive]))

    def merge(self, partials: Sequence[SortedScores]) -> SortedScores:
        import numpy as np

        merged = []
        for side in ("positive", "negative"):
            joined = np.concatenate([np.empty(0), *(getattr(p, side) for p in partials)])
            joined.sort(kind="stable")
            merged.append(joined)
        return SortedScores(merged[0], merged[1])


def score_pairs(ctx: AuditContext) -> ScorePairs:
    """The audit's distinct score pairs over every row, counted once for both checks."""
    assert ctx.target is not None
    counter = PairCounter(target=ctx.target, positive=ctx.positive_label)
    return ctx.memo(("performance.score_pairs", counter), lambda: ctx.accumulate(counter).pairs())
