"""The great-expectations 1.x adapter: one in-memory context, one suite, one validation, plain records back.

govkit's planned expectations go in as one suite validated on one batch (the whole current frame); each
result comes back as a JSON-safe record (the shape of ``evidence.ExpectationRecord``). An expectation
counts as passed only when great-expectations ran it and said so: one that raised (for example because
its column is missing from the current data) is failed, and so is a completeness expectation on a column
that is entirely empty in the current data but was not in the reference. Nothing here writes files,
prints, shows progress bars, or leaves the caller's GX context changed.
"""

from __future__ import annotations

import contextlib
import os
import threading
from typing import TYPE_CHECKING, Any

from govkit.errors import InputError
from govkit.families.quality.prose import plain_type, reason_for
from govkit.families.quality.suite import COLUMNS_SET, NOT_NULL, Planned
from govkit.families.quality.values import count_or_none, finite_or_none, json_safe, short

# great-expectations keeps one current context per process: one validation at a time
_GX_LOCK = threading.Lock()

if TYPE_CHECKING:
    import pandas as pd

EXAMPLES = 5  # unexpected values kept per expectation, as evidence for the report


def _import_gx() -> Any:
    """great_expectations, imported with usage analytics off.

    GX_ANALYTICS_ENABLED must be set before the import to matter in the versions that ship analytics;
    great-expectations 1.24 has no analytics client left, so here it only documents the intent. The
    user's own setting wins.
    """
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    try:
        import great_expectations as gx
    except SystemExit:
        # great-expectations imports pyspark's Connect client when pyspark is installed, and that client
        # exits the interpreter (status 0!) when its own dependencies (grpcio, ...) are missing
        raise ImportError(
            "great_expectations could not be imported: pyspark is installed without its Connect dependencies; "
            "install them with pip install 'pyspark[connect]' (or govkit[spark])"
        ) from None
    return gx


# Optional backends great-expectations imports whenever they are installed: pyspark (with govkit[spark])
# and sqlalchemy (govkit's history store). govkit validates pandas frames only, and importing GE without
# them took 1.2 s of CPU instead of 2.4 s on the benchmark machine.
UNUSED_BACKENDS = ("pyspark", "sqlalchemy")


def warm_up() -> None:
    """Import great-expectations ahead of the first check, without the backends govkit never uses.

    Called only in the parallel quality worker (``govkit.parallel``), which runs nothing but quality
    checks and exits with the audit: there each unused backend not already imported is marked as missing
    (``sys.modules[name] = None`` makes its import raise ImportError, which GE reads as "not installed").
    A backend the process imported before the fork is left as it is. In the audit's own process GE is
    imported as usual, and so it is here should a version of GE ever refuse to import without them.
    """
    import sys

    blocked = [name for name in UNUSED_BACKENDS if name not in sys.modules]
    for name in blocked:
        sys.modules[name] = None  # type: ignore[assignment]
    try:
        _import_gx()
    except ImportError:
        for name in [n for n in sys.modules if n.split(".")[0] in ("great_expectations", *blocked)]:
            del sys.modules[name]
        _import_gx()  # as usual: its own error, if any, names what is missing


# --- one validation -------------------------------------------------------------------------------


def run_suite(current: pd.DataFrame, planned: list[Planned]) -> list[Any]:
    """Validate every planned expectation in one suite, on one batch; results in ``planned`` order."""
    gx = _import_gx()
    # GE finds a column by case-insensitive name and takes the first match, so with both 'S' and 's' in
    # the data every expectation on 's' would silently check 'S'. Such columns go in under unique aliases.
    alias = _case_aliases([str(column) for column in current.columns])
    current = _strings_as_string_dtype(current)
    if alias:
        current = current.rename(columns=alias)
    expectations = [_expectation(index, plan, alias) for index, plan in enumerate(planned)]
    results = _validate(gx, current, expectations)
    if len(results) != len(planned):
        raise RuntimeError(
            f"great-expectations returned {len(results)} results for {len(planned)} expectations; "
            "refusing to report on an incomplete validation"
        )
    return _in_planned_order(results, len(planned), alias)


def _expectation(index: int, plan: Planned, alias: dict[str, str]) -> Any:
    """One planned expectation as a GE expectation object; a user's invalid one is an InputError."""
    from great_expectations.exceptions import GreatExpectationsError
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    config = ExpectationConfiguration(
        type=plan.type, kwargs=_aliased(plan.kwargs, alias), meta={**plan.meta, "govkit_index": index}
    )
    try:
        return config.to_domain_obj()
    except (GreatExpectationsError, ValueError) as error:
        if not plan.source.startswith("suite:"):
            raise  # a learned expectation GE rejects is govkit's bug, not the user's
        where = plan.source.removeprefix("suite:")
        # pydantic's errors span several lines; the user gets them on one.
        lines = (getattr(error, "message", None) or str(error)).strip().splitlines()
        message = short(" ".join(line.strip() for line in lines), 300)
        raise InputError(
            f"great-expectations suite {where}: expectations[{plan.notes.get('index')}] ({plan.type}) "
            f"is not valid: {message}"
        ) from None


