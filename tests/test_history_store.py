"""The history store on SQLite and on a real PostgreSQL server: record, read back, integrity, diff,
the schema its migrations create, and every store problem as one line with a stable code."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from govkit.errors import EXIT_USAGE
from govkit.history import Store, StoreError
from govkit.history.diff import diff_records, material
from govkit.reapproval import Reapproval
from govkit.signoff.keys import generate_keypair
from govkit.signoff.protocol import sign_results

ROOT = Path(__file__).resolve().parent.parent
ADULT = ROOT / "tests" / "data" / "result-adult.json"


def results_text(**changes: Any) -> str:
    """The example's results.json with checks changed: ``{check_id: (status, value)}`` and ``version``."""
    from govkit.results import RunResult

    data = json.loads(ADULT.read_text(encoding="utf-8"))
    data["model_card"]["model_version"] = changes.pop("version", "1")
    for check in data["checks"]:
        if check["id"] in changes:
            check["status"], check["measurement"]["value"] = changes[check["id"]]
    return RunResult.from_json(json.dumps(data)).to_json()


def signed(folder: Path, text: str, decision: str = "approve", name: str = "Ada Reviewer") -> dict[str, Any]:
    """A real DSSE sign-off envelope of ``text`` written as results.json in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "results.json").write_text(text, encoding="utf-8")
    key = folder / "key"
    if not key.exists():
        generate_keypair(key)
    reason = "risk accepted for the test" if decision == "approve" else None
    return sign_results(folder / "results.json", "0" * 64, key, name, "Model risk", decision, override_reason=reason)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / ".govkit" / "history.db")
    return str(request.getfixturevalue("postgres_url"))


def test_record_get_list_and_last_approved(store_url: str, tmp_path: Path) -> None:
    v1, v2 = results_text(version="1"), results_text(version="2", **{"performance.accuracy": ("pass", 0.80)})
    with Store(store_url) as store:
        first = store.record(v1, report_sha256="a" * 64)
        second = store.record(v2)
        assert store.last_approved() is None  # nothing signed yet
        store.record_signoff(signed(tmp_path / "one", v1))
        records = store.list()
        assert [r.id for r in records] == [first, second]
        assert records[0].results == v1 and records[0].report_sha256 == "a" * 64
        assert records[0].model_name == "Adult income classifier (example)" and records[0].model_version == "1"
        assert records[0].counts == json.loads(v1)["counts"] and records[0].verdict == "fail"
        assert records[0].hashes["data"] == json.loads(v1)["provenance"]["files"]["current"]["sha256"]
        approved = store.last_approved("Adult income classifier (example)")
        assert approved is not None and approved.id == first and approved.intact
        assert store.list("another model") == []
        changes = store.diff(first, second)
        assert changes.changed_checks == ["performance.accuracy"] and not changes.statuses
        assert changes.moved[0].before == pytest.approx(0.8686893502026778) and changes.moved[0].after == 0.80


def test_a_sign_off_is_recorded_against_the_audit_it_signs(store_url: str, tmp_path: Path) -> None:
    v1, v2 = results_text(version="1"), results_text(version="2")
    with Store(store_url) as store:
        store.record(v1)
        second = store.record(v2)
        store.record_signoff(signed(tmp_path / "two", v2, "reject"))
        assert [len(r.signoffs) for r in store.list()] == [0, 1]
        assert store.get(second).signoffs[0].decision == "reject"
        assert store.last_approved() is None  # a rejection is no approval
        with pytest.raises(StoreError, match="no recorded audit has the results") as error:
            store.record_signoff(signed(tmp_path / "three", results_text(version="3")))
        assert error.value.code == "GK605"


def test_a_tampered_result_is_flagged_and_never_the_baseline(tmp_path: Path) -> None:
    url = str(tmp_path / "history.db")
    v1, v2 = results_text(version="1"), results_text(version="2")
    with Store(url) as store:
        first = store.record(v1)
        store.record_signoff(signed(tmp_path / "one", v1))
        second = store.record(v2)
        store.record_signoff(signed(tmp_path / "two", v2))
        assert store.last_approved().id == second  # type: ignore[union-attr]
    # someone edits the stored results of the newest approved audit: a failed check now reads as a pass
    edited = v2.replace('"status": "fail"', '"status": "pass"', 1)
    with sqlite3.connect(url) as raw:
        raw.execute("UPDATE govkit_audits SET results = ? WHERE id = ?", (edited, second))
    with Store(url) as store:
        record = store.get(second)
        assert not record.intact and "no longer hash" in record.problems[0]
        assert store.last_approved().id == first  # type: ignore[union-attr]
        # and a stored envelope edited to read as someone else's approval is flagged too
        with sqlite3.connect(url) as raw:
            raw.execute("UPDATE govkit_signoffs SET decision = 'approve', envelope = envelope || ' ' WHERE id = 1")
        assert not store.get(first).signoffs[0].intact
        assert store.last_approved() is None


def test_diff_names_status_moves_added_removed_and_hashes(tmp_path: Path) -> None:
    data = json.loads(results_text())
    data["checks"] = [c for c in data["checks"] if c["id"] != "explain.additivity"]
    data["provenance"]["files"]["model"]["sha256"] = "b" * 64
    for check in data["checks"]:
        if check["id"] == "fairness.demographic_parity_difference":
            check["status"], check["measurement"]["value"] = "fail", 0.31
    with Store(tmp_path / "h.db") as store:
        old = store.get(store.record(results_text()))
        new = store.get(store.record(json.dumps(data)))
    changes = diff_records(old, new, tolerance=0.01)
    assert [(c.check, c.before, c.after, c.worse) for c in changes.statuses] == [
        ("fairness.demographic_parity_difference", "warn", "fail", True)
    ]
    assert [m.check for m in changes.moved] == ["fairness.demographic_parity_difference"]
    assert changes.moved[0].before_interval == pytest.approx((0.2128504535079896, 0.29720941558441555))
    assert changes.removed == ["explain.additivity"] and changes.added == []
    assert [h.role for h in changes.hashes] == ["model"]
    reasons = material(changes, Reapproval())
    assert reasons == [
        "fairness.demographic_parity_difference went from warn to fail",
        "explain.additivity was removed from the policy",
        "the model file changed",
    ]
    assert material(changes, Reapproval(status_worse=False, checks_changed=False, model_changed=False)) == []


def test_the_migrations_create_the_schema_the_store_uses(tmp_path: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from govkit.history.schema import build_metadata

    with Store(tmp_path / "h.db") as store, store.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), build_metadata())
    assert differences == []


def _code(action: Any) -> str | None:
    with pytest.raises(StoreError) as error:
        action()
    assert error.value.exit_code == EXIT_USAGE and "\n" not in str(error.value)
    return error.value.code


def test_store_problems_are_one_line_with_a_code(tmp_path: Path) -> None:
    assert _code(lambda: Store("not a url://").list()) == "GK601"
    assert _code(lambda: Store("sqlite://").list()) == "GK601"
    assert _code(lambda: Store("postgresql+psycopg://nobody@127.0.0.1:1/none").list()) == "GK602"
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database" * 100)
    assert _code(lambda: Store(junk).list()) == "GK606"


def test_a_store_written_by_a_newer_govkit_is_refused_untouched(store_url: str) -> None:
    from sqlalchemy import text

    with Store(store_url) as store:
        store.record(results_text())
        with store.engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = 'r9999'"))
    with pytest.raises(StoreError, match="newer govkit") as error:
        Store(store_url).list()
    assert error.value.code == "GK603"


def test_a_locked_sqlite_store_is_one_line(tmp_path: Path) -> None:
    url = tmp_path / "h.db"
    Store(url).record(results_text())
    holder = sqlite3.connect(url, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        assert _code(lambda: Store(url, timeout=0.2).record(results_text())) == "GK604"
    finally:
        holder.close()
