"""JUnit XML: one testcase per check, so CI systems show the audit in their test view.

fail -> <failure>, error -> <error>, skip and inconclusive -> <skipped> (with the reason);
a warning passes but is written to <system-out>.
"""

from __future__ import annotations

from xml.etree import ElementTree as ET

from govkit.report.text import finding, threshold_text
from govkit.results import RunResult, Status


def render_junit(result: RunResult) -> str:
    counts = result.counts
    suites = ET.Element("testsuites", name="govkit audit")
    suite = ET.SubElement(
        suites,
        "testsuite",
        name=f"govkit.{result.policy.get('name', 'policy')}",
        tests=str(len(result.checks)),
        failures=str(counts["fail"]),
        errors=str(counts["error"]),
        skipped=str(counts["skip"] + counts["inconclusive"]),
        time=f"{sum(c.duration_seconds for c in result.checks):.3f}",
        timestamp=result.provenance.started_at.replace("+00:00", ""),
    )
    properties = ET.SubElement(suite, "properties")
    for name, value in (
        ("verdict", result.verdict.value),
        ("policy", str(result.policy.get("name", ""))),
        ("seed", str(result.provenance.seed)),
    ):
        ET.SubElement(properties, "property", name=name, value=value)
    for check in result.checks:
        case = ET.SubElement(
            suite, "testcase", classname=f"govkit.{check.family}", name=check.id, time=f"{check.duration_seconds:.3f}"
        )
        text = finding(check)
        if check.status == Status.FAIL:
            failure = ET.SubElement(case, "failure", message=text, type=check.severity)
            failure.text = f"{text}\nthreshold: {threshold_text(check)}"
        elif check.status == Status.ERROR:
            error = ET.SubElement(case, "error", message=check.message, type="error")
            error.text = check.message
        elif check.status in (Status.SKIP, Status.INCONCLUSIVE):
            ET.SubElement(case, "skipped", message=f"{check.status.value}: {check.message}")
        if check.status == Status.WARN:
            ET.SubElement(case, "system-out").text = text
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
