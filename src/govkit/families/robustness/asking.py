"""Asking the model again: the seeded sample of rows, and the model's decisions and scores on changed inputs.

The perturbation and counterfactual checks compare the model's outputs on rows as they are and on the
same rows changed; both sides are computed here, by the same calls, so the comparison never mixes two
ways of predicting. A sample taken for speed is recorded on the context, so the report says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from govkit.families.robustness.outcomes import label_text

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from govkit.context import AuditContext

FAMILY = "robustness"


@dataclass(frozen=True)
class Outputs:
    """Decisions as text (or numbers, for regression) and the favourable-outcome score when there is one."""

    decisions: np.ndarray
    scores: np.ndarray | None


def sample_rows(ctx: AuditContext, max_rows: int, what: str) -> np.ndarray:
    """Positions of the current data's rows to use: all of them, or a seeded sample of ``max_rows``."""
    import numpy as np

    population = len(ctx.current)
    if population <= max_rows:
        return np.arange(population)
    rng = np.random.default_rng(ctx.seed)
    ctx.record_sampling(FAMILY, what, population, max_rows, ctx.seed)
    return np.sort(rng.choice(population, size=max_rows, replace=False))


def ask(ctx: AuditContext, frame: pd.DataFrame) -> Outputs:
    """The model's decisions and favourable-outcome scores on ``frame``."""
    import numpy as np

    model = ctx.model
    predicted = np.asarray(model.predict(frame))
    if ctx.task == "regression":
        return Outputs(decisions=predicted.astype(float), scores=None)
    scores = None
    classes = getattr(model, "classes_", None)
    favourable = {str(v) for v in label_text(ctx.favourable_labels)} if ctx.favourable_labels else set()
    if hasattr(model, "predict_proba") and classes is not None and favourable:
        probabilities = np.asarray(model.predict_proba(frame), dtype=float)
        columns = [i for i, text in enumerate(label_text(np.asarray(classes))) if text in favourable]
        scores = probabilities[:, columns].sum(axis=1) if columns else None
    return Outputs(decisions=label_text(predicted), scores=scores)
