"""How much memory a table will take once read, estimated before reading it (for the memory guard).

A compressed file says little about its size once read: a 200 KB gzip can inflate to 200 MB, and a
100 KB Parquet file of dictionary-encoded strings can decode into a frame of a gigabyte. So gzip is
inflated in a stream and only counted (never held), and Parquet is judged by its footer: row counts,
column types and uncompressed sizes.
"""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.parquet as pq

_READ = 1 << 16  # compressed bytes read at a time
_INFLATE = 1 << 20  # at most this many inflated bytes held at a time

# Bytes per value once in a pandas frame, for types whose width the schema does not give: a string or
# binary becomes a Python object (about 49 bytes plus its characters) behind an 8-byte pointer.
OBJECT_WIDTH = 64


def inflated_size(path: Path, stop_after: int) -> int:
    """The bytes a gzip file inflates to, counted in a stream; stops counting once past ``stop_after``.

    Memory stays at about a megabyte whatever the file, and time is bounded by ``stop_after``. A
    damaged stream ends the count early: reading the file then reports the damage with its own code.
    """
    total = 0
    inflater = zlib.decompressobj(wbits=31)
    with path.open("rb") as stream:
        while chunk := stream.read(_READ):
            data = chunk
            while data:
                try:
                    total += len(inflater.decompress(data, _INFLATE))
                except zlib.error:
                    return total
                if total > stop_after:
                    return total
                if inflater.eof:  # a gzip file may hold several members, one after the other
                    data = inflater.unused_data
                    if not data.strip(b"\x00"):
                        break
                    inflater = zlib.decompressobj(wbits=31)
                else:
                    data = inflater.unconsumed_tail
    return total


def parquet_memory(metadata: pq.FileMetaData) -> int:
    """Bytes needed at the peak of reading a Parquet file: the Arrow table plus the pandas frame.

    The table is at least the uncompressed size the footer records; the frame is rows × the width of
    each column's type (strings as Python objects, since dictionary encoding is undone on the way).
    """
    arrow = sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups))
    schema = metadata.schema.to_arrow_schema()
    frame = metadata.num_rows * sum(_frame_width(field.type) for field in schema)
    return int(arrow + frame)


def _frame_width(kind: pa.DataType) -> int:
    import pyarrow as pa

    if pa.types.is_dictionary(kind):
        return _frame_width(kind.value_type)
    if pa.types.is_boolean(kind):
        return 1
    try:
        return max(1, kind.bit_width // 8)
    except ValueError:  # variable width: strings, binary, lists, structs
        return OBJECT_WIDTH
