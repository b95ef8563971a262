"""The evidence of the robustness checks: what ``Measurement.details`` holds, as pydantic models.

The family writes plain dicts; the runner validates them against these models and the report section
reads them back through the same models. Unknown keys are refused (``Evidence``).

This module imports only pydantic, the standard library and ``govkit.registry``: the report may
import it without importing the family.
"""

from __future__ import annotations

from typing import Literal

from govkit.registry import Evidence

Interval = tuple[float, float]
SliceMetric = Literal["error_rate", "false_negative_rate", "mae"]


class Condition(Evidence):
    """One feature's part of a slice's definition: the column and its value (or numeric range) as text."""

    column: str
    value: str


class Slice(Evidence):
    """One slice of the current data and how the model does on it."""

    conditions: list[Condition]
    rows: int  # rows the metric is computed on (labelled; for the false negative rate, actual favourable rows)
    share: float  # of those rows in the whole data
    value: float  # the slice's metric
    interval: Interval  # Wilson (rates) or normal (MAE) interval at the evidence's confidence
    ratio: float | None  # value over the overall value (None when the overall value is 0)
    p_value: float  # one-sided test: the slice is worse than the rows outside it
    adjusted_p_value: float  # Holm-adjusted over every slice tested
    weak: bool  # significant after the correction and at least min_ratio times the overall value


class WeakSegmentEvidence(Evidence):
    """The search: what was tried, within which budget, and the worst slices found."""

    metric: SliceMetric
    overall: float  # the metric on all rows counted
    overall_interval: Interval
    rows: int  # rows the metric is computed on
    rows_without_target: int
    columns: list[str]  # columns slices were defined by
    excluded_sensitive: list[str]  # sensitive columns left out (include_sensitive false)
    max_features: int
    min_size: int
    budget: int  # max_slices
    slices_tested: int  # slices with at least min_size rows, tested (the count Holm corrects for)
    budget_reached: bool  # the budget stopped the search before every slice of the chosen columns was tested
    column_pairs_skipped: int  # pairs of columns not searched because the budget was spent
    correction: Literal["holm"]
    test: str  # the one-sided test, in words
    alpha: float
    min_ratio: float
    confidence: float
    weak_count: int
    slices: list[Slice]  # weak slices first (worst first), then the most significant others, at most top_k


class GroupFlips(Evidence):
    """The decisions of one group (or all rows) that changed."""

    column: str | None  # the sensitive column grouped by; None for all rows
    group: str
    rows: int
    flipped: int
    share: float
    interval: Interval  # Wilson interval at the evidence's confidence
    mean_score_change: float | None  # mean absolute change of the favourable-outcome score


class PerturbationEvidence(Evidence):
    """Decisions before and after a small change of every input that should not matter."""

    rows: int  # rows perturbed (a seeded sample when the data has more than max_rows)
    population: int
    numeric_columns: list[str]
    numeric_not_moved: list[str]  # numeric inputs left as they are: no spread (interquartile range 0) in the reference
    numeric_scale: float  # largest change, as a fraction of each column's reference interquartile range
    categorical_columns: list[str]
    categorical_values_changed: int  # cells whose rare value became the most similar frequent one
    regression_tolerance: float | None  # regression: the change that counts as a flip, as a share of the IQR
    confidence: float
    overall: GroupFlips
    groups: list[GroupFlips]  # by each sensitive column's groups
    mean_score_change: float | None


class AttributeFlips(Evidence):
    """One attribute flipped to each of its other values."""

    column: str
    proxy: bool  # flagged as a proxy rather than named sensitive
    values: list[str]  # the values rows were flipped to
    overall: GroupFlips  # rows whose decision changed for at least one other value
    groups: list[GroupFlips]  # by the row's own value
    worst_value: str | None  # the other value that changed most decisions
    worst_value_share: float | None


class CounterfactualEvidence(Evidence):
    """Decisions with one sensitive attribute (or flagged proxy) changed and nothing else."""

    rows: int
    population: int
    confidence: float
    attributes: list[AttributeFlips]
    not_inputs: list[str]  # sensitive columns the model does not take as an input (nothing to flip)


class DuplicateEvidence(Evidence):
    """Rows that repeat an earlier row of the current data."""

    rows: int
    duplicates: int  # rows equal to an earlier row
    columns: Literal["all", "features"]
    compared_columns: int
    examples: list[int]  # row numbers (0-based) of the first repeated rows


class SharedRowsEvidence(Evidence):
    """Current rows that also appear in the reference data."""

    rows: int
    shared: int
    reference_rows: int
    compared_columns: list[str]  # the columns both frames have


class ConflictEvidence(Evidence):
    """Rows with identical model inputs whose targets differ."""

    rows: int  # labelled rows
    conflicting_rows: int  # rows in a group of identical inputs with more than one target value
    conflicting_groups: int
    compared_columns: list[str]


class ColumnLeak(Evidence):
    """How well one column alone predicts the target."""

    column: str
    auc: float
    method: Literal["rank", "target rate"]


class LeakageEvidence(Evidence):
    """Every scored input column's AUC alone, the highest first."""

    rows: int
    population: int
    columns_scored: int
    columns_not_scored: int  # beyond max_columns
    leak_auc: float
    leaks: list[str]  # columns at or above leak_auc
    top: list[ColumnLeak]
