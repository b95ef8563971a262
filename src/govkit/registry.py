"""The family contract and the table of families govkit knows.

A family is one module or package (see ``Family``): ``NAME``, ``TITLE``, ``INTRO``, ``CHECKS``
(check name -> ``CheckDef``, each with a pydantic model of its parameters and of its evidence) and
``run(name, params, ctx) -> Measurement``. Families *measure*; the policy's thresholds judge. The
runner validates every measurement's ``details`` against the check's evidence model, so a family that
changes its evidence breaks in its own tests instead of degrading the report silently.

Importing a family must stay cheap: the engine it wraps (great-expectations, evidently, ...) is
imported inside ``run``.

Third-party families register under the ``govkit.families`` entry-point group and are loaded only
when a policy names them; nothing registers itself as a side effect of an import.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from types import ModuleType
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel, ConfigDict

from govkit.errors import GovkitError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from govkit.context import AuditContext
    from govkit.results import FamilyInfo, Measurement, RunResult

ENTRY_POINT_GROUP = "govkit.families"

# The tasks a check may apply to (``CheckDef.tasks``); a policy that enables a check for a task it does
# not apply to is refused before the audit, with the check's location in the policy.
TASKS = frozenset({"binary", "multiclass", "regression"})

# Inputs a check may declare it needs; the runner skips a check whose inputs are absent.
INPUTS = frozenset({"current", "reference", "target", "prediction", "probability", "sensitive", "model", "classifier"})

BUILTIN_FAMILIES: dict[str, str] = {
    "quality": "govkit.families.quality",
    "drift": "govkit.families.drift",
    "fairness": "govkit.families.fairness",
    "explain": "govkit.families.explain",
    "performance": "govkit.families.performance",
    "robustness": "govkit.families.robustness",
}


class NoParams(BaseModel):
    """For checks that take no parameters."""

    model_config = ConfigDict(extra="forbid")


class Evidence(BaseModel):
    """Base of every evidence model: the typed ``Measurement.details`` of one check.

    Built-in families forbid unknown keys, so a renamed key fails their tests; evidence is validated,
    never rewritten, so ``results.json`` holds exactly what the family measured.
    """

    model_config = ConfigDict(extra="forbid")


class OpenEvidence(Evidence):
    """Evidence of a check that declares no model (third-party families): any JSON mapping."""

    model_config = ConfigDict(extra="allow")


@dataclass(frozen=True)
class CheckDef:
    """How a check is declared: its parameters, what it needs, and what it means."""

    title: str
    doc: str
    requires: frozenset[str]
    params: type[BaseModel] = NoParams
    evidence: type[BaseModel] = OpenEvidence
    unit: str = ""  # "share", "ratio", "count", ... helps the report format the value
    higher_is_better: bool | None = None
    tags: tuple[str, ...] = field(default=())
    tasks: frozenset[str] = TASKS  # the model tasks the check means something for
    # For a check that reads the model's outputs on the reference data (``ctx.reference_predictions``):
    # how many reference rows it samples, given its parameters (None: every row). The model then predicts
    # only the reference rows the policy's checks sample; without it, a built-in check gets none at all.
    reference_prediction_rows: Callable[[BaseModel], int | None] | None = None

    def __post_init__(self) -> None:
        unknown = set(self.requires) - INPUTS
        if unknown:
            raise ValueError(f"unknown inputs {sorted(unknown)}; use {sorted(INPUTS)}")
        if not self.tasks or set(self.tasks) - TASKS:
            raise ValueError(f"tasks must be a non-empty subset of {sorted(TASKS)}")


class Family(Protocol):
    """What every family module provides; ``govkit.families.conformance`` binds each built-in one to it."""

    NAME: str  # the id prefix of its checks, e.g. "fairness"
    TITLE: str  # the report's heading for its section
    INTRO: str  # one or two plain sentences: what question the family answers
    CHECKS: dict[str, CheckDef]

    def run(self, name: str, params: Any, ctx: AuditContext) -> Measurement: ...


class UnknownFamily(LookupError):
    pass


class FamilyImportError(GovkitError):
    """A plug-in family whose module is missing or raises on import: the user's installation, exit 2."""


def _entry_point_modules() -> dict[str, Any]:
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def family_names() -> list[str]:
    """Built-in families first, then installed third-party ones (names only; nothing is imported)."""
    extra = sorted(set(_entry_point_modules()) - set(BUILTIN_FAMILIES))
    return [*BUILTIN_FAMILIES, *extra]


def load_family(name: str) -> ModuleType:
    """Import one family by name: built-in, or from the ``govkit.families`` entry points."""
    if name in BUILTIN_FAMILIES:
        return importlib.import_module(BUILTIN_FAMILIES[name])
    entry = _entry_point_modules().get(name)
    if entry is None:
        raise UnknownFamily(name)
    try:
        module: ModuleType = entry.load()
    except Exception as error:  # a plug-in's import runs its code: any failure is the plug-in's, not govkit's
        lines = str(error).strip().splitlines()
        first = lines[0][:200] if lines else ""
        raise FamilyImportError(
            f"family {name!r} (entry point {entry.name} = {entry.value}) could not be imported: "
            f"{type(error).__name__}{': ' + first if first else ''}; install or fix the package that provides it"
        ) from None
    for attribute in ("NAME", "TITLE", "CHECKS", "run"):
        if not hasattr(module, attribute):
            raise UnknownFamily(f"{name} (entry point {entry.value} has no {attribute})")
    return module


def describe_family(name: str) -> FamilyInfo:
    """A family's id, title and introduction as results.json records them (third parties may omit INTRO)."""
    from govkit.results import FamilyInfo

    try:
        module = load_family(name)
    except UnknownFamily:
        return FamilyInfo(id=name, title=name.replace("_", " ").capitalize())
    return FamilyInfo(id=name, title=str(module.TITLE), intro=str(getattr(module, "INTRO", "")))


def describe_families(names: Iterable[str]) -> list[FamilyInfo]:
    """``describe_family`` for each distinct name, in first-seen order."""
    return [describe_family(name) for name in dict.fromkeys(names)]


def unrecorded_families(result: RunResult) -> list[FamilyInfo]:
    """The families of ``result`` that it does not describe itself (results files before schema 1.1)."""
    recorded = {family.id for family in result.families}
    return describe_families(c.family for c in result.checks if c.family not in recorded)


def split_check_id(check_id: str) -> tuple[str, str]:
    family, _, name = check_id.partition(".")
    return family, name


def find_check(check_id: str) -> tuple[ModuleType, CheckDef] | None:
    """The family module and definition for ``family.name``, or None when there is no such check."""
    family_name, name = split_check_id(check_id)
    try:
        family = load_family(family_name)
    except UnknownFamily:
        return None
    definition = family.CHECKS.get(name)
    return (family, definition) if definition is not None else None


def builtin_check_ids() -> list[str]:
    ids: list[str] = []
    for family_name in BUILTIN_FAMILIES:
        family = load_family(family_name)
        ids += [f"{family_name}.{name}" for name in family.CHECKS]
    return ids
