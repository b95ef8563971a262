"""Writing output files safely: atomically, and never over an input."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Literal, get_args

from govkit.errors import InputError

# The outputs an audit can write, each under one fixed name in the output folder.
OutputFormat = Literal["html", "json", "junit", "markdown"]
FORMATS: tuple[str, ...] = get_args(OutputFormat)
OUTPUT_FILES: dict[str, str] = {
    "html": "report.html",
    "json": "results.json",
    "junit": "junit.xml",
    "markdown": "summary.md",
}


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
