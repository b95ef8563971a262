"""The rows a performance check can use: those with a known target, with labels as scikit-learn expects."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

    from govkit.context import Batch


def known_targets(truth: np.ndarray) -> np.ndarray:
    """True where the target is known (not missing)."""
    import pandas as pd

    return ~pd.isna(truth)


def plain(values: np.ndarray) -> np.ndarray:
    """Labels as plain values once the gaps are gone.

    A column of True/False with gaps arrives as objects; without the gaps it is plain labels again,
    and scikit-learn must see it so (it rejects a mix of "unknown" and binary targets).
    """
    import numpy as np

    return np.asarray(values.tolist()) if values.dtype == object and len(values) else values


def labelled(truth: np.ndarray, predicted: Any) -> tuple[np.ndarray, np.ndarray, int]:
    """True and predicted labels on the rows whose target is known, and how many rows have none."""
    import numpy as np

    known = known_targets(truth)
    return plain(truth[known]), plain(np.asarray(predicted)[known]), int((~known).sum())


def scored_rows(batch: Batch, target: str, positive: Any, needed_for: str) -> tuple[np.ndarray, np.ndarray]:
    """(is the target the positive label, the positive-class score) for a batch's rows with a known target.

    ``needed_for`` names the metrics in the error raised when the batch has no scores.
    """
    import numpy as np

    if batch.scores is None:
        raise ValueError(f"{needed_for} need the model's scores")
    truth = batch.frame[target].to_numpy()
    known = known_targets(truth)
    return np.asarray(plain(truth[known]) == positive, dtype=bool), np.asarray(batch.scores, dtype=np.float64)[known]
