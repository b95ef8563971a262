"""Data quality with great-expectations: learn what the reference data looks like, check the current data.

From the reference data govkit learns one expectation suite: the table's columns (as a set and in order),
its row count within a band, and per column the dtype family, the share of values present, the numeric
range, the categorical domain and, for identifier-like columns, uniqueness. Users may add their own
great-expectations suites (JSON, as ``ExpectationSuite.to_json_dict()`` writes them). All of it is
validated against the current data in a single great-expectations validation, memoised in the audit
context so every check of this family reads the same result.

An expectation counts as passed only when great-expectations ran it and said so: one that raised (for
example because its column is missing from the current data) is failed, and so is a completeness
expectation on a column that is entirely empty in the current data but was not in the reference.
"""

from __future__ import annotations

import json
import math
import numbers
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from govkit.errors import InputError
from govkit.registry import CheckDef
from govkit.results import Measurement

if TYPE_CHECKING:
    import pandas as pd

    from govkit.context import AuditContext

NAME = "quality"
TITLE = "Data quality"
INTRO = (
    "Is the current data complete and shaped like the data the model was validated on? "
    "Expectations are learned from the reference data and checked on the current data."
)


class QualityParams(BaseModel):
    """How strictly the learned suite holds the current data to the reference (shared by all checks)."""

    model_config = ConfigDict(extra="forbid")

    range_tolerance: float = Field(
        0.1,
        ge=0,
        description="Widen each numeric column's reference [min, max] by this fraction of its width on "
        "both sides before checking the current values (0.1 = 10%).",
    )
    range_mostly: float = Field(
        0.99,
        ge=0,
        le=1,
        description="Share of a numeric column's present values that must lie inside the widened range.",
    )
    null_tolerance: float = Field(
        0.05,
        ge=0,
        le=1,
        description="How much lower than in the reference a column's share of present values may be "
        "(reference 0.98 and tolerance 0.05: at least 0.93 of the current values must be present).",
    )
    domain_mostly: float = Field(
        0.99,
        ge=0,
        le=1,
        description="Share of a categorical column's present values that must be values seen in the reference.",
    )
    max_domain_size: int = Field(
        50,
        ge=0,
        description="A non-numeric column is treated as categorical (its set of values is learned) only "
        "when the reference has at most this many distinct values in it.",
    )
    row_count_band: tuple[float, float] | None = Field(
        (0.1, 10.0),
        description="The current row count must lie between these multiples of the reference row count "
        "(at least one row); null turns the row-count expectation off.",
    )
    unique_min_rows: int | None = Field(
        50,
        ge=1,
        description="An integer or text column whose reference values are all present and all distinct is "
        "taken for an identifier, and must stay unique, only when the reference has at least this many "
        "rows (in fewer rows, all-distinct values happen by chance); null turns uniqueness off.",
    )
    suites: list[str] = Field(
        default_factory=list,
        description="Paths of great-expectations suite JSON files whose expectations are checked on the "
        "current data too, in the same validation (relative paths are read from the working directory, "
        "then from govkit's bundled checks/ folder).",
    )

    @model_validator(mode="after")
    def _band_is_ordered(self) -> QualityParams:
        if self.row_count_band is not None:
            low, high = self.row_count_band
            if low < 0 or high < low:
                raise ValueError("row_count_band needs 0 <= low <= high, e.g. [0.1, 10]")
        return self


_BOTH = frozenset({"current", "reference"})

CHECKS: dict[str, CheckDef] = {
    "failed_expectations": CheckDef(
        title="Failed data expectations",
        doc="Number of expectations (learned from the reference data, plus any user suites) that the "
        "current data does not meet.",
        requires=_BOTH,
        params=QualityParams,
        unit="count",
        higher_is_better=False,
        tags=("great-expectations",),
    ),
    "expectation_success_share": CheckDef(
        title="Share of data expectations met",
        doc="Share of the evaluated expectations that the current data meets (1 = all of them).",
        requires=_BOTH,
        params=QualityParams,
        unit="share",
        higher_is_better=True,
        tags=("great-expectations",),
    ),
    "completeness": CheckDef(
        title="Completeness",
        doc="Share of present (non-null) values in the current data's least complete column.",
        requires=frozenset({"current"}),
        params=QualityParams,
        unit="share",
        higher_is_better=True,
        tags=("great-expectations",),
    ),
}

