"""Policies as code: the schema of ``checks/*.yaml``, loading with ``extends``, and located errors.

A policy says which checks run, with which parameters, and which thresholds judge them. Every
problem in a policy is reported at once, each as ``file: location: problem (fix)``.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from govkit.errors import PolicyError
from govkit.impact import Costs
from govkit.policy_messages import did_you_mean, quoted, shown
from govkit.policy_messages import format_location as format_location  # re-exported: older importers
from govkit.policy_messages import validation_messages as validation_messages
from govkit.reapproval import Reapproval
from govkit.registry import builtin_check_ids, family_names, find_check
from govkit.resources import bundled_policies
from govkit.results import Threshold

POLICY_VERSION = 1


class StrictThreshold(Threshold):
    """A threshold as written in a policy: exactly one bound."""

    @model_validator(mode="after")
    def _exactly_one(self) -> StrictThreshold:
        given = [name for name in ("gt", "ge", "lt", "le") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of gt, ge, lt, le")
        if not math.isfinite(bound := float(getattr(self, given[0]))):  # NaN or inf judges nothing
            raise ValueError(f"{given[0]}: {bound} is not a finite number; give a number such as 0.1")
        return self


class ModelCard(BaseModel):
    """The narrative a PM signs next to the numbers."""

    model_config = ConfigDict(extra="forbid")

    model_name: str | None = None
    owner: str | None = None
    intended_use: str | None = None
    out_of_scope_use: str | None = None
    limitations: str | None = None
    training_data: str | None = None
    evaluation_data: str | None = None
    ethical_considerations: str | None = None
    contacts: list[str] = Field(default_factory=list)


class CheckSpec(BaseModel):
    """One entry of a policy's ``checks`` list."""

    model_config = ConfigDict(extra="forbid")

    id: str
    enabled: bool = True
    params: dict[str, Any] = Field(default_factory=dict)
    warn_if: StrictThreshold | None = None
    fail_if: StrictThreshold | None = None
    severity: Literal["blocking", "advisory"] = "blocking"
    required: bool = False
    # "interval": fail only when the whole confidence interval is past fail_if (for checks that give one)
    fail_when: Literal["value", "interval"] = "value"
    refs: list[str] = Field(default_factory=list)
    doc: str | None = None


class PolicyFile(BaseModel):
    """A policy file exactly as written, before ``extends`` is resolved."""

    model_config = ConfigDict(extra="forbid")

    version: Literal[1]
    name: str
    description: str = ""
    extends: str | None = None
    model_card: ModelCard = Field(default_factory=ModelCard)
    not_evaluated: list[str] = Field(default_factory=list)  # families left out on purpose: may measure nothing
    reapproval: Reapproval | None = None  # what needs a fresh approval since the last approved audit
    costs: Costs | None = None  # what each decision outcome costs (govkit.impact): the report's business impact
    checks: list[CheckSpec] = Field(default_factory=list)


@dataclass
class ResolvedCheck:
    """A check ready to run: its spec after inheritance and its validated parameters."""

    spec: CheckSpec
    params: BaseModel
    source: str  # "lending.yaml: checks[2]" -- where it was last defined


@dataclass
class Policy:
    """A policy with its ``extends`` chain merged."""

    name: str
    description: str
    model_card: ModelCard
    checks: list[ResolvedCheck]
    files: list[Path] = field(default_factory=list)  # child first, then its parents
    not_evaluated: list[str] = field(default_factory=list)  # families opted out, from every file of the chain
    reapproval: Reapproval | None = None  # the nearest file's in the chain
    costs: Costs | None = None  # the nearest file's in the chain

    @property
    def sha256(self) -> str:
        digest = hashlib.sha256()
        for path in self.files:
            digest.update(path.read_bytes())
        return digest.hexdigest()

    def summary(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "files": [str(path) for path in self.files],
            "extends": [path.stem for path in self.files[1:]],
            "sha256": self.sha256,
            # only when set, so the results of other policies keep their bytes
            **({"not_evaluated": list(self.not_evaluated)} if self.not_evaluated else {}),
            **({"reapproval": self.reapproval.model_dump()} if self.reapproval is not None else {}),
            # the policy's own description of the use it is written for, kept apart from the model's card
            **({"model_card": card} if (card := self.model_card.model_dump(exclude_defaults=True)) else {}),
            **({"costs": self.costs.model_dump()} if self.costs is not None else {}),
        }


