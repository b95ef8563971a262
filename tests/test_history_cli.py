"""`govkit history`, `show`, `diff` and `trend` on a real SQLite store, and the trend page in Chromium."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import test_report_browser as browser_tests
from govkit.cli import main
from govkit.history import Store
from govkit.signoff import generate_keypair
from test_history_store import results_text

MODEL = "Adult income classifier (example)"
PARITY = "fairness.demographic_parity_ratio"
browser = browser_tests.browser  # the module-scoped headless Chromium of the report's browser tests


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """Three audits of the example model: v1 (approved in the test that needs it), v2, v3."""
    path = tmp_path / "h.db"
    with Store(path) as history:
        history.record(results_text(version="1"))
        history.record(results_text(version="2", **{PARITY: ("pass", 0.85)}))
        history.record(results_text(version="3", **{PARITY: ("pass", 0.84), "explain.additivity": ("fail", 0.5)}))
    return path


def run(*args: str) -> tuple[int, str, str]:
    outcome = CliRunner().invoke(main, list(args))
    return outcome.exit_code, outcome.stdout, outcome.stderr


def test_history_table_and_show(store: Path) -> None:
    code, out, _ = run("history", "--store", str(store), "--model", MODEL)
    lines = out.splitlines()
    assert code == 0 and len(lines) == 4 and lines[0].split()[:2] == ["id", "when"]
    assert [line.split()[0] for line in lines[1:]] == ["1", "2", "3"]
    assert "11/4/2" in lines[1] and lines[1].rstrip().endswith("-")
    code, out, _ = run("show", "2", "--store", str(store))
    assert code == 0 and "integrity: intact" in out and "verdict: fail" in out
    code, out, err = run("show", "9", "--store", str(store))
    assert code == 2 and out == "" and err.count("\n") == 1 and "no audit with id 9" in err


def test_diff_in_three_formats(store: Path) -> None:
    code, out, _ = run("diff", "1", "2", "--store", str(store))
    assert code == 0
    assert out.splitlines()[1:] == [
        f"  Demographic parity ratio ({PARITY}): fail -> pass; value 0.1219 [0.03824, 0.1748] -> 0.85"
        " [0.03824, 0.1748] (+0.7281)",
    ]
    code, out, _ = run("diff", "2", "3", "--store", str(store), "--format", "json", "--tolerance", "0.05")
    data = json.loads(out)
    assert data["changed_checks"] == ["explain.additivity"]  # parity moved 0.01 only: under the tolerance
    assert data["statuses"][0]["worse"] is True
    code, out, _ = run("diff", "1", "3", "--store", str(store), "--format", "markdown")
    assert "| explain.additivity | pass | fail | worse |" in out.replace("\\.", ".")


def test_diff_against_last_approved(store: Path, tmp_path: Path) -> None:
    from govkit.signoff.keys import generate_keypair
    from test_history_store import signed

    code, _, err = run("diff", "--against", "last-approved", "--store", str(store))
    assert code == 2 and "no earlier intact, approved audit" in err
    with Store(store) as history:
        history.record_signoff(signed(tmp_path / "v2", history.get(2).results))
    code, out, _ = run("diff", "--against", "last-approved", "--store", str(store))
    assert code == 0 and out.startswith("audit 2 -> audit 3")
    # an approval counts with --trusted-keys only when a trusted key signed it
    code, trusted, _ = run(
        "diff", "--against", "last-approved", "--store", str(store), "--trusted-keys", str(tmp_path / "v2")
    )
    assert code == 0 and trusted == out
    generate_keypair(tmp_path / "stranger" / "key")
    code, _, err = run(
        "diff", "--against", "last-approved", "--store", str(store), "--trusted-keys", str(tmp_path / "stranger")
    )
    assert code == 2 and "no earlier intact, approved audit" in err
    assert out.splitlines()[1:] == [
        "  SHAP additivity error (explain.additivity): pass -> fail (worse); value 7.994e-15 -> 0.5 (+0.5)"
    ]


def test_reading_never_creates_a_store_and_errors_are_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GOVKIT_STORE", raising=False)
    code, _, err = run("history")
    assert code == 2 and "no history store" in err
    (tmp_path / "govkit.yaml").write_text("version: 1\n")
    code, _, err = run("history")
    assert code == 2 and "no history there yet" in err and not (tmp_path / ".govkit").exists()
    for url in ("nope://x", "postgresql+psycopg://nobody@127.0.0.1:1/none"):
        code, out, err = run("history", "--store", url)
        assert code == 2 and out == "" and err.count("\n") == 1 and err.startswith("govkit: error: store ")


def _trend(store: Path, out: Path, *extra: str) -> Path:
    code, _, err = run("trend", "--model", MODEL, "--store", str(store), "--out", str(out), *extra)
    assert code == 0, err
    return out


def test_trend_page_is_self_contained(store: Path, tmp_path: Path) -> None:
    page = _trend(store, tmp_path / "trend.html", "--check", PARITY).read_text()
    assert "<script" not in page and "http" not in page.replace("http-equiv", "") and "src=" not in page
    assert page.count("<svg") == 1 and page.count("<circle") == 3
    assert "fail if &lt; 0.8" in page  # the threshold line, labelled


@pytest.mark.browser
def test_trend_renders_offline_in_chromium(browser, store: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = _trend(store, tmp_path / "trend.html")
    requested, errors = browser_tests._open_offline(browser, page)
    assert [url for url in requested if not url.startswith("file://")] == []
    assert errors == []
    charts = browser.find_elements("css selector", "svg")
    assert len(charts) == len(json.loads(results_text())["checks"])
    # every point is drawn inside its chart, with a size
    for point in browser.find_elements("css selector", "circle"):
        assert point.size["width"] > 0 and point.size["height"] > 0
    shot = tmp_path / "trend.png"
    assert browser.save_screenshot(str(shot)) and shot.stat().st_size > 20_000


def test_what_an_audit_records_and_when_it_needs_reapproval(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from govkit.cli.history import record_audit
    from govkit.results import RunResult
    from test_history_store import signed

    (tmp_path / "govkit.yaml").write_text("version: 1\n")
    config = str(tmp_path / "govkit.yaml")

    def audited(version: str, **changes: tuple[str, float]) -> tuple[RunResult, Path]:
        data = json.loads(results_text(version=version, **changes))
        data["policy"]["reapproval"] = {"status_worse": True}  # as a policy's `reapproval: {}` records it
        result = RunResult.from_json(json.dumps(data))
        out = tmp_path / f"out{version}"
        out.mkdir()
        result.write_json(out / "results.json")
        return result, out

    first, out1 = audited("1")
    assert record_audit(first, out1, store_url=None, config_path=config, record=False) == []
    assert not (tmp_path / ".govkit").exists()  # --no-record: nothing written
    assert record_audit(first, out1, store_url=None, config_path=config, model_version="1") == []
    store = tmp_path / ".govkit" / "history.db"  # the default: beside govkit.yaml
    with Store(store) as history:
        [record] = history.list()
        assert record.model_version == "1" and record.results == (out1 / "results.json").read_text()
        history.record_signoff(signed(tmp_path / "sign", record.results))
    capsys.readouterr()

    second, out2 = audited("2", **{"explain.additivity": ("fail", 0.5)})
    # --no-record still compares (the gate holds) and writes nothing
    unverified = (
        "the last approval is not verified: the policy's reapproval rules count only approvals whose signatures "
        "verify; give --trusted-keys"
    )
    kept = record_audit(second, out2, store_url=None, config_path=config, record=False)
    assert kept == ["explain.additivity went from pass to fail", unverified]
    with Store(store) as history:
        assert len(history.list()) == 1
    capsys.readouterr()
    # without trusted keys the stored approval is a claim: the gate asks for a verified one
    reasons = record_audit(second, out2, store_url=None, config_path=config, model_version="2")
    assert reasons == ["explain.additivity went from pass to fail", unverified]
    printed = capsys.readouterr().out
    assert "history: recorded as audit 2" in printed
    assert "since the last approved audit (" in printed and "by Ada Reviewer (Model risk)): 1 change(s)" in printed
    assert "reapproval needed: explain.additivity went from pass to fail" in printed
    # an approval signed by a key nobody trusts is no baseline at all once trusted keys are given
    other = tmp_path / "trusted"
    generate_keypair(tmp_path / "someone-else", other / "someone-else.pub")
    assert record_audit(second, out2, store_url=None, config_path=config, trusted_keys=str(other)) == []


def test_an_unusable_store_after_the_audit_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sqlite3

    from govkit.cli.history import record_audit
    from govkit.history import StoreError
    from govkit.results import RunResult

    result = RunResult.from_json(results_text())
    store = tmp_path / "h.db"
    Store(store).record(result)
    holder = sqlite3.connect(store, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    monkeypatch.setenv("GOVKIT_STORE_TIMEOUT", "0.2")
    try:
        with pytest.raises(StoreError, match="locked by another process") as error:
            record_audit(result, tmp_path, store_url=str(store), config_path=None)
        assert error.value.code == "GK604" and "\n" not in str(error.value)
    finally:
        holder.close()
    monkeypatch.setenv("GOVKIT_STORE_TIMEOUT", "soon")
    with pytest.raises(StoreError, match="GOVKIT_STORE_TIMEOUT='soon'"):
        record_audit(result, tmp_path, store_url=str(store), config_path=None)