# Expectation types govkit learns, by their great-expectations snake-case names.
_COLUMNS_SET = "expect_table_columns_to_match_set"
_COLUMNS_ORDER = "expect_table_columns_to_match_ordered_list"
_ROW_COUNT = "expect_table_row_count_to_be_between"
_TYPE = "expect_column_values_to_be_in_type_list"
_NOT_NULL = "expect_column_values_to_not_be_null"
_BETWEEN = "expect_column_values_to_be_between"
_IN_SET = "expect_column_values_to_be_in_set"
_UNIQUE = "expect_column_values_to_be_unique"

# Type names great-expectations' pandas engine resolves (np.dtype(name), pandas.<name>, or a native Python
# type), per dtype family. A current int column read as float (e.g. because it now has missing values) is
# a change of family and fails on purpose.
_TYPE_FAMILIES: dict[str, list[str]] = {
    "int": [
        *(f"int{bits}" for bits in (8, 16, 32, 64)),
        *(f"uint{bits}" for bits in (8, 16, 32, 64)),
        *(f"Int{bits}Dtype" for bits in (8, 16, 32, 64)),
        *(f"UInt{bits}Dtype" for bits in (8, 16, 32, 64)),
    ],
    "float": ["float16", "float32", "float64", "Float32Dtype", "Float64Dtype"],
    "bool": ["bool", "BooleanDtype"],
    "datetime": ["datetime64", "datetime64[ns]", "datetime64[us]", "datetime64[ms]", "datetime64[s]"],
    # An object column is checked value by value against Python types, so "str" is what counts there;
    # StringDtype covers pandas' own (Python-backed) string dtype.
    "text": ["str", "StringDtype"],
}

# pandas.api.types.infer_dtype results for object columns -> Python type names great-expectations knows.
_OBJECT_VALUE_TYPES: dict[str, list[str]] = {
    "string": ["str"],
    "integer": ["int"],
    "floating": ["float"],
    "mixed-integer-float": ["int", "float"],
    "boolean": ["bool"],
    "bytes": ["bytes"],
}

_EXAMPLES = 5  # unexpected values kept per expectation, as evidence for the report
_TEXT_LIMIT = 160  # observed values are shown, not dumped
_SUMMARY_REASONS = 3  # how many distinct failures the one-sentence summary names


@dataclass
class _Planned:
    """One expectation to submit, and what govkit knows about why it is there."""

    type: str
    kwargs: dict[str, Any]
    source: str  # "reference" (learned), "suite:<path>" (user), "measure" (completeness only, not counted)
    meta: dict[str, Any] = field(default_factory=dict)
    notes: dict[str, Any] = field(default_factory=dict)  # reference facts used to explain a failure
    completeness: bool = False  # its not-null result feeds the completeness check

    @property
    def column(self) -> str | None:
        column = self.kwargs.get("column")
        return column if isinstance(column, str) else None


@dataclass
class _Validation:
    """The one shared validation, reduced to what the three checks report."""

    records: list[dict[str, Any]]  # counted expectations, in submission order
    completeness: dict[str, float | None]  # current column -> share of present values (None: GE failed)
    not_learned: list[dict[str, str]]
    suites: list[str]
    rows: int

    @property
    def evaluated(self) -> int:
        return len(self.records)

    @property
    def passed(self) -> int:
        return sum(1 for record in self.records if record["success"])

    @property
    def failed(self) -> int:
        return self.evaluated - self.passed


