"""The numbers next to evidently's: column kinds, effect sizes, histograms, multiple testing.

Evidently's score is a p-value on small data and a distance on large data. Next to it each column
gets an effect size that does not shrink as the data grows: the Wasserstein distance in reference
standard deviations for numerical columns, the Jensen-Shannon distance (base 2, from 0 to 1) for
categorical ones. P-value decisions over several columns are corrected for multiple testing and,
on large data, gated on that effect size.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from govkit.families.drift.params import ColumnDriftParams, Kind, score_kind

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

HISTOGRAM_BINS = 10
TOP_CATEGORIES = 10
# evidently floors the reference std at this value in its normed Wasserstein distance, so a constant
# reference column gives a large finite distance instead of a division by zero; the effect size does too.
MIN_STD = 0.001

WASSERSTEIN_EFFECT = "wasserstein_distance / reference std"
JENSEN_SHANNON_EFFECT = "jensen-shannon distance (base 2)"


# ---------------------------------------------------------------------------------------------
# Column kinds: how a column is compared, and its values as evidently gets them


def column_kind(reference: pd.Series, current: pd.Series, dtype_kind: str, max_unique: int) -> Kind:
    """Numerical for numbers with more than a few distinct values; categorical for everything else."""
    import pandas as pd

    if dtype_kind != "numeric":
        return "categorical"
    values = pd.concat([as_float(reference), as_float(current)], ignore_index=True)
    return "numerical" if values.nunique(dropna=True) > max_unique else "categorical"


def as_float(series: pd.Series) -> pd.Series:
    import numpy as np
    import pandas as pd

    values = pd.to_numeric(series, errors="coerce").astype("float64")
    # evidently drops infinities along with missing values; so do the effect size and histograms
    return values.replace([np.inf, -np.inf], np.nan)


def prepared(series: pd.Series, kind: Kind, dtype_kind: str) -> pd.Series:
    """The values as evidently gets them: floats for numbers, strings for categories.

    Numbers compared as categories stay floats, so that 1 (an integer column) and 1.0 (the same column
    read with a missing value) are one category; other categories become strings, so that a column
    mixing types can be counted and sorted.
    """
    if kind == "numerical" or dtype_kind == "numeric":
        return as_float(series)
    values = series.astype(object)
    return values.astype(str).where(values.notna())


# ---------------------------------------------------------------------------------------------
# One column's result: evidently's test with the effect size and distribution next to it


def column_result(
    column: str, kind: Kind, evidently: dict[str, Any], reference: pd.Series, current: pd.Series
) -> dict[str, Any]:
    """The evidence of one tested column or series (see ``evidence.DriftTest``)."""
    ref_values, cur_values = reference.dropna(), current.dropna()
    if kind == "numerical":
        if evidently["method"] == "wasserstein" and evidently["score"] is not None:
            # evidently's normed Wasserstein is this very effect size, on the same non-missing finite
            # values (evidently/legacy/calculations/stattests/wasserstein_distance_norm.py); no need to
            # sort every column twice. tests/test_drift.py checks the two agree.
            effect = evidently["score"]
        else:
            effect = wasserstein_effect(ref_values.to_numpy(), cur_values.to_numpy())
        effect_kind = WASSERSTEIN_EFFECT
        histogram = numeric_histogram(ref_values.to_numpy(), cur_values.to_numpy())
    else:
        effect = jensen_shannon_effect(ref_values, cur_values)
        effect_kind = JENSEN_SHANNON_EFFECT
        histogram = category_histogram(ref_values, cur_values)
    return {
        "column": column,
        "type": kind,
        "method": evidently["method"],
        "score": evidently["score"],
        "score_kind": score_kind(evidently["method"]),
        "threshold": evidently["threshold"],
        "drifted": bool(evidently["drifted"]),
        "effect_size": effect,
        "effect_size_kind": effect_kind,
        "null_share": {
            "reference": share(reference.isna().sum(), len(reference)),
            "current": share(current.isna().sum(), len(current)),
        },
        "histogram": histogram,
    }


def wasserstein_effect(reference: np.ndarray, current: np.ndarray) -> float | None:
    """Wasserstein distance in units of the reference standard deviation (population std, as evidently)."""
    import numpy as np
    from scipy.stats import wasserstein_distance

    std = max(float(np.std(reference)), MIN_STD)
    return finite(wasserstein_distance(reference, current) / std)


def jensen_shannon_effect(reference: pd.Series, current: pd.Series) -> float | None:
    """Jensen-Shannon distance between the category frequencies, base 2 so it runs from 0 to 1."""
    import pandas as pd
    from scipy.spatial.distance import jensenshannon

    # value_counts orders categories by count, then by first appearance: by the data, never by hash
    counts = pd.concat([reference.value_counts(), current.value_counts()], axis=1).fillna(0.0)
    return finite(jensenshannon(counts.iloc[:, 0].to_numpy(), counts.iloc[:, 1].to_numpy(), base=2))


def numeric_histogram(reference: np.ndarray, current: np.ndarray) -> dict[str, Any]:
    """Shares of the non-missing values in 10 bins common to both, over the range of both."""
    import numpy as np

    edges = np.histogram_bin_edges(np.concatenate([reference, current]), bins=HISTOGRAM_BINS)
    ref_counts = np.histogram(reference, bins=edges)[0]
    cur_counts = np.histogram(current, bins=edges)[0]
    return {
        "kind": "bins",
        "edges": [float(e) for e in edges],
        "reference": [share(c, len(reference)) for c in ref_counts],
        "current": [share(c, len(current)) for c in cur_counts],
    }


def category_histogram(reference: pd.Series, current: pd.Series) -> dict[str, Any]:
    """Shares of the 10 most common categories (over both frames) among the non-missing values of each."""
    import pandas as pd

    ref_shares = reference.value_counts(normalize=True)
    cur_shares = current.value_counts(normalize=True)
    both = pd.concat([ref_shares, cur_shares], axis=1).fillna(0.0)
    # most common over both frames, so a category that only appears in current is shown too
    order = both.sum(axis=1).sort_values(ascending=False, kind="stable").index[:TOP_CATEGORIES]
    top = both.loc[order]
    return {
        "kind": "categories",
        "categories": [label(v) for v in order],
        "reference": [float(v) for v in top.iloc[:, 0]],
        "current": [float(v) for v in top.iloc[:, 1]],
        "other": {
            "reference": max(0.0, 1.0 - float(top.iloc[:, 0].sum())),
            "current": max(0.0, 1.0 - float(top.iloc[:, 1].sum())),
        },
    }


def label(value: Any) -> str:
    """A category as text; whole floats without '.0', since they came from an integer column."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def share(count: Any, total: int) -> float:
    return float(count) / total if total else 0.0


