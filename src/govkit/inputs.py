"""Reading the audited files safely: data tables and model files.

Formats are recognised from a file's first bytes, not its name. Model files are never
unpickled unless the user explicitly trusts them, and a pinned sha256 is checked before the file
is opened. Every problem is an ``InputError`` whose one line names the file and the fix
(``<file>: <problem>; <fix>``), and carries a stable code (``error.code``, e.g. ``"GK101"``) from
``ERROR_CODES``, so that scripts and documentation can refer to a problem without parsing its text.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import os
import re
import zlib
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from govkit.errors import InputError, ModelTrustError

if TYPE_CHECKING:
    import pandas as pd

PARQUET_MAGIC = b"PAR1"
GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"
PICKLE_PROTOCOL_MARK = b"\x80"

# ---------------------------------------------------------------------------------------------
# Stable error codes

# code -> readable name. Codes are never reused or renumbered; a retired problem keeps its number.
# GK1xx: files and tables; GK2xx: columns and predictions; GK3xx: model files; GK4xx: outputs.
ERROR_CODES: dict[str, str] = {
    "GK100": "no-data",
    "GK101": "file-not-found",
    "GK102": "not-a-file",
    "GK103": "empty-file",
    "GK104": "no-columns",
    "GK105": "no-rows",
    "GK106": "not-a-table",
    "GK107": "truncated-file",
    "GK108": "ragged-rows",
    "GK109": "duplicate-columns",
    "GK110": "malformed-csv",
    "GK111": "unreadable-file",
    "GK112": "too-large",
    "GK113": "no-shared-columns",
    "GK201": "column-not-found",
    "GK202": "conflicting-columns",
    "GK203": "missing-predictions",
    "GK204": "invalid-predictions",
    "GK205": "invalid-probabilities",
    "GK206": "unknown-positive-label",
    "GK207": "ambiguous-positive-label",
    "GK301": "unknown-model-format",
    "GK302": "untrusted-pickle",
    "GK303": "sha256-mismatch",
    "GK304": "untrusted-skops-types",
    "GK305": "unreadable-model",
    "GK306": "model-missing-columns",
    "GK307": "model-cannot-predict",
    "GK308": "not-a-model",
    "GK309": "invalid-sha256-pin",
    "GK401": "output-overwrites-input",  # reserved for govkit.outputs.refuse_to_overwrite_inputs
}


def coded(code: str, message: str, kind: type[InputError] = InputError) -> InputError:
    """An error of ``kind`` with the stable ``code`` attached (``error.code``)."""
    assert code in ERROR_CODES, code
    return kind(message, code=code)


def error_code(error: BaseException) -> str | None:
    """``"GK101 file-not-found"`` for a coded error, None for any other."""
    code = getattr(error, "code", None)
    return f"{code} {ERROR_CODES[code]}" if code in ERROR_CODES else None


# ---------------------------------------------------------------------------------------------
# Files


def _where(path: Path) -> str:
    """A path for a one-line message: as typed, or escaped when it holds a line break or control byte."""
    text = str(path)
    return text if text.isprintable() else repr(text)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _head(path: Path, size: int = 8) -> bytes:
    with path.open("rb") as stream:
        return stream.read(size)


def _tail(path: Path, size: int) -> bytes:
    with path.open("rb") as stream:
        stream.seek(max(0, path.stat().st_size - size))
        return stream.read(size)


def _require_file(path: Path, role: str, option: str) -> None:
    try:
        if not path.exists():
            raise coded("GK101", f"{_where(path)}: {role} file not found; check the path given to {option}")
        if path.is_dir():
            raise coded("GK102", f"{_where(path)}: is a folder, not a {role} file; give a file to {option}")
        if path.stat().st_size == 0:
            raise coded(
                "GK103", f"{_where(path)}: {role} file is empty; give a CSV or Parquet file with a header and rows"
            )
        with path.open("rb"):
            pass
    except OSError as error:  # permission denied, a broken mount, ...
        raise coded(
            "GK111",
            f"{_where(path)}: cannot open this {role} file ({error.strerror or error}); check its permissions",
        ) from None


def _duplicate_headers(names: list[str]) -> list[str]:
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
        guard_file_size(path, path.stat().st_size)
        frame, header = _read_csv(path, compressed)
    duplicates = _duplicate_headers(header)
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
    duplicates = _duplicate_headers(header)
    if duplicates:
        raise duplicate_columns_error(str(path), duplicates)
    uncompressed = sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups))
    guard_file_size(path, uncompressed)
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
    return gzip.open(path, "rb") if compressed else path.open("rb")  # the caller closes it


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
        for row in reader:
            if not row:
                continue
            if seen_header and len(row) > width:
                return reader.line_num, len(row)
            seen_header = True
    return 2, width + 1  # pandas saw one; the csv module disagrees about quoting


def _open_text(path: Path, compressed: bool) -> io.TextIOWrapper:
    return io.TextIOWrapper(_open_binary(path, compressed), encoding="utf-8-sig", newline="")


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


# ---------------------------------------------------------------------------------------------
# Memory guard

# Set GOVKIT_MEMORY_GUARD=off to read and audit data whatever the estimate says.
MEMORY_GUARD_ENV = "GOVKIT_MEMORY_GUARD"


def available_memory() -> int | None:
    """Bytes this process can still use: MemAvailable, capped by a cgroup limit; None when unknown."""
    available: int | None = None
    try:
        with open("/proc/meminfo", encoding="ascii") as stream:
            for line in stream:
                if line.startswith("MemAvailable:"):
                    available = int(line.split()[1]) * 1024
                    break
    except (OSError, ValueError):
        return None
    for limit_file, usage_file in (
        ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
        ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes"),
    ):
        try:
            limit_text = Path(limit_file).read_text().strip()
            usage = int(Path(usage_file).read_text().strip())
        except (OSError, ValueError):
            continue
        if limit_text.isdigit() and int(limit_text) < (1 << 60):
            left = max(0, int(limit_text) - usage)
            available = left if available is None else min(available, left)
        break
    return available


def memory_guard_enabled() -> bool:
    return os.environ.get(MEMORY_GUARD_ENV, "").strip().lower() not in ("off", "0", "false", "no")


def _size(count: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if count < 1024 or unit == "TB":
            return f"{count:.0f} {unit}" if unit == "bytes" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count:.1f} TB"  # pragma: no cover


def guard_file_size(path: Path, estimate: int) -> None:
    """Refuse, before reading it, a file that cannot fit in the memory left (rather than be killed)."""
    if not memory_guard_enabled():
        return
    available = available_memory()
    if available is not None and estimate > available:
        raise coded(
            "GK112",
            f"{_where(path)}: needs at least {_size(estimate)} of memory once read, but only {_size(available)} is "
            f"free; audit a sample of its rows, or set {MEMORY_GUARD_ENV}=off to try anyway",
        )


# ---------------------------------------------------------------------------------------------
# Models

# Compressed joblib dumps, by their compressor's magic number (joblib/compressor.py).
_JOBLIB_MAGIC: tuple[tuple[bytes, str], ...] = (
    (GZIP_MAGIC, "gzip"),
    (b"BZh", "bz2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"]\x00\x00", "lzma"),
    (b'\x04"M\x18', "lz4"),
)
# zlib streams start with 0x78 and a second byte for the compression level.
_ZLIB_HEADERS = (b"\x78\x01", b"\x78\x5e", b"\x78\x9c", b"\x78\xda")
# The opcodes a protocol 0 or 1 pickle usually starts with; such a pickle ends with STOP ('.').
_OLD_PICKLE_STARTS = frozenset(b"(}]cN)KIJ")


def _pickle_kind(head: bytes, tail: bytes) -> str | None:
    """'pickle', 'joblib (<compressor>)' or None, from a file's first and last bytes."""
    if head.startswith(PICKLE_PROTOCOL_MARK) and len(head) > 1 and 2 <= head[1] <= 5:
        return "pickle"
    if head[:2] in _ZLIB_HEADERS:
        return "joblib (zlib)"
    for magic, name in _JOBLIB_MAGIC:
        if head.startswith(magic):
            return f"joblib ({name})"
    if head[:1] and head[0] in _OLD_PICKLE_STARTS and tail.endswith(b"."):
        return "pickle"
    return None


