"""``Store``: record audits and sign-offs in a database, read them back checked.

Each ``Store`` owns its engine (no module-level cache) and brings the schema up to date the first time
it is used. Every write is one transaction; a sign-off is recorded against the audit whose results.json
it signs, found by that file's sha256, so two processes can never attach a sign-off to the wrong audit.
"""

from __future__ import annotations

import builtins
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govkit.history.engine import StoreError, as_url, busy_timeout, create, describe, migrate, transaction
from govkit.history.records import (
    FILE_ROLES,
    AuditRecord,
    SignoffRecord,
    audit_problems,
    envelope_facts,
    file_hashes,
    sha256_text,
    signoff_problems,
)
from govkit.history.schema import AUDITS, SIGNOFFS, build_metadata

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy import Table
    from sqlalchemy.engine import Connection, Engine

    from govkit.history.diff import Diff
    from govkit.results import RunResult

__all__ = ["Store"]


class Store:
    """An audit history at ``url`` (a SQLAlchemy URL, or a path for SQLite).

    ``timeout`` is how long a writer waits for a locked SQLite file (default: ``GOVKIT_STORE_TIMEOUT``
    seconds, else 30). Nothing is opened until the first
    call; ``close()`` (or ``with Store(url) as store``) releases it.
    """

    def __init__(self, url: str | Path, *, timeout: float | None = None) -> None:
        self.url = as_url(str(url))
        self.timeout = busy_timeout() if timeout is None else timeout  # seconds a writer waits for the lock
        self._engine: Engine | None = None
        metadata = build_metadata()
        self._audits: Table = metadata.tables[AUDITS]
        self._signoffs: Table = metadata.tables[SIGNOFFS]

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({describe(self.url)!r})"

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            engine = create(self.url, self.timeout)
            try:
                migrate(engine, self.url)
            except BaseException:
                engine.dispose()
                raise
            self._engine = engine
        return self._engine

    def record(
        self,
        results: RunResult | str | bytes | Path,
        *,
        report_sha256: str | None = None,
        model_name: str | None = None,
        model_version: str | None = None,
        created_at: str | None = None,
    ) -> int:
        """Record one audit; return its id. ``results`` is the results.json text (or its path, or the
        result, whose ``to_json()`` is what an audit writes). Model name and version default to the
        model card's ``model_name`` and ``model_version``."""
        from govkit.results import RunResult

        text = _results_text(results)
        result = RunResult.from_json(text)
        card = result.model_card
        row = {
            "created_at": created_at or _now(),
            "model_name": model_name or card.get("model_name"),
            "model_version": model_version or _text_or_none(card.get("model_version")),
            "verdict": result.verdict.value,
            "counts": json.dumps(result.counts, sort_keys=True),
            "results": text,
            "results_sha256": sha256_text(text),
            "report_sha256": report_sha256,
            "git_commit": result.provenance.git_commit,
            "engine": f"govkit {result.provenance.govkit_version}",
            **{f"{name}_sha256": digest for name, digest in file_hashes(result).items()},
        }
        with transaction(self.engine, self.url) as connection:
            return _new_id(connection.execute(self._audits.insert().values(**row)))

    def record_signoff(
        self, envelope: dict[str, Any], audit_id: int | None = None, templates_sha256: str | None = None
    ) -> int:
        """Record a sign-off envelope against the audit whose results.json it signs (the newest such
        audit, or ``audit_id``); return the sign-off's id. ``StoreError`` when no audit matches.
        ``templates_sha256`` is the digest of the custom report templates it was made with, if any."""
        from sqlalchemy import select

        try:
            facts = envelope_facts(envelope)
        except ValueError as error:
            raise StoreError(f"cannot record the sign-off: {error}") from None
        text = json.dumps(envelope, sort_keys=True, separators=(",", ":"))
        audits = self._audits
        query = select(audits.c.id).where(audits.c.results_sha256 == facts.pop("results_sha256"))
        if audit_id is not None:
            query = query.where(audits.c.id == audit_id)
        with transaction(self.engine, self.url) as connection:
            found = connection.execute(query.order_by(audits.c.id.desc()).limit(1)).scalar()
            if found is None:
                raise StoreError(
                    f"store {describe(self.url)}: no recorded audit has the results this sign-off signs; "
                    "record the audit first",
                    code="GK605",
                )
            values = {"audit_id": found, "created_at": _now(), "envelope": text, "envelope_sha256": sha256_text(text),
                      "templates_sha256": templates_sha256}  # fmt: skip
            return _new_id(connection.execute(self._signoffs.insert().values(**values, **facts)))

    def get(self, audit_id: int) -> AuditRecord:
        """The audit ``audit_id`` with its sign-offs, integrity checked; ``StoreError`` (GK605) if absent."""
        with transaction(self.engine, self.url) as connection:
            found = self._read(connection, self._audits.c.id == int(audit_id))
        if not found:
            raise StoreError(f"store {describe(self.url)}: no audit with id {audit_id}; see govkit history",
                             code="GK605")  # fmt: skip
        return found[0]

    def list(self, model: str | None = None) -> list[AuditRecord]:
        """Every recorded audit (of ``model`` when given), oldest first, integrity checked."""
        condition = None if model is None else self._audits.c.model_name == model
        with transaction(self.engine, self.url) as connection:
            return self._read(connection, condition)

    def find(self, results_sha256: str) -> builtins.list[AuditRecord]:
        """The audits recorded with this results.json (usually one), oldest first."""
        with transaction(self.engine, self.url) as connection:
            return self._read(connection, self._audits.c.results_sha256 == results_sha256)

    def last_approved(
        self, model: str | None = None, before: int | None = None, accept: Callable[[AuditRecord], bool] | None = None
    ) -> AuditRecord | None:
        """The newest intact, approved audit (of ``model``; older than id ``before``; that ``accept`` accepts,
        e.g. whose approvals verify against trusted keys); None if there is none. A record whose results or
        sign-offs were altered is never the answer."""
        for record in reversed(self.list(model)):
            if (before is None or record.id < before) and record.approved and (accept is None or accept(record)):
                return record
        return None

    def diff(self, before: int | AuditRecord, after: int | AuditRecord, tolerance: float | None = None) -> Diff:
        """What changed from audit ``before`` to audit ``after`` (see ``govkit.history.diff``)."""
        from govkit.history.diff import DEFAULT_TOLERANCE, diff_records

        old = before if isinstance(before, AuditRecord) else self.get(before)
        new = after if isinstance(after, AuditRecord) else self.get(after)
        return diff_records(old, new, DEFAULT_TOLERANCE if tolerance is None else tolerance)

    def _read(self, connection: Connection, condition: Any) -> builtins.list[AuditRecord]:
        from sqlalchemy import select

        audits, signoffs = self._audits, self._signoffs
        query = select(audits).order_by(audits.c.id)
        if condition is not None:
            query = query.where(condition)
        rows = [dict(row._mapping) for row in connection.execute(query)]
        ids = [row["id"] for row in rows]
        by_audit: dict[int, builtins.list[dict[str, Any]]] = {}
        if ids:
            chosen = select(signoffs).where(signoffs.c.audit_id.in_(ids)).order_by(signoffs.c.id)
            for signoff in connection.execute(chosen):
                by_audit.setdefault(signoff.audit_id, []).append(dict(signoff._mapping))
        return [_audit_record(row, by_audit.get(row["id"], [])) for row in rows]


