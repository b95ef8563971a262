"""The report's first screen says what changed since the last approved audit, and results.json carries
it, so the report a reviewer signs is the report with that section."""

from __future__ import annotations

import json
from pathlib import Path

from govkit import api
from govkit.cli.history import AuditHistory
from govkit.history import Store
from govkit.results import RunResult
from test_history_store import results_text, signed


def test_the_first_screen_names_what_changed_since_the_approval(tmp_path: Path) -> None:
    store = tmp_path / "h.db"
    with Store(store) as history:
        history.record(results_text(version="1"))
        history.record_signoff(signed(tmp_path / "v1", results_text(version="1")))
    data = json.loads(results_text(version="2", **{"explain.additivity": ("fail", 0.5)}))
    data["policy"]["reapproval"] = {}
    result = RunResult.from_json(json.dumps(data))

    audit = AuditHistory(store_url=str(store), config_path=None, model_version="2", quiet=True)
    shown = audit.attach(result)
    assert shown.since_approved is not None and shown.since_approved.by == "Ada Reviewer (Model risk)"
    written = api.render(shown, tmp_path / "out", formats=["html", "json"])
    page = written["html"].read_text()
    assert "Since the last approved audit (" in page and "by Ada Reviewer (Model risk), version 1)" in page
    assert "SHAP additivity error (explain.additivity): pass -&gt; fail (worse)" in page
    assert "Needs a fresh approval" in page
    again = RunResult.read(written["json"])  # results.json carries the section: re-rendering gives the same
    assert again.since_approved == shown.since_approved
    assert audit.record(shown, tmp_path / "out") == ["explain.additivity went from pass to fail"]
    assert "since_approved" not in result.to_dict()  # without a store, results keep their bytes