def detect_model_format(path: Path) -> str:
    """'skops', 'pickle' (pickle or joblib, compressed or not) or 'unknown', from the file's bytes."""
    return _model_format(_head(path, 8), _tail(path, 1))


def _model_format(head: bytes, tail: bytes) -> str:
    if head.startswith(ZIP_MAGIC):
        return "skops"
    if _pickle_kind(head, tail) is not None:
        return "pickle"
    return "unknown"


_SHA256 = re.compile(r"[0-9a-fA-F]{64}")


def check_sha256_pin(pin: str) -> str:
    """The pin as lower-case hex, or an error when it is not a sha256 digest."""
    cleaned = pin.strip().lower().removeprefix("sha256:")
    if not _SHA256.fullmatch(cleaned):
        raise coded(
            "GK309",
            f"--model-sha256 {pin.strip()!r} is not a sha256 digest (64 hex digits); "
            "give the output of `sha256sum MODEL`",
        )
    return cleaned


def load_model(
    path: str | Path,
    trusted_types: list[str] | None = None,
    trust_pickle: bool = False,
    expected_sha256: str | None = None,
) -> Any:
    """Load a model file without running code the user has not trusted.

    Order matters: with a pin, the file is read once as bytes, hashed and compared with the pin before
    anything interprets it, and those very bytes are what is loaded (the file cannot be swapped between
    the check and the load). A pickle is refused before it is deserialised unless it is trusted.
    """
    path = Path(path)
    _require_file(path, "model", "--model")
    blob: bytes | None = None
    actual = None
    if expected_sha256:
        pinned = check_sha256_pin(expected_sha256)
        blob = path.read_bytes()
        actual = hashlib.sha256(blob).hexdigest()
        if actual != pinned:
            raise coded(
                "GK303",
                f"{_where(path)}: sha256 is {actual}, not the pinned {pinned}; the file changed since it was "
                "pinned, so it is not loaded",
                ModelTrustError,
            )
    head, tail = (blob[:8], blob[-1:]) if blob is not None else (_head(path, 8), _tail(path, 1))
    kind = _model_format(head, tail)
    if kind == "skops":
        return _load_skops(path, blob, trusted_types or [])
    if kind == "pickle":
        if not trust_pickle:
            what = _pickle_kind(head, tail) or "pickle"
            digest = actual or sha256_file(path)
            raise coded(
                "GK302",
                f"{_where(path)}: is a {what} file, which can run arbitrary code when loaded, so it is not "
                "loaded; save the model with skops, or if you trust this very file pass --trust-pickle "
                f"--model-sha256 {digest}",
                ModelTrustError,
            )
        return _load_trusted_pickle(path, blob)
    raise coded(
        "GK301",
        f"{_where(path)}: not a model file govkit can read "
        "(expected a skops file, or pickle/joblib with --trust-pickle)",
    )


