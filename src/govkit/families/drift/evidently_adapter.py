"""Every call into evidently 0.7: its per-column drift calculation, method names, version.

Each column is tested by ``get_one_column_drift`` (evidently/legacy/calculations/data_drift.py), the
calculation evidently's own ``ValueDrift`` metric runs (evidently/metrics/column_statistics.py,
``ValueDriftCalculation.calculate``), with the same options and the column's type given explicitly.
Evidently picks the test by column type and size unless the policy names one, and decides whether
the column drifted; scores, methods, thresholds and verdicts are evidently's, unchanged
(tests/test_speed_fixed_costs.py compares them with a stock ``Report`` of ``ValueDrift`` bit for bit).

Going through a ``Report`` would add nothing govkit shows: ``ValueDrift`` draws plotly figures of
every column (about two thirds of its run time), and ``import evidently`` runs a package ``__init__``
that imports evidently's whole suite (its UI, LLM tooling, every metric and preset: about 4 s of CPU
here) while the calculation needs some fifty modules (0.5 s). So the parallel drift worker, a process
that runs only drift checks and ends with the audit, imports just those modules (``warm_up``); an
audit running in the caller's process imports evidently as usual.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import sys
from typing import TYPE_CHECKING, Any

from govkit.families.drift.params import METHODS, Kind
from govkit.families.drift.statistics import finite

if TYPE_CHECKING:
    import pandas as pd

# What the calculation imports: the drift function, its options and column descriptions, the test registry.
CALCULATION_MODULES = (
    "evidently._version",
    "evidently.legacy.core",
    "evidently.legacy.options.data_drift",
    "evidently.legacy.metric_results",
    "evidently.legacy.calculations.data_drift",
    "evidently.legacy.calculations.stattests.registry",
)


def warm_up() -> None:
    """Import the drift calculation ahead of the first check, without evidently's package ``__init__``.

    Called only in the parallel drift worker (``govkit.parallel``), while the model loads in the audit's
    process. That worker runs nothing but drift checks and exits with the audit, so no other code can
    see an ``evidently`` package whose ``__init__`` did not run. Should evidently's layout ever refuse
    this, its partial modules are dropped and evidently is imported as usual.
    """
    if "evidently" not in sys.modules and not _import_calculation_alone():
        importlib.import_module("evidently")
    for name in CALCULATION_MODULES:
        importlib.import_module(name)


def _import_calculation_alone() -> bool:
    """Import ``CALCULATION_MODULES`` under an ``evidently`` package whose ``__init__`` is not run."""
    spec = importlib.util.find_spec("evidently")
    if spec is None or spec.submodule_search_locations is None:
        return False  # not installed: the check's own import says so
    # the package's module object, its path set, its code not executed: submodules import beneath it
    sys.modules["evidently"] = importlib.util.module_from_spec(spec)
    try:
        for name in CALCULATION_MODULES:
            importlib.import_module(name)
    except Exception:
        for name in [n for n in sys.modules if n == "evidently" or n.startswith("evidently.")]:
            del sys.modules[name]
        return False
    return True


@functools.cache
def _calculation() -> tuple[Any, Any, Any, Any, Any]:
    """evidently's drift function and the types it takes (imported once per process)."""
    from evidently.legacy.calculations.data_drift import get_one_column_drift
    from evidently.legacy.core import ColumnType
    from evidently.legacy.metric_results import DatasetColumns, DatasetUtilityColumns
    from evidently.legacy.options.data_drift import DataDriftOptions

    return get_one_column_drift, ColumnType, DataDriftOptions, DatasetColumns, DatasetUtilityColumns


def run_evidently(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    kinds: dict[str, Kind],
    methods: dict[str, str | None],
    thresholds: dict[str, float | None],
) -> dict[str, dict[str, Any]]:
    """Evidently's drift test of each column: column -> method, threshold, score, drifted.

    Each column is given to evidently as ``ValueDrift`` gives it: the frames, the column's type, the
    policy's method and threshold (or None, for evidently's choice) and no histogram size of its own.
    """
    if not kinds:
        return {}
    one_column_drift, column_type, options_type, dataset_columns, utility_columns = _calculation()
    ref_frame, cur_frame = _coded_categories(reference[list(kinds)], current[list(kinds)], kinds)
    found: dict[str, dict[str, Any]] = {}
    for column, kind in kinds.items():
        typed = column_type.Numerical if kind == "numerical" else column_type.Categorical
        drift = one_column_drift(
            current_data=cur_frame,
            reference_data=ref_frame,
            column_name=column,
            options=options_type(
                all_features_stattest=methods[column], all_features_threshold=thresholds[column], nbinsx=None
            ),
            dataset_columns=dataset_columns(
                utility_columns=utility_columns(date=None, id=None, target=None, prediction=None),
                target_type=None,
                task=None,
                num_feature_names=[column] if kind == "numerical" else [],
                cat_feature_names=[column] if kind == "categorical" else [],
                text_feature_names=[],
                datetime_feature_names=[],
                target_names=None,
            ),
            column_type=typed,
            agg_data=False,
        )
        found[column] = {
            "method": method_name(methods[column] if methods[column] is not None else drift.stattest_name),
            "threshold": finite(thresholds[column] if thresholds[column] is not None else drift.stattest_threshold),
            "score": finite(drift.drift_score),
            "drifted": bool(drift.drift_detected),
        }
    return found


def _coded_categories(
    reference: pd.DataFrame, current: pd.DataFrame, kinds: dict[str, Kind]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The frames with each text category replaced by its position among the sorted categories.

    Evidently lists a column's categories as ``list(set(...))``
    (evidently/legacy/calculations/stattests/utils.py, get_unique_not_nan_values_list_from_series)
    and sums over them in that order. The order of a set of strings follows Python's string hash,
    which changes with PYTHONHASHSEED, so the scores would differ in their last bits from run to
    run. Numbers hash to themselves, so the codes are summed in sorted order in every run. The counts,
    and so the test, are the same; numbers compared as categories are numbers already.
    """
    from pandas.api.types import is_numeric_dtype

    text = [c for c, k in kinds.items() if k == "categorical" and not is_numeric_dtype(reference[c])]
    if not text:
        return reference, current
    # a shallow copy: assigning a column gives it a new array and leaves the caller's frame alone
    reference, current = reference.copy(deep=False), current.copy(deep=False)
    for column in text:
        categories = sorted(set(reference[column].dropna().unique()) | set(current[column].dropna().unique()))
        codes = {category: float(position) for position, category in enumerate(categories)}
        reference[column] = reference[column].map(codes)
        current[column] = current[column].map(codes)
    return reference, current


def method_name(method: Any) -> str:
    """Evidently's registered method name ('wasserstein'), also when it reports its display name."""
    if method in METHODS:
        return str(method)
    return _display_names().get(str(method), str(method))


def _display_names() -> dict[str, str]:
    from evidently.legacy.calculations.stattests.registry import get_registered_stattest
    from evidently.legacy.core import ColumnType

    names: dict[str, str] = {}
    for name, (types, _) in METHODS.items():
        for kind in types:
            column_type = ColumnType.Numerical if kind == "numerical" else ColumnType.Categorical
            names[get_registered_stattest(name, column_type).display_name] = name
    return names


def evidently_version() -> str:
    from evidently._version import __version__

    return str(__version__)
