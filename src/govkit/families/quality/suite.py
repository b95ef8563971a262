"""The expectation suite: learned from the reference data, and read from users' great-expectations JSON.

From the reference data govkit learns the table's columns (as a set and in order), its row count within a
band, and per column the dtype family, the share of values present, the numeric range, the categorical
domain and, for identifier-like columns, uniqueness. Users' suites are files as
``ExpectationSuite.to_json_dict()`` writes them (0.x and 1.x). Either way the result is a list of
``Planned`` expectations, plain data that ``gx`` submits in one validation.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govkit.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from govkit.families.quality.params import QualityParams

# Expectation types govkit learns, by their great-expectations snake-case names.
COLUMNS_SET = "expect_table_columns_to_match_set"
COLUMNS_ORDER = "expect_table_columns_to_match_ordered_list"
ROW_COUNT = "expect_table_row_count_to_be_between"
TYPE = "expect_column_values_to_be_in_type_list"
NOT_NULL = "expect_column_values_to_not_be_null"
BETWEEN = "expect_column_values_to_be_between"
IN_SET = "expect_column_values_to_be_in_set"
UNIQUE = "expect_column_values_to_be_unique"

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


@dataclass
class Planned:
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


def plan_suite(
    current: pd.DataFrame, reference: pd.DataFrame | None, params: QualityParams, sampled: bool = False
) -> tuple[list[Planned], list[dict[str, str]]]:
    """Every expectation of the one validation, in submission order, and what could not be learned.

    Learned expectations come first, then uncounted completeness measurements of the current columns
    nothing learned about, then the user suites' expectations.
    """
    # User suites first: a wrong path should fail in milliseconds, before any learning.
    user: list[Planned] = []
    for path in params.suites:
        user += _read_suite(path)

    not_learned: list[dict[str, str]] = []
    planned: list[Planned] = []
    if reference is not None and len(reference) > 0:
        planned += _learn(reference, params, not_learned, sampled)
    learned_columns = {plan.column for plan in planned if plan.completeness}
    # Columns with no learned completeness expectation (no reference, or new in the current data) are still
    # measured for completeness, by expectations that cannot fail and are not counted.
    planned += [
        Planned(NOT_NULL, {"column": column, "mostly": 0.0}, "measure", completeness=True)
        for column in map(str, current.columns)
        if column not in learned_columns
    ]
    planned += user
    return planned, not_learned


def _learn(
    reference: pd.DataFrame, params: QualityParams, not_learned: list[dict[str, str]], sampled: bool = False
) -> list[Planned]:
    """The expectations the reference data supports, table-level first, then column by column.

    ``sampled``: an engine gave samples of the tables (``--engine stream|spark``), whose row counts say
    nothing of the tables', so the row-count expectation is listed as not learned, with the reason."""
    columns = [str(column) for column in reference.columns]
    rows = len(reference)
    planned = [
        Planned(COLUMNS_SET, {"column_set": columns, "exact_match": True}, "reference"),
        Planned(COLUMNS_ORDER, {"column_list": columns}, "reference"),
    ]
    if params.row_count_band is not None and sampled:
        reason = "the engine audited a sample of the rows, so the tables' row counts are not compared"
        not_learned.append({"column": "", "expectation": ROW_COUNT, "reason": reason})
    elif params.row_count_band is not None:
        low, high = params.row_count_band
        bounds = {"min_value": max(1, math.floor(rows * low)), "max_value": max(1, math.ceil(rows * high))}
        planned.append(Planned(ROW_COUNT, bounds, "reference", notes={"reference_rows": rows}))
    for column in columns:
        planned += _learn_column(column, reference[column], params, not_learned)
    return planned


