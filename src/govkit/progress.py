"""Progress of an audit: phase by phase, as events a caller may show.

The library shows nothing unless asked: ``govkit.audit(progress=callback)`` calls ``callback`` with a
``ProgressEvent`` when each phase starts and ends (reading the data, loading the model, predicting,
each family's checks), and the same events go to the ``govkit.progress`` logger at INFO level, which
prints nothing unless the application configures logging. The CLI shows them on stderr with
``StreamProgress``: a live line on a terminal, one plain line per finished phase elsewhere (CI logs).
Events are emitted by the audit's own process only; the worker process never writes to the terminal.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TextIO

LOGGER = logging.getLogger("govkit.progress")

PHASE_NAMES = {
    "read": "read the data",
    "plan": "planned the audit (model, columns, task)",
    "predict": "predicted",
    "checks": "checks",
    "write": "wrote the outputs",
}
RUNNING_NAMES = {
    "read": "reading the data",
    "plan": "loading the model",
    "predict": "predicting",
    "checks": "checking",
    "write": "writing the outputs",
}


@dataclass(frozen=True)
class ProgressEvent:
    """One step of an audit: a phase (or one family's checks) starting, or finished after ``seconds``."""

    phase: str  # read | plan | predict | checks | write
    done: bool
    elapsed: float  # seconds since the audit started
    seconds: float | None = None  # this phase's own duration, when done
    family: str | None = None  # for phase "checks"
    rows: int | None = None  # rows of the current data, once known
    checks: int | None = None  # checks finished in this phase, when done
    where: str | None = None  # "worker" when the phase ran in the worker process

    def line(self) -> str:
        """The event as one plain line (what a CI log shows)."""
        if not self.done:
            subject = f"{self.family} checks" if self.phase == "checks" else RUNNING_NAMES[self.phase]
            return f"{subject}… ({self.elapsed:.1f} s)"
        if self.phase == "checks":
            place = " in the worker process" if self.where == "worker" else ""
            count = f"{self.checks} check{'s' if self.checks != 1 else ''} " if self.checks is not None else ""
            text = f"{self.family}: {count}in {self.seconds or 0:.2f} s{place}"
        else:
            text = f"{PHASE_NAMES[self.phase]} in {self.seconds or 0:.2f} s"
            if self.rows is not None:
                text += f" ({self.rows:,} rows)"
        return f"{text} [{self.elapsed:.1f} s]"


Callback = Callable[[ProgressEvent], None]


class Progress:
    """Emits the events of one audit to its callback (if any) and to the ``govkit.progress`` logger."""

    def __init__(self, callback: Callback | None = None, started: float | None = None) -> None:
        self.callback = callback
        self.started = time.monotonic() if started is None else started
        self.rows: int | None = None

    def emit(self, event: ProgressEvent) -> None:
        if LOGGER.isEnabledFor(logging.INFO):
            LOGGER.info("%s", event.line())
        if self.callback is not None:
            self.callback(event)

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    @contextmanager
    def phase(self, name: str, family: str | None = None) -> Iterator[list[int]]:
        """Start and end events around a phase; append to the yielded list to count checks."""
        self.emit(ProgressEvent(name, False, self.elapsed(), family=family, rows=self.rows))
        began = time.monotonic()
        counted: list[int] = []
        yield counted
        self.emit(
            ProgressEvent(
                name,
                True,
                self.elapsed(),
                seconds=time.monotonic() - began,
                family=family,
                rows=self.rows,
                checks=len(counted) if name == "checks" else None,
            )
        )

    def finished(self, name: str, seconds: float, family: str | None = None, checks: int | None = None) -> None:
        """A phase that ran elsewhere (the worker process), reported when its results arrive."""
        self.emit(
            ProgressEvent(
                name, True, self.elapsed(), seconds, family=family, rows=self.rows, checks=checks, where="worker"
            )
        )


PREFLIGHT = frozenset({"read", "plan", "predict"})


class StreamProgress:
    """The CLI's display: a live single line on a terminal, else one plain line per finished phase."""

    def __init__(self, stream: TextIO, escape: Callable[[str], str], live: bool | None = None) -> None:
        self.stream = stream
        self.escape = escape  # control and bidi characters of names shown escaped (the CLI's terminal_safe)
        self.live = _is_terminal(stream) if live is None else live
        self._shown = False
        # In a log, preflight's lines wait for the first check: input refused in preflight is answered
        # with its one error line alone, as every bad input is.
        self._held: list[str] | None = []

    def __call__(self, event: ProgressEvent) -> None:
        text = self.escape(event.line())
        if self.live:
            rows = f" · {event.rows:,} rows" if event.rows is not None and not event.done else ""
            self.stream.write(f"\r\x1b[2Kgovkit: {text}{rows}")
            self._shown = True
        else:
            if self._held is not None and event.phase not in PREFLIGHT:
                self.stream.write("".join(self._held))
                self._held = None
            if event.done and self._held is not None:
                self._held.append(f"govkit: {text}\n")
            elif event.done:
                self.stream.write(f"govkit: {text}\n")
        self.stream.flush()

    def close(self) -> None:
        """End the live line, so what follows starts on a fresh line."""
        if self.live and self._shown:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
            self._shown = False


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