def run(name: str, params: Any, ctx: AuditContext) -> Measurement:
    """Measure one check of this family from the shared validation."""
    if name not in CHECKS:
        raise KeyError(f"quality has no check {name!r}; use one of {sorted(CHECKS)}")
    params = params if isinstance(params, QualityParams) else QualityParams.model_validate(params or {})
    if len(ctx.current) == 0:
        # Every column expectation passes vacuously on no rows; refuse rather than report a clean bill.
        raise InputError("the current data has no rows, so its quality cannot be checked; give a non-empty file")
    if name != "completeness" and (ctx.reference is None or len(ctx.reference) == 0):
        raise InputError(
            f"quality.{name} learns its expectations from the reference data, and there is none "
            "(or it has no rows); give --reference with a non-empty file"
        )

    key = ("quality", params.model_dump_json())
    validation = ctx.memo(key, lambda: _validate_all(ctx, params))
    method = "great-expectations suite learned from the reference data, validated once on the current data"
    common: dict[str, Any] = {
        "evaluated": validation.evaluated,
        "passed": validation.passed,
        "failed": validation.failed,
        "learned_from": "reference" if ctx.reference is not None else None,
        "suites": validation.suites,
    }

    if name == "completeness":
        if not validation.completeness:
            raise InputError("the current data has no columns, so its completeness cannot be measured")
        unmeasured = sorted(column for column, share in validation.completeness.items() if share is None)
        if unmeasured:
            raise RuntimeError(f"great-expectations could not count the missing values of {unmeasured}")
        shares = {column: float(share) for column, share in validation.completeness.items() if share is not None}
        worst = min(shares, key=lambda column: (shares[column], column))
        return Measurement(
            value=float(shares[worst]),
            sample_size=validation.rows,
            method="great-expectations expect_column_values_to_not_be_null, per column of the current data",
            details={"columns": shares, "least_complete": worst},
            summary=_completeness_sentence(shares, worst),
        )

    if name == "failed_expectations":
        details = {**common, "expectations": validation.records, "not_learned": validation.not_learned}
        return Measurement(
            value=float(validation.failed),
            sample_size=validation.rows,
            method=method,
            details=details,
            summary=_failures_sentence(validation),
        )
    # The full list lives in failed_expectations; here only what pulled the share down.
    details = {
        **common,
        "failed_expectations": [record for record in validation.records if not record["success"]],
    }
    if validation.evaluated == 0:
        return Measurement(
            inconclusive_reason="no expectation could be learned or loaded, so there is no share to report",
            sample_size=validation.rows,
            method=method,
            details=details,
        )
    share = validation.passed / validation.evaluated
    return Measurement(
        value=float(share),
        sample_size=validation.rows,
        method=method,
        details=details,
        summary=f"{_percent(share)} of the {validation.evaluated} data expectations were met "
        f"({validation.passed} passed, {validation.failed} failed).",
    )


# --- building the suite -------------------------------------------------------------------------


def _validate_all(ctx: AuditContext, params: QualityParams) -> _Validation:
    """Learn, load and validate the whole suite once; the memoised unit of work of this family."""
    current = ctx.current
    if not all(isinstance(column, str) for column in current.columns):
        # great-expectations addresses columns by name strings.
        current = current.rename(columns=str)
    reference = ctx.reference
    if reference is not None and not all(isinstance(column, str) for column in reference.columns):
        reference = reference.rename(columns=str)

    # User suites first: a wrong path should fail in milliseconds, before any learning.
    user: list[_Planned] = []
    for path in params.suites:
        user += _read_suite(path)

    not_learned: list[dict[str, str]] = []
    planned: list[_Planned] = []
    if reference is not None and len(reference) > 0:
        planned += _learn(reference, params, not_learned)
    learned_columns = {plan.column for plan in planned if plan.completeness}
    # Columns with no learned completeness expectation (no reference, or new in the current data) are still
    # measured for completeness, by expectations that cannot fail and are not counted.
    planned += [
        _Planned(_NOT_NULL, {"column": column, "mostly": 0.0}, "measure", completeness=True)
        for column in map(str, current.columns)
        if column not in learned_columns
    ]
    planned += user

    results = _run_suite(current, planned)

    present = set(map(str, current.columns))
    records: list[dict[str, Any]] = []
    completeness: dict[str, float | None] = {}
    for plan, result in zip(planned, results, strict=True):
        record = _record(plan, result, present, len(current))
        if plan.completeness and plan.column in present:
            completeness[plan.column] = record.pop("_non_null_share")
        record.pop("_non_null_share", None)
        if plan.source != "measure":
            records.append(record)
    return _Validation(
        records=records,
        completeness=completeness,
        not_learned=not_learned,
        suites=list(params.suites),
        rows=len(current),
    )


