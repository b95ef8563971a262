"""Errors govkit raises on purpose, and the process exit codes they map to.

Every error a user can cause (a missing file, a typo in a policy, an untrusted model) is a
``GovkitError`` whose message is one line that names the file, column or key and says how to
fix it. The CLI prints that line and exits with ``exit_code``; anything else is a bug (exit 3).
"""

from __future__ import annotations

from collections.abc import Sequence

EXIT_PASSED = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3


class GovkitError(Exception):
    """A problem the user can fix; ``str(error)`` is the single line shown to them.

    ``code`` is a stable identifier (e.g. ``GK101``; the names are in ``govkit.inputs.ERROR_CODES``)
    that scripts can match on while the wording of the message improves.
    """

    exit_code = EXIT_USAGE
    code: str | None = None

    def __init__(self, message: str = "", *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class InputError(GovkitError):
    """Data, model or configuration that cannot be audited as given."""


class ModelTrustError(InputError):
    """A model file that would need code or types the user has not trusted."""


class PolicyError(GovkitError):
    """A policy or project config with one or more problems, each with its location."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))
