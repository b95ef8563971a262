"""Model files: format from the first bytes, skops with trusted types, pickle only when trusted and pinned."""

from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path
from typing import Any

from govkit.errors import ModelTrustError
from govkit.inputs.codes import coded
from govkit.inputs.files import (
    ZIP_MAGIC,
    _first_line,
    _head,
    _pickle_kind,
    _require_file,
    _tail,
    _where,
    sha256_file,
)

# Compressed joblib dumps, by their compressor's magic number (joblib/compressor.py).


# zlib streams start with 0x78 and a second byte for the compression level.
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
    the check and the load). A pickle is refused before it is deserialised unless it is trusted and pinned.
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
        # Trust in a pickle is trust in one file's bytes: --trust-pickle alone would also load whatever file
        # sits at that path when the audit runs (swapped after review, or by the branch under test).
        if not trust_pickle or blob is None:
            what = _pickle_kind(head, tail) or "pickle"
            digest = actual or sha256_file(path)
            fix = (
                f"--trust-pickle trusts one file by its digest: pass --model-sha256 {digest} too, after checking "
                "that this is the file you reviewed"
                if trust_pickle
                else "save the model with skops, or if you trust this very file pass --trust-pickle "
                f"--model-sha256 {digest}"
            )
            raise coded(
                "GK302",
                f"{_where(path)}: is a {what} file, which can run arbitrary code when loaded, so it is not "
                f"loaded; {fix}",
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
            f"pass {flags} (or list them under trusted_types in govkit.yaml and pass --trust-config)",
            ModelTrustError,
        )
    trusted = [name for name in untrusted if name in trusted_types]
    try:
        return sio.loads(blob, trusted=trusted) if blob is not None else sio.load(path, trusted=trusted)
    except Exception as error:
        raise coded("GK305", f"{_where(path)}: the skops file could not be loaded ({_first_line(error)})") from None


def _load_trusted_pickle(path: Path, blob: bytes) -> Any:
    """Only reached when the user passed --trust-pickle and the file's bytes matched --model-sha256."""
    import joblib

    try:
        # joblib also reads plain pickles; the bytes loaded are the very bytes that were hashed
        return joblib.load(io.BytesIO(blob))
    except Exception as error:
        raise coded("GK305", f"{_where(path)}: the trusted pickle could not be loaded ({_first_line(error)})") from None