def _learn(reference: pd.DataFrame, params: QualityParams, not_learned: list[dict[str, str]]) -> list[_Planned]:
    """The expectations the reference data supports, table-level first, then column by column."""
    columns = [str(column) for column in reference.columns]
    rows = len(reference)
    planned = [
        _Planned(_COLUMNS_SET, {"column_set": columns, "exact_match": True}, "reference"),
        _Planned(_COLUMNS_ORDER, {"column_list": columns}, "reference"),
    ]
    if params.row_count_band is not None:
        low, high = params.row_count_band
        bounds = {"min_value": max(1, math.floor(rows * low)), "max_value": max(1, math.ceil(rows * high))}
        planned.append(_Planned(_ROW_COUNT, bounds, "reference", notes={"reference_rows": rows}))
    for column in columns:
        planned += _learn_column(column, reference[column], params, not_learned)
    return planned


def _learn_column(
    column: str, values: pd.Series, params: QualityParams, not_learned: list[dict[str, str]]
) -> list[_Planned]:
    """Type, completeness, range or domain, and uniqueness for one reference column."""
    import numpy as np

    rows = len(values)
    present = values.dropna()
    share = len(present) / rows if rows else 0.0
    family = _family(values)

    # Floored at 0 as great-expectations requires; a column that empties completely is still caught after
    # the validation (see _record), since mostly=0 alone would let it pass.
    mostly = max(0.0, round(share - params.null_tolerance, 6))
    completeness = _Planned(
        _NOT_NULL,
        {"column": column, "mostly": mostly},
        # A column empty in the reference promises nothing; its result only measures completeness.
        "reference" if share > 0 else "measure",
        notes={"reference_share": share},
        completeness=True,
    )
    if present.empty:
        not_learned.append({"column": column, "expectation": _TYPE, "reason": "no value in the reference"})
        return [completeness]

    planned: list[_Planned] = []
    type_list = _type_list(family, values, present)
    if type_list is None:
        reason = f"great-expectations cannot compare dtype {values.dtype} by name"
        not_learned.append({"column": column, "expectation": _TYPE, "reason": reason})
    else:
        notes = {"family": family}
        planned.append(_Planned(_TYPE, {"column": column, "type_list": type_list}, "reference", notes=notes))
    planned.append(completeness)

    # Whether the column can be an identifier, found without a second hashing pass where possible.
    could_be_unique = share == 1.0 and family in ("int", "text")
    if family in ("int", "float"):
        numbers = present.to_numpy(dtype=float, na_value=np.nan)
        finite = numbers[np.isfinite(numbers)]
        if finite.size:
            low, high = float(finite.min()), float(finite.max())
            # n distinct integers need a span of at least n values.
            could_be_unique = could_be_unique and high - low + 1 >= rows
            # A constant column has no width; widen by its magnitude instead, so that "always 5" does not
            # reject 5.000001 yet still rejects 7.
            width = (high - low) or abs(high) or 1.0
            # An infinity in the reference leaves that side of the range open (None), as GE understands it.
            bounds = {
                "min_value": None if np.isneginf(numbers).any() else low - params.range_tolerance * width,
                "max_value": None if np.isposinf(numbers).any() else high + params.range_tolerance * width,
            }
            if bounds["min_value"] is not None or bounds["max_value"] is not None:
                planned.append(
                    _Planned(
                        _BETWEEN,
                        {"column": column, **bounds, "mostly": params.range_mostly},
                        "reference",
                        notes={"reference_min": low, "reference_max": high},
                    )
                )
    elif family in ("text", "bool", "category"):
        try:
            distinct = present.unique()
        except TypeError:  # unhashable values (lists, dicts): neither a domain nor an identifier
            distinct = None
        could_be_unique = could_be_unique and distinct is not None and len(distinct) == len(present)
        domain = _domain(distinct, params.max_domain_size) if distinct is not None else None
        if domain is not None:
            planned.append(
                _Planned(
                    _IN_SET,
                    {"column": column, "value_set": domain, "mostly": params.domain_mostly},
                    "reference",
                    notes={"reference_distinct": len(domain)},
                )
            )

    # Identifier-like: integer or text, always present, all distinct, in enough rows not to be chance.
    if (
        params.unique_min_rows is not None
        and rows >= params.unique_min_rows
        and could_be_unique
        and bool(present.is_unique)
    ):
        planned.append(_Planned(_UNIQUE, {"column": column}, "reference"))
    return planned