def _new_id(inserted: Any) -> int:
    key = inserted.inserted_primary_key
    if key is None:  # every supported database returns the key of an inserted row
        raise StoreError("the store did not return the id of the new record")
    return int(key[0])


def _audit_record(row: dict[str, Any], signoff_rows: list[dict[str, Any]]) -> AuditRecord:
    signoffs = [SignoffRecord(**s, problems=signoff_problems(s, row["results_sha256"])) for s in signoff_rows]
    try:
        counts = {str(k): int(v) for k, v in json.loads(row["counts"]).items()}
    except (ValueError, TypeError, AttributeError):
        counts = {}
    return AuditRecord(
        id=row["id"],
        created_at=row["created_at"],
        model_name=row["model_name"],
        model_version=row["model_version"],
        verdict=row["verdict"],
        counts=counts,
        results=row["results"],
        results_sha256=row["results_sha256"],
        report_sha256=row["report_sha256"],
        hashes={name: row[f"{name}_sha256"] for name in FILE_ROLES},
        git_commit=row["git_commit"],
        engine=row["engine"],
        signoffs=signoffs,
        problems=audit_problems(row["results"], row["results_sha256"], row["verdict"]),
    )


def _results_text(results: RunResult | str | bytes | Path) -> str:
    if isinstance(results, Path):
        return results.read_text(encoding="utf-8")
    if isinstance(results, bytes):
        return results.decode("utf-8")
    if isinstance(results, str):
        return results
    return results.to_json()


def _text_or_none(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")
