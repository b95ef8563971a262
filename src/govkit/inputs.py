"""Reading the audited files safely: data tables and model files.

Formats are recognised from a file's first bytes, not its name. Model files are never
unpickled unless the user explicitly trusts them, and a pinned sha256 is checked before the file
is opened. Every problem is an ``InputError`` whose one line names the file and the fix.
"""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govkit.errors import InputError, ModelTrustError

if TYPE_CHECKING:
    import pandas as pd

PARQUET_MAGIC = b"PAR1"
GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"
PICKLE_PROTOCOL_MARK = b"\x80"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _head(path: Path, size: int = 8) -> bytes:
    with path.open("rb") as stream:
        return stream.read(size)


def _require_file(path: Path, role: str, option: str) -> None:
    if not path.exists():
        raise InputError(f"{path}: {role} file not found; check the path given to {option}")
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a {role} file; give a file to {option}")
    if path.stat().st_size == 0:
        raise InputError(f"{path}: {role} file is empty; give a CSV or Parquet file with a header and rows")


def _duplicate_headers(names: list[str]) -> list[str]:
    seen: set[str] = set()
    duplicates: list[str] = []
    for name in names:
        if name in seen and name not in duplicates:
            duplicates.append(name)
        seen.add(name)
    return duplicates


def read_table(path: str | Path, role: str = "data", option: str = "--data") -> pd.DataFrame:
    """Read a CSV (optionally gzipped) or Parquet file into a DataFrame, with clear errors."""
    import pandas as pd

    path = Path(path)
    _require_file(path, role, option)
    head = _head(path)
    if head.startswith(PARQUET_MAGIC):
        try:
            frame = pd.read_parquet(path)
        except Exception as error:  # pyarrow raises many types for a damaged file
            raise InputError(f"{path}: cannot read this Parquet file ({_first_line(error)})") from None
        header = [str(c) for c in frame.columns]
    else:
        frame, header = _read_csv(path, compressed=head.startswith(GZIP_MAGIC))
    duplicates = _duplicate_headers(header)
    if duplicates:
        raise InputError(
            f"{path}: duplicate column name(s) {', '.join(repr(d) for d in duplicates)}; rename them so each is unique"
        )
    if len(frame.columns) == 0:
        raise InputError(f"{path}: no columns found; give a CSV or Parquet file with a header row")
    if len(frame) == 0:
        raise InputError(f"{path}: has a header but no rows; an audit needs data")
    frame.columns = [str(c) for c in frame.columns]
    return frame


def _read_csv(path: Path, compressed: bool) -> tuple[pd.DataFrame, list[str]]:
    import pandas as pd

    compression = "gzip" if compressed else None
    try:
        # The header is read separately because pandas silently renames duplicate columns.
        with _open_text(path, compressed) as stream:
            header = next(csv.reader(stream), [])
        frame = pd.read_csv(
            path,
            compression=compression,
            encoding="utf-8-sig",  # a BOM in the header is simply dropped
            on_bad_lines="error",
            low_memory=False,
        )
    except UnicodeDecodeError:
        raise InputError(
            f"{path}: not UTF-8 text, nor Parquet; save it as UTF-8 CSV or as Parquet"
        ) from None
    except pd.errors.EmptyDataError:
        raise InputError(f"{path}: no columns found; give a CSV or Parquet file with a header row") from None
    except pd.errors.ParserError as error:
        raise InputError(f"{path}: malformed CSV ({_first_line(error)}); fix the file or export it again") from None
    except (OSError, EOFError) as error:
        raise InputError(f"{path}: cannot read this file ({_first_line(error)})") from None
    return frame, header


def _open_text(path: Path, compressed: bool) -> io.TextIOWrapper:
    import gzip

    raw = gzip.open(path, "rb") if compressed else path.open("rb")
    return io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


# ---------------------------------------------------------------------------------------------
# Models


def detect_model_format(path: Path) -> str:
    """'skops', 'pickle' (pickle or joblib) or 'unknown', from the first bytes."""
    head = _head(path, 4)
    if head.startswith(ZIP_MAGIC):
        return "skops"
    if head.startswith(PICKLE_PROTOCOL_MARK) or head[:1] in (b"x", b"\x1f"):
        # protocol 2+ pickles start with 0x80; joblib's zlib/gzip-compressed dumps with x / 0x1f
        return "pickle"
    return "unknown"


def load_model(
    path: str | Path,
    trusted_types: list[str] | None = None,
    trust_pickle: bool = False,
    expected_sha256: str | None = None,
) -> Any:
    """Load a model file without running code the user has not trusted."""
    path = Path(path)
    _require_file(path, "model", "--model")
    if expected_sha256:
        actual = sha256_file(path)
        if actual.lower() != expected_sha256.strip().lower():
            raise ModelTrustError(
                f"{path}: sha256 is {actual}, not the pinned {expected_sha256.strip()}; "
                "the file changed since it was pinned"
            )
    kind = detect_model_format(path)
    if kind == "skops":
        return _load_skops(path, trusted_types or [])
    if kind == "pickle":
        if not trust_pickle:
            raise ModelTrustError(
                f"{path}: is a pickle/joblib file, which can run arbitrary code when loaded; "
                "save the model with skops, or pass --trust-pickle (ideally with --model-sha256) if you trust it"
            )
        return _load_trusted_pickle(path)
    raise InputError(
        f"{path}: not a model file govkit can read (expected a skops file, or pickle/joblib with --trust-pickle)"
    )


def _load_skops(path: Path, trusted_types: list[str]) -> Any:
    import skops.io as sio

    try:
        untrusted = sio.get_untrusted_types(file=path)
    except Exception as error:
        raise InputError(f"{path}: not a readable skops file ({_first_line(error)})") from None
    missing = [name for name in untrusted if name not in trusted_types]
    if missing:
        flags = " ".join(f"--trust-type {name}" for name in missing)
        raise ModelTrustError(
            f"{path}: holds types that are not trusted: {', '.join(missing)}; if you trust this file, "
            f"pass {flags} (or list them under trusted_types in govkit.yaml)"
        )
    try:
        return sio.load(path, trusted=[name for name in untrusted if name in trusted_types])
    except Exception as error:
        raise InputError(f"{path}: the skops file could not be loaded ({_first_line(error)})") from None


def _load_trusted_pickle(path: Path) -> Any:
    """Only reached when the user passed --trust-pickle for this file."""
    import joblib

    try:
        return joblib.load(path)  # joblib also reads plain pickles
    except Exception as error:
        raise InputError(f"{path}: the trusted pickle could not be loaded ({_first_line(error)})") from None
