"""The commands around policies: validate, checks, policies, init; bundled policies; plug-in families."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from govkit.cli import main

PLUGINS = Path(__file__).parent / "plugins"
# The example's skops model holds a tree; the operator trusts its type on the command line.
TRUST_EXAMPLE = ("--trust-type", "sklearn.tree._tree.Tree")
FORMATS_JSON_HTML = ("--format", "json", "--format", "html")


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_validate_reports_five_located_mistakes(tmp_path: Path) -> None:
    policy = tmp_path / "lending.yaml"
    policy.write_text(
        """version: 1
name: lending
extend: default
checks:
  - id: fairness.demographic_parity_ratio
    fail_if: {lt: 0.8, gt: 1.2}
  - id: drift.drifted_columns_share
    severity: critical
  - id: fairness.demographic_parity_diference
  - id: fairness.equalized_odds_difference
    params: {min_group_sise: 10}
"""
    )
    code, out, err = invoke("validate", str(policy))
    assert code == 2
    assert out == ""
    assert err.splitlines() == [
        "govkit: error: lending.yaml: extend: unknown key 'extend' (did you mean 'extends'?)",
        "govkit: error: lending.yaml: checks[0].fail_if: give exactly one of gt, ge, lt, le",
        "govkit: error: lending.yaml: checks[1].severity: 'critical' is not allowed (use 'blocking' or 'advisory')",
        "govkit: error: lending.yaml: checks[2].id: unknown check 'fairness.demographic_parity_diference' "
        "(did you mean 'fairness.demographic_parity_difference'?)",
        "govkit: error: lending.yaml: checks[3].params.min_group_sise: unknown key 'min_group_sise' "
        "(did you mean 'min_group_size'?)",
    ]


@pytest.mark.parametrize("name", ["default", "lending", "hiring", "eu-ai-act-high-risk"])
def test_validate_accepts_bundled_policies(name: str) -> None:
    root = Path(__file__).parent.parent
    code, out, _ = invoke("validate", str(root / "checks" / f"{name}.yaml"))
    assert code == 0
    assert out.startswith(f"{root / 'checks' / name}.yaml: valid policy.")


def test_validate_config_checks_paths_and_policy(tmp_path: Path) -> None:
    config = tmp_path / "govkit.yaml"
    config.write_text("version: 1\ndata: missing.csv\npolicy: lendng\ntarget: y\n")
    code, _, err = invoke("validate", str(config))
    assert code == 2
    lines = err.splitlines()
    assert lines[0] == f"govkit: error: govkit.yaml: data: file 'missing.csv' not found (relative to {tmp_path})"
    assert lines[1].startswith("govkit: error: govkit.yaml: policy: policy 'lendng' not found")


def test_checks_lists_every_family_and_filters() -> None:
    code, out, _ = invoke("checks")
    assert code == 0
    for family in ("quality.", "drift.", "fairness.", "explain.", "performance."):
        assert f"\n{family}" in "\n" + out
    code, out, _ = invoke("checks", "--family", "fairness")
    assert code == 0
    ids = [line for line in out.splitlines() if not line.startswith(" ")]
    assert ids and all(line.startswith("fairness.") for line in ids)
    assert "param min_group_size = 30" in out
    code, _, err = invoke("checks", "--family", "nope")
    assert code == 2 and "unknown family 'nope'" in err


def test_policies_lists_the_bundled_ones() -> None:
    code, out, _ = invoke("policies")
    assert code == 0
    for name in (
        "default:",
        "lending (extends default):",
        "hiring (extends default):",
        "eu-ai-act-high-risk (extends default):",
    ):
        assert name in out


def test_lending_policy_applies_its_thresholds_and_the_report_shows_refs(adult_project: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "govkit.cli", "audit", "--policy", "lending", *TRUST_EXAMPLE, *FORMATS_JSON_HTML],
        cwd=adult_project,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 1, completed.stderr
    results = json.loads((adult_project / "build/report/results.json").read_text())
    assert results["policy"]["name"] == "lending"
    checks = {c["id"]: c for c in results["checks"]}
    assert checks["drift.drifted_columns_share"]["fail_if"] == {"gt": 0.2, "ge": None, "lt": None, "le": None}
    assert checks["fairness.disparate_impact_ratio"]["status"] == "fail"
    assert checks["fairness.disparate_impact_ratio"]["required"] is True
    html = (adult_project / "build/report/report.html").read_text()
    assert "ECOA / Regulation B, 12 CFR 1002.4 and 1002.6 (disparate treatment and effects)" in html
    assert "Federal Reserve SR 11-7, ongoing monitoring" in html


def test_init_writes_a_config_that_audits_without_edits(adult_build: Path, tmp_path: Path) -> None:
    import pandas as pd

    folder = tmp_path / "empty"
    folder.mkdir()
    frame = pd.read_csv(adult_build / "current.csv").head(2000)
    frame.to_csv(folder / "applicants.csv", index=False)
    init = subprocess.run(
        [sys.executable, "-m", "govkit.cli", "init", "--data", "applicants.csv"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert init.returncode == 0, init.stderr
    text = (folder / "govkit.yaml").read_text()
    assert "target: income-per-year   # proposed" in text
    assert "sensitive: [race, sex, native-country]   # proposed" in text or "sensitive: [" in text
    audit = subprocess.run(
        [sys.executable, "-m", "govkit.cli", "audit"], cwd=folder, capture_output=True, text=True, timeout=600
    )
    assert audit.returncode in (0, 1), audit.stderr
    results = json.loads((folder / "govkit-report" / "results.json").read_text())
    assert results["inputs"]["target"] == "income-per-year"
    assert {"sex", "race"} <= set(results["inputs"]["sensitive"])
    # with no model and no reference, the checks that need them are visibly skipped, not passed
    statuses = {c["id"]: c["status"] for c in results["checks"]}
    assert statuses["drift.drifted_columns_share"] == "skip"
    assert statuses["quality.completeness"] in ("pass", "warn", "fail")

    again = subprocess.run(
        [sys.executable, "-m", "govkit.cli", "init", "--data", "applicants.csv"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode == 2
    assert "already exists" in again.stderr
    assert (folder / "govkit.yaml").read_text() == text


def test_plugin_family_is_loaded_only_when_a_policy_names_it(tmp_path: Path) -> None:
    policy = tmp_path / "plugin.yaml"
    policy.write_text(
        "version: 1\nname: plugin\nchecks:\n"
        "  - id: example.missing_share\n    params: {column: a}\n    fail_if: {gt: 0.25}\n"
    )
    data = tmp_path / "data.csv"
    data.write_text("a,b\n1,2\n,3\n4,5\n6,7\n")
    code = f"""
import sys, json
sys.path.insert(0, {str(PLUGINS)!r})
import govkit
from govkit.registry import family_names
assert "example" in family_names()
assert "govkit_example_family" not in sys.modules
result = govkit.audit(data={str(data)!r}, policy={str(policy)!r})
assert "govkit_example_family" in sys.modules
check = result.check("example.missing_share")
print(json.dumps([check.status.value, check.measurement.value]))
"""
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout.strip().splitlines()[-1]) == ["pass", 0.25]
