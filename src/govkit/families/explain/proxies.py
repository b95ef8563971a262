"""How well each input column predicts a sensitive attribute on its own: the raw material of proxy checks.

The strength of column X as a proxy for sensitive attribute S is the ROC AUC of predicting S from X
alone, where X is reduced to a score by target encoding: each category of X (numeric columns are
first cut into quantile bins) is scored by the share of rows of each group of S within it, using
out-of-fold estimates so a column with many rare categories cannot look predictive by memorising.
For an S with several groups the AUC is one-vs-rest, weighted by group size. 0.5 means X says
nothing about S; 1.0 means X identifies S exactly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

MISSING = "(missing)"


def _codes(column: pd.Series, bins: int) -> np.ndarray:
    """Integer codes: categories as they are, numbers in quantile bins, missing values as their own code."""
    import numpy as np
    import pandas as pd

    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column) and column.nunique() > bins:
        binned = pd.qcut(column, q=bins, duplicates="drop")
        codes = binned.cat.codes.to_numpy().astype(np.int64)
    else:
        codes, _ = pd.factorize(column.astype("string").fillna(MISSING), sort=True)
        codes = codes.astype(np.int64)
    return np.where(codes < 0, codes.max(initial=0) + 1, codes)


def proxy_strength(column: pd.Series, sensitive: pd.Series, seed: int, bins: int = 10, folds: int = 5) -> float | None:
    """Out-of-fold target-encoding AUC of predicting ``sensitive`` from ``column``; None if undefined."""
    import numpy as np
    import pandas as pd
    from sklearn.metrics import roc_auc_score

    x = _codes(column.reset_index(drop=True), bins)
    groups, levels = pd.factorize(sensitive.reset_index(drop=True).astype("string").fillna(MISSING), sort=True)
    if len(levels) < 2 or len(x) < folds * 2:
        return None
    rng = np.random.default_rng(seed)
    fold = rng.permutation(len(x)) % folds
    k, g = int(x.max()) + 1, len(levels)
    scores = np.zeros((len(x), g))
    for f in range(folds):
        train, test = fold != f, fold == f
        # the (category, group) counts of the other folds; bincount of one flat index is np.add.at's sum, faster
        counts = np.bincount(x[train] * g + groups[train], minlength=k * g).reshape(k, g).astype(float)
        prior = np.bincount(groups[train], minlength=g) / max(train.sum(), 1)
        # a category unseen in the other folds gets the overall shares (smoothed towards them)
        smoothed = (counts + prior * 1.0) / (counts.sum(axis=1, keepdims=True) + 1.0)
        scores[test] = smoothed[x[test]]
    if g == 2:
        return float(roc_auc_score(groups == 1, scores[:, 1]))
    weights = np.bincount(groups, minlength=g) / len(groups)
    total = 0.0
    for level in range(g):
        truth = groups == level
        if truth.all() or not truth.any():
            continue
        total += weights[level] * roc_auc_score(truth, scores[:, level])
    return float(total)
