"""Writing output files safely: atomically, and never over an input."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from govkit.errors import InputError


def write_bytes_atomic(path: Path, data: bytes) -> Path:
    """Write to a temporary file beside ``path``, then rename: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def write_text_atomic(path: Path, text: str) -> Path:
    return write_bytes_atomic(path, text.encode("utf-8"))


def refuse_to_overwrite_inputs(outputs: Iterable[Path], inputs: Iterable[Path | None]) -> None:
    """Stop before an output path would replace one of the audited files."""
    protected = {p.resolve() for p in inputs if p is not None and p.exists()}
    for output in outputs:
        if output.resolve() in protected:
            raise InputError(f"{output}: this output would overwrite an input file; choose another --out directory")
