"""One report section per family, found by table; a family without one gets the generic section.

A section module has ``TEMPLATE`` (its partial under ``report_templates/families/``) and
``build(checks) -> view``: the checks of its family in, the plain values its partial places out.
The page template loops over the sections and knows none of them. Sections read only the checks'
recorded evidence (never a family module), so a results file renders without re-running anything.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from govkit.report.sections.common import check_row
from govkit.results import CheckResult, FamilyInfo, RunResult

SECTION_MODULES: dict[str, str] = {
    "quality": "govkit.report.sections.quality",
    "drift": "govkit.report.sections.drift",
    "performance": "govkit.report.sections.performance",
    "fairness": "govkit.report.sections.fairness",
    "explain": "govkit.report.sections.explain",
    "robustness": "govkit.report.sections.robustness",
}
GENERIC_MODULE = "govkit.report.sections.generic"

# The order a reader meets the built-in families; others follow in name order.
FAMILY_ORDER = tuple(SECTION_MODULES)


@dataclass(frozen=True)
class Section:
    """What the page template places for one family."""

    id: str
    title: str
    intro: str
    template: str
    checks: list[dict[str, Any]]
    extras: Any


def _ordered_families(result: RunResult) -> list[str]:
    present = {c.family for c in result.checks}
    return [f for f in FAMILY_ORDER if f in present] + sorted(present - set(FAMILY_ORDER))


def build_sections(result: RunResult, families: Sequence[FamilyInfo] = ()) -> list[Section]:
    """Every family with at least one check in ``result``, each with its section's view.

    Titles and introductions come from the result; ``families`` describes those an older results file
    does not record.
    """
    described = {family.id: family for family in [*families, *result.families]}
    sections = []
    for family in _ordered_families(result):
        checks: list[CheckResult] = [c for c in result.checks if c.family == family]
        module = importlib.import_module(SECTION_MODULES.get(family, GENERIC_MODULE))
        info = described.get(family)
        sections.append(
            Section(
                id=family,
                title=info.title if info else family.replace("_", " ").capitalize(),
                intro=info.intro if info else "",
                template=module.TEMPLATE,
                checks=[check_row(c) for c in checks],
                extras=module.build(checks),
            )
        )
    return sections
