"""Writing output files safely: atomically, as one set, one writer at a time, and never over an input."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Literal, get_args

from govkit.errors import InputError

# The outputs an audit can write, each under one fixed name in the output folder.
OutputFormat = Literal["html", "json", "junit", "markdown", "pdf"]
FORMATS: tuple[str, ...] = get_args(OutputFormat)
OUTPUT_FILES: dict[str, str] = {
    "html": "report.html",
    "json": "results.json",
    "junit": "junit.xml",
    "markdown": "summary.md",
    "pdf": "report.pdf",  # the report printed for the archive, results.json and sign-offs attached
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


# Paths that are not ordinary folders even when they look like one: writing there fails late or
# does something else entirely (kernel tunables, devices).
_SPECIAL_ROOTS = ("/proc", "/sys", "/dev")
LOCK_NAME = ".govkit.lock"
LOCK_TIMEOUT_ENV = "GOVKIT_OUTPUT_LOCK_TIMEOUT"
DEFAULT_LOCK_TIMEOUT = 60.0


def _output_error(message: str) -> InputError:
    return InputError(message, code="GK402")


def check_output_folder(path: str | Path) -> None:
    """Refuse, before anything runs, an output folder that cannot be written: one line, exit 2.

    An existing file, a path under /proc, /sys or /dev, a read-only folder, or a missing folder
    whose nearest existing parent is read-only or is not a folder.
    """
    folder = Path(path)
    resolved = Path(os.path.abspath(folder))
    if any(str(resolved) == root or str(resolved).startswith(root + "/") for root in _SPECIAL_ROOTS):
        raise _output_error(f"{folder}: is a system path, not an output folder; choose another --out directory")
    if folder.exists() and not folder.is_dir():
        raise _output_error(f"{folder}: exists and is not a folder; choose another --out directory")
    existing = resolved
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise _output_error(f"{folder}: {existing} is a file, not a folder; choose another --out directory")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise _output_error(f"{folder}: {existing} is not writable; choose another --out directory")


@contextmanager
def output_lock(folder: Path, timeout: float | None = None) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` so two writers never mix their output sets.

    The lock is a file in the folder, removed when the write is done; a writer that locked a file
    another has just removed tries again on the new one. The lock dies with the process holding it.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: no lock, as before
        yield
        return
    limit = _lock_timeout() if timeout is None else timeout
    deadline = time.monotonic() + limit
    path = folder / LOCK_NAME
    while True:
        handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(handle)
            if time.monotonic() >= deadline:
                raise _output_error(
                    f"{folder}: another govkit has been writing here for over {limit:.0f} s; "
                    f"wait for it, choose another --out directory, or raise {LOCK_TIMEOUT_ENV}"
                ) from None
            time.sleep(0.05)
            continue
        if _same_file(handle, path):
            break
        os.close(handle)  # locked a file the previous holder had already removed
    try:
        yield
    finally:
        path.unlink(missing_ok=True)
        os.close(handle)  # closing releases the lock


def _same_file(handle: int, path: Path) -> bool:
    try:
        return os.fstat(handle).st_ino == os.stat(path).st_ino
    except FileNotFoundError:
        return False


def _lock_timeout() -> float:
    try:
        return max(0.0, float(os.environ.get(LOCK_TIMEOUT_ENV, DEFAULT_LOCK_TIMEOUT)))
    except ValueError:
        return DEFAULT_LOCK_TIMEOUT


def staging_folder(folder: Path) -> Path:
    """A fresh temporary folder on the same file system as ``folder`` (renames into it are atomic).

    Beside the output folder when its parent is writable, inside it otherwise.
    """
    for place in (folder.parent, folder):
        try:
            return Path(tempfile.mkdtemp(dir=place, prefix=f".{folder.name}.govkit-"))
        except OSError:
            continue
    raise _output_error(f"{folder}: cannot create a temporary folder to write the outputs in")


def write_set(
    folder: Path, first: tuple[str, str] | None, render: Callable[[str], str | bytes], names: Sequence[str]
) -> dict[str, Path]:
    """Write one set of outputs into ``folder``: ``first`` (name, text) is written and moved into place
    before anything else is rendered, so it survives any later failure; the others (``render(name)``
    each) are all written to a staging folder first and moved in only when every one succeeded. On a
    failure the requested outputs from an earlier run are removed, so the folder never holds a mix.
    """
    staging = staging_folder(folder)
    written: dict[str, Path] = {}
    try:
        if first is not None:
            key, text = first
            written[key] = _move(_stage(staging, key, text), folder / OUTPUT_FILES[key])
        staged: dict[str, Path] = {}
        try:
            for name in names:
                staged[name] = _stage(staging, name, render(name))
        except BaseException:
            for name in names:
                (folder / OUTPUT_FILES[name]).unlink(missing_ok=True)
            raise
        for name, path in staged.items():
            written[name] = _move(path, folder / OUTPUT_FILES[name])
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return written


def _stage(staging: Path, name: str, text: str | bytes) -> Path:
    path = staging / OUTPUT_FILES[name]
    with open(path, "wb") as stream:
        stream.write(text if isinstance(text, bytes) else text.encode("utf-8"))
        stream.flush()
        os.fsync(stream.fileno())
    os.chmod(path, 0o644)
    return path


def _move(staged: Path, target: Path) -> Path:
    os.replace(staged, target)
    return target
