"""Where the bundled policies (``checks/``) and report templates live.

In an installed wheel they sit inside the package (``govkit/checks``); in a source checkout or an
editable install they sit at the top of the repository. Both are looked up here, once.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    for candidate in (_PACKAGE_DIR / name, _PACKAGE_DIR.parent.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"govkit's bundled '{name}' folder is missing from {_PACKAGE_DIR}; reinstall govkit")


@cache
def checks_dir() -> Path:
    return _find("checks")


@cache
def templates_dir() -> Path:
    return _find("report_templates")


def bundled_policies() -> dict[str, Path]:
    """Bundled policy name -> file, e.g. ``{'default': .../checks/default.yaml}``."""
    return {path.stem: path for path in sorted(checks_dir().glob("*.yaml"))}
