"""What a test needs from the machine, and what happens when it is missing: skip locally, fail in CI.

CI must test the real thing, so a test needing MLflow, Chromium, PostgreSQL, nbclient, pre-commit or
hypothesis fails there instead of skipping. CI is recognised by the ``CI`` environment variable, which
GitHub Actions, GitLab and ``.ci/run`` set: any non-empty value other than ``0`` or ``false``.
"""

from __future__ import annotations

import importlib
import os
import shutil
from types import ModuleType
from typing import NoReturn

import pytest


def in_ci() -> bool:
    """True when the tests run in CI (``CI`` set to anything but empty, ``0`` or ``false``)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false")


def missing(reason: str) -> NoReturn:
    """Stop the test because something it needs is missing: a failure in CI, a skip elsewhere."""
    if in_ci():
        pytest.fail(f"required in CI: {reason}", pytrace=False)
    # allowed at module level too: a test module may need something before its first test
    pytest.skip(reason, allow_module_level=True)


def need_module(name: str, hint: str = "") -> ModuleType:
    """Import ``name`` and return it; when it cannot be imported, ``missing`` (fail in CI, else skip)."""
    try:
        return importlib.import_module(name)
    except ImportError as error:
        missing(f"the Python module {name!r} is needed ({error}){f': {hint}' if hint else ''}")


def need_program(name: str, hint: str = "") -> str:
    """The path of the program ``name`` on PATH; when there is none, ``missing`` (fail in CI, else skip)."""
    path = shutil.which(name)
    if path is None:
        missing(f"the program {name!r} is needed on PATH{f': {hint}' if hint else ''}")
    return path
