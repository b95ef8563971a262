"""Eight processes record audits and sign-offs into one store at the same time: nothing is lost or mixed.

Each worker records ROUNDS audits of its own results (distinct digests) and signs each one, recording
the real DSSE envelope against the audit it signs. Run against SQLite (WAL, busy timeout, BEGIN
IMMEDIATE) and a real PostgreSQL server, starting on a store nobody has created yet, so the schema
migration races too.
"""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

from govkit.history import Store

ROOT = Path(__file__).resolve().parent.parent
WORKERS, ROUNDS = 8, 4


def _worker(url: str, folder: str, worker: int) -> list[tuple[int, str]]:
    """Record and sign ROUNDS audits; return (audit id, results sha256) for each."""
    from govkit.history.records import sha256_text
    from govkit.signoff.keys import generate_keypair
    from govkit.signoff.protocol import sign_results

    base = json.loads((ROOT / "tests" / "data" / "result-adult.json").read_text(encoding="utf-8"))
    key = Path(folder) / f"key{worker}"
    generate_keypair(key)
    done = []
    with Store(url) as store:
        for round_ in range(ROUNDS):
            base["model_card"]["model_version"] = f"{worker}.{round_}"
            text = json.dumps(base, indent=2) + "\n"
            results = Path(folder) / f"w{worker}r{round_}" / "results.json"
            results.parent.mkdir()
            results.write_text(text, encoding="utf-8")
            audit_id = store.record(text)
            envelope = sign_results(results, "0" * 64, key, f"Signer {worker}", "Reviewer", "reject")
            store.record_signoff(envelope, audit_id)
            done.append((audit_id, sha256_text(text)))
    return done


def _run_workers(url: str, folder: Path) -> None:
    from sqlalchemy import text

    context = multiprocessing.get_context("spawn")  # a fresh interpreter each, like separate CLI runs
    with context.Pool(WORKERS) as pool:
        outcomes = pool.starmap(_worker, [(url, str(folder), n) for n in range(WORKERS)])
    with Store(url) as store, store.engine.connect() as connection:
        records = store.list()
        # the migration raced too: one schema revision row, not one per process
        assert connection.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
    assert len(records) == WORKERS * ROUNDS
    assert len({r.id for r in records}) == WORKERS * ROUNDS
    assert sorted(pair for outcome in outcomes for pair in outcome) == sorted((r.id, r.results_sha256) for r in records)
    for record in records:
        # each audit has exactly its own sign-off, and everything still hashes as recorded
        assert record.intact, record.problems
        assert len(record.signoffs) == 1
        worker = record.model_version.split(".")[0]  # type: ignore[union-attr]
        assert record.signoffs[0].signer_name == f"Signer {worker}"


def test_eight_processes_lose_nothing_on_sqlite(tmp_path: Path) -> None:
    _run_workers(str(tmp_path / "new" / "history.db"), tmp_path)


def test_eight_processes_lose_nothing_on_postgresql(postgres_url: str, tmp_path: Path) -> None:
    _run_workers(postgres_url, tmp_path)
