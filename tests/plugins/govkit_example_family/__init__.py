"""A tiny third-party check family, registered through the ``govkit.families`` entry point.

It shows everything a plug-in needs: ``NAME``, ``TITLE``, ``CHECKS`` and ``run``. A real package
declares the entry point in its pyproject.toml::

    [project.entry-points."govkit.families"]
    example = "govkit_example_family"
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from govkit.registry import CheckDef
from govkit.results import Measurement

NAME = "example"
TITLE = "Example plug-in"


class RowShareParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    column: str = Field(description="Column whose missing values are counted.")


CHECKS = {
    "missing_share": CheckDef(
        title="Share of missing values in one column",
        doc="Share of rows whose value in the given column is missing.",
        requires=frozenset({"current"}),
        params=RowShareParams,
        unit="share",
    ),
}


def run(name: str, params: Any, ctx: Any) -> Measurement:
    column = ctx.current[params.column]
    return Measurement(value=float(column.isna().mean()), sample_size=len(column), method="pandas isna")
