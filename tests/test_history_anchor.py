"""The history store as the sign-off log's anchor (issue 15): deleting the log's last entries, which a
hash chain alone cannot show, is caught by `verify` with the store, without a pinned head."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import govkit
from govkit import api
from govkit.history import Store
from govkit.signoff import SIDECAR_NAME, assess_signoffs, generate_keypair

APPROVE = {"decision": "approve", "override_reason": "accepted for the test"}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real audit of a small frame (predictions in a column), rendered once for the module."""
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"x": rng.normal(size=400), "group": rng.choice(["a", "b"], size=400)})
    frame["y"] = (frame["x"] > 0).astype(int)
    frame["pred"] = frame["y"]
    result = govkit.audit(
        data=frame, reference=frame, target="y", sensitive=["group"], prediction_column="pred", parallel=False
    )
    out = tmp_path_factory.mktemp("anchor") / "out"
    api.render(result, out, formats=["html", "json"])
    return out


@pytest.fixture
def audited(rendered: Path, tmp_path: Path) -> tuple[Path, str]:
    """A fresh copy of the rendered audit, recorded in a fresh store."""
    out = tmp_path / "out"
    shutil.copytree(rendered, out)
    store = str(tmp_path / "history.db")
    api.record(out / "results.json", store, out=out)
    return out / "results.json", store


def _sign(tmp_path: Path, results: Path, store: str, who: str, decision: dict[str, str]) -> None:
    key = tmp_path / "keys" / f"{who}.pem"
    generate_keypair(key, tmp_path / "trusted" / f"{who}.pub")
    api.sign_off(results, key, who, "Reviewer", store=store, **decision)  # type: ignore[arg-type]


def test_a_deleted_last_entry_is_caught_with_the_store(tmp_path: Path, audited: tuple[Path, str]) -> None:
    results, store = audited
    trusted = tmp_path / "trusted"
    _sign(tmp_path, results, store, "Alice", APPROVE)
    _sign(tmp_path, results, store, "Bob", {"decision": "reject"})
    assert not api.verify(results, trusted).ok  # Bob's rejection stands
    with Store(store) as history:
        [record] = history.find(hashlib.sha256(results.read_bytes()).hexdigest())
        assert [s.decision for s in record.signoffs] == ["approve", "reject"] and record.intact

    # the attacker drops the log's last entry (Bob's rejection) and re-renders the report to match
    log = results.parent / SIDECAR_NAME
    data = json.loads(log.read_text())
    data["envelopes"] = data["envelopes"][:1]
    log.write_text(json.dumps(data, indent=2))
    api.render(results, results.parent, formats=["html"], signoffs=assess_signoffs(results, trusted))

    assert api.verify(results, trusted).ok  # the shorter log is a valid chain: without an anchor, VERIFIED
    outcome = api.verify(results, trusted, store=store)
    assert not outcome.ok
    assert [r for r in outcome.reasons if "history" in r] == [
        f"the sign-off log lost entry #2 (reject by Bob (Reviewer), sha256 {record.signoffs[1].entry_digest[:16]}…)"
        " that the history store recorded; restore signoff.dsse.json"
    ]
    assert "history store: 2 recorded sign-off(s), 1 in the log" in outcome.summary


def test_an_intact_log_verifies_with_the_store(tmp_path: Path, audited: tuple[Path, str]) -> None:
    results, store = audited
    _sign(tmp_path, results, store, "Alice", APPROVE)
    outcome = api.verify(results, tmp_path / "trusted", store=store)
    assert outcome.ok, outcome.reasons
    assert "history store: 1 recorded sign-off(s), 1 in the log" in outcome.summary


def test_signing_an_unrecorded_audit_records_it_first(tmp_path: Path, audited: tuple[Path, str]) -> None:
    results, _ = audited
    other = str(tmp_path / "other.db")
    _sign(tmp_path, results, other, "Alice", APPROVE)
    with Store(other) as history:
        [record] = history.list()
        assert record.results == results.read_text() and record.approved


def test_the_store_names_the_template_set_a_sign_off_was_made_with(tmp_path: Path, audited: tuple[Path, str]) -> None:
    from govkit.report.html import template_set_digest as templates_digest
    from govkit.resources import templates_dir

    results, store = audited
    signed_with, other = tmp_path / "templates", tmp_path / "other-templates"
    shutil.copytree(templates_dir(), signed_with)
    shutil.copytree(templates_dir(), other)
    (other / "unused.html.j2").write_text("never rendered\n")  # same reports, another set
    key = tmp_path / "keys" / "alice.pem"
    generate_keypair(key, tmp_path / "trusted" / "alice.pub")
    api.sign_off(results, key, "Alice", "Reviewer", store=store, templates=signed_with, **APPROVE)  # type: ignore[arg-type]
    with Store(store) as history:
        [record] = history.list()
        assert record.signoffs[0].templates_sha256 == templates_digest(signed_with)
    assert api.verify(results, tmp_path / "trusted", store=store, templates=signed_with).ok
    without_store = api.verify(results, tmp_path / "trusted", templates=other)  # the signed digest tells
    assert not without_store.ok
    assert without_store.reasons[0].startswith("report templates differ from the set signed")
    outcome = api.verify(results, tmp_path / "trusted", store=store, templates=other)
    assert not outcome.ok
    assert any("was made with report templates sha256" in reason for reason in outcome.reasons)


def test_with_trusted_keys_only_a_trusted_approval_makes_a_baseline(tmp_path: Path, audited: tuple[Path, str]) -> None:
    from govkit.results import RunResult

    results, store = audited
    result = RunResult.read(results)
    # Mallory can write to the store and records a well-formed approval signed with her own key
    mallory = tmp_path / "mallory" / "key.pem"
    generate_keypair(mallory, tmp_path / "mallory" / "key.pub")
    api.sign_off(results, mallory, "Mallory", "Reviewer", store=store, **APPROVE)  # type: ignore[arg-type]
    assert api.since_last_approved(result, store) is not None  # the store alone: an intact approval
    _sign(tmp_path, results, store, "Alice", {"decision": "reject"})
    assert api.since_last_approved(result, store) is None  # a recorded rejection stands
    trusted = tmp_path / "trusted"  # Alice only
    assert api.since_last_approved(result, store, trusted_keys=trusted) is None

    # another audit of the same model, approved by Alice (trusted), is the baseline; Mallory's is not
    with Store(store) as history:
        later = history.record(results.read_text().replace('"seed": 0', '"seed": 1', 1))
        history.record_signoff(_resigned(tmp_path, history.get(later).results, "Alice"), later)
        history.record_signoff(_resigned(tmp_path, results.read_text(), "Mallory", mallory))
    since = api.since_last_approved(result, store, trusted_keys=trusted)
    assert since is not None and since.baseline_id == later
    # with only Mallory's key trusted: the later audit's approval is Alice's, the first has a rejection
    assert api.since_last_approved(result, store, trusted_keys=tmp_path / "mallory") is None  # nothing she signs counts


def _resigned(tmp_path: Path, text: str, who: str, key: Path | None = None) -> dict[str, object]:
    """An approval envelope of ``text`` (as results.json in a fresh folder) by ``who``."""
    from govkit.signoff.protocol import sign_results

    folder = tmp_path / f"resign-{who}-{hashlib.sha256(text.encode()).hexdigest()[:8]}"
    folder.mkdir()
    (folder / "results.json").write_text(text)
    return sign_results(
        folder / "results.json", "0" * 64, key or tmp_path / "keys" / f"{who}.pem", who, "Reviewer", **APPROVE
    )