def _family(values: pd.Series) -> str:
    """The dtype family of a column: int, float, bool, datetime, text, category or other."""
    from pandas.api import types

    dtype = values.dtype
    if types.is_bool_dtype(dtype):
        return "bool"  # before the numeric test: pandas counts bool as numeric
    if isinstance(dtype, _categorical_dtype()):
        return "category"
    if types.is_integer_dtype(dtype):
        return "int"
    if types.is_float_dtype(dtype):
        return "float"
    if types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if types.is_object_dtype(dtype) or types.is_string_dtype(dtype):
        return "text"
    return "other"


def _categorical_dtype() -> type:
    import pandas as pd

    return pd.CategoricalDtype


def _type_list(family: str, values: pd.Series, present: pd.Series) -> list[str] | None:
    """Type names for expect_column_values_to_be_in_type_list, or None when GE cannot express the dtype."""
    from pandas.api import types

    dtype = values.dtype
    if family in ("int", "float", "bool"):
        return list(_TYPE_FAMILIES[family])
    if family == "datetime":
        # Timezone-aware datetimes are a pandas extension dtype that GE compares against a bare class and
        # never matches; a check that always fails would be noise.
        return None if getattr(dtype, "tz", None) is not None else list(_TYPE_FAMILIES["datetime"])
    if family == "text":
        if types.is_object_dtype(dtype):
            inferred = types.infer_dtype(present, skipna=True)
            value_types = _OBJECT_VALUE_TYPES.get(inferred)
            if value_types is None:
                return None
            # An object column is checked value by value; strings that arrive as pandas' string dtype
            # are still strings.
            return [*value_types, "StringDtype"] if value_types == ["str"] else list(value_types)
        if getattr(dtype, "storage", "python") == "python":
            return list(_TYPE_FAMILIES["text"])
    # Categorical, pyarrow-backed strings and other extension dtypes: GE compares them with an instance
    # built without arguments, which never equals the real dtype.
    return None


def _domain(distinct: Any, max_size: int) -> list[Any] | None:
    """The reference's distinct values as plain Python values, or None when there are too many."""
    import numpy as np

    if len(distinct) > max_size:
        return None
    values = [value.item() if isinstance(value, np.generic) else value for value in np.asarray(distinct).tolist()]
    if not all(isinstance(value, str | int | float | bool) for value in values):
        return None  # only values great-expectations and JSON carry faithfully
    return sorted(values, key=lambda value: (type(value).__name__, value))


