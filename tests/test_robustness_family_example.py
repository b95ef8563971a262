"""The robustness family on the example (slow): the default policy reports every check with a measured status."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from govkit.families.robustness import CHECKS
from govkit.families.robustness.evidence import CounterfactualEvidence, PerturbationEvidence, WeakSegmentEvidence
from govkit.results import MEASURED, Status

INTEGRITY = ("duplicate_rows", "shared_rows", "conflicting_labels", "single_feature_leakage")


def test_the_example_audit_reports_every_robustness_check(adult_build: Path) -> None:
    import skops.io as sio

    import govkit

    result = govkit.audit(
        model=sio.load(adult_build / "model.skops", trusted=["sklearn.tree._tree.Tree"]),
        data=pd.read_csv(adult_build / "current.csv"),
        reference=pd.read_csv(adult_build / "reference.csv"),
        target="income-per-year",
        sensitive="sex,race",
        positive_label=">50K",
        policy="default",
        parallel=False,
    )
    checks = {c.id.removeprefix("robustness."): c for c in result.checks if c.family == "robustness"}
    assert set(checks) == set(CHECKS)
    for name in INTEGRITY:
        assert checks[name].status in MEASURED - {Status.INCONCLUSIVE}, (name, checks[name].message)
        assert checks[name].measurement.value is not None
    # the example's model takes sex and race as inputs: both are flipped, none is reported missing
    flips = CounterfactualEvidence.model_validate(checks["counterfactual_flip_rate"].measurement.details)
    assert [a.column for a in flips.attributes] == ["sex", "race"] and flips.not_inputs == []
    segments = WeakSegmentEvidence.model_validate(checks["weak_segments"].measurement.details)
    assert segments.slices_tested <= segments.budget
    assert "sex" not in segments.columns and "race" not in segments.columns
    assert checks["single_feature_leakage"].status == Status.PASS
    # capital gains are 0 for most people: no interquartile range, so they are reported as not moved
    moved = PerturbationEvidence.model_validate(checks["perturbation_flip_rate"].measurement.details)
    assert "capital-gain" in moved.numeric_not_moved and "age" in moved.numeric_columns
    assert "sex" not in moved.categorical_columns
