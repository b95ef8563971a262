"""Opening a store: the URL, the engine, the schema brought up to date, and database errors as one line.

A store is a SQLAlchemy URL. A plain path (``.govkit/history.db``) means SQLite there; the folder is
created. SQLite runs in WAL mode with a busy timeout and every transaction starts ``BEGIN IMMEDIATE``,
so concurrent writers queue for the lock instead of failing halfway. PostgreSQL takes a transaction
advisory lock while migrating, so eight processes opening a new store create its tables once.

Errors the user can fix (a malformed URL, a server that does not answer, a store written by a newer
govkit, a locked SQLite file, a file that is not a database) are ``StoreError``: one line, exit 2.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govkit.errors import GovkitError
from govkit.inputs.codes import ERROR_CODES

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

STORE_ENV = "GOVKIT_STORE"
DEFAULT_STORE = Path(".govkit") / "history.db"  # relative to the folder of govkit.yaml
BUSY_TIMEOUT_SECONDS = 30.0
TIMEOUT_ENV = "GOVKIT_STORE_TIMEOUT"  # seconds a writer waits for a locked SQLite store
_MIGRATION_LOCK = 0x67_6F_76_6B  # "govk": PostgreSQL advisory lock key for migrations

# Stable codes of the store's one-line errors (GK6xx: the history store), kept with every other code.
STORE_CODES = {code: name for code, name in ERROR_CODES.items() if code.startswith("GK6")}


class StoreError(GovkitError):
    """A store that cannot be used as given: one line naming the store and the fix."""


def resolve_url(option: str | None, configured: str | None, base: Path | None) -> str | None:
    """The store to use: ``--store``, else ``GOVKIT_STORE``, else the config's ``store:`` (relative
    paths from the config's folder), else ``.govkit/history.db`` beside the config file when there is
    one; None when none of them applies (no config file: nothing is recorded)."""
    for value, relative_to in ((option, None), (os.environ.get(STORE_ENV) or None, None), (configured, base)):
        if value:
            return as_url(value, relative_to)
    return None if base is None else as_url(str(base / DEFAULT_STORE), None)


def busy_timeout() -> float:
    """Seconds a writer waits for a locked SQLite store: ``GOVKIT_STORE_TIMEOUT``, else 30."""
    given = os.environ.get(TIMEOUT_ENV, "").strip()
    try:
        seconds = float(given) if given else BUSY_TIMEOUT_SECONDS
    except ValueError:
        seconds = -1.0
    if not (0 <= seconds < 86_400):
        raise StoreError(f"{TIMEOUT_ENV}={given[:40]!r}: not a number of seconds; e.g. 30", code="GK601")
    return seconds


def as_url(value: str, base: Path | None = None) -> str:
    """``value`` as a SQLAlchemy URL: a URL stays as it is, a path becomes ``sqlite:///path``."""
    if "://" in value:
        return value
    path = Path(value).expanduser()
    if base is not None and not path.is_absolute():
        path = base / path
    return f"sqlite:///{path}"


