"""Shared fixtures: the trained example (built once per session) and small helpers."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "adult"


@pytest.fixture(scope="session")
def adult_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example's model, reference and current data, trained from the vendored data set."""
    out = tmp_path_factory.mktemp("adult-build")
    subprocess.run([sys.executable, str(EXAMPLE / "train.py"), "--out", str(out)], check=True, capture_output=True)
    return out


@pytest.fixture
def adult_project(adult_build: Path, tmp_path: Path) -> Path:
    """A copy of the example project (config + build/) in a fresh folder, so tests can edit it."""
    project = tmp_path / "adult"
    project.mkdir()
    shutil.copy(EXAMPLE / "govkit.yaml", project / "govkit.yaml")
    shutil.copytree(adult_build, project / "build")
    return project
