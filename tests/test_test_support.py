"""The tests' own machinery: what CI means (fail, never skip, when something needed is missing), and the
throw-away PostgreSQL server being stopped when pytest is terminated or was killed in an earlier session.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

import postgres_server
from requirements import in_ci, need_module, need_program

TESTS = Path(__file__).resolve().parent


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, False), ("", False), ("0", False), ("false", False), ("False", False), ("true", True), ("1", True),
     ("yes", True)],
)  # fmt: skip
def test_ci_is_any_value_but_empty_0_or_false(
    value: str | None, expected: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if value is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", value)
    assert in_ci() is expected


def test_something_missing_fails_in_ci_and_skips_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="required in CI: the Python module 'govkit_no_such_module'"):
        need_module("govkit_no_such_module")
    with pytest.raises(pytest.fail.Exception, match="'govkit-no-such-program' is needed on PATH"):
        need_program("govkit-no-such-program")
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception, match="govkit_no_such_module"):
        need_module("govkit_no_such_module")
    with pytest.raises(pytest.skip.Exception, match="govkit-no-such-program"):
        need_program("govkit-no-such-program")
    # present: the module itself, the program's path
    assert need_module("json").dumps([]) == "[]"
    assert Path(need_program("sh")).name == "sh"


@pytest.fixture
def binaries() -> Path:
    found = postgres_server._binaries()
    if found is None:
        postgres_server._unavailable("no initdb/pg_ctl")
    assert found is not None
    return found


@pytest.fixture
def root() -> Iterator[Path]:
    """A folder the unprivileged PostgreSQL user can reach (pytest's tmp_path is private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="govkit-pgtest-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _gone_pid() -> int:
    """The PID of a process that has ended."""
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(ended.stdout)


def test_a_cluster_whose_pytest_is_gone_is_stopped_and_deleted(binaries: Path, root: Path) -> None:
    user = os.environ.get("GOVKIT_TEST_PG_USER", "nobody") if os.geteuid() == 0 else None
    stale = root / f"{postgres_server.PREFIX}stale"
    stale.mkdir()
    (stale / postgres_server.OWNER_FILE).write_text(f"{_gone_pid()}\n")
    cluster = postgres_server.Cluster(binaries, stale, user)
    cluster.start()
    assert _listening(cluster.port)
    # a folder whose owner runs (this process) and one without an owner file are left alone
    live = root / f"{postgres_server.PREFIX}live"
    live.mkdir()
    (live / postgres_server.OWNER_FILE).write_text(f"{os.getpid()}\n")
    unowned = root / f"{postgres_server.PREFIX}unowned"
    unowned.mkdir()
    try:
        assert postgres_server.stop_stale(binaries, root) == [stale]
        assert not stale.exists()
        assert not _listening(cluster.port)
        assert live.exists() and unowned.exists()
    finally:
        cluster.stop()


SESSION = """
import sys, time
sys.path.insert(0, sys.argv[1])
from postgres_server import _binaries, running_cluster
with running_cluster(_binaries()) as cluster:
    print(cluster.folder, cluster.port, flush=True)
    time.sleep(120)
"""


def test_sigterm_stops_and_deletes_the_cluster(binaries: Path) -> None:
    command = [sys.executable, "-c", SESSION, str(TESTS)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as session:
        try:
            assert session.stdout is not None and session.stderr is not None
            line = session.stdout.readline().split()
            assert line, session.stderr.read()
            folder, port = Path(line[0]), int(line[1])
            assert folder.exists() and _listening(port)
            session.terminate()
            # the signal still ends the process as SIGTERM does, after the cleanup
            assert session.wait(timeout=60) == -15
            assert not folder.exists()
            assert not _listening(port)
        finally:
            if session.poll() is None:
                session.kill()