# ---------------------------------------------------------------------------------------------
# Reading YAML (errors are worded in govkit.policy_messages)


# How many nodes YAML aliases may add to a document once expanded. Anchors that share a block of
# thresholds stay well inside it; a "billion laughs" of nested aliases (a few hundred bytes standing
# for gigabytes once any code walks or prints the value) is refused before it is built.
YAML_ALIAS_BUDGET = 10_000


def read_yaml(path: Path, label: str) -> Any:
    """Parse YAML; a syntax error becomes ``label: line L, column C: problem``.

    The document is composed first and its size with every alias expanded is counted: aliases that
    would add more than ``YAML_ALIAS_BUDGET`` nodes, or refer to themselves, are refused. Nothing of
    the file is echoed beyond the parser's short problem text, cut at 60 characters.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise PolicyError([f"{label}: file not found"]) from None
    except UnicodeDecodeError:
        raise PolicyError([f"{label}: not a UTF-8 text file"]) from None
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        unique: set[int] = set()
        if _expanded_size(node, unique, set()) - len(unique) > YAML_ALIAS_BUDGET:
            raise PolicyError([f"{label}: its aliases (*name) expand too far; write the values out instead"])
        return loader.construct_document(node)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        problem = problem if len(problem) <= 60 else problem[:57] + "..."
        raise PolicyError([f"{label}: {where}{problem} (fix the YAML syntax)"]) from None
    except RecursionError:
        raise PolicyError([f"{label}: nested too deeply to be a policy or config"]) from None
    finally:
        loader.dispose()


def _expanded_size(node: yaml.Node, unique: set[int], open_nodes: set[int]) -> int:
    """Nodes in ``node`` with every alias expanded (``unique`` collects the distinct ones); stops
    counting once past the budget, and a node inside itself counts as past it."""
    if id(node) in open_nodes:
        return YAML_ALIAS_BUDGET + len(unique) + 1
    unique.add(id(node))
    if isinstance(node, yaml.ScalarNode):
        return 1
    open_nodes.add(id(node))
    total = 1
    children = node.value if isinstance(node, yaml.SequenceNode) else [n for pair in node.value for n in pair]
    for child in children:
        total += _expanded_size(child, unique, open_nodes)
        if total - len(unique) > YAML_ALIAS_BUDGET:
            break
    open_nodes.discard(id(node))
    return total


# ---------------------------------------------------------------------------------------------
# Loading


def resolve_policy_path(reference: str | Path, relative_to: Path | None = None) -> Path:
    """A bundled policy name (``lending``) or a path to a YAML file."""
    text = str(reference)
    bundled = bundled_policies()
    if text in bundled:
        return bundled[text]
    path = Path(text)
    if not path.is_absolute() and relative_to is not None:
        path = relative_to / path
    try:
        found = path.is_file()
    except OSError:  # a name too long for the file system names no file
        found = False
    if found:
        return path
    names = ", ".join(bundled)
    hint = did_you_mean(text, list(bundled))
    raise PolicyError(
        [f"policy {quoted(text)} not found{hint}: give a bundled policy ({names}) or the path to a policy file"]
    )


class PolicyHeader(PolicyFile):
    """Everything in a policy file but its checks, validated on its own so that a mistake
    at the top does not hide the mistakes in the checks."""

    checks: Any = None  # checked one by one, each problem located


# What ``extends`` may name besides a bundled policy: a file with the policy schema's keys and nothing else.
_POLICY_KEYS = frozenset(PolicyFile.model_fields)


def _looks_like_policy(data: Any) -> bool:
    """A mapping with a numeric ``version`` and no key outside the policy schema."""
    version = data.get("version") if isinstance(data, dict) else None
    return (
        isinstance(version, int)
        and not isinstance(version, bool)
        and all(isinstance(key, str) and key in _POLICY_KEYS for key in data)
    )


def _parse_file(path: Path, extended_as: str | None = None) -> tuple[PolicyFile | None, list[str]]:
    """Parse and validate one policy file on its own; return every problem found, in file order.

    A file reached through ``extends`` (``extended_as`` is ``"child.yaml: extends: base.yaml"``) that is not
    shaped like a policy is refused in one line quoting nothing of it: ``extends`` must not become a way
    to print any YAML or JSON file (a token, a credential) into an error.
    """
    label = path.name
    data = read_yaml(path, label)
    if extended_as is not None and not _looks_like_policy(data):
        names = ", ".join(bundled_policies())
        return None, [
            f"{extended_as}: is not a govkit policy file; extends: takes a bundled name ({names}) or a policy file"
        ]
    if not isinstance(data, dict):
        return None, [f"{label}: a policy is a mapping with version, name and checks"]
    problems: list[str] = []
    header: PolicyHeader | None = None
    try:
        header = PolicyHeader.model_validate(data)
        problems += _unknown_families(header.not_evaluated)
    except ValidationError as error:
        problems += validation_messages(error, PolicyFile)
    raw_checks = data.get("checks") or []
    if not isinstance(raw_checks, list):
        problems.append("checks: must be a list of checks, each with an id")
        raw_checks = []
    specs: list[CheckSpec] = []
    seen: dict[str, int] = {}
    known = builtin_check_ids()
    for index, raw in enumerate(raw_checks):
        where = f"checks[{index}]"
        if not isinstance(raw, dict):
            problems.append(f"{where}: each check is a mapping with at least an id")
            continue
        spec: CheckSpec | None = None
        try:
            spec = CheckSpec.model_validate(raw)
            specs.append(spec)
        except ValidationError as error:
            problems += validation_messages(error, CheckSpec, prefix=(where,))
        check_id, params = raw.get("id"), raw.get("params") or {}
        if isinstance(check_id, str):
            problems += _check_entry(where, check_id, params if isinstance(params, dict) else {}, seen, known, index)
        if spec is not None:
            problems += _threshold_directions(where, spec)
    if problems or header is None:
        return None, [f"{label}: {line}" for line in problems]
    parsed = PolicyFile.model_validate({**header.model_dump(exclude={"checks"}), "checks": []})
    parsed.checks = specs
    return parsed, []


def _check_entry(
    where: str, check_id: str, params: dict[str, Any], seen: dict[str, int], known: list[str], index: int
) -> list[str]:
    """Problems the schema alone cannot see: unknown ids, duplicates, parameters."""
    if check_id in seen:
        return [
            f"{where}.id: check {quoted(check_id)} is listed twice (first at checks[{seen[check_id]}]); keep one entry"
        ]
    seen[check_id] = index
    found = find_check(check_id)
    if found is None:
        return [f"{where}.id: unknown check {quoted(check_id)}{did_you_mean(check_id, known)}"]
    try:
        found[1].params.model_validate(params)
    except ValidationError as error:
        return validation_messages(error, found[1].params, prefix=(where, "params"))
    return []


def _unknown_families(names: list[str]) -> list[str]:
    known = family_names()
    hint = f"; use one of {', '.join(known)}"
    return [f"not_evaluated[{i}]: unknown family {quoted(n)}{did_you_mean(n, known)}{hint}" for i, n in enumerate(names)
            if n not in known]  # fmt: skip


def _threshold_directions(where: str, spec: CheckSpec) -> list[str]:
    if spec.warn_if and spec.fail_if and spec.warn_if.operator()[0][0] != spec.fail_if.operator()[0][0]:
        return [f"{where}: warn_if and fail_if point in opposite directions; use gt/ge for both or lt/le for both"]
    return []


def threshold_problems(spec: CheckSpec, unit: str) -> list[str]:
    """What is wrong with a check's thresholds once inheritance is merged: a bound outside the range of the
    check's unit, and a warn band that ``fail_if`` covers entirely (the warning could never fire)."""
    problems = [
        f"{key} {threshold.describe()} {outside}"
        for key, threshold in (("warn_if", spec.warn_if), ("fail_if", spec.fail_if))
        if threshold is not None and (outside := threshold.outside_range_of(unit))
    ]
    if spec.warn_if is not None and spec.fail_if is not None and spec.fail_if.covers(spec.warn_if):
        problems.append(
            f"warn_if {spec.warn_if.describe()} can never fire: fail_if {spec.fail_if.describe()} already fails "
            "every value it would warn on; move warn_if to the passing side of fail_if, or set warn_if: null"
        )
    return problems


