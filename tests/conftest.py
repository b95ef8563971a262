"""Shared fixtures: the trained example (built once per session) and small helpers.

Two pieces of test-run policy live here too, so that no test file has to repeat them:

- every test that uses the trained example (``adult_build``, directly or through ``adult_project``)
  trains and audits the real model end to end, so it is marked ``slow``; plain ``pytest`` skips them
  (``-m "not slow"`` in addopts) and ``make test`` runs everything;
- ``--update-golden`` rewrites the golden files under ``tests/golden/`` (and the README's generated
  checks table) instead of comparing with them.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "adult"

# postgres_cluster / postgres_url: a throw-away PostgreSQL server for the history store's tests.
pytest_plugins = ["postgres_server", "spark_session"]

# Tests that need one of these fixtures run the example end to end (a Spark session costs seconds too).
END_TO_END_FIXTURES = frozenset({"adult_build", "spark", "spark_connect"})


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite tests/golden/ and the README's checks table from the current code instead of comparing",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # ``fixturenames`` is the closure: a test using adult_project needs adult_build too.
    for item in items:
        if END_TO_END_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def update_golden(request: pytest.FixtureRequest) -> bool:
    """True when the run was started with ``--update-golden``."""
    return bool(request.config.getoption("--update-golden"))


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
