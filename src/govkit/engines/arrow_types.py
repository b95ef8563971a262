"""Arrow types to govkit's column kinds: one function every engine uses.

Both engines hand the families pandas frames converted from Arrow (pyarrow's ``to_pandas`` for the
stream engine, Spark's Arrow transfer for Spark), so a column's pandas type follows from its Arrow
type in the same way on both. Types govkit cannot audit as a column (lists, structs, maps, binary)
are refused before any rows are read, naming the column.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from govkit.inputs import coded

if TYPE_CHECKING:
    import pyarrow as pa

KINDS = ("numeric", "boolean", "categorical", "datetime")


def column_kind(arrow_type: pa.DataType) -> str | None:
    """numeric, boolean, categorical (text, dictionary) or datetime; None for a type govkit cannot audit."""
    import pyarrow.types as t

    if t.is_dictionary(arrow_type):
        return column_kind(arrow_type.value_type) and "categorical"
    if t.is_integer(arrow_type) or t.is_floating(arrow_type) or t.is_decimal(arrow_type):
        return "numeric"
    if t.is_boolean(arrow_type):
        return "boolean"
    if t.is_string(arrow_type) or t.is_large_string(arrow_type) or t.is_null(arrow_type):
        return "categorical"
    if t.is_timestamp(arrow_type) or t.is_date(arrow_type):
        return "datetime"
    return None


def column_kinds(schema: pa.Schema, where: str) -> dict[str, str]:
    """Every column's kind, or GK116 naming the first column whose type cannot be audited."""
    kinds: dict[str, str] = {}
    for name, arrow_type in zip(schema.names, schema.types, strict=True):
        kind = column_kind(arrow_type)
        if kind is None:
            raise coded(
                "GK116",
                f"{where}: column {name!r} is of type {arrow_type}, which govkit cannot audit as a column; "
                "leave it out with --columns, or flatten it into plain columns",
            )
        kinds[str(name)] = kind
    return kinds