def _merge(parent: CheckSpec, child: CheckSpec) -> CheckSpec:
    """A child entry overrides only the keys it writes; params merge key by key."""
    merged = parent.model_dump()
    for key in child.model_fields_set:
        if key == "params":
            merged["params"] = {**parent.params, **child.params}
        else:
            merged[key] = getattr(child, key)
    return CheckSpec.model_validate(merged)


def load_policy(reference: str | Path, relative_to: Path | None = None) -> Policy:
    """Load a policy and everything it extends; raise ``PolicyError`` listing every problem."""
    chain = _read_chain(resolve_policy_path(reference, relative_to))
    resolved_checks, problems = _resolve_checks(chain)
    if not problems and not resolved_checks:
        # An audit of nothing would pass; missing evidence is never a pass.
        problems = [
            f"{chain[0][0].name}: enables no check; an audit needs at least one (add checks:, or extends: default)"
        ]
    if problems:
        raise PolicyError(problems)
    card: dict[str, Any] = {}
    for _, parsed in reversed(chain):  # the root ancestor first, the file asked for last
        card.update({k: v for k, v in parsed.model_card.model_dump().items() if v not in (None, [])})
    top = chain[0][1]
    return Policy(
        name=top.name,
        description=top.description,
        model_card=ModelCard.model_validate(card),
        checks=resolved_checks,
        files=[file_path for file_path, _ in chain],
        not_evaluated=list(dict.fromkeys(name for _, parsed in reversed(chain) for name in parsed.not_evaluated)),
        reapproval=next((parsed.reapproval for _, parsed in chain if parsed.reapproval is not None), None),
        costs=next((parsed.costs for _, parsed in chain if parsed.costs is not None), None),
    )


