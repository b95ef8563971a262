"""ROC AUC and average precision over every row: the scores' distinct values with their counts.

Both areas depend on the rows only through how many positives and negatives share each score, so an
``Accumulator`` keeps, per distinct (score, is-positive) pair, its number of rows; ``merge`` adds the
counts of equal pairs. scikit-learn's own ``roc_auc_score``, ``average_precision_score`` and curves,
given the pairs weighted by their counts, then compute exactly the whole data's values (a weighted pair
stands for its rows; equal scores are tied either way). Used on an engine (``--engine stream|spark``),
where the frame is a sample but every row is counted where it lives.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from govkit.families.performance.rows import known_targets, plain

if TYPE_CHECKING:
    import numpy as np

    from govkit.context import AuditContext, Batch


@dataclass(frozen=True)
class ScorePairs:
    """Distinct (score, positive) pairs, sorted, and the rows of each."""

    scores: np.ndarray
    positive: np.ndarray
    counts: np.ndarray


def _distinct(scores: np.ndarray, positive: np.ndarray, counts: np.ndarray) -> ScorePairs:
    import numpy as np

    if len(scores) == 0:
        return ScorePairs(scores, positive, counts)
    order = np.lexsort((positive, scores))
    scores, positive, counts = scores[order], positive[order], counts[order]
    starts = np.flatnonzero(np.r_[True, (np.diff(scores) != 0) | (np.diff(positive.astype(np.int8)) != 0)])
    return ScorePairs(scores[starts], positive[starts], np.add.reduceat(counts, starts))


@dataclass(frozen=True)
class PairCounter:
    """The positive-class scores' distinct pairs, batch by batch."""

    target: str
    positive: Any

    def update(self, batch: Batch) -> ScorePairs:
        import numpy as np

        if batch.scores is None:
            raise ValueError("ROC AUC and average precision need the model's scores")
        truth = batch.frame[self.target].to_numpy()
        known = known_targets(truth)
        positive = np.asarray(plain(truth[known]) == self.positive, dtype=bool)
        scores = np.asarray(batch.scores, dtype=np.float64)[known]
        return _distinct(scores, positive, np.ones(len(scores), dtype=np.int64))

    def merge(self, partials: Sequence[ScorePairs]) -> ScorePairs:
        import numpy as np

        if not partials:
            return ScorePairs(np.empty(0), np.empty(0, dtype=bool), np.empty(0, dtype=np.int64))
        return _distinct(
            np.concatenate([p.scores for p in partials]),
            np.concatenate([p.positive for p in partials]),
            np.concatenate([p.counts for p in partials]),
        )


def score_pairs(ctx: AuditContext) -> ScorePairs:
    """The audit's distinct score pairs over every row, counted once for both checks."""
    assert ctx.target is not None
    counter = PairCounter(target=ctx.target, positive=ctx.positive_label)
    return ctx.memo(("performance.score_pairs", counter), lambda: ctx.accumulate(counter))
