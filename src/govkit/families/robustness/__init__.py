"""Robustness and integrity: what nobody named but a reviewer will ask about.

Fairness compares the groups someone named; this family looks where nobody pointed. Does the model
fail badly on some slice of the data (weak segments)? Does a small, meaningless change to an input
change the decision (perturbation)? Would the decision change if only a sensitive attribute were
different (counterfactual flips)? Is the evaluation data sound: repeated rows, rows shared with the
reference data, identical inputs with different targets, an input that gives the answer away?

The package, one job per module: ``params`` (bounds and thresholds of each search), ``columns``
(which columns, coded into slices), ``outcomes`` (the per-row metric), ``statistics`` (intervals,
one-sided tests, Holm's correction), ``segments`` (the slice search), ``asking`` (the sample of rows
and the model's outputs on changed rows), ``flips`` (changed decisions by group), ``perturbation``,
``counterfactual``, ``integrity`` (repeated, shared and conflicting rows), ``leakage`` (single-column
AUC) and ``evidence`` (what each check's details hold).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from govkit.families.robustness import evidence as ev
from govkit.families.robustness import params as pm
from govkit.registry import CheckDef

if TYPE_CHECKING:
    from govkit.context import AuditContext
    from govkit.results import Measurement

NAME = "robustness"
TITLE = "Robustness and integrity"
INTRO = (
    "Where does the model fail that nobody named, does a meaningless change or a sensitive attribute alone "
    "change its decisions, and is the evaluation data sound?"
)

_CLASSIFIERS = frozenset({"binary", "multiclass"})

CHECKS: dict[str, CheckDef] = {
    "weak_segments": CheckDef(
        title="Weak segments",
        doc="Number of slices (one or two features) where the model's error is significantly worse than "
        "overall (Holm-corrected over every slice tested) and at least min_ratio times the overall value.",
        requires=frozenset({"current", "target", "prediction"}),
        params=pm.WeakSegmentParams,
        evidence=ev.WeakSegmentEvidence,
        unit="count",
        higher_is_better=False,
    ),
    "perturbation_flip_rate": CheckDef(
        title="Decisions changed by a meaningless change",
        doc="Share of decisions that change when every numeric input moves by at most 1% of its interquartile "
        "range and rare categories become the nearest frequent value (sensitive columns are left as they are).",
        requires=frozenset({"current", "model"}),
        params=pm.PerturbationParams,
        evidence=ev.PerturbationEvidence,
        unit="share",
        higher_is_better=False,
    ),
    "counterfactual_flip_rate": CheckDef(
        title="Decisions changed by the sensitive attribute alone",
        doc="Highest share of decisions that change when only a sensitive attribute (or flagged proxy) that the "
        "model takes as an input is set to another value; inconclusive when none is an input.",
        requires=frozenset({"current", "model", "sensitive"}),
        params=pm.CounterfactualParams,
        evidence=ev.CounterfactualEvidence,
        unit="share",
        higher_is_better=False,
    ),
    "duplicate_rows": CheckDef(
        title="Duplicate rows",
        doc="Share of current rows that repeat an earlier row.",
        requires=frozenset({"current"}),
        params=pm.DuplicateParams,
        evidence=ev.DuplicateEvidence,
        unit="share",
        higher_is_better=False,
    ),
    "shared_rows": CheckDef(
        title="Rows shared with the reference data",
        doc="Share of current rows that also appear in the reference data (evaluation data overlapping "
        "the data the model was validated on).",
        requires=frozenset({"current", "reference"}),
        evidence=ev.SharedRowsEvidence,
        unit="share",
        higher_is_better=False,
    ),
    "conflicting_labels": CheckDef(
        title="Conflicting labels",
        doc="Share of labelled rows whose model inputs are identical to another row's but whose target differs.",
        requires=frozenset({"current", "target"}),
        evidence=ev.ConflictEvidence,
        unit="share",
        higher_is_better=False,
        tasks=_CLASSIFIERS,
    ),
    "single_feature_leakage": CheckDef(
        title="Single-feature leakage",
        doc="Highest ROC AUC with which one input column alone predicts the target (1 = the column gives the "
        "answer away). Biased upward on noise: each column takes its better direction and the better of two "
        "methods, so a column unrelated to the target scores a little above 0.5 (more so on few rows).",
        requires=frozenset({"current", "target"}),
        params=pm.LeakageParams,
        evidence=ev.LeakageEvidence,
        unit="share",
        higher_is_better=False,
        tasks=_CLASSIFIERS,
    ),
}


def run(name: str, params: Any, ctx: AuditContext) -> Measurement:
    """Measure one robustness or integrity check; the policy's thresholds judge it."""
    from govkit.families.robustness import counterfactual, integrity, leakage, perturbation, segments

    measures = {
        "weak_segments": lambda: segments.measure(params, ctx),
        "perturbation_flip_rate": lambda: perturbation.measure(params, ctx),
        "counterfactual_flip_rate": lambda: counterfactual.measure(params, ctx),
        "duplicate_rows": lambda: integrity.duplicates(params, ctx),
        "shared_rows": lambda: integrity.shared_rows(ctx),
        "conflicting_labels": lambda: integrity.conflicting_labels(ctx),
        "single_feature_leakage": lambda: leakage.measure(params, ctx),
    }
    return measures[name]()
