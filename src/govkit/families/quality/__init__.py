"""Data quality with great-expectations: learn what the reference data looks like, check the current data.

From the reference data govkit learns one expectation suite (``suite``); users may add their own
great-expectations suites. All of it is validated against the current data in a single
great-expectations validation (``gx``), memoised in the audit context so every check of this family
reads the same result (``validation``). Each check's evidence has a model (``evidence``); the sentences
a reader sees come from ``prose``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from govkit.errors import InputError
from govkit.families.quality.evidence import (
    CompletenessEvidence,
    ExpectationSuccessShareEvidence,
    FailedExpectationsEvidence,
)
from govkit.families.quality.params import QualityParams
from govkit.families.quality.prose import completeness_sentence, failures_sentence, share_sentence
from govkit.families.quality.validation import Validation, validate_all
from govkit.registry import CheckDef
from govkit.results import Measurement

if TYPE_CHECKING:
    from govkit.context import AuditContext

__all__ = ["CHECKS", "INTRO", "NAME", "TITLE", "QualityParams", "run", "warm_up"]

NAME = "quality"
TITLE = "Data quality"
INTRO = (
    "Is the current data complete and shaped like the data the model was validated on? "
    "Expectations are learned from the reference data and checked on the current data."
)

_BOTH = frozenset({"current", "reference"})

CHECKS: dict[str, CheckDef] = {
    "failed_expectations": CheckDef(
        title="Failed data expectations",
        doc="Number of expectations (learned from the reference data, plus any user suites) that the "
        "current data does not meet.",
        requires=_BOTH,
        params=QualityParams,
        evidence=FailedExpectationsEvidence,
        unit="count",
        higher_is_better=False,
        tags=("great-expectations",),
    ),
    "expectation_success_share": CheckDef(
        title="Share of data expectations met",
        doc="Share of the evaluated expectations that the current data meets (1 = all of them).",
        requires=_BOTH,
        params=QualityParams,
        evidence=ExpectationSuccessShareEvidence,
        unit="share",
        higher_is_better=True,
        tags=("great-expectations",),
    ),
    "completeness": CheckDef(
        title="Completeness",
        doc="Share of present (non-null) values in the current data's least complete column.",
        requires=frozenset({"current"}),
        params=QualityParams,
        evidence=CompletenessEvidence,
        unit="share",
        higher_is_better=True,
        tags=("great-expectations",),
    ),
}


def warm_up() -> None:
    """Import great-expectations ahead of the first check (the parallel quality worker does this)."""
    from govkit.families.quality import gx

    gx.warm_up()


def run(name: str, params: Any, ctx: AuditContext) -> Measurement:
    """Measure one check of this family from the shared validation."""
    if name not in CHECKS:
        raise KeyError(f"quality has no check {name!r}; use one of {sorted(CHECKS)}")
    params = params if isinstance(params, QualityParams) else QualityParams.model_validate(params or {})
    if len(ctx.current) == 0:
        # Every column expectation passes vacuously on no rows; refuse rather than report a clean bill.
        raise InputError("the current data has no rows, so its quality cannot be checked; give a non-empty file")
    if name != "completeness" and (ctx.reference is None or len(ctx.reference) == 0):
        raise InputError(
            f"quality.{name} learns its expectations from the reference data, and there is none "
            "(or it has no rows); give --reference with a non-empty file"
        )

    key = ("quality", params.model_dump_json())
    validation = ctx.memo(key, lambda: validate_all(ctx, params))
    if name == "completeness":
        return _completeness(validation)
    common: dict[str, Any] = {
        "evaluated": validation.evaluated,
        "passed": validation.passed,
        "failed": validation.failed,
        "learned_from": "reference" if ctx.reference is not None else None,
        "suites": validation.suites,
    }
    if name == "failed_expectations":
        return _failed_expectations(validation, common)
    return _expectation_success_share(validation, common)


_METHOD = "great-expectations suite learned from the reference data, validated once on the current data"


def _completeness(validation: Validation) -> Measurement:
    """The least complete current column's share of present values (``CompletenessEvidence``)."""
    if not validation.completeness:
        raise InputError("the current data has no columns, so its completeness cannot be measured")
    unmeasured = sorted(column for column, share in validation.completeness.items() if share is None)
    if unmeasured:
        raise RuntimeError(f"great-expectations could not count the missing values of {unmeasured}")
    shares = {column: float(share) for column, share in validation.completeness.items() if share is not None}
    worst = min(shares, key=lambda column: (shares[column], column))
    return Measurement(
        value=float(shares[worst]),
        sample_size=validation.rows,
        method="great-expectations expect_column_values_to_not_be_null, per column of the current data",
        details={"columns": shares, "least_complete": worst},
        summary=completeness_sentence(shares, worst),
    )


def _failed_expectations(validation: Validation, common: dict[str, Any]) -> Measurement:
    """How many expectations failed, with every record (``FailedExpectationsEvidence``)."""
    details = {**common, "expectations": validation.records, "not_learned": validation.not_learned}
    return Measurement(
        value=float(validation.failed),
        sample_size=validation.rows,
        method=_METHOD,
        details=details,
        summary=failures_sentence(validation),
    )


def _expectation_success_share(validation: Validation, common: dict[str, Any]) -> Measurement:
    """The share of expectations met (``ExpectationSuccessShareEvidence``)."""
    # The full list lives in failed_expectations; here only what pulled the share down.
    details = {
        **common,
        "failed_expectations": validation.failures,
    }
    if validation.evaluated == 0:
        return Measurement(
            inconclusive_reason="no expectation could be learned or loaded, so there is no share to report",
            sample_size=validation.rows,
            method=_METHOD,
            details=details,
        )
    share = validation.passed / validation.evaluated
    return Measurement(
        value=float(share),
        sample_size=validation.rows,
        method=_METHOD,
        details=details,
        summary=share_sentence(validation, share),
    )