def _learn_column(
    column: str, values: pd.Series, params: QualityParams, not_learned: list[dict[str, str]]
) -> list[Planned]:
    """Type, completeness, range or domain, and uniqueness for one reference column."""
    rows = len(values)
    present = values.dropna()
    share = len(present) / rows if rows else 0.0
    family = _family(values)

    # Floored at 0 as great-expectations requires; a column that empties completely is still caught after
    # the validation (see gx.record), since mostly=0 alone would let it pass.
    mostly = max(0.0, round(share - params.null_tolerance, 6))
    completeness = Planned(
        NOT_NULL,
        {"column": column, "mostly": mostly},
        # A column empty in the reference promises nothing; its result only measures completeness.
        "reference" if share > 0 else "measure",
        notes={"reference_share": share},
        completeness=True,
    )
    if present.empty:
        not_learned.append({"column": column, "expectation": TYPE, "reason": "no value in the reference"})
        return [completeness]

    planned: list[Planned] = []
    type_list = _type_list(family, values, present)
    if type_list is None:
        reason = f"great-expectations cannot compare dtype {values.dtype} by name"
        not_learned.append({"column": column, "expectation": TYPE, "reason": reason})
    else:
        notes = {"family": family}
        planned.append(Planned(TYPE, {"column": column, "type_list": type_list}, "reference", notes=notes))
    planned.append(completeness)

    # Whether the column can be an identifier, found without a second hashing pass where possible.
    could_be_unique = share == 1.0 and family in ("int", "text")
    shape: Planned | None = None
    if family in ("int", "float"):
        shape, extent = _numeric_range(column, present, params)
        # n distinct integers need a span of at least n values.
        could_be_unique = could_be_unique and (extent is None or extent[1] - extent[0] + 1 >= rows)
    elif family in ("text", "bool", "category"):
        shape, all_distinct = _value_domain(column, present, params)
        could_be_unique = could_be_unique and all_distinct
    if shape is not None:
        planned.append(shape)

    # Identifier-like: integer or text, always present, all distinct, in enough rows not to be chance.
    if (
        params.unique_min_rows is not None
        and rows >= params.unique_min_rows
        and could_be_unique
        and bool(present.is_unique)
    ):
        planned.append(Planned(UNIQUE, {"column": column}, "reference"))
    return planned


def _numeric_range(
    column: str, present: pd.Series, params: QualityParams
) -> tuple[Planned | None, tuple[float, float] | None]:
    """The widened range expectation of a numeric column, and its finite [min, max] (None: no finite value)."""
    import numpy as np

    numbers = present.to_numpy(dtype=float, na_value=np.nan)
    finite = numbers[np.isfinite(numbers)]
    if not finite.size:
        return None, None
    low, high = float(finite.min()), float(finite.max())
    # A constant column has no width; widen by its magnitude instead, so that "always 5" does not
    # reject 5.000001 yet still rejects 7.
    width = (high - low) or abs(high) or 1.0
    # An infinity in the reference leaves that side of the range open (None), as GE understands it.
    bounds = {
        "min_value": None if np.isneginf(numbers).any() else low - params.range_tolerance * width,
        "max_value": None if np.isposinf(numbers).any() else high + params.range_tolerance * width,
    }
    if bounds["min_value"] is None and bounds["max_value"] is None:
        return None, (low, high)
    plan = Planned(
        BETWEEN,
        {"column": column, **bounds, "mostly": params.range_mostly},
        "reference",
        notes={"reference_min": low, "reference_max": high},
    )
    return plan, (low, high)


def _value_domain(column: str, present: pd.Series, params: QualityParams) -> tuple[Planned | None, bool]:
    """The domain expectation of a categorical column (None: too many or unfit values), and whether all
    its present values are distinct."""
    try:
        distinct = present.unique()
    except TypeError:  # unhashable values (lists, dicts): neither a domain nor an identifier
        return None, False
    domain = _domain(distinct, params.max_domain_size)
    plan = None
    if domain is not None:
        plan = Planned(
            IN_SET,
            {"column": column, "value_set": domain, "mostly": params.domain_mostly},
            "reference",
            notes={"reference_distinct": len(domain)},
        )
    return plan, len(distinct) == len(present)


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


def _read_suite(path: str) -> list[Planned]:
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
    planned: list[Planned] = []
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
        meta = entry.get("meta")
        meta = dict(meta) if isinstance(meta, dict) else {}
        planned.append(Planned(kind, kwargs, f"suite:{path}", meta=meta, notes={"index": index}))
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
