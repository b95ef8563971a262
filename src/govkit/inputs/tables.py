"""Data tables: CSV (plain or gzip) and Parquet, recognised from their first bytes, read strictly."""

from __future__ import annotations

import csv
import gzip
import io
import re
import zlib
from pathlib import Path
from typing import IO, TYPE_CHECKING, cast

from govkit.errors import InputError
from govkit.inputs.codes import coded
from govkit.inputs.estimate import parquet_memory
from govkit.inputs.files import (
    GZIP_MAGIC,
    PARQUET_MAGIC,
    PICKLE_PROTOCOL_MARK,
    ZIP_MAGIC,
    _first_line,
    _head,
    _pickle_kind,
    _require_file,
    _tail,
    _where,
)
from govkit.inputs.memory import guard_file_size, guard_gzip_size

if TYPE_CHECKING:
    import pandas as pd


def duplicate_headers(names: list[str]) -> list[str]:
    seen: set[str] = set()
    duplicates: list[str] = []
    for name in names:
        if name in seen and name not in duplicates:
            duplicates.append(name)
        seen.add(name)
    return duplicates


def duplicate_columns_error(where: str, duplicates: list[str]) -> InputError:
    shown = ", ".join(repr(d) for d in duplicates[:10]) + (", ..." if len(duplicates) > 10 else "")
    return coded("GK109", f"{where}: duplicate column name(s) {shown}; rename them so each is unique")


# Magic numbers of files people hand over by mistake, with what to tell them.
_NOT_TABLES: tuple[tuple[bytes, str], ...] = (
    (ZIP_MAGIC, "a ZIP archive (an Excel .xlsx workbook, or a skops model?)"),
    (b"\xd0\xcf\x11\xe0", "an old Excel (.xls) or other Office file"),
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"BZh", "a bz2-compressed file"),
    (b"\xfd7zXZ\x00", "an xz-compressed file"),
    (b"\x28\xb5\x2f\xfd", "a zstd-compressed file"),
    (b"ARROW1", "an Arrow IPC (Feather) file"),
    (b"SQLite format 3", "an SQLite database"),
)


def _not_a_table(path: Path, head: bytes) -> InputError | None:
    """A clear error for a file whose first bytes say it is something other than CSV or Parquet."""
    for magic, what in _NOT_TABLES:
        if head.startswith(magic):
            return coded("GK106", f"{_where(path)}: is {what}, not CSV or Parquet; export the table as CSV or Parquet")
    if head.startswith(PICKLE_PROTOCOL_MARK) and _pickle_kind(head, b"") == "pickle":
        return coded("GK106", f"{_where(path)}: is a pickle file, not CSV or Parquet; give the data as CSV or Parquet")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return coded("GK106", f"{_where(path)}: is UTF-16 text, not UTF-8; save it as UTF-8 CSV or as Parquet")
    return None


def read_table(path: str | Path, role: str = "data", option: str = "--data") -> pd.DataFrame:
    """Read a CSV (optionally gzipped) or Parquet file into a DataFrame, with clear errors."""
    path = Path(path)
    _require_file(path, role, option)
    head = _head(path, 16)
    if head.startswith(PARQUET_MAGIC):
        frame, header = _read_parquet(path)
    else:
        problem = _not_a_table(path, head)
        if problem is not None:
            raise problem
        compressed = head.startswith(GZIP_MAGIC)
        if compressed:
            guard_gzip_size(path)  # the inflated size, not the compressed one
        else:
            guard_file_size(path, path.stat().st_size)
        frame, header = _read_csv(path, compressed)
    duplicates = duplicate_headers(header)
    if duplicates:
        raise duplicate_columns_error(str(path), duplicates)
    if len(frame.columns) == 0:
        raise coded("GK104", f"{_where(path)}: no columns found; give a CSV or Parquet file with a header row")
    if len(frame) == 0:
        raise coded("GK105", f"{_where(path)}: has a header but no rows; an audit needs data")
    frame.columns = [str(c) for c in frame.columns]
    return frame