def _read_suite(path: str) -> list[_Planned]:
    """The expectations of one great-expectations suite JSON file, checked, ready to submit."""
    location = _suite_location(path)
    try:
        data = json.loads(location.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise InputError(
            f"great-expectations suite {path} not found; fix the path in the quality check's 'suites' "
            "(relative paths are read from the working directory)"
        ) from None
    except OSError as error:
        raise InputError(
            f"cannot read great-expectations suite {path} ({error.strerror}); check its permissions"
        ) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError(
            f"great-expectations suite {path} is not valid JSON ({error}); "
            "write it with ExpectationSuite.to_json_dict()"
        ) from None
    expectations = data.get("expectations") if isinstance(data, dict) else None
    if not isinstance(expectations, list):
        raise InputError(
            f"great-expectations suite {path} has no 'expectations' list; write it with ExpectationSuite.to_json_dict()"
        )
    planned: list[_Planned] = []
    for index, entry in enumerate(expectations):
        if not isinstance(entry, dict):
            raise InputError(f"great-expectations suite {path}: expectations[{index}] is not an object")
        # 0.x suites call the type "expectation_type"; 1.x calls it "type".
        kind = entry.get("type", entry.get("expectation_type"))
        kwargs = entry.get("kwargs", {})
        if not isinstance(kind, str) or not isinstance(kwargs, dict):
            raise InputError(
                f"great-expectations suite {path}: expectations[{index}] needs a string 'type' and a 'kwargs' object"
            )
        kwargs = {key: value for key, value in kwargs.items() if key != "batch_id"}
        meta = entry.get("meta") if isinstance(entry.get("meta"), dict) else {}
        planned.append(_Planned(kind, kwargs, f"suite:{path}", meta=dict(meta), notes={"index": index}))
    return planned


def _suite_location(path: str) -> Path:
    """The file a ``suites`` entry names: as given, else in govkit's bundled checks/ folder."""
    given = Path(path)
    if given.exists() or given.is_absolute():
        return given
    try:
        from govkit.resources import checks_dir

        bundled = checks_dir() / given
    except (FileNotFoundError, ImportError):
        return given
    return bundled if bundled.is_file() else given


# --- running it ---------------------------------------------------------------------------------


def _import_gx() -> Any:
    """great_expectations, imported with usage analytics off.

    GX_ANALYTICS_ENABLED must be set before the import to matter in the versions that ship analytics;
    great-expectations 1.24 has no analytics client left, so here it only documents the intent. The
    user's own setting wins.
    """
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx

    return gx


def _run_suite(current: pd.DataFrame, planned: list[_Planned]) -> list[Any]:
    """Validate every planned expectation in one suite, on one batch; results in ``planned`` order."""
    import pandas as pd

    gx = _import_gx()
    from great_expectations.data_context.data_context.context_factory import project_manager
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )
    from great_expectations.exceptions import DataContextRequiredError, GreatExpectationsError
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    # GE finds a column by case-insensitive name and takes the first match, so with both 'S' and 's' in
    # the data every expectation on 's' would silently check 'S'. Such columns go in under unique aliases.
    alias = _case_aliases([str(column) for column in current.columns])
    current = _strings_as_string_dtype(current)
    if alias:
        current = current.rename(columns=alias)
    expectations = []
    for index, plan in enumerate(planned):
        config = ExpectationConfiguration(
            type=plan.type, kwargs=_aliased(plan.kwargs, alias), meta={**plan.meta, "govkit_index": index}
        )
        try:
            expectations.append(config.to_domain_obj())
        except (GreatExpectationsError, ValueError) as error:
            if not plan.source.startswith("suite:"):
                raise  # a learned expectation GE rejects is govkit's bug, not the user's
            where = plan.source.removeprefix("suite:")
            # pydantic's errors span several lines; the user gets them on one.
            lines = (getattr(error, "message", None) or str(error)).strip().splitlines()
            message = _short(" ".join(line.strip() for line in lines), 300)
            raise InputError(
                f"great-expectations suite {where}: expectations[{plan.notes.get('index')}] ({plan.type}) "
                f"is not valid: {message}"
            ) from None

    # An in-memory context: no great_expectations/ folder, no data docs site, no progress bars (the
    # wrapped Validator reads them from the context's progress_bars setting).
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
    )
    # get_context also makes this the process-wide "current" context, which validation reads; put back
    # whatever the caller had, so that importing govkit into a GX project does not hijack it.
    try:
        previous = project_manager.get_current_project()
    except DataContextRequiredError:
        previous = None
    try:
        context = gx.get_context(mode="ephemeral", project_config=config)
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
        with pd.option_context("mode.copy_on_write", True):
            outcome = validation.run(
                batch_parameters={"dataframe": current},
                result_format={"result_format": "BASIC", "partial_unexpected_count": _EXAMPLES},
            )
    finally:
        project_manager.set_project(previous)

    results = list(outcome.results)
    if len(results) != len(planned):
        raise RuntimeError(
            f"great-expectations returned {len(results)} results for {len(planned)} expectations; "
            "refusing to report on an incomplete validation"
        )
    # GE reorders results (grouped by column, errors first); the index in meta puts them back.
    ordered: list[Any] = [None] * len(planned)
    for result in results:
        index = (result.expectation_config.meta or {}).get("govkit_index")
        if not isinstance(index, int) or not 0 <= index < len(planned) or ordered[index] is not None:
            raise RuntimeError(f"cannot match a great-expectations result to its expectation (index {index!r})")
        ordered[index] = result
        observed = (result.result or {}).get("observed_value")
        if alias and isinstance(observed, list):  # table column lists: report the real names
            original = {name: column for column, name in alias.items()}
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


