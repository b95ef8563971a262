"""The example end to end (issue 19): audit version 1 and approve it; retrain so that one fairness check
gets worse; audit version 2. The comparison with the last approved audit names exactly the checks that
changed, the policy's `reapproval` makes the change material until version 2 is signed, and
`govkit diff --against last-approved` says the same from the store."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from govkit import api
from govkit.cli import main
from govkit.config import load_request
from govkit.history import Store, resolve_url
from govkit.history.diff import DEFAULT_TOLERANCE

ROOT = Path(__file__).resolve().parent.parent
EOD = "fairness.equalized_odds_difference"
POLICY = "version: 1\nname: example-with-reapproval\nextends: default\nreapproval: {}\n"
# Version 2 is trained on data where no woman earns >50K: the model learns to select women less often.
RETRAIN = """
import sys
sys.path.insert(0, {example!r})
import skops.io as sio
import train
from sklearn.model_selection import train_test_split
data = train.load_adult()
part, _ = train_test_split(data, test_size=0.5, random_state=train.SEED, stratify=data[train.TARGET])
part = part.copy()
part.loc[part["sex"] == "Female", train.TARGET] = "<=50K"
inputs = [c for c in data.columns if c not in train.NOT_INPUTS]
sio.dump(train.build_model(part[inputs]).fit(part[inputs], part[train.TARGET]), {model!r})
"""


def _audit(project: Path, out: str, version: str) -> tuple[Any, Path]:
    options = {
        "trust_types": ("sklearn.tree._tree.Tree",),
        "policy": str(project / "policy.yaml"),
        "out": str(project / out),
    }
    request = load_request(project / "govkit.yaml", options)
    request.audit["model_card"]["model_version"] = version
    result = api.audit(**request.audit)
    api.render(result, request.out, formats=["html", "json"])
    return result, request.out


def _changed(before: dict[str, Any], after: dict[str, Any]) -> set[str]:
    """The checks that changed, computed from the two results files alone."""
    old = {c["id"]: c for c in before["checks"]}
    new = {c["id"]: c for c in after["checks"]}
    changed = set(old) ^ set(new)
    for check_id in set(old) & set(new):
        a, b = old[check_id], new[check_id]
        va, vb = a["measurement"].get("value"), b["measurement"].get("value")
        moved = va is not None and vb is not None and abs(vb - va) > DEFAULT_TOLERANCE + 1e-12
        if a["status"] != b["status"] or moved:
            changed.add(check_id)
    return changed


def test_the_example_since_the_last_approval(adult_project: Path) -> None:
    (adult_project / "policy.yaml").write_text(POLICY)
    store = resolve_url(None, None, adult_project)
    assert store == f"sqlite:///{adult_project / '.govkit' / 'history.db'}"  # the default, beside govkit.yaml

    first, out1 = _audit(adult_project, "v1", "1")
    assert first.check(EOD).status.value == "warn"
    assert api.since_last_approved(first, store) is None  # nothing approved yet
    api.record(out1 / "results.json", store, out=out1)
    key = adult_project / "keys" / "risk.pem"
    from govkit.signoff import generate_keypair

    generate_keypair(key)
    reason = {} if first.passed else {"override_reason": "accepted with the known fairness findings"}
    api.sign_off(out1 / "results.json", key, "Rita Risk", "Model risk", "approve", store=store, **reason)

    model = adult_project / "build" / "model.skops"
    script = RETRAIN.format(example=str(ROOT / "examples" / "adult"), model=str(model))
    subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, timeout=600)
    second, out2 = _audit(adult_project, "v2", "2")
    assert second.check(EOD).status.value == "fail"

    since = api.since_last_approved(second, store)
    assert since is not None and since.approved_by == ["Rita Risk (Model risk)"] and since.version == "1"
    expected = _changed(first.to_dict(), second.to_dict())
    assert EOD in expected and set(since.changed_checks) == expected
    assert f"{EOD} went from warn to fail" in since.material and "the model file changed" in since.material
    assert since.needs_approval
    api.record(out2 / "results.json", store, out=out2)

    runner = CliRunner()
    shown = runner.invoke(main, ["diff", "--against", "last-approved", "--store", store, "--format", "json"])
    assert shown.exit_code == 0, shown.stderr
    assert set(json.loads(shown.stdout)["changed_checks"]) == expected

    # version 2 approved: the next audit of it has nothing material to re-approve
    api.sign_off(out2 / "results.json", key, "Rita Risk", "Model risk", "approve", store=store,
                 override_reason="fairness remediation scheduled")  # fmt: skip
    again, _ = _audit(adult_project, "v2-again", "2")
    after = api.since_last_approved(again, store)
    assert after is not None and after.version == "2" and not after.needs_approval
    with Store(store) as history:
        assert [r.model_version for r in history.list()] == ["1", "2"]
        assert all(r.approved for r in history.list())