def _load_skops(path: Path, blob: bytes | None, trusted_types: list[str]) -> Any:
    import skops.io as sio

    try:
        untrusted = sio.get_untrusted_types(data=blob) if blob is not None else sio.get_untrusted_types(file=path)
    except Exception as error:
        raise coded("GK305", f"{_where(path)}: not a readable skops file ({_first_line(error)})") from None
    # Trusted are the types the user named, never the types the file claims.
    missing = [name for name in untrusted if name not in trusted_types]
    if missing:
        flags = " ".join(f"--trust-type {name}" for name in missing)
        raise coded(
            "GK304",
            f"{_where(path)}: holds types that are not trusted: {', '.join(missing)}; if you trust this file, "
            f"pass {flags} (or list them under trusted_types in govkit.yaml)",
            ModelTrustError,
        )
    trusted = [name for name in untrusted if name in trusted_types]
    try:
        return sio.loads(blob, trusted=trusted) if blob is not None else sio.load(path, trusted=trusted)
    except Exception as error:
        raise coded("GK305", f"{_where(path)}: the skops file could not be loaded ({_first_line(error)})") from None


def _load_trusted_pickle(path: Path, blob: bytes | None) -> Any:
    """Only reached when the user passed --trust-pickle for this file."""
    import joblib

    try:
        # joblib also reads plain pickles, from a path or from the pinned bytes
        return joblib.load(io.BytesIO(blob)) if blob is not None else joblib.load(path)
    except Exception as error:
        raise coded("GK305", f"{_where(path)}: the trusted pickle could not be loaded ({_first_line(error)})") from None
