"""The command line end to end on the example, and its answers to bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from govkit.cli import main

HEAVY = (
    "pandas",
    "numpy",
    "sklearn",
    "great_expectations",
    "evidently",
    "fairlearn",
    "shap",
    "sqlalchemy",
    "alembic",
    "mlflow",
    "xgboost",
    "lightgbm",
    "selenium",
    "pikepdf",
)
FAMILIES = ("quality", "drift", "fairness", "explain", "performance", "robustness")


def run(args: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run(
        [sys.executable, "-m", "govkit.cli", *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=600
    )


def test_help_imports_no_heavy_library() -> None:
    code = (
        "import sys; from govkit.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        f"print([m for m in {HEAVY!r} if m in sys.modules])"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert completed.stdout.strip().splitlines()[-1] == "[]"


@pytest.fixture(scope="module")
def example_audit(
    adult_build: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[subprocess.CompletedProcess[str], Path]:
    project = tmp_path_factory.mktemp("project")
    (project / "govkit.yaml").write_text((Path(__file__).parent.parent / "examples/adult/govkit.yaml").read_text())
    (project / "build").symlink_to(adult_build)
    # the operator trusts the example's tree type on the command line; the config file cannot (issue 15)
    completed = run(["audit", "--trust-type", TREE, "--out", str(project / "report")], cwd=project)
    return completed, project / "report"


TREE = "sklearn.tree._tree.Tree"


def test_the_example_config_grants_no_trust(adult_build: Path, tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "govkit.yaml").write_text((Path(__file__).parent.parent / "examples/adult/govkit.yaml").read_text())
    (project / "build").symlink_to(adult_build)
    # without the operator's --trust-type, the example's skops model is refused: trust is not in the repository
    completed = run(["audit", "--out", str(project / "report")], cwd=project)
    assert completed.returncode == 2
    assert f"pass --trust-type {TREE}" in completed.stderr


def test_example_audit_writes_every_output_with_real_numbers(example_audit) -> None:
    completed, report = example_audit
    # the example model fails the four-fifths rule, so the audit blocks deployment
    assert completed.returncode == 1, completed.stderr
    # stderr is not a terminal here: one progress line per phase, and nothing else
    assert all(
        line.startswith("govkit: ") and not line.startswith("govkit: error") for line in completed.stderr.splitlines()
    )
    assert completed.stdout.startswith("Verdict: Fail.")
    assert {p.name for p in report.iterdir()} == {"report.html", "results.json", "junit.xml", "summary.md"}

    results = json.loads((report / "results.json").read_text())
    assert results["schema_version"] == "1.1"
    assert results["verdict"] == "fail"
    files = results["provenance"]["files"]
    assert set(files) == {"current", "reference", "model", "policy"}
    assert all(len(entry["sha256"]) == 64 for entry in files.values())
    versions = results["provenance"]["library_versions"]
    assert versions["great-expectations"].startswith("1.") and versions["evidently"].startswith("0.7")
    assert results["provenance"]["seed"] == 0
    by_family: dict[str, list[dict]] = {}
    for check in results["checks"]:
        by_family.setdefault(check["family"], []).append(check)
        assert check["status"] in {"pass", "warn", "fail", "inconclusive", "skip", "error"}
        assert "fail_if" in check and "warn_if" in check
    assert set(by_family) == set(FAMILIES)
    for family, checks in by_family.items():
        assert any(c["measurement"]["value"] is not None for c in checks), family
        assert not any(c["status"] in ("error", "skip") for c in checks), family

    check = {c["id"]: c for c in results["checks"]}
    assert 0.8 < check["performance.accuracy"]["measurement"]["value"] < 0.95
    assert check["fairness.demographic_parity_ratio"]["status"] == "fail"
    assert check["drift.drifted_columns_share"]["measurement"]["value"] == 0.0  # a random split does not drift
    importance = check["explain.sensitive_feature_importance"]["measurement"]["details"]["importance"]
    assert {row["column"] for row in importance} >= {"age", "sex", "race", "marital-status"}


def test_example_report_is_self_contained(example_audit) -> None:
    _, report = example_audit
    html = (report / "report.html").read_text()
    assert "Content-Security-Policy" in html
    assert "<script" not in html
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in html
    assert "Fairness" in html and "Selection rate" in html
    assert (report / "report.html").stat().st_size < 2_000_000


def test_render_rebuilds_identical_outputs(example_audit, tmp_path: Path) -> None:
    _, report = example_audit
    completed = run(["render", str(report / "results.json"), "--out", str(tmp_path)])
    assert completed.returncode == 0, completed.stderr
    for name in ("report.html", "junit.xml", "summary.md"):
        assert (tmp_path / name).read_bytes() == (report / name).read_bytes(), name


def test_library_call_returns_a_result_without_printing(adult_build: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import skops.io as sio

    import govkit

    model = sio.load(adult_build / "model.skops", trusted=["sklearn.tree._tree.Tree"])
    import pandas as pd

    current = pd.read_csv(adult_build / "current.csv")
    reference = pd.read_csv(adult_build / "reference.csv")
    result = govkit.audit(
        model=model,
        data=current,
        reference=reference,
        target="income-per-year",
        sensitive="sex,race",
        policy="default",
        positive_label=">50K",  # '<=50K'/'>50K' are not yes/no-like: govkit does not guess
    )
    assert capsys.readouterr().out == ""
    assert result.passed is False
    assert result.check("performance.roc_auc").measurement.value > 0.85
    assert json.loads(result.to_json())["verdict"] == "fail"


def test_predictions_only_mode(adult_build: Path, tmp_path: Path) -> None:
    import pandas as pd
    import skops.io as sio

    model = sio.load(adult_build / "model.skops", trusted=["sklearn.tree._tree.Tree"])
    current = pd.read_csv(adult_build / "current.csv")
    inputs = current[list(model.feature_names_in_)]
    current["predicted"] = model.predict(inputs)
    current["score"] = model.predict_proba(inputs)[:, 1]
    current.to_csv(tmp_path / "scored.csv", index=False)
    completed = run(
        [
            "audit",
            "--data",
            str(tmp_path / "scored.csv"),
            "--reference",
            str(adult_build / "reference.csv"),
            "--target",
            "income-per-year",
            "--sensitive",
            "sex,race",
            "--positive-label",
            ">50K",
            "--prediction-column",
            "predicted",
            "--probability-column",
            "score",
            "--out",
            str(tmp_path / "out"),
        ]
    )
    assert completed.returncode == 1, completed.stderr
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    check = {c["id"]: c for c in results["checks"]}
    assert results["inputs"]["prediction_source"] == "column"
    assert check["fairness.demographic_parity_ratio"]["status"] == "fail"
    assert check["performance.roc_auc"]["measurement"]["value"] > 0.85
    assert check["explain.sensitive_feature_importance"]["status"] == "skip"  # no model to explain


def _single_error_line(completed: subprocess.CompletedProcess[str]) -> str:
    assert completed.returncode == 2, (completed.stdout, completed.stderr)
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1, completed.stderr
    assert "Traceback" not in completed.stderr
    return lines[0]


def test_missing_data_file(adult_build: Path, tmp_path: Path) -> None:
    line = _single_error_line(run(["audit", "--data", str(tmp_path / "nope.csv"), "--target", "y"], cwd=tmp_path))
    assert line == f"govkit: error: {tmp_path / 'nope.csv'}: current file not found; check the path given to --data"


def test_missing_target_column(adult_build: Path, tmp_path: Path) -> None:
    line = _single_error_line(
        run(["audit", "--data", str(adult_build / "current.csv"), "--target", "income"], cwd=tmp_path)
    )
    assert line.startswith("govkit: error: current.csv: target column 'income' not found")
    assert "fix --target" in line


def test_sensitive_column_not_found(adult_build: Path, tmp_path: Path) -> None:
    line = _single_error_line(
        run(
            [
                "audit",
                "--data",
                str(adult_build / "current.csv"),
                "--target",
                "income-per-year",
                "--sensitive",
                "gender",
            ],
            cwd=tmp_path,
        )
    )
    assert line.startswith("govkit: error: current.csv: sensitive column 'gender' not found")
    assert "fix --sensitive" in line


def test_unreadable_model(adult_build: Path, tmp_path: Path) -> None:
    model = tmp_path / "model.skops"
    model.write_text("this is not a model")
    line = _single_error_line(
        run(["audit", "--data", str(adult_build / "current.csv"), "--model", str(model), "--target", "income-per-year"])
    )
    assert line == (
        f"govkit: error: {model}: not a model file govkit can read "
        "(expected a skops file, or pickle/joblib with --trust-pickle)"
    )


def test_untrusted_skops_types_are_named(adult_build: Path, tmp_path: Path) -> None:
    line = _single_error_line(
        run(
            [
                "audit",
                "--data",
                str(adult_build / "current.csv"),
                "--model",
                str(adult_build / "model.skops"),
                "--target",
                "income-per-year",
            ],
            cwd=tmp_path,
        )
    )
    assert line == (
        f"govkit: error: {adult_build / 'model.skops'}: holds types that are not trusted: sklearn.tree._tree.Tree; "
        "if you trust this file, pass --trust-type sklearn.tree._tree.Tree "
        "(or list them under trusted_types in govkit.yaml and pass --trust-config)"
    )


def test_bad_policy_lists_every_problem(adult_build: Path, tmp_path: Path) -> None:
    policy = tmp_path / "mine.yaml"
    policy.write_text(
        "version: 1\nname: mine\nchecks:\n  - id: fairness.demographic_parity_diference\n  - id: drift.nope\n"
    )
    completed = run(["audit", "--data", str(adult_build / "current.csv"), "--policy", str(policy)], cwd=tmp_path)
    assert completed.returncode == 2
    assert completed.stderr.splitlines() == [
        "govkit: error: mine.yaml: checks[0].id: unknown check 'fairness.demographic_parity_diference' "
        "(did you mean 'fairness.demographic_parity_difference'?)",
        "govkit: error: mine.yaml: checks[1].id: unknown check 'drift.nope'",
    ]


def test_output_never_overwrites_an_input(adult_build: Path, tmp_path: Path) -> None:
    data = tmp_path / "results.json"
    data.write_text((adult_build / "current.csv").read_text())
    before = data.read_bytes()
    line = _single_error_line(
        run(["audit", "--data", str(data), "--target", "income-per-year", "--out", str(tmp_path), "--format", "json"])
    )
    assert "would overwrite an input file" in line
    assert data.read_bytes() == before


def test_click_usage_error_exits_2() -> None:
    result = CliRunner().invoke(main, ["audit", "--fail-on", "sometimes"])
    assert result.exit_code == 2
