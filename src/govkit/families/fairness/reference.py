"""The reference group of each grouping: named (``reference_group``) or made of privileged values (``privileged``).

AIF360 compares an unprivileged group with a privileged one; govkit compares every group of a
grouping with the grouping's reference group. ``reference_group: Caucasian`` names one group (of
whichever grouping has it); ``privileged: {race: [Caucasian]}`` marks values per sensitive column,
and in every grouping whose columns are all marked, the groups whose values are all privileged are
the reference. Several such groups (``race: [Caucasian, Asian]``) are pooled into one reference
group, as AIF360 pools a list of privileged groups. A grouping without a reference is not compared;
a reference found in no grouping is an error of the check (``missing_reference``): one line with a
did-you-mean and the groups there are. It is not found in preflight, which sees no check's params.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from govkit.errors import GovkitError
from govkit.families.fairness.params import FairnessParams

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    import numpy as np

# How many groups an error message lists before "...".
_SHOWN_GROUPS = 20

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


class ReferenceNotFound(GovkitError):
    """A reference group (or privileged values) that no grouping of the sensitive columns has."""


def missing_reference(params: FairnessParams, tables: Mapping[str, Sequence[Mapping[str, Any]]]) -> ReferenceNotFound:
    """The one-line error for a reference in no grouping: a did-you-mean, and the groups there are.

    ``tables`` is every grouping's group table (rows with a ``group`` label), as the evidence keeps it.
    """
    groups = list(dict.fromkeys(str(row["group"]) for rows in tables.values() for row in rows))
    shown = ", ".join(repr(g) for g in groups[:_SHOWN_GROUPS]) + (", ..." if len(groups) > _SHOWN_GROUPS else "")
    wanted = params.reference_group
    if wanted is None:
        return ReferenceNotFound(f"the {_one_line(describe(params))} match no group; the groups are: {shown}")
    close = difflib.get_close_matches(str(wanted), groups, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return ReferenceNotFound(
        f"reference_group {str(wanted)!r} is not a group of the sensitive columns{hint}; the groups are: {shown}"
    )


def _one_line(text: str) -> str:
    return text.replace("\r", "\\r").replace("\n", "\\n")
