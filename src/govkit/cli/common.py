"""What every command shares: one-line errors mapped to exit codes, and an audit run with its progress shown."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, cast

import click

from govkit.errors import EXIT_INTERNAL, EXIT_USAGE, GovkitError, PolicyError

if TYPE_CHECKING:
    from govkit.config import AuditRequest
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


# How long past --timeout the CLI waits for the audit to reach a check boundary before it stops the
# process's work outright (a model or an engine call that runs for minutes cannot be cut in between).
HARD_STOP_GRACE = 30.0
GRACE_VARIABLE = "GOVKIT_HARD_STOP_GRACE"


class _HardStop(BaseException):
    """Raised by the alarm past the timeout's grace: a BaseException, so no check's handler swallows it."""


def run_audit(
    request: AuditRequest, command: str, quiet: bool, prepare: Callable[[RunResult], RunResult] | None = None
) -> tuple[RunResult, dict[str, Path]]:
    """``api.audit`` then ``api.render``, with progress on stderr unless ``quiet``; ``prepare`` may add to
    the result before it is written (the history's "since the last approved audit").

    Past ``--timeout`` the checks that finished are written (results.json first), then the one-line
    stop is raised (exit 2, GK501). If the audit is still inside one long call ``HARD_STOP_GRACE``
    seconds after its timeout, it is interrupted and nothing is written.
    """
    import time

    from govkit import api
    from govkit.limits import AuditTimeout
    from govkit.progress import ProgressEvent, StreamProgress
    from govkit.report.text import terminal_safe

    display = None if quiet else StreamProgress(sys.stderr, terminal_safe)
    started = time.monotonic()
    timeout = request.audit.get("timeout")
    try:
        with _alarm(None if timeout is None else float(timeout) + _grace()):
            result = api.audit(**request.audit, command=command, progress=display)
    except AuditTimeout as stopped:
        if stopped.result is not None:
            api.render(stopped.result, request.out, formats=request.formats, templates=request.templates)
            raise AuditTimeout(f"{stopped}; what finished is in {request.out}") from None
        raise
    except _HardStop:
        raise AuditTimeout(
            f"the audit did not finish within its {float(timeout or 0):g} s timeout and was still inside one long "
            f"call {_grace():g} s later, so it was stopped without results; raise --timeout or audit less"
        ) from None
    finally:
        if display is not None:
            display.close()
    if prepare is not None:
        result = prepare(result)
    began = time.monotonic()
    written = api.render(result, request.out, formats=request.formats, templates=request.templates)
    if display is not None:
        now = time.monotonic()
        display(ProgressEvent("write", True, now - started, now - began))
        display.close()
    return result, written


def _grace() -> float:
    """Seconds between the timeout and the hard stop: $GOVKIT_HARD_STOP_GRACE, else 30."""
    try:
        return max(0.1, float(os.environ.get(GRACE_VARIABLE, HARD_STOP_GRACE)))
    except ValueError:
        return HARD_STOP_GRACE


@contextlib.contextmanager
def _alarm(seconds: float | None) -> Iterator[None]:
    """Raise ``_HardStop`` in this (main) thread after ``seconds``; nothing elsewhere or without a limit.

    Only where the platform has SIGALRM (not Windows) and only in the main thread (Python delivers signals
    there; ``signal.signal`` refuses other threads). Elsewhere the timeout is kept at the check and phase
    boundaries only. A signal handler runs between Python bytecodes, so a native call (a model's predict in
    C) is not interrupted mid-call: the stop comes when that call returns.
    """
    import signal
    import threading

    if (
        seconds is None
        or not hasattr(signal, "SIGALRM")
        or not hasattr(signal, "setitimer")
        or threading.current_thread() is not threading.main_thread()
    ):
        yield
        return

    def fire(signum: int, frame: Any) -> None:
        raise _HardStop

    previous = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
