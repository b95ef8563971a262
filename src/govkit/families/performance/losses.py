"""The Brier score and log loss over every row, as a mergeable ``Accumulator``.

Both are means of a per-row loss, so a batch contributes scikit-learn's own loss on its rows times
their number (``brier_score_loss``; ``log_loss`` with ``normalize=False``, clipping as scikit-learn
does) and the merged mean is the whole data's, up to the order of additions. Used on an engine
(``--engine stream|spark``), where the frame is a sample but every row is counted where it lives.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from govkit.families.performance.rows import scored_rows

if TYPE_CHECKING:
    from govkit.context import AuditContext, Batch


@dataclass(frozen=True)
class LossSums:
    """Rows with a known target, and their summed squared error and log loss."""

    rows: int
    squared: float
    logarithmic: float

    def mean(self, name: str) -> float:
        return (self.squared if name == "brier_score" else self.logarithmic) / self.rows


@dataclass(frozen=True)
class LossCounter:
    """The Brier and log-loss sums of the positive-class scores, batch by batch."""

    target: str
    positive: Any

    def update(self, batch: Batch) -> LossSums:
        from sklearn import metrics

        positive, scored = scored_rows(batch, self.target, self.positive, "the Brier score and log loss")
        if len(scored) == 0:
            return LossSums(0, 0.0, 0.0)
        squared = float(metrics.brier_score_loss(positive, scored)) * len(scored)
        logarithmic = float(metrics.log_loss(positive, scored, labels=[False, True], normalize=False))
        return LossSums(len(scored), squared, logarithmic)

    def merge(self, partials: Sequence[LossSums]) -> LossSums:
        return LossSums(
            rows=sum(p.rows for p in partials),
            squared=sum(p.squared for p in partials),
            logarithmic=sum(p.logarithmic for p in partials),
        )


def loss_sums(ctx: AuditContext) -> LossSums:
    """The audit's loss sums over every row, counted once for both checks."""
    assert ctx.target is not None
    counter = LossCounter(target=ctx.target, positive=ctx.positive_label)
    return ctx.memo(("performance.losses", counter), lambda: ctx.accumulate(counter))
