"""Golden files: the JUnit, Markdown and HTML outputs of fixed results files, byte for byte.

The results files are fixed (``tests/data``): ``result-small.json`` has no checks, ``result-adult.json``
is a real audit of the example under the default policy, with its paths made neutral. A renderer or
template change that alters an output fails here with a diff; when the change is deliberate, rewrite
the golden files with ``pytest tests/test_golden.py --update-golden`` and review their diff.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from govkit.report import render_format
from govkit.results import RunResult

DATA = Path(__file__).parent / "data"
GOLDEN = Path(__file__).parent / "golden"

RESULTS = {"small": "result-small.json", "adult": "result-adult.json"}
OUTPUTS = {"junit": "junit.xml", "markdown": "summary.md", "html": "report.html"}


def first_differences(expected: str, actual: str, limit: int = 60) -> str:
    diff = difflib.unified_diff(expected.splitlines(), actual.splitlines(), "golden", "rendered", lineterm="", n=2)
    return "\n".join(line for _, line in zip(range(limit), diff, strict=False))


@pytest.mark.parametrize("output", OUTPUTS)
@pytest.mark.parametrize("results", RESULTS)
def test_output_matches_its_golden_file(results: str, output: str, update_golden: bool) -> None:
    rendered = render_format(RunResult.read(DATA / RESULTS[results]), output)
    golden = GOLDEN / results / OUTPUTS[output]
    if update_golden:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(rendered, encoding="utf-8", newline="")
        return
    assert golden.is_file(), f"{golden} is missing: run `pytest tests/test_golden.py --update-golden`"
    expected = golden.read_text(encoding="utf-8")
    assert rendered == expected, (
        f"{output} of {RESULTS[results]} differs from {golden.relative_to(GOLDEN.parent.parent)}; if the change "
        f"is deliberate, run `pytest tests/test_golden.py --update-golden` and review the diff\n"
        + first_differences(expected, rendered)
    )


def test_rendering_twice_gives_the_same_bytes() -> None:
    """The golden comparison is only meaningful if rendering is deterministic."""
    result = RunResult.read(DATA / RESULTS["adult"])
    for output in OUTPUTS:
        assert render_format(result, output) == render_format(result, output)
