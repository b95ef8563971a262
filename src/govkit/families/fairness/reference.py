"""The reference group of each grouping: named (``reference_group``) or made of privileged values (``privileged``).

AIF360 compares an unprivileged group with a privileged one; govkit compares every group of a
grouping with the grouping's reference group. ``reference_group: Caucasian`` names one group (of
whichever grouping has it); ``privileged: {race: [Caucasian]}`` marks values per sensitive column,
and in every grouping whose columns are all marked, the groups whose values are all privileged are
the reference. Several such groups (``race: [Caucasian, Asian]``) are pooled into one reference
group, as AIF360 pools a list of privileged groups. A grouping without a reference is not compared.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from govkit.families.fairness.params import FairnessParams

if TYPE_CHECKING:
    import numpy as np

# How a reference pooled from several groups is named, e.g. "Asian + Caucasian".
POOLED = " + "


@dataclass(frozen=True)
class Pooled:
    """A grouping's groups with its reference group pooled: labels, a (groups x width) table, the reference."""

    labels: list[str]
    table: np.ndarray
    reference: int | None


def members(values: list[dict[str, str]], grouping: tuple[str, ...], params: FairnessParams) -> list[int] | None:
    """The indices of the groups that form the reference group; [] without a reference; None: not compared."""
    if params.reference_group is not None:
        labels = [" / ".join(v[c] for c in grouping) for v in values]
        return [labels.index(params.reference_group)] if params.reference_group in labels else None
    if params.privileged is not None:
        privileged = params.privileged
        if not all(column in privileged for column in grouping):
            return None
        found = [i for i, v in enumerate(values) if all(v[c] in privileged[c] for c in grouping)]
        return found or None
    return []


def pool(labels: list[str], table: np.ndarray, chosen: list[int]) -> Pooled:
    """The groups with the chosen ones summed into one reference group, where the first of them stood."""
    import numpy as np

    if not chosen:
        return Pooled(labels=labels, table=table, reference=None)
    if len(chosen) == 1:
        return Pooled(labels=labels, table=table, reference=chosen[0])
    first = chosen[0]
    keep = [i for i in range(len(labels)) if i == first or i not in chosen]
    pooled = table[keep].copy()
    position = keep.index(first)
    pooled[position] = table[chosen].sum(axis=0)
    names = [labels[i] for i in keep]
    names[position] = POOLED.join(labels[i] for i in chosen)
    return Pooled(labels=names, table=np.asarray(pooled), reference=position)


def describe(params: FairnessParams) -> str:
    """How the reference was given, for error messages."""
    if params.reference_group is not None:
        return f"reference group '{params.reference_group}'"
    privileged = params.privileged or {}
    return "privileged values " + "; ".join(f"{c}: {', '.join(v)}" for c, v in privileged.items())
