"""A result in a notebook: a short repr, and the report in a sandboxed frame with no script.

The end-to-end test executes a real notebook with nbclient on an IPython kernel running this very
Python (a kernelspec written to a temporary JUPYTER_PATH), audits a small model there, and reads the
rendered outputs back.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from govkit.results import RunResult, Status
from requirements import need_module

DATA = Path(__file__).parent / "data"

POLICY = """\
version: 1
name: notebook-test
checks:
  - id: performance.accuracy
    fail_if: {lt: 0.7}
  - id: performance.roc_auc
    fail_if: {lt: 0.99}
"""

CELLS = [
    """\
import numpy as np, pandas as pd
from sklearn.linear_model import LogisticRegression
import govkit

rng = np.random.default_rng(0)
x1, x2 = rng.normal(size=300), rng.normal(size=300)
frame = pd.DataFrame({"x1": x1, "x2": x2, "y": (x1 + 0.5 * rng.normal(size=300) > 0).astype(int)})
model = LogisticRegression().fit(frame[["x1", "x2"]], frame["y"])""",
    "result = govkit.audit(model=model, data=frame, target='y', policy=POLICY_PATH, parallel=False)\nresult",
]


def test_repr_is_short_and_names_the_verdict_counts_and_blockers() -> None:
    result = RunResult.read(DATA / "result-adult.json")
    text = repr(result)
    assert len(result.to_json()) > 100_000
    assert len(text) < 400, text
    assert text.startswith("RunResult(verdict='fail', policy='default', checks=18: 11 pass, 4 warn, 2 fail")
    assert "blocking: fairness.demographic_parity_ratio (fail), fairness.equalized_odds_difference (fail)" in text
    assert str(result) == text


def test_repr_counts_blockers_past_five() -> None:
    result = RunResult.read(DATA / "result-adult.json")
    for check in result.checks:
        check.status, check.severity = Status.FAIL, "blocking"
    text = repr(result)
    assert text.endswith(f"and {len(result.checks) - 5} more)")


def test_repr_html_escapes_everything_into_a_sandboxed_frame() -> None:
    result = RunResult.read(DATA / "result-adult.json")
    result.checks[0].title = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    shown = result._repr_html_()
    assert "<script" not in shown.lower()
    assert "<img" not in shown.lower()
    assert shown.count("<iframe") == 1
    assert 'sandbox=""' in shown  # no allow-scripts, no allow-same-origin: the frame can do nothing
    assert "govkit verdict: Fail." in shown
    # inside the frame the report reads as itself: unescaping srcdoc gives the report, still escaped there
    import html as html_module

    srcdoc = shown.split('srcdoc="', 1)[1].rsplit('"></iframe>', 1)[0]
    report = html_module.unescape(srcdoc)
    assert report.startswith("<!DOCTYPE html>")
    assert "&lt;script&gt;alert" in report


@pytest.fixture
def kernel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A kernelspec for this interpreter, found through a temporary JUPYTER_PATH."""
    need_module("nbclient")
    need_module("ipykernel")
    spec = tmp_path / "jupyter" / "kernels" / "govkit-test"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": "govkit", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")  # jupyter_core's future default, and no warning about it
    return "govkit-test"


def test_a_notebook_shows_the_verdict_and_no_script(kernel: str, tmp_path: Path) -> None:
    import nbformat
    from nbclient import NotebookClient

    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY)
    cells = [f"POLICY_PATH = {str(policy)!r}", *CELLS]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in cells])
    NotebookClient(notebook, kernel_name=kernel, timeout=300, resources={"metadata": {"path": str(tmp_path)}}).execute()

    outputs = notebook.cells[-1].outputs
    shown = next(output for output in outputs if output.output_type == "execute_result")
    text, page = shown.data["text/plain"], shown.data["text/html"]
    assert text.startswith("RunResult(verdict='fail', policy='notebook-test', checks=2: 1 pass, 1 fail")
    assert "blocking: performance.roc_auc (fail)" in text
    assert len(text) < 400
    assert "govkit verdict: Fail." in page
    assert 'sandbox=""' in page and "srcdoc=" in page
    everything = json.dumps([cell.get("outputs", []) for cell in notebook.cells])
    assert "<script" not in everything.lower()
    assert not [o for cell in notebook.cells for o in cell.outputs if o.output_type == "error"]