def _validate(gx: Any, current: pd.DataFrame, expectations: list[Any]) -> list[Any]:
    """Run ``expectations`` as one suite on ``current`` in a throwaway in-memory context."""
    from great_expectations.data_context.data_context.context_factory import project_manager
    from great_expectations.exceptions import DataContextRequiredError

    # get_context also makes this the process-wide "current" context, which validation reads; put back
    # whatever the caller had, so that importing govkit into a GX project does not hijack it. That
    # current context is one per process, so audits in several threads take turns here.
    with _GX_LOCK:
        try:
            previous = project_manager.get_current_project()
        except DataContextRequiredError:
            previous = None
        try:
            return _run_suite_in_context(gx, current, expectations)
        finally:
            project_manager.set_project(previous)


def _run_suite_in_context(gx: Any, current: pd.DataFrame, expectations: list[Any]) -> list[Any]:
    """The suite run in a fresh ephemeral context (made the current one as a side effect)."""
    import pandas as pd

    context = gx.get_context(mode="ephemeral", project_config=_quiet_config())
    whole_table = (
        context.data_sources.add_pandas("govkit")
        .add_dataframe_asset("current")
        .add_batch_definition_whole_dataframe("whole table")
    )
    # Built directly from the list: ExpectationSuite.add_expectation silently drops duplicates, and a
    # silent drop would break the one-result-per-expectation accounting below.
    suite = context.suites.add(gx.ExpectationSuite(name="govkit quality", expectations=expectations))
    if len(suite.expectations) != len(expectations):
        raise RuntimeError(f"great-expectations kept {len(suite.expectations)} of {len(expectations)} expectations")
    # A ValidationDefinition loads the batch once; Batch.validate would load (and fingerprint-hash)
    # the whole frame a second time.
    validation = context.validation_definitions.add(
        gx.ValidationDefinition(name="govkit quality", data=whole_table, suite=suite)
    )
    # BASIC: counts and a few example values, without the per-row index lists SUMMARY collects.
    # GE's pandas engine takes `df[df[column].notnull()]` of the whole table for every column
    # expectation, a full copy even when nothing is null; copy-on-write makes those copies lazy (about
    # a third off the time at 500k rows x 30 columns). Only for this call: the option is restored after.
    # pandas options are process-wide, so the option is set only when no other thread could be
    # running pandas code meanwhile (govkit's own pipe senders run none).
    with pd.option_context("mode.copy_on_write", True) if _alone() else contextlib.nullcontext():
        outcome = validation.run(
            batch_parameters={"dataframe": current},
            result_format={"result_format": "BASIC", "partial_unexpected_count": EXAMPLES},
        )
    return list(outcome.results)


def _alone() -> bool:
    """No thread but this one and govkit's own message senders."""
    current = threading.current_thread()
    return all(thread is current or thread.name.startswith("govkit-") for thread in threading.enumerate())


def _quiet_config() -> Any:
    """An in-memory context's config: no great_expectations/ folder, no data docs site, no analytics, no
    progress bars (the wrapped Validator reads them from the context's progress_bars setting)."""
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    return DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
    )


def _in_planned_order(results: list[Any], size: int, alias: dict[str, str]) -> list[Any]:
    """GE reorders results (grouped by column, errors first); the index in meta puts them back."""
    original = {name: column for column, name in alias.items()}
    ordered: list[Any] = [None] * size
    for result in results:
        index = (result.expectation_config.meta or {}).get("govkit_index")
        if not isinstance(index, int) or not 0 <= index < size or ordered[index] is not None:
            raise RuntimeError(f"cannot match a great-expectations result to its expectation (index {index!r})")
        ordered[index] = result
        observed = (result.result or {}).get("observed_value")
        if alias and isinstance(observed, list):  # table column lists: report the real names
            result.result["observed_value"] = [original.get(name, name) for name in observed]
    return ordered


def _strings_as_string_dtype(frame: pd.DataFrame) -> pd.DataFrame:
    """Object columns holding only strings (and gaps) as pandas' string dtype, for the validation only.

    great-expectations checks an object column's type value by value in Python, but a string-dtype
    column by its dtype; the verdict is the same (the type lists accept both), the cost is not.
    Columns with any non-string value stay objects, so their type check still fails.
    """
    from pandas.api import types

    converted = {
        column: frame[column].astype("string[python]")
        for column in frame.columns
        if types.is_object_dtype(frame[column].dtype) and types.infer_dtype(frame[column], skipna=True) == "string"
    }
    return frame.assign(**converted) if converted else frame