def finite(value: Any) -> float | None:
    """A plain float, or None for NaN and infinities (results.json is written with allow_nan=False)."""
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


# ---------------------------------------------------------------------------------------------
# Many columns at once: multiple testing and effect-size gating


def benjamini_hochberg(p_values: list[float]) -> list[float]:
    """Benjamini-Hochberg adjusted p-values (q-values), in the order given."""
    from scipy.stats import false_discovery_control

    return [float(q) for q in false_discovery_control(p_values, method="bh")]


def adjust_p_value_decisions(results: list[dict[str, Any]], params: ColumnDriftParams, rows: int) -> list[str]:
    """Correct p-value decisions for multiple testing, and gate them on effect size on large data.

    Evidently decides each column alone. With many columns some p-values fall below 0.05 by chance,
    so they are adjusted (Benjamini-Hochberg); and with many rows every p-value becomes tiny, so a
    p-value test also needs a minimum effect size there. Distance-based decisions are left as they are.
    Returns notes for the method description; ``results`` are updated in place.
    """
    notes: list[str] = []
    tested = [r for r in results if r["score_kind"] == "p_value" and r["score"] is not None]
    for result in tested:
        result["drifted_by_test"] = result["drifted"]
    if params.p_value_correction == "benjamini-hochberg" and len(tested) > 1:
        adjusted = benjamini_hochberg([float(r["score"]) for r in tested])
        for result, q_value in zip(tested, adjusted, strict=True):
            result["p_value_adjusted"] = q_value
            result["drifted"] = bool(q_value < result["threshold"])
        notes.append(
            f"p-values of the {len(tested)} columns tested with p-values were adjusted for multiple testing "
            "(Benjamini-Hochberg) before comparing with the threshold"
        )
    if params.min_effect_size is not None and rows >= params.large_data_rows and tested:
        for result in tested:
            effect = result["effect_size"]
            gated = bool(result["drifted"] and (effect is None or effect < params.min_effect_size))
            result["effect_gate"] = gated
            if gated:
                result["drifted"] = False
        notes.append(
            f"with {rows:,} rows, a p-value test counts as drift only with an effect size of at least "
            f"{params.min_effect_size:g}"
        )
    return notes
