"""What every command shares: one-line errors mapped to exit codes."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, cast

import click

from govkit.errors import EXIT_INTERNAL, EXIT_USAGE, GovkitError, PolicyError

if TYPE_CHECKING:
    from govkit.results import RunResult


def _fail(message: str, code: int) -> None:
    from govkit.report.text import terminal_safe  # imported here: `govkit --help` stays light

    for line in message.splitlines() or [message]:
        click.echo(f"govkit: error: {terminal_safe(line)}", err=True)
    sys.exit(code)


class PipeSafeStream:
    """A text stream that, once its reader has gone away (a closed pipe, e.g. ``govkit audit | head -1``),
    discards what is written instead of raising. The command then runs to its end and exits with its own
    code: a closed pipe must never turn a blocked audit or a failed verification into exit 0."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self.closed_pipe = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)

    def write(self, text: str) -> int:
        if not self.closed_pipe:
            try:
                self._stream.write(text)
            except BrokenPipeError:
                self._reader_gone()
        return len(text)

    def flush(self) -> None:
        if not self.closed_pipe:
            try:
                self._stream.flush()
            except BrokenPipeError:
                self._reader_gone()

    def _reader_gone(self) -> None:
        self.closed_pipe = True
        # Python flushes the real stream again at exit; point its descriptor at /dev/null so that flush
        # cannot fail (it would print a traceback and exit 120). A test runner's buffer has no descriptor.
        with contextlib.suppress(OSError, ValueError, AttributeError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), self._stream.fileno())


def handle_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Known problems -> one line each and exit 2; anything else -> exit 3 (traceback with GOVKIT_DEBUG=1).

    stdout and stderr are wrapped so that a reader closing the pipe changes nothing but what is printed.
    """

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        saved = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = cast(TextIO, PipeSafeStream(sys.stdout)), cast(TextIO, PipeSafeStream(sys.stderr))
        try:
            return _run(command, args, kwargs)
        finally:
            sys.stdout, sys.stderr = saved

    return wrapper


def _run(command: Callable[..., Any], args: Any, kwargs: Any) -> Any:
    try:
        try:
            return command(*args, **kwargs)
        except PolicyError as error:
            _fail("\n".join(error.problems), EXIT_USAGE)
        except GovkitError as error:
            _fail(str(error), error.exit_code)
        except (KeyboardInterrupt, SystemExit):
            raise
        except Exception as error:
            if os.environ.get("GOVKIT_DEBUG"):
                raise
            _fail(
                f"internal error: {type(error).__name__}: {error}; "
                "rerun with GOVKIT_DEBUG=1 for a traceback and report it",
                EXIT_INTERNAL,
            )
    finally:
        sys.stdout.flush()  # inside the wrapper, so a closed pipe is absorbed here and not at exit


def split_values(values: tuple[str, ...]) -> list[str] | None:
    parts = [part.strip() for value in values for part in value.split(",") if part.strip()]
    return parts or None


def read_results(path: Path) -> RunResult:
    from govkit.results import RunResult

    return RunResult.read(path)
