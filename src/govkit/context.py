"""AuditContext: everything a check may read, with predictions computed exactly once.

Families receive the context and never load files, call the model, or print. Work that several
checks of one family share (one great-expectations validation, one evidently report, one table of
per-group confusion counts) is memoised in the context with ``memo``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar, cast

from govkit.errors import InputError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

T = TypeVar("T")
PartialT = TypeVar("PartialT")
Task = Literal["binary", "multiclass", "regression", "unknown"]


@dataclass
class Predictions:
    """A model's outputs on one frame.

    ``labels`` are the decisions (a classifier's class labels, a regressor's numbers). ``scores`` is
    the probability of the favourable outcome per row: binary, the positive class's probability;
    multiclass, the summed probability of the favourable classes (``AuditContext.favourable_labels``);
    None for regression or a model without probabilities. ``probabilities`` is the full per-class
    matrix (rows x classes, columns in ``classes`` order) when the classifier has it.

    ``rows`` is None when the outputs are for every row of the frame, in order. Otherwise they are for
    these positions only (ascending): on a large reference frame the model predicts just the rows the
    checks sample (``govkit.preflight.predictions.reference_rows``).
    """

    labels: np.ndarray
    scores: np.ndarray | None
    probabilities: np.ndarray | None = None
    classes: list[Any] | None = None
    rows: np.ndarray | None = None


def seeded_positions(length: int, size: int, seed: int) -> np.ndarray:
    """The positions ``sample(n=size, random_state=seed)`` picks from any pandas frame or series of
    ``length`` rows, in the order it picks them: pandas draws them from the length alone."""
    import pandas as pd

    return pd.RangeIndex(length).to_series().sample(n=size, random_state=seed).index.to_numpy()


@dataclass(frozen=True)
class Batch:
    """Some rows of the current data with the model's outputs for exactly those rows.

    The unit an ``Accumulator`` counts. The in-memory engine hands a family one batch holding every
    row; an engine that streams Parquet or runs per Spark partition hands it many.
    """

    frame: pd.DataFrame
    labels: np.ndarray | None
    scores: np.ndarray | None
    offset: int = 0  # the position of the batch's first row in the whole data (rows are keyed by position)


class Accumulator(Protocol[PartialT]):
    """Count, then decide: a family's work on rows as a mergeable summary.

    ``update`` turns one batch into a partial summary (counts, sums, histograms on shared edges); ``merge``
    combines partials from any number of batches, in any order, into one. Decision code reads only the
    merged summary, so every engine that can feed batches computes the same numbers by construction.
    """

    def update(self, batch: Batch) -> PartialT: ...

    def merge(self, partials: Sequence[PartialT]) -> PartialT: ...


def accumulate(accumulator: Accumulator[PartialT], batches: Iterator[Batch]) -> PartialT:
    """Run ``accumulator`` over ``batches`` and merge the partials into one summary."""
    return accumulator.merge([accumulator.update(batch) for batch in batches])


class RowSource(Protocol):
    """Every row of the current data where it lives (Parquet read in batches, a Spark DataFrame), with the
    model's outputs for them: what ``AuditContext.accumulate`` counts when the audit runs on an engine.

    ``rows`` is the number of rows; ``accumulate`` runs ``accumulator.update`` on every batch, where the
    rows are, and returns the merged summary; ``release`` frees what the engine kept once the audit ends.
    """

    @property
    def rows(self) -> int: ...

    def accumulate(self, accumulator: Accumulator[PartialT]) -> PartialT: ...

    def release(self) -> None:
        """Free what the engine keeps for the audit (cached rows, persisted DataFrames)."""


@dataclass
class AuditContext:
    """The audited inputs. Build it with ``govkit.context.build_context``."""

    current: pd.DataFrame
    reference: pd.DataFrame | None
    target: str | None
    sensitive: list[str]
    features: list[str]
    task: Task
    # binary: the favourable label; multiclass: a list of favourable labels (or None when the policy
    # asks per class, one-vs-rest); regression: None. Read it through ``favourable_labels``.
    positive_label: Any
    seed: int = 0
    model: Any = None
    prediction_column: str | None = None
    probability_column: str | None = None
    current_predictions: Predictions | None = None
    reference_predictions: Predictions | None = None
    sampling: list[dict[str, Any]] = field(default_factory=list)
    # set by an engine (``--engine stream|spark``): every row, where it lives; ``current`` is then the
    # engine's deterministic sample for the checks that read a frame, and ``accumulate`` counts every row
    source: RowSource | None = None
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
            # a multiclass model without a favourable set has no single score, but its class matrix
            if self.current_predictions.scores is not None or self.current_predictions.probabilities is not None:
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

    @property
    def favourable_labels(self) -> list[Any]:
        """The favourable outcome(s) as a list: [] when none is set, one label for binary tasks."""
        if self.positive_label is None:
            return []
        if isinstance(self.positive_label, (list, tuple, set, frozenset)):
            return list(self.positive_label)
        return [self.positive_label]

    @property
    def classes(self) -> list[Any] | None:
        """The class labels in the model's (or the probability matrix's) order, when known."""
        predictions = self.current_predictions
        return None if predictions is None else predictions.classes

    def batches(self) -> Iterator[Batch]:
        """The current data as batches for an ``Accumulator``: one batch of every row in memory."""
        predictions = self.current_predictions
        yield Batch(
            frame=self.current,
            labels=None if predictions is None else predictions.labels,
            scores=None if predictions is None else predictions.scores,
        )

    def accumulate(self, accumulator: Accumulator[PartialT]) -> PartialT:
        """``accumulator``'s merged summary over every row of the current data, on whichever engine holds them."""
        if self.source is not None:
            return self.source.accumulate(accumulator)
        return accumulate(accumulator, self.batches())

    @property
    def current_rows(self) -> int:
        """The number of rows of the current data (all of them, not the engine's sample)."""
        return self.source.rows if self.source is not None else len(self.current)

    def memo(self, key: Any, compute: Callable[[], T]) -> T:
        """Compute once per audit what several checks share."""
        if key not in self._memo:
            self._memo[key] = compute()
        return cast("T", self._memo[key])

    def record_sampling(self, family: str, what: str, population: int, sample: int, seed: int) -> None:
        """Every sample taken for speed is recorded, so the report can say so."""
        entry = {"family": family, "what": what, "population": population, "sample": sample, "seed": seed}
        if entry not in self.sampling:
            self.sampling.append(entry)
