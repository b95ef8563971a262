"""A throw-away PostgreSQL server for the tests: one cluster per test session, a fresh database per test.

The cluster lives in a temporary folder, listens on a free local TCP port and a unix socket in that
folder, trusts local connections, and is stopped and deleted at the end of the session, at the
interpreter's exit, or on SIGTERM (``timeout`` killing pytest). A cluster left behind by a session that
could not clean up (SIGKILL) is stopped by the next session: each cluster's folder holds the PID of the
pytest that started it, and a cluster whose pytest is gone is stopped and deleted. PostgreSQL
refuses to run as root, so under root (a fresh CI machine) the server runs as the unprivileged user
``nobody`` (or ``GOVKIT_TEST_PG_USER``). The binaries come from /usr/lib/postgresql/*/bin (Debian's
``postgresql`` package; ``.ci/run`` installs it) or ``PG_BIN``. Without them the tests that need the
server skip, except in CI (tests/requirements.py), where they fail: CI must test the real thing.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from requirements import missing

PREFIX = "govkit-pg-"
# In each cluster's folder: the PID of the process (pytest) that started it and is to stop it.
OWNER_FILE = "owner.pid"


def _binaries() -> Path | None:
    candidates = [os.environ["PG_BIN"]] if os.environ.get("PG_BIN") else []
    candidates += sorted((str(p) for p in Path("/usr/lib/postgresql").glob("*/bin")), reverse=True)
    for folder in candidates:
        if (Path(folder) / "initdb").is_file() and (Path(folder) / "pg_ctl").is_file():
            return Path(folder)
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _unavailable(reason: str) -> None:
    missing(f"PostgreSQL not available: {reason}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process, but a live one
        return True
    return True


def stop_stale(binaries: Path, root: Path | None = None) -> list[Path]:
    """Stop and delete the clusters under ``root`` (the temp folder) whose owning process is gone.

    Only folders with an owner file are touched (a folder without one may belong to a session starting up).
    Returns the folders removed.
    """
    removed = []
    for folder in sorted(Path(root or tempfile.gettempdir()).glob(f"{PREFIX}*")):
        try:
            owner = int((folder / OWNER_FILE).read_text().strip())
        except (OSError, ValueError):
            continue
        if _alive(owner):
            continue
        data = folder / "data"
        if (data / "postmaster.pid").exists():
            # pg_ctl checks that the PID in postmaster.pid is that cluster's postmaster; run as the data's owner
            user = data.owner() if os.geteuid() == 0 and data.owner() != "root" else None
            Cluster(binaries, folder, user).stop()
        shutil.rmtree(folder, ignore_errors=True)
        if not folder.exists():
            removed.append(folder)
    return removed


class Cluster:
    """A running throw-away cluster; ``database()`` creates an empty database and returns its URL."""

    def __init__(self, binaries: Path, folder: Path, user: str | None) -> None:
        self.binaries, self.folder, self.user = binaries, folder, user
        self.port = _free_port()
        self.data = folder / "data"

    def _run(self, *command: str) -> subprocess.CompletedProcess[str]:
        prefix = ["runuser", "-u", self.user, "--"] if self.user else []
        return subprocess.run([*prefix, *command], capture_output=True, text=True, timeout=60, check=False)

    def start(self) -> None:
        if self.user:
            shutil.chown(self.folder, user=self.user)
        init = self._run(
            str(self.binaries / "initdb"), "-D", str(self.data), "-U", "govkit", "-A", "trust", "--no-sync",
            "-E", "UTF8", "--locale=C",
        )  # fmt: skip
        if init.returncode:
            _unavailable(f"initdb failed: {init.stderr.strip()[-300:]}")
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60"
        started = self._run(
            str(self.binaries / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.folder / "log"),
            "-w", "-t", "30", "start",
        )  # fmt: skip
        if started.returncode:
            log = (self.folder / "log").read_text(errors="replace")[-300:] if (self.folder / "log").exists() else ""
            _unavailable(f"pg_ctl start failed: {started.stderr.strip()[-300:]} {log}")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run(str(self.binaries / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://govkit@127.0.0.1:{self.port}/{database}"

    def database(self) -> str:
        import psycopg

        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=govkit dbname=postgres", autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@contextlib.contextmanager
def _on_sigterm(cleanup: Callable[[], None]) -> Iterator[None]:
    """Run ``cleanup`` on SIGTERM, then let the signal do what it did before (by default, end the process)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGTERM)

    def on_term(signum: int, frame: Any) -> None:
        cleanup()
        signal.signal(signum, previous)
        if callable(previous):
            previous(signum, frame)
        else:
            os.kill(os.getpid(), signum)

    signal.signal(signal.SIGTERM, on_term)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def running_cluster(binaries: Path) -> Iterator[Cluster]:
    """A started cluster, stopped and deleted on leaving, at the interpreter's exit, or on SIGTERM."""
    stop_stale(binaries)
    user = os.environ.get("GOVKIT_TEST_PG_USER", "nobody") if os.geteuid() == 0 else None
    folder = Path(tempfile.mkdtemp(prefix=PREFIX))
    (folder / OWNER_FILE).write_text(f"{os.getpid()}\n")
    cluster = Cluster(binaries, folder, user)

    def cleanup() -> None:
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)

    # atexit covers an interpreter ending without unwinding this generator; SIGTERM skips both otherwise
    atexit.register(cleanup)
    try:
        with _on_sigterm(cleanup):
            cluster.start()
            yield cluster
    finally:
        cleanup()
        atexit.unregister(cleanup)


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[Cluster]:
    """The session's PostgreSQL cluster (started on first use, stopped and removed at the end)."""
    binaries = _binaries()
    if binaries is None:
        _unavailable("no initdb/pg_ctl in /usr/lib/postgresql/*/bin (install Debian's postgresql) or PG_BIN")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _unavailable("psycopg is not installed (pip install govkit[postgres])")
    assert binaries is not None
    with running_cluster(binaries) as cluster:
        yield cluster


@pytest.fixture
def postgres_url(postgres_cluster: Cluster) -> str:
    """The URL of an empty database on the session's cluster, for one test."""
    return postgres_cluster.database()