def _read_parquet(path: Path) -> tuple[pd.DataFrame, list[str]]:
    """A Parquet file, its footer checked first: truncation and duplicate names get their own message."""
    import pandas as pd
    import pyarrow.parquet as pq

    if path.stat().st_size < 12 or _tail(path, 4) != PARQUET_MAGIC:
        raise coded(
            "GK107",
            f"{_where(path)}: truncated Parquet file (its footer is missing); copy or export the file again",
        )
    try:
        metadata = pq.read_metadata(path)
        header = [str(name) for name in metadata.schema.to_arrow_schema().names]
    except Exception as error:  # pyarrow raises many types for a damaged footer
        raise coded(
            "GK107", f"{_where(path)}: damaged Parquet file ({_first_line(error)}); copy or export the file again"
        ) from None
    duplicates = duplicate_headers(header)
    if duplicates:
        raise duplicate_columns_error(str(path), duplicates)
    # the decoded size from the footer: dictionary-encoded strings are tiny on disk, not in a frame
    guard_file_size(path, parquet_memory(metadata))
    try:
        frame = pd.read_parquet(path)
    except Exception as error:  # damaged pages, unsupported types, ...
        raise coded(
            "GK107",
            f"{_where(path)}: cannot read this Parquet file ({_first_line(error)}); copy or export the file again",
        ) from None
    return frame, header


_EXPECTED_FIELDS = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


def _read_csv(path: Path, compressed: bool) -> tuple[pd.DataFrame, list[str]]:
    import pandas as pd

    try:
        sample = _text_sample(path, compressed)
        if b"\x00" in sample:
            raise coded(
                "GK106", f"{_where(path)}: holds binary data (NUL bytes), not CSV text; give a CSV or Parquet file"
            )
        # The header is read separately because pandas silently renames duplicate columns.
        header = _csv_header(path, compressed)
        frame = pd.read_csv(
            path,
            compression="gzip" if compressed else None,
            encoding="utf-8-sig",  # a BOM in the header is simply dropped
            on_bad_lines="error",
            low_memory=False,
        )
    except UnicodeDecodeError as error:
        raise coded(
            "GK106",
            f"{_where(path)}: not UTF-8 text, nor Parquet (byte {error.start}); save it as UTF-8 CSV or as Parquet",
        ) from None
    except pd.errors.EmptyDataError:
        raise coded(
            "GK104", f"{_where(path)}: no columns found; give a CSV or Parquet file with a header row"
        ) from None
    except pd.errors.ParserError as error:
        found = _EXPECTED_FIELDS.search(str(error))
        if found:
            expected, line, saw = found.groups()
            raise coded(
                "GK108",
                f"{_where(path)}: line {line} has {saw} fields but the header has {expected}; "
                "quote values that contain commas, or fix that row",
            ) from None
        raise coded(
            "GK110", f"{_where(path)}: malformed CSV ({_first_line(error)}); check its quotes, or export it again"
        ) from None
    except csv.Error as error:  # e.g. a field over the csv module's 131,072-character limit
        raise coded(
            "GK110", f"{_where(path)}: malformed CSV ({_first_line(error)}); check its quotes, or export it again"
        ) from None
    except (EOFError, zlib.error, gzip.BadGzipFile) as error:
        raise coded(
            "GK107",
            f"{_where(path)}: truncated or damaged gzip file ({_first_line(error)}); copy or compress it again",
        ) from None
    except OSError as error:
        raise coded("GK111", f"{_where(path)}: cannot read this file ({_first_line(error)})") from None
    if not isinstance(frame.index, pd.RangeIndex):
        # pandas takes a first data row with more fields than the header as an index column, and
        # shifts every column by one: a ragged file, read wrongly without a word.
        line, fields = _first_long_row(path, compressed, len(header))
        raise coded(
            "GK108",
            f"{_where(path)}: line {line} has {fields} fields but the header has {len(header)}; "
            "quote values that contain commas, or fix that row",
        )
    return frame, header


