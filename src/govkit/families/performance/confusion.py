"""The confusion matrix: counts of (true, predicted) label pairs, as a mergeable ``Accumulator``.

``ConfusionCounter.update`` counts one batch's rows with a known target; ``merge`` adds batches'
matrices label by label (every label seen in any batch), so the merged matrix is the same however
the rows were split. The tests check it against ``sklearn.metrics.confusion_matrix``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from govkit.errors import InputError
from govkit.families.performance.rows import labelled

if TYPE_CHECKING:
    import numpy as np

    from govkit.context import AuditContext, Batch


@dataclass(frozen=True)
class Confusion:
    """Labels (text, sorted) and the labels x labels counts; rows are the true label."""

    labels: list[str]
    matrix: np.ndarray

    def evidence(self) -> dict[str, Any]:
        """As the checks' details hold it (``evidence.ConfusionMatrix``)."""
        return {"labels": list(self.labels), "matrix": self.matrix.tolist()}


def label_text(value: Any) -> str:
    """A label as text; 1.0 (a numeric target made float by missing values) is the label 1."""
    if isinstance(value, float) and value.is_integer():  # numpy float64 is a float subclass
        value = int(value)
    return str(value)


def count_pairs(y_true: Any, y_pred: Any) -> Confusion:
    """Counts of (true, predicted) label pairs; only the few distinct labels are turned into text."""
    import numpy as np
    import pandas as pd

    codes, uniques = pd.factorize(np.concatenate([np.asarray(y_true, dtype=object), np.asarray(y_pred, dtype=object)]))
    texts = [label_text(u) for u in uniques]
    # labels that read the same as text (1 and 1.0) are one label
    labels = sorted(set(texts))
    index = np.array([labels.index(t) for t in texts], dtype=np.int64)
    merged = index[codes]
    truth, guess = merged[: len(y_true)], merged[len(y_true) :]
    k = len(labels)
    matrix = np.bincount(truth * k + guess, minlength=k * k).reshape(k, k)
    return Confusion(labels=labels, matrix=matrix)


@dataclass(frozen=True)
class ConfusionCounter:
    """The confusion matrix of the rows with a known target, batch by batch."""

    target: str

    def update(self, batch: Batch) -> Confusion:
        if batch.labels is None:
            raise InputError("no predictions: give --model or --prediction-column")
        y_true, y_pred, _ = labelled(batch.frame[self.target].to_numpy(), batch.labels)
        return count_pairs(y_true, y_pred)

    def merge(self, partials: Sequence[Confusion]) -> Confusion:
        import numpy as np

        labels = sorted({label for partial in partials for label in partial.labels})
        index = {label: i for i, label in enumerate(labels)}
        total = np.zeros((len(labels), len(labels)), dtype=np.int64)
        for partial in partials:
            at = [index[label] for label in partial.labels]
            total[np.ix_(at, at)] += partial.matrix
        return Confusion(labels=labels, matrix=total)


def confusion(ctx: AuditContext) -> Confusion:
    """The audit's confusion matrix, counted once for every check on the predicted labels."""
    if ctx.target is None:
        raise InputError("no target column was given; pass --target")
    target = ctx.target
    return ctx.memo(("performance.confusion", target), lambda: ctx.accumulate(ConfusionCounter(target)))