def _case_aliases(columns: list[str]) -> dict[str, str]:
    """Unique stand-in names for columns great-expectations cannot address by name, else nothing.

    GE matches column names ignoring case (so 'S' and 's' collide) and rejects an empty name.
    """
    folded: dict[str, int] = {}
    for column in columns:
        folded[column.casefold()] = folded.get(column.casefold(), 0) + 1
    return {
        column: f"{column}__govkit_column_{position}"
        for position, column in enumerate(columns)
        if folded[column.casefold()] > 1 or not column.strip()
    }


def _aliased(kwargs: dict[str, Any], alias: dict[str, str]) -> dict[str, Any]:
    """An expectation's kwargs with column names swapped for their aliases (see _case_aliases)."""
    if not alias:
        return kwargs
    swapped = dict(kwargs)
    for key in ("column", "column_A", "column_B"):
        if isinstance(swapped.get(key), str):
            swapped[key] = alias.get(swapped[key], swapped[key])
    for key in ("column_list", "column_set"):
        if isinstance(swapped.get(key), list):
            swapped[key] = [alias.get(name, name) if isinstance(name, str) else name for name in swapped[key]]
    return swapped


# --- reading the results ------------------------------------------------------------------------


def record(plan: Planned, result: Any, present: set[str], rows: int) -> tuple[dict[str, Any], float | None]:
    """One expectation's outcome as plain JSON-safe data, with govkit's guards applied, and, for a
    not-null expectation that could be counted, the column's share of present values."""
    outcome: dict[str, Any] = dict(result.result or {})
    error = _exception_message(result.exception_info)
    missing = [
        str(plan.kwargs[key])
        for key in ("column", "column_A", "column_B")
        if isinstance(plan.kwargs.get(key), str) and plan.kwargs[key] not in present
    ]
    # Only an explicit true (Python or numpy bool) from an expectation that ran without raising is a pass.
    flag = result.success
    success = type(flag).__name__ in ("bool", "bool_") and bool(flag) and error is None and not missing
    element_count = count_or_none(outcome.get("element_count"))
    unexpected_count = count_or_none(outcome.get("unexpected_count"))
    observed, reason = _observed(plan, outcome, missing, error, element_count, unexpected_count)

    non_null_share: float | None = None
    if plan.type == NOT_NULL and not missing and error is None and unexpected_count is not None:
        total = element_count if element_count is not None else rows
        non_null_share = 1.0 - unexpected_count / total if total else 0.0
        observed = f"{unexpected_count} of {total} values missing"
        if total and unexpected_count == total and plan.notes.get("reference_share", 0) > 0:
            # mostly may be 0 here (a sparse reference column); an entirely empty column still fails.
            success = False
            observed = "all values missing"

    if not success and not reason:
        reason = reason_for(plan, outcome, observed, non_null_share)

    # The unexpected values of a not-null expectation are all nulls: no evidence worth showing.
    raw_examples = [] if plan.type == NOT_NULL else outcome.get("partial_unexpected_list") or []
    fields: dict[str, Any] = {
        "expectation_type": plan.type,
        "column": plan.column,
        "success": success,
        "observed": observed,
        "unexpected_count": unexpected_count,
        "unexpected_percent": finite_or_none(outcome.get("unexpected_percent")),
        "unexpected_examples": [short(value, 60) for value in raw_examples][:EXAMPLES],
        "kwargs": json_safe(plan.kwargs),
        "source": "reference" if plan.source in ("reference", "measure") else plan.source,
        "reason": reason,
    }
    if plan.type == COLUMNS_SET and not missing and error is None:
        expected = set(plan.kwargs["column_set"])
        actual = {str(name) for name in outcome.get("observed_value") or []}
        fields["missing_columns"] = sorted(expected - actual)
        fields["new_columns"] = sorted(actual - expected)
    return fields, non_null_share


def _observed(
    plan: Planned,
    outcome: dict[str, Any],
    missing: list[str],
    error: str | None,
    element_count: int | None,
    unexpected_count: int | None,
) -> tuple[str, str]:
    """What was found, shortened for reading, and the reason when it could not be checked at all."""
    if missing:
        return "column missing", f"'{missing[0]}' is missing from the current data"
    if error is not None:
        return f"error: {error}", f"{plain_type(plan.type)} could not be checked ({error})"
    if "observed_value" in outcome:
        return short(outcome["observed_value"]), ""
    if element_count is not None and unexpected_count is not None:
        return f"{unexpected_count} of {element_count} values unexpected", ""
    return short(outcome), ""


def _exception_message(info: Any) -> str | None:
    """The first error great-expectations caught while running an expectation, or None."""
    if not isinstance(info, dict):
        return None
    if info.get("raised_exception"):
        return _first_line(info.get("exception_message"))
    # Metric-resolution errors come keyed by metric id, one entry per failed metric.
    for value in info.values():
        if isinstance(value, dict) and value.get("raised_exception"):
            return _first_line(value.get("exception_message"))
    return None


def _first_line(message: Any) -> str:
    lines = str(message or "").strip().splitlines()
    return short(lines[0] if lines else "unknown error")
