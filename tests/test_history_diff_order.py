"""The order of statuses a diff calls "worse": losing a measurement is worse than a warning, better than a fail."""

from __future__ import annotations

import json

from govkit.history import Store
from govkit.history.diff import diff_records, material, worse
from govkit.reapproval import Reapproval
from govkit.results import Status
from test_history_store import results_text

NOT_MEASURED = ("skip", "inconclusive", "error")


def test_pass_warn_not_measured_fail() -> None:
    assert worse("pass", "warn") and not worse("warn", "pass")
    for status in NOT_MEASURED:
        assert worse("warn", status) and worse("pass", status)  # stopped measuring
        assert not worse(status, "warn") and not worse(status, "pass")  # measuring again
        assert worse(status, "fail") and not worse("fail", status)
        assert not any(worse(status, other) for other in NOT_MEASURED)  # alike
    assert {s.value for s in Status} <= {"pass", "warn", "fail", *NOT_MEASURED}
    assert worse("pass", "a status of a later version")  # unknown ranks as a fail


def test_warn_to_error_needs_a_fresh_approval(tmp_path) -> None:
    check = "fairness.demographic_parity_difference"
    before = json.loads(results_text())
    status = {c["id"]: c["status"] for c in before["checks"]}[check]
    assert status == "warn"
    after = json.loads(results_text())
    for found in after["checks"]:
        if found["id"] == check:
            found["status"] = "error"
    with Store(tmp_path / "h.db") as store:
        old = store.get(store.record(json.dumps(before)))
        new = store.get(store.record(json.dumps(after)))
    changes = diff_records(old, new, tolerance=0.01)
    assert [(c.check, c.before, c.after, c.worse) for c in changes.statuses] == [(check, "warn", "error", True)]
    assert material(changes, Reapproval()) == [f"{check} went from warn to error"]
