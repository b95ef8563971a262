"""The report's first screen says what changed since the last approved audit, and results.json carries
it, so the report a reviewer signs is the report with that section."""

from __future__ import annotations

import json
import re
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
    assert "its signature was not checked against trusted keys" in page  # no --trusted-keys: a claim
    again = RunResult.read(written["json"])  # results.json carries the section: re-rendering gives the same
    assert again.since_approved == shown.since_approved
    reasons = audit.record(shown, tmp_path / "out")
    assert reasons[0] == "explain.additivity went from pass to fail"
    assert reasons[1].startswith("the last approval is not verified")  # no --trusted-keys: a claim only
    assert "since_approved" not in result.to_dict()  # without a store, results keep their bytes


def _since_block(page: str) -> str:
    """The report's "since the last approved audit" block: from its opening div to the div that closes it."""
    start = page.index('<div class="since')
    depth = 0
    for tag in re.finditer(r"<div\b|</div>", page[start:]):
        depth += 1 if tag.group() == "<div" else -1
        if depth == 0:
            return page[start : start + tag.end()]
    raise AssertionError("the since block is not closed")


def test_the_checks_that_moved_are_drawn_over_the_stored_audits(tmp_path: Path) -> None:
    store = tmp_path / "h.db"
    accuracy = "performance.accuracy"
    with Store(store) as history:
        history.record(results_text(version="1"))
        history.record_signoff(signed(tmp_path / "v1", results_text(version="1")))
        history.record(results_text(version="2", **{accuracy: ("pass", 0.84)}))
        stored = [r.result.check(accuracy).measurement.value for r in history.list()]
    current = RunResult.from_json(results_text(version="3", **{accuracy: ("pass", 0.80)}))

    audit = AuditHistory(store_url=str(store), config_path=None, model_version="3", quiet=True)
    shown = audit.attach(current)
    assert shown.since_approved is not None
    (trend,) = shown.since_approved.trends  # only the check that moved, not the unchanged ones
    assert (
        trend.check == accuracy
        and trend.labels == ["version 1", "version 2", "version 3"]
        and trend.statuses == ["pass"] * 3
    )
    assert trend.values == [*stored, 0.80] and stored[1] == 0.84  # the store's values, the current one last
    bound = current.check(accuracy).fail_if
    assert bound is not None and trend.fail_if == bound.operator()[1]

    written = api.render(shown, tmp_path / "out", formats=["html", "json"])
    block = _since_block(written["html"].read_text())
    assert block.count("<svg") == 1 and block.count("<circle") == 3  # one chart, three audits
    assert "fairness.demographic_parity_ratio" not in block  # an unchanged check has no chart
    heights = [float(y) for y in re.findall(r'<circle [^>]*cy="([0-9.]+)"', block)]
    assert heights == sorted(heights) and len(set(heights)) == 3  # accuracy fell at each audit: drawn lower
    assert f"({accuracy})" in block and "version 2: 0.84" in block and "version 3: 0.8" in block
    assert f"fail if {bound.describe()}".replace(">", "&gt;").replace("<", "&lt;") in block
    assert RunResult.read(written["json"]).since_approved == shown.since_approved

    audit.record(shown, tmp_path / "out")  # once recorded, the current audit is still drawn once, last
    again = AuditHistory(store_url=str(store), config_path=None, model_version="3", quiet=True).attach(current)
    assert again.since_approved is not None and again.since_approved.trends == shown.since_approved.trends


def test_a_section_without_charts_keeps_the_bytes_it_had() -> None:
    data = json.loads(results_text(version="2"))
    data["since_approved"] = {"baseline": 1, "date": "2026-01-02", "by": "Ada Reviewer (Model risk)", "changes": []}
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    result = RunResult.from_json(text)
    assert result.since_approved is not None and result.since_approved.trends == []
    assert "trends" not in result.to_dict()["since_approved"]


def test_a_long_list_of_changes_stays_a_first_screen(tmp_path: Path) -> None:
    from govkit.results import SinceApproved

    changes = [f"check.c{i} went from pass to warn" for i in range(12)]
    since = SinceApproved(baseline=1, date="2026-12-01", by="Ada Reviewer (Model risk)", changes=changes, verified=True)
    result = RunResult.from_json(results_text(version="2")).model_copy(update={"since_approved": since})
    page = api.render(result, tmp_path / "out", formats=["html"])["html"].read_text()
    block = _since_block(page)
    assert block.count("<li>") == 9  # eight changes, then one line pointing to govkit diff
    assert "and 4 more change(s): see govkit diff --against last-approved" in block
    assert "check.c7 went" in block and "check.c8 went" not in block
    assert "The approval's signature was verified" in block