def _record(plan: _Planned, result: Any, present: set[str], rows: int) -> dict[str, Any]:
    """One expectation's outcome as plain JSON-safe data, with govkit's guards applied."""
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
    element_count = _count(outcome.get("element_count"))
    unexpected_count = _count(outcome.get("unexpected_count"))
    reason = ""

    if missing:
        observed = "column missing"
        reason = f"'{missing[0]}' is missing from the current data"
    elif error is not None:
        observed = f"error: {error}"
        reason = f"{_plain_type(plan.type)} could not be checked ({error})"
    elif "observed_value" in outcome:
        observed = _short(outcome["observed_value"])
    elif element_count is not None and unexpected_count is not None:
        observed = f"{unexpected_count} of {element_count} values unexpected"
    else:
        observed = _short(outcome)

    non_null_share: float | None = None
    if plan.type == _NOT_NULL and not missing and error is None and unexpected_count is not None:
        total = element_count if element_count is not None else rows
        non_null_share = 1.0 - unexpected_count / total if total else 0.0
        observed = f"{unexpected_count} of {total} values missing"
        if total and unexpected_count == total and plan.notes.get("reference_share", 0) > 0:
            # mostly may be 0 here (a sparse reference column); an entirely empty column still fails.
            success = False
            observed = "all values missing"

    if not success and not reason:
        reason = _reason(plan, outcome, observed, non_null_share)

    # The unexpected values of a not-null expectation are all nulls: no evidence worth showing.
    raw_examples = [] if plan.type == _NOT_NULL else outcome.get("partial_unexpected_list") or []
    examples = [_short(value, 60) for value in raw_examples][:_EXAMPLES]
    column = plan.column
    record: dict[str, Any] = {
        "expectation_type": plan.type,
        "column": column,
        "success": success,
        "observed": observed,
        "unexpected_count": unexpected_count,
        "unexpected_percent": _finite(outcome.get("unexpected_percent")),
        "unexpected_examples": examples,
        "kwargs": _json_safe(plan.kwargs),
        "source": "reference" if plan.source in ("reference", "measure") else plan.source,
        "reason": reason,
        "_non_null_share": non_null_share,
    }
    if plan.type == _COLUMNS_SET and not missing and error is None:
        expected = set(plan.kwargs["column_set"])
        actual = {str(name) for name in outcome.get("observed_value") or []}
        record["missing_columns"] = sorted(expected - actual)
        record["new_columns"] = sorted(actual - expected)
    return record


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
    return _short(lines[0] if lines else "unknown error")


def _reason(plan: _Planned, outcome: dict[str, Any], observed: str, non_null_share: float | None) -> str:
    """Why one learned or user expectation failed, in words a non-engineer can follow."""
    column = plan.column
    count = _count(outcome.get("unexpected_count"))
    rows = f" ({_rows(count)})" if count is not None else ""
    examples = outcome.get("partial_unexpected_list") or []
    if plan.source.startswith("suite:"):
        subject = f"'{column}'" if column else "the table"
        suite = plan.source.removeprefix("suite:")
        return f"{subject} fails '{_plain_type(plan.type)}' from suite {suite}{rows}"
    if plan.type == _COLUMNS_SET:
        expected = set(plan.kwargs["column_set"])
        actual = {str(name) for name in outcome.get("observed_value") or []}
        parts = []
        if expected - actual:
            parts.append("lacks " + _names(expected - actual))
        if actual - expected:
            parts.append("has new " + _names(actual - expected))
        return "the current data " + " and ".join(parts or ["has different columns"])
    if plan.type == _COLUMNS_ORDER:
        return "the columns are in a different order than in the reference"
    if plan.type == _ROW_COUNT:
        found = _count(outcome.get("observed_value"))
        size = _rows(found) if found is not None else f"{observed} rows"
        return (
            f"the current data has {size}, outside the expected {plan.kwargs['min_value']}–{plan.kwargs['max_value']}"
        )
    if plan.type == _TYPE and "observed_value" not in outcome:
        return f"'{column}' has values of another type than in the reference{rows}"
    if plan.type == _TYPE:
        return f"'{column}' holds {observed} values where the reference held {plan.notes.get('family')}"
    if plan.type == _NOT_NULL:
        reference_missing = 1.0 - plan.notes.get("reference_share", 1.0)
        if observed == "all values missing":
            return f"'{column}' is empty in the current data"
        current_missing = 1.0 - (non_null_share or 0.0)
        return (
            f"'{column}' has more missing values than in the reference "
            f"({current_missing:.1%} missing, was {reference_missing:.1%})"
        )
    if plan.type == _BETWEEN:
        numbers = [value for value in examples if isinstance(value, int | float)]
        low, high = plan.kwargs.get("min_value"), plan.kwargs.get("max_value")  # None: open on that side
        if numbers and high is not None and all(value > high for value in numbers):
            where = "above"
        elif numbers and low is not None and all(value < low for value in numbers):
            where = "below"
        else:
            where = "outside"
        return f"'{column}' has values {where} the range seen in the reference{rows}"
    if plan.type == _IN_SET:
        example = f", e.g. '{_short(examples[0], 40)}'" if examples else ""
        return f"'{column}' has values not seen in the reference{example}{rows}"
    if plan.type == _UNIQUE:
        return f"'{column}' has repeated values, though every value was distinct in the reference{rows}"
    return f"{_plain_type(plan.type)} failed on '{column}'"


