"""Every call into evidently 0.7: one ``Report`` of ``ValueDrift`` metrics, method names, version.

Evidently treats every column it is given as a feature unless told otherwise, so it is given only the
tested columns, each with an explicit type in a ``DataDefinition``, and the results are checked to
cover exactly those columns. Evidently picks the test by column type and size unless the policy
names one, and decides whether each column drifted.

``ValueDrift`` also draws plotly figures of every column (about two thirds of its run time) that
govkit never shows, and evidently 0.7 has no switch for them; so the metric used here is a subclass
whose calculation is evidently's own, minus the figures. Scores, methods, thresholds and verdicts
are evidently's, unchanged.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from govkit.families.drift.params import METHODS, Kind
from govkit.families.drift.statistics import finite

if TYPE_CHECKING:
    import pandas as pd


def warm_up() -> None:
    """Import evidently ahead of the first check (the parallel worker does this while the model loads)."""
    from evidently import Report  # noqa: F401

    _value_drift()


@functools.cache
def _value_drift() -> Any:
    """evidently's ``ValueDrift`` with a calculation that builds no figures (one class per process).

    Evidently binds a calculation to the metric named in its generic base
    (evidently/core/metric_types.py, ``MetricCalculation.__init_subclass__``); the subclass names its
    own metric there, so evidently's ``ValueDrift`` keeps its calculation for everyone else.
    """
    from evidently.core.metric_types import SingleValueCalculation
    from evidently.metrics import ValueDrift
    from evidently.metrics.column_statistics import ValueDriftCalculation

    class GovkitValueDrift(ValueDrift):
        """ValueDrift, computed by ``FigureFreeCalculation``."""

    class FigureFreeCalculation(ValueDriftCalculation):
        __orig_bases__ = (SingleValueCalculation[GovkitValueDrift],)

        def _render(self, result: Any, options: Any, color_options: Any) -> list[Any]:
            return []  # the widgets of evidently's own report; govkit reads the score and the test only

    if GovkitValueDrift.__calculation_type__ is not FigureFreeCalculation:
        raise RuntimeError("evidently no longer binds a calculation to its metric as govkit expects")
    return GovkitValueDrift


def run_evidently(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    kinds: dict[str, Kind],
    methods: dict[str, str | None],
    thresholds: dict[str, float | None],
) -> dict[str, dict[str, Any]]:
    """One evidently Report, a ValueDrift metric per column: column -> method, threshold, score, drifted."""
    if not kinds:
        return {}
    from evidently import DataDefinition, Dataset, Report

    value_drift = _value_drift()
    # Every list is given, even empty, so that evidently infers no type and adds no column of its own
    # (evidently/core/datasets.py, PandasDataset.__init__ infers the lists left as None).
    definition = DataDefinition(
        numerical_columns=[c for c, k in kinds.items() if k == "numerical"],
        categorical_columns=[c for c, k in kinds.items() if k == "categorical"],
        text_columns=[],
        datetime_columns=[],
        unknown_columns=[],
        list_columns=[],
    )
    metrics = [value_drift(column=c, method=methods[c], threshold=thresholds[c]) for c in kinds]
    # include_tests makes ValueDrift attach evidently's own drift decision as a test result
    report = Report(metrics, include_tests=True)
    ref_frame, cur_frame = _coded_categories(reference[list(kinds)], current[list(kinds)], kinds)
    snapshot = report.run(
        Dataset.from_pandas(cur_frame, data_definition=definition),
        Dataset.from_pandas(ref_frame, data_definition=definition),
    )
    found: dict[str, dict[str, Any]] = {}
    for result in snapshot.metric_results.values():
        config = result.metric_value_location.metric.params
        column = config["column"]
        tests = [t for t in result.tests if t.id == "drift"]
        if not tests:
            raise RuntimeError(f"evidently gave no drift decision for column {column!r}")
        found[column] = {
            "method": method_name(config.get("method")),
            "threshold": finite(config.get("threshold")),
            "score": finite(result.value),
            "drifted": getattr(tests[0].status, "value", tests[0].status) == "FAIL",
        }
    if set(found) != set(kinds):
        # Never report a column evidently did not test, or hide one it tested that was not asked for.
        raise RuntimeError(f"evidently tested {sorted(found)} instead of {sorted(kinds)}")
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
    from evidently import __version__

    return str(__version__)