def _text_sample(path: Path, compressed: bool, size: int = 1 << 16) -> bytes:
    """The first bytes of the (decompressed) text, to tell a binary file from CSV."""
    with _open_binary(path, compressed) as stream:
        return stream.read(size)


def _open_binary(path: Path, compressed: bool) -> IO[bytes]:
    if compressed:
        return cast(IO[bytes], gzip.open(path, "rb"))  # the caller closes it
    return path.open("rb")


def _csv_header(path: Path, compressed: bool) -> list[str]:
    """The first non-blank row as the csv module reads it, names exactly as written."""
    with _open_text(path, compressed) as stream:
        for row in csv.reader(stream):
            if row:
                return row
    return []


def _first_long_row(path: Path, compressed: bool, width: int) -> tuple[int, int]:
    """(line number, fields) of the first row with more fields than the header."""
    with _open_text(path, compressed) as stream:
        reader = csv.reader(stream)
        seen_header = False
        try:
            for row in reader:
                if not row:
                    continue
                if seen_header and len(row) > width:
                    return reader.line_num, len(row)
                seen_header = True
        except csv.Error:  # a field too long for the csv module: what pandas saw will do
            pass
    return 2, width + 1  # pandas saw one; the csv module disagrees about quoting


def _open_text(path: Path, compressed: bool) -> io.TextIOWrapper:
    return io.TextIOWrapper(_open_binary(path, compressed), encoding="utf-8-sig", newline="")


# Above this many columns an audit is refused unless the columns are chosen or the limit raised: the
# data-quality and drift families cost about 20 to 40 ms a column each (500 columns x 300 rows took 27 s,
# 5,000 columns 528 s with a model), so a wide table would run for many minutes without a word.
DEFAULT_MAX_COLUMNS = 1000


def narrow_frames(
    current: tuple[pd.DataFrame, str],
    reference: tuple[pd.DataFrame | None, str],
    chosen: list[str] | None,
    roles: list[str | None],
    limit: int | None,
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Both frames cut to the ``chosen`` columns (plus the ``roles``: target, sensitive, predictions,
    features) and checked against the column limit. The current data must hold every chosen column;
    the reference may lack some (drift then reports them as schema differences)."""
    kept = [role for role in roles if role]
    frame = select_columns(current[0], current[1], chosen, kept)
    guard_width(frame, current[1], limit)
    other = reference[0]
    if other is not None:
        other = select_columns(other, reference[1], chosen, kept, strict=False)
        guard_width(other, reference[1], limit)
    return frame, other


def select_columns(
    frame: pd.DataFrame, name: str, chosen: list[str] | None, kept: list[str], strict: bool = True
) -> pd.DataFrame:
    """The frame cut to the ``chosen`` columns plus the ``kept`` ones (target, sensitive, predictions,
    features) that it has, in the frame's order; the whole frame when nothing is chosen."""
    if not chosen:
        return frame
    missing = [column for column in chosen if column not in frame.columns]
    if missing and strict:
        from govkit.policy_messages import quoted

        raise coded(
            "GK201",
            f"{name}: column {quoted(missing[0])} given in --columns (columns: in govkit.yaml) is not in the data; "
            "name columns the data has",
        )
    wanted = set(chosen) | set(kept)
    return frame[[column for column in frame.columns if column in wanted]]


def guard_width(frame: pd.DataFrame, name: str, limit: int | None) -> None:
    """Refuse a table too wide to audit in bounded time, before any engine runs."""
    limit = DEFAULT_MAX_COLUMNS if limit is None else limit
    if len(frame.columns) > limit:
        raise coded(
            "GK114",
            f"{name}: has {len(frame.columns):,} columns, over the limit of {limit:,} an audit takes (each column "
            "costs the quality and drift checks time); choose the columns to audit with --columns (columns: in "
            "govkit.yaml; the model's --features, target and sensitive columns are kept), or raise --max-columns",
        )
