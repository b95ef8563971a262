"""What govkit can check: every check with its doc, inputs and parameters, and the bundled policies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic_core import PydanticUndefined

from govkit.registry import family_names, load_family


@dataclass
class CheckInfo:
    id: str
    title: str
    doc: str
    requires: list[str]
    params: list[dict[str, Any]]


def describe_checks(family: str | None = None) -> list[CheckInfo]:
    """Every available check (built-in and installed plug-ins), optionally of one family."""
    found: list[CheckInfo] = []
    for name in family_names():
        if family is not None and name != family:
            continue
        module = load_family(name)
        for check, definition in module.CHECKS.items():
            params = []
            for field_name, field in definition.params.model_fields.items():
                default = None if field.default is PydanticUndefined else field.default
                if field.default_factory is not None:
                    default = field.default_factory()
                params.append({"name": field_name, "default": default, "description": field.description or ""})
            found.append(
                CheckInfo(
                    id=f"{name}.{check}",
                    title=definition.title,
                    doc=definition.doc,
                    requires=sorted(definition.requires),
                    params=params,
                )
            )
    return found


def _cell(text: str) -> str:
    """Text safe inside one Markdown table cell: one line, pipes escaped."""
    return " ".join(text.split()).replace("|", "\\|")


def checks_markdown(checks: list[CheckInfo]) -> str:
    """The checks as a Markdown table (check, title, what it measures, needs): the README's table."""
    lines = ["| check | title | what it measures | needs |", "| --- | --- | --- | --- |"]
    for info in checks:
        cells = (f"`{info.id}`", _cell(info.title), _cell(info.doc), ", ".join(info.requires))
        lines.append(f"| {' | '.join(cells)} |")
    return "\n".join(lines) + "\n"


def describe_policies() -> list[dict[str, Any]]:
    """The bundled policies: name, description, what they extend, how many checks they run."""
    from govkit.policy import load_policy
    from govkit.resources import bundled_policies

    found = []
    for name in bundled_policies():
        policy = load_policy(name)
        found.append(
            {
                "name": name,
                "description": policy.description,
                "extends": [path.stem for path in policy.files[1:]],
                "checks": len(policy.checks),
            }
        )
    return found
