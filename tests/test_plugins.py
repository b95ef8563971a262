"""A third-party family gets a report section without any change to govkit.

The example plug-in in tests/plugins declares its own evidence model; govkit validates its evidence and
renders it in the generic section (facts and tables), escaped like everything else.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PLUGINS = Path(__file__).parent / "plugins"


def _audit_with_plugin(tmp_path: Path, column_values: str) -> subprocess.CompletedProcess[str]:
    policy = tmp_path / "plugin.yaml"
    policy.write_text(
        "version: 1\nname: plugin\nchecks:\n  - id: example.missing_share\n    params: {column: a}\n"
        "    fail_if: {gt: 0.5}\n"
    )
    data = tmp_path / "data.csv"
    data.write_text(column_values)
    code = f"""
import sys
sys.path.insert(0, {str(PLUGINS)!r})
import govkit
result = govkit.audit(data={str(data)!r}, policy={str(policy)!r})
govkit.render(result, {str(tmp_path / "out")!r}, formats=["html", "json"])
print(result.check("example.missing_share").status.value)
"""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


def test_plugin_family_renders_its_evidence_in_a_generic_section(tmp_path: Path) -> None:
    completed = _audit_with_plugin(tmp_path, "a,b\n1,x\n,<script>y</script>\n4,z\n,w\n")
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "pass"
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    section = html[html.index('<section class="family" id="example">') :]
    section = section[: section.index("</section>")]
    assert "<h2>Example plug-in</h2>" in section
    assert "Counts the empty cells of one column." in section
    # scalar evidence as facts, the list of rows as a table
    assert "<dt>Missing</dt><dd>2</dd>" in section
    assert "<caption>First missing</caption>" in section
    assert "<th>Row</th><th>Neighbour</th>" in section
    assert "&lt;script&gt;y&lt;/script&gt;" in section and "<script>" not in html
    results = (tmp_path / "out" / "results.json").read_text(encoding="utf-8")
    assert '"title": "Example plug-in"' in results


def test_plugin_evidence_that_breaks_its_model_is_an_error(tmp_path: Path) -> None:
    from govkit.registry import CheckDef, Evidence
    from govkit.results import Measurement
    from govkit.runner import evidence_problem

    class Strict(Evidence):
        missing: int

    definition = CheckDef(title="t", doc="d", requires=frozenset({"current"}), evidence=Strict)
    assert evidence_problem(definition, Measurement(details={"missing": 2})) is None
    problem = evidence_problem(definition, Measurement(details={"missed": 2}))
    assert problem is not None and "Strict" in problem and "missing" in problem