def _read_chain(path: Path) -> list[tuple[Path, PolicyFile]]:
    """The policy file and every file it extends, child first; ``PolicyError`` listing every problem."""
    chain: list[tuple[Path, PolicyFile]] = []
    problems: list[str] = []
    seen: set[Path] = set()
    current: Path | None = path
    extended_as: str | None = None  # set for every file after the first: it was reached through extends
    while current is not None:
        resolved = current.resolve()
        if resolved in seen:
            problems.append(f"{chain[-1][0].name}: extends: {quoted(chain[-1][1].extends)} makes a cycle; remove it")
            break
        seen.add(resolved)
        parsed, file_problems = _parse_file(current, extended_as)
        problems += file_problems
        if parsed is None:
            break
        chain.append((current, parsed))
        if parsed.extends is None:
            current = None
        else:
            extended_as = f"{current.name}: extends: {shown(parsed.extends)}"
            try:
                current = resolve_policy_path(parsed.extends, relative_to=current.parent)
            except PolicyError as error:
                problems.append(f"{current.name}: extends: {error.problems[0]}")
                break
    if problems:
        raise PolicyError(problems)
    return chain


def _resolve_checks(chain: list[tuple[Path, PolicyFile]]) -> tuple[list[ResolvedCheck], list[str]]:
    """The enabled checks, merged from the root ancestor down, with their params validated."""
    specs: dict[str, tuple[CheckSpec, str]] = {}
    problems: list[str] = []
    for file_path, parsed in reversed(chain):
        for index, spec in enumerate(parsed.checks):
            location = f"{file_path.name}: checks[{index}]"
            if spec.id in specs:
                specs[spec.id] = (_merge(specs[spec.id][0], spec), location)
            else:
                specs[spec.id] = (spec, location)

    resolved_checks: list[ResolvedCheck] = []
    for spec, location in specs.values():
        if not spec.enabled:
            continue
        found = find_check(spec.id)
        assert found is not None  # every id was validated above
        try:
            params = found[1].params.model_validate(spec.params)
        except ValidationError as error:
            problems += [f"{location}.params: {line}" for line in validation_messages(error, found[1].params)]
            continue
        problems += [f"{location}: {line}" for line in threshold_problems(spec, found[1].unit)]
        resolved_checks.append(ResolvedCheck(spec=spec, params=params, source=location))
    return resolved_checks, problems
