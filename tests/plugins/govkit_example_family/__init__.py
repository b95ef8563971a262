"""A tiny third-party check family, registered through the ``govkit.families`` entry point.

It shows everything a plug-in needs: ``NAME``, ``TITLE``, ``INTRO``, ``CHECKS`` (each with a model of
its parameters and of its evidence) and ``run``. govkit validates the evidence against the model and,
having no section of its own for this family, shows it in the report's generic section. A real package
declares the entry point in its pyproject.toml::

    [project.entry-points."govkit.families"]
    example = "govkit_example_family"
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from govkit.registry import CheckDef, Evidence
from govkit.results import Measurement

NAME = "example"
TITLE = "Example plug-in"
INTRO = "Are values missing where they should not be? Counts the empty cells of one column."


class RowShareParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    column: str = Field(description="Column whose missing values are counted.")


class MissingRow(Evidence):
    row: int
    neighbour: str


class MissingShareEvidence(Evidence):
    column: str
    missing: int
    rows: int
    first_missing: list[MissingRow]


CHECKS = {
    "missing_share": CheckDef(
        title="Share of missing values in one column",
        doc="Share of rows whose value in the given column is missing.",
        requires=frozenset({"current"}),
        params=RowShareParams,
        evidence=MissingShareEvidence,
        unit="share",
    ),
}


def run(name: str, params: Any, ctx: Any) -> Measurement:
    column = ctx.current[params.column]
    missing = column.isna()
    others = [c for c in ctx.current.columns if c != params.column]
    first = [
        {"row": int(index), "neighbour": str(ctx.current.at[index, others[0]]) if others else ""}
        for index in column.index[missing][:3]
    ]
    return Measurement(
        value=float(missing.mean()),
        sample_size=len(column),
        method="pandas isna",
        details={"column": params.column, "missing": int(missing.sum()), "rows": len(column), "first_missing": first},
    )
