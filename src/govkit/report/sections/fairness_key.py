"""What a fairness check measured, read from its evidence: the key that groups checks into one finding.

Two fairness checks report the same problem when their deciding comparisons are the same: the same
grouping, the same statistic (selection rate, true positive rate, ...) and the same pair of groups, for
the same class of a multiclass model. A ratio and a difference of one gap share a key.
"""

from __future__ import annotations

from govkit.report.sections.common import read_evidence
from govkit.results import CheckResult


def disparity_key(check: CheckResult) -> tuple[str, ...] | None:
    """What a fairness check measured: grouping, statistic and pair of groups of its deciding comparison."""
    from govkit.families.fairness.evidence import GroupFairnessEvidence, RegressionFairnessEvidence

    grouped = read_evidence(check, GroupFairnessEvidence)
    regression = None if grouped is not None else read_evidence(check, RegressionFairnessEvidence)
    evidence = grouped or regression
    if evidence is None or evidence.deciding_grouping is None:
        return None
    for comparison in evidence.comparisons or []:
        if comparison.grouping != evidence.deciding_grouping or comparison.value is None:
            continue
        statistic = str(getattr(comparison, "rate", None) or getattr(comparison, "statistic", ""))
        pair = sorted(str(group) for group in (comparison.low_group, comparison.high_group))
        outcome = grouped.worst_class or "" if grouped is not None else ""
        return ("disparity", check.family, outcome, comparison.grouping, statistic, *pair)
    return None
