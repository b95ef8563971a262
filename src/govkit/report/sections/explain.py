"""The explanations section: global importance, the SHAP summary, local explanations, proxies and disparity.

Each check's evidence is read through the family's evidence models, and a check is found by what its
evidence is (the proxy table, the group profiles), not by its id. Evidence that fits no model (a
skipped or failed check, a plug-in's look-alike) is left out rather than half-read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from govkit.families.explain.evidence import (
    DisparityEvidence,
    ExplanationEvidence,
    GroupProfile,
    LocalExplanation,
    ProxyEvidence,
    ProxyRow,
    SensitiveImportanceEvidence,
)
from govkit.report.charts import bar_chart, beeswarm, diverging_bars
from govkit.report.sections.common import read_evidence
from govkit.report.text import number, percent
from govkit.results import CheckResult

TEMPLATE = "families/explain.html.j2"
CHART_COLUMNS = 20  # the importance chart shows at most this many columns

# Most specific first: the plain explanation's fields are part of every other model.
_MODELS: tuple[type[ExplanationEvidence], ...] = (
    SensitiveImportanceEvidence,
    ProxyEvidence,
    DisparityEvidence,
    ExplanationEvidence,
)
E = TypeVar("E", bound=ExplanationEvidence)


@dataclass(frozen=True)
class LocalView:
    kind: str
    output: str
    base: str
    bars: list[dict[str, Any]]


@dataclass(frozen=True)
class OutputView:
    name: str
    base: str
    gap: str


@dataclass(frozen=True)
class ProxyView:
    column: str
    share: str
    aucs: str
    flagged: bool


@dataclass(frozen=True)
class GroupView:
    group: str
    rows: str
    top: str
    distance: str


@dataclass(frozen=True)
class ExplainView:
    """What the partial places; every part is empty when no check recorded an explanation."""

    chart: dict[str, Any] | None = None
    beeswarm: dict[str, Any] | None = None
    local: list[LocalView] = field(default_factory=list)
    proxies: list[ProxyView] = field(default_factory=list)
    proxy_method: str = ""
    disparity: list[GroupView] = field(default_factory=list)
    explainer: str | None = None
    explains: str | None = None
    sample_size: str = ""
    population: str = ""
    sensitive: list[str] = field(default_factory=list)
    space: str | None = None  # where the values add up (and additivity is checked); None in older results
    outputs: list[OutputView] = field(default_factory=list)
    towards: str = "the favourable outcome"  # what a positive SHAP value pushes the prediction towards


def explain_evidence(check: CheckResult) -> ExplanationEvidence | None:
    """The check's evidence as the explain model it fits, or None when it fits none."""
    return next((e for e in (read_evidence(check, model) for model in _MODELS) if e is not None), None)


def _first(found: Sequence[ExplanationEvidence], kind: type[E]) -> E | None:
    return next((evidence for evidence in found if isinstance(evidence, kind)), None)


def build(checks: list[CheckResult]) -> ExplainView:
    found = [evidence for evidence in map(explain_evidence, checks) if evidence is not None]
    if not found:
        return ExplainView()
    shared = found[0]  # every explain check records the same explanation
    sensitive_check = _first(found, SensitiveImportanceEvidence)
    sensitive = set(sensitive_check.sensitive_inputs) if sensitive_check else set()
    proxies = _first(found, ProxyEvidence)
    disparity = _first(found, DisparityEvidence)
    summary_plot = [column.model_dump() for column in shared.summary_plot]
    return ExplainView(
        chart=bar_chart(
            [(row.column, row.mean_abs_shap, None) for row in shared.importance[:CHART_COLUMNS]],
            highlight=frozenset(sensitive),
        ),
        beeswarm=beeswarm(summary_plot) if summary_plot else None,
        local=[_local(case) for case in shared.local],
        proxies=[_proxy(row) for row in proxies.proxies] if proxies else [],
        proxy_method=proxies.proxy_method if proxies else "",
        disparity=[_group(group) for group in disparity.groups] if disparity else [],
        explainer=shared.explainer,
        explains=shared.explains,
        sample_size=number(shared.sample_size),
        population=number(shared.population),
        sensitive=sorted(sensitive),
        space=shared.space,
        outputs=[OutputView(o.name, number(o.base_value), f"{o.additivity_error:.1e}") for o in shared.outputs],
        towards=_towards(shared),
    )


def _towards(evidence: ExplanationEvidence) -> str:
    """What a positive value pushes each row towards, in the beeswarm's legend."""
    if evidence.space == "prediction":
        return "a higher prediction"
    if len(evidence.outputs) > 1:  # per row, the explained class the model scores highest
        return "the explained class the model scores highest for that row"
    return "the favourable outcome"


def _local(case: LocalExplanation) -> LocalView:
    contributions = [(c.column, c.shap) for c in case.contributions]
    return LocalView(
        kind=case.kind,
        output=number(case.output),
        base=number(case.base_value),
        bars=diverging_bars([*contributions, ("all other columns", case.other)]),
    )


def _proxy(row: ProxyRow) -> ProxyView:
    aucs = ", ".join(f"{name} {number(value, 2)}" for name, value in row.proxy_auc.items() if value is not None)
    return ProxyView(column=row.column, share=percent(row.importance_share), aucs=aucs, flagged=row.flagged)


def _group(group: GroupProfile) -> GroupView:
    return GroupView(
        group=f"{group.sensitive} = {group.group}",
        rows=number(group.rows),
        top=", ".join(group.top),
        distance=number(group.distance, 2),
    )
