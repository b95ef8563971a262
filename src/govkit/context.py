"""AuditContext: everything a check may read, with predictions computed exactly once.

Families receive the context and never load files, call the model, or print. Work that several
checks of one family share (one great-expectations validation, one evidently report, one table of
per-group confusion counts) is memoised in the context with ``memo``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from govkit.errors import InputError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

T = TypeVar("T")
Task = Literal["binary", "multiclass", "regression", "unknown"]


@dataclass
class Predictions:
    """A model's outputs on one frame: labels, and the positive-class score when there is one."""

    labels: np.ndarray
    scores: np.ndarray | None  # probability of the positive class (binary) or None


@dataclass
class AuditContext:
    """The audited inputs. Build it with ``govkit.context.build_context``."""

    current: pd.DataFrame
    reference: pd.DataFrame | None
    target: str | None
    sensitive: list[str]
    features: list[str]
    task: Task
    positive_label: Any
    seed: int = 0
    model: Any = None
    prediction_column: str | None = None
    probability_column: str | None = None
    current_predictions: Predictions | None = None
    reference_predictions: Predictions | None = None
    sampling: list[dict[str, Any]] = field(default_factory=list)
    _memo: dict[Any, Any] = field(default_factory=dict, repr=False)

    @property
    def available(self) -> set[str]:
        """The input names (as in ``CheckDef.requires``) this audit can supply."""
        have = {"current"}
        if self.reference is not None:
            have.add("reference")
        if self.target is not None:
            have.add("target")
        if self.sensitive:
            have.add("sensitive")
        if self.model is not None:
            have.add("model")
        if self.current_predictions is not None:
            have.add("prediction")
            if self.task in ("binary", "multiclass"):
                have.add("classifier")
            if self.current_predictions.scores is not None:
                have.add("probability")
        return have

    @property
    def y_true(self) -> pd.Series:
        if self.target is None:
            raise InputError("no target column was given; pass --target")
        return self.current[self.target]

    @property
    def y_pred(self) -> np.ndarray:
        if self.current_predictions is None:
            raise InputError("no predictions: give --model or --prediction-column")
        return self.current_predictions.labels

    @property
    def y_score(self) -> np.ndarray | None:
        return self.current_predictions.scores if self.current_predictions is not None else None

    def memo(self, key: Any, compute: Callable[[], T]) -> T:
        """Compute once per audit what several checks share."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def record_sampling(self, family: str, what: str, population: int, sample: int, seed: int) -> None:
        """Every sample taken for speed is recorded, so the report can say so."""
        entry = {"family": family, "what": what, "population": population, "sample": sample, "seed": seed}
        if entry not in self.sampling:
            self.sampling.append(entry)
