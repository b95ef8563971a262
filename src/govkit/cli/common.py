"""What every command shares: one-line errors mapped to exit codes."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from govkit.errors import EXIT_INTERNAL, EXIT_PASSED, EXIT_USAGE, GovkitError, PolicyError

if TYPE_CHECKING:
    from govkit.results import RunResult


def _fail(message: str, code: int) -> None:
    for line in message.splitlines() or [message]:
        click.echo(f"govkit: error: {line}", err=True)
    sys.exit(code)


def handle_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Known problems -> one line each and exit 2; anything else -> exit 3 (traceback with GOVKIT_DEBUG=1)."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except PolicyError as error:
            _fail("\n".join(error.problems), EXIT_USAGE)
        except GovkitError as error:
            _fail(str(error), error.exit_code)
        except BrokenPipeError:
            # the reader of our output went away (e.g. `govkit checks | head`): not an error
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(EXIT_PASSED)
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

    return wrapper


def split_values(values: tuple[str, ...]) -> list[str] | None:
    parts = [part.strip() for value in values for part in value.split(",") if part.strip()]
    return parts or None


def read_results(path: Path) -> RunResult:
    from govkit.results import RunResult

    return RunResult.read(path)