def describe(url: str) -> str:
    """The URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url.split("@")[-1] if "@" in url else url


def _scheme(url: str) -> str:
    """What a URL says it is (the part before ``://``, which holds no credentials), for messages."""
    scheme = url.split("://", 1)[0] if "://" in url else ""
    ok = scheme and len(scheme) <= 40 and all(c.isalnum() or c in "+-." for c in scheme)
    return f"scheme {scheme!r}" if ok else "no usable scheme"


def create(url: str, timeout: float = BUSY_TIMEOUT_SECONDS) -> Engine:
    """An engine for ``url``; ``StoreError`` (GK601) when it is not a URL govkit can use.

    ``timeout`` is how many seconds a writer waits for a locked SQLite file.
    """
    from sqlalchemy import create_engine, event
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        raise StoreError(
            # not echoed: a URL that cannot be parsed cannot have its password masked either
            f"the store URL given (--store, GOVKIT_STORE or the config's store:) is not a database URL "
            f"({_scheme(url)}); use a path, sqlite:///path or postgresql+psycopg://user@host/db",
            code="GK601",
        ) from None
    if parsed.get_backend_name() == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            raise StoreError(
                f"store {describe(url)!r}: an SQLite store needs a file path (sqlite:///path)", code="GK601"
            )
        folder = Path(parsed.database).parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
            if folder.name == ".govkit" and not (folder / ".gitignore").exists():
                # govkit's own folder: the history database stays out of the user's repository
                (folder / ".gitignore").write_text("*\n", encoding="utf-8")
        except OSError as error:
            raise StoreError(
                f"store {describe(url)}: cannot create {folder} ({error.strerror})", code="GK602"
            ) from None
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")  # the driver of govkit's `postgres` extra
    try:
        if parsed.get_backend_name() == "sqlite":
            engine = create_engine(parsed, connect_args={"timeout": timeout}, poolclass=_null_pool())
            event.listen(engine, "connect", lambda dbapi, _record: _sqlite_connect(dbapi, timeout))
            event.listen(engine, "begin", _sqlite_begin)
            return engine
        return create_engine(parsed, pool_pre_ping=True, connect_args=_connect_timeout(parsed.get_backend_name()))
    except (ArgumentError, NoSuchModuleError, ImportError) as error:
        raise StoreError(
            f"store {describe(url)}: {_first_line(error)}; for PostgreSQL install govkit[postgres]", code="GK601"
        ) from None


def _null_pool() -> Any:
    from sqlalchemy.pool import NullPool

    return NullPool  # a connection per use: nothing kept open between commands or across a fork


def _connect_timeout(backend: str) -> dict[str, Any]:
    return {"connect_timeout": 10} if backend == "postgresql" else {}


def _sqlite_connect(dbapi_connection: Any, timeout: float) -> None:
    # Python's sqlite3 would open transactions on its own; govkit opens them (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # IMMEDIATE takes the write lock at the start: a writer waits for the lock (busy timeout) instead
    # of failing when it upgrades a read lock that another writer got first.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


@contextmanager
def transaction(engine: Engine, url: str) -> Iterator[Connection]:
    """One transaction; every database error inside it becomes a one-line ``StoreError``."""
    from sqlalchemy.exc import DBAPIError, OperationalError

    try:
        with engine.begin() as connection:
            yield connection
    except StoreError:
        raise
    except (OperationalError, DBAPIError) as error:
        raise _as_store_error(url, error) from None


def _as_store_error(url: str, error: Exception) -> StoreError:
    text = _first_line(getattr(error, "orig", None) or error)
    lowered = text.lower()
    where = f"store {describe(url)}"
    if "locked" in lowered or "busy" in lowered:
        return StoreError(f"{where}: the database is locked by another process; retry when it is done",
                          code="GK604")  # fmt: skip
    if "not a database" in lowered or "malformed" in lowered or "no such table" in lowered:
        return StoreError(f"{where}: not a govkit history store ({text}); point store: at another file",
                          code="GK606")  # fmt: skip
    return StoreError(f"{where}: cannot use the store ({text}); check the URL, the server and its credentials",
                      code="GK602")  # fmt: skip


def _first_line(error: object) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def migrate(engine: Engine, url: str) -> None:
    """Bring the store's schema to this govkit's head revision, in one locked transaction.

    A store whose revision this govkit does not know was written by a newer govkit: GK603, untouched.
    """
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).resolve().parent / "migrations"))
    scripts = ScriptDirectory.from_config(config)
    head = scripts.get_current_head()
    with transaction(engine, url) as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
        current = MigrationContext.configure(connection).get_current_revision()
        if current == head:
            return
        if current is not None and current not in {script.revision for script in scripts.walk_revisions()}:
            raise StoreError(
                f"store {describe(url)}: written by a newer govkit (schema revision {current}); "
                "upgrade govkit to read it",
                code="GK603",
            )
        _upgrade(config, connection)


def _upgrade(config: Any, connection: Connection) -> None:
    from alembic import command

    config.attributes["connection"] = connection
    command.upgrade(config, "head")