def _failures_sentence(validation: _Validation) -> str:
    """One plain sentence for the report: how many failed, and the first few reasons why."""
    if validation.evaluated == 0:
        return "No data expectation could be learned or loaded, so nothing was checked."
    if validation.failed == 0:
        return f"All {validation.evaluated} data expectations were met."
    failed = [record for record in validation.records if not record["success"]]
    column_sets = [record for record in failed if record["expectation_type"] == _COLUMNS_SET]
    lacking = {name for record in column_sets for name in record.get("missing_columns", [])}
    reasons: list[str] = []
    for record in failed:
        if column_sets and record["expectation_type"] == _COLUMNS_ORDER:
            continue  # implied by the changed column set
        if record["observed"] == "column missing" and record["column"] in lacking:
            continue  # the column-set failure already names the missing column
        if record["reason"] and record["reason"] not in reasons:
            reasons.append(record["reason"])
    shown = "; ".join(reasons[:_SUMMARY_REASONS])
    more = len(reasons) - _SUMMARY_REASONS
    tail = f"; and {more} more problem{'s' if more > 1 else ''}" if more > 0 else ""
    return f"{validation.failed} of {validation.evaluated} data expectations failed: {shown}{tail}."


def _completeness_sentence(shares: dict[str, float], worst: str) -> str:
    if shares[worst] >= 1.0:
        return f"Every value is present in all {len(shares)} columns of the current data."
    return (
        f"The least complete column is '{worst}': {_percent(shares[worst])} of its values are present "
        f"in the current data."
    )


# --- small formatting helpers -------------------------------------------------------------------


def _plain_type(kind: str) -> str:
    return kind.removeprefix("expect_").replace("_", " ")


def _names(columns: set[str]) -> str:
    ordered = sorted(columns)
    label = "column" if len(ordered) == 1 else "columns"
    return f"{label} " + ", ".join(f"'{name}'" for name in ordered)


def _rows(count: int) -> str:
    return f"{count} row" if count == 1 else f"{count} rows"


def _percent(share: float) -> str:
    # Never round a share below 1 up to "100%": that would read as complete.
    text = f"{share:.0%}"
    return f"{min(share, 0.999):.1%}" if text == "100%" and share < 1 else text


def _short(value: Any, limit: int = _TEXT_LIMIT) -> str:
    """A value as at most ``limit`` characters: scalars as str() shows them, containers as JSON."""
    if isinstance(value, dict | list | tuple | set | frozenset):
        text = json.dumps(_json_safe(value), ensure_ascii=False)
    else:
        text = str(_json_safe(value))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _count(value: Any) -> int | None:
    """A count from a GE result (Python or numpy integer) as int, else None."""
    return int(value) if isinstance(value, numbers.Integral) and not isinstance(value, bool) else None


def _finite(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and math.isfinite(value) else None


def _json_safe(value: Any) -> Any:
    """Plain JSON data: numpy scalars unwrapped, NaN and infinity as strings, anything else as str."""
    if isinstance(value, dict):
        return {str(key): _json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_json_safe(item) for item in value]
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    item = getattr(value, "item", None)  # numpy and pandas scalars
    if callable(item):
        try:
            unwrapped = item()
        except (TypeError, ValueError):
            return str(value)
        if unwrapped is not value and isinstance(unwrapped, str | bool | int | float):
            return _json_safe(unwrapped)
    return str(value)
