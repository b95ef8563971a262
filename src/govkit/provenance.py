"""Provenance: exactly what was audited, with what, and when (files, versions, seed, samples, commit)."""

from __future__ import annotations

import platform
import subprocess
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from govkit.results import Provenance

TRACKED_LIBRARIES = (
    "govkit",
    "pandas",
    "numpy",
    "scikit-learn",
    "great-expectations",
    "evidently",
    "fairlearn",
    "shap",
    "skops",
    "scipy",
)


def library_versions() -> dict[str, str]:
    found: dict[str, str] = {}
    for name in TRACKED_LIBRARIES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found


def git_commit(where: Path) -> str | None:
    """The commit of the repository the audit runs in, when there is one."""
    try:
        completed = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=where, capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    commit = completed.stdout.strip()
    return commit if completed.returncode == 0 and commit else None


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def build_provenance(
    *,
    started_at: str,
    duration_seconds: float,
    seed: int,
    files: dict[str, dict[str, str]],
    sampling: list[dict[str, Any]],
    command: str | None,
    engine: dict[str, Any] | None = None,
) -> Provenance:
    versions = library_versions()
    return Provenance(
        started_at=started_at,
        finished_at=now(),
        duration_seconds=round(duration_seconds, 3),
        seed=seed,
        govkit_version=versions["govkit"],
        python_version=platform.python_version(),
        platform=f"{platform.system()} {platform.machine()}",
        library_versions=versions,
        files=files,
        git_commit=git_commit(Path.cwd()),
        sampling=sampling,
        command=command,
        engine=engine or {"name": "pandas", "version": f"pandas {versions.get('pandas', '')}".strip()},
    )
