"""Low-level file facts shared by the readers: names for messages, hashes, first and last bytes."""

from __future__ import annotations

import hashlib
from pathlib import Path

from govkit.inputs.codes import coded

PARQUET_MAGIC = b"PAR1"
GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"
PICKLE_PROTOCOL_MARK = b"\x80"
_JOBLIB_MAGIC: tuple[tuple[bytes, str], ...] = (
    (GZIP_MAGIC, "gzip"),
    (b"BZh", "bz2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"]\x00\x00", "lzma"),
    (b'\x04"M\x18', "lz4"),
)


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


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


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
