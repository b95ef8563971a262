"""JUnit XML: one testcase per check, so CI systems show the audit in their test view.

fail -> <failure>, error -> <error>; skip and inconclusive -> <skipped> (with the reason), unless they
block the deployment (a required check without evidence, or a family that measured nothing): then they
are a <failure>, so the test view is red whenever the job's exit code is. A warning passes but is
written to <system-out>. Text from the data is cleaned of characters XML 1.0 cannot hold.
"""

from __future__ import annotations

import re
from xml.etree import ElementTree as ET

from govkit.report.text import finding, threshold_text
from govkit.results import CheckResult, RunResult, Status

# Characters XML 1.0 does not allow (control characters but tab, newline and return; surrogates; U+FFFE/F).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """``text`` with every character XML 1.0 cannot hold written as a visible escape such as ``\\x1b``."""
    return _NOT_XML.sub(lambda match: f"\\x{ord(match.group()):02x}", text)


def render_junit(result: RunResult) -> str:
    blocking = {id(check) for check in result.blocking}
    outcomes = [_outcome(check, id(check) in blocking) for check in result.checks]
    suites = ET.Element("testsuites", name="govkit audit")
    suite = ET.SubElement(
        suites,
        "testsuite",
        name=xml_text(f"govkit.{result.policy.get('name', 'policy')}"),
        tests=str(len(result.checks)),
        failures=str(outcomes.count("failure")),
        errors=str(outcomes.count("error")),
        skipped=str(outcomes.count("skipped")),
        time=f"{sum(c.duration_seconds for c in result.checks):.3f}",
        timestamp=result.provenance.started_at.replace("+00:00", ""),
    )
    properties = ET.SubElement(suite, "properties")
    for name, value in (
        ("verdict", result.verdict.value),
        ("policy", str(result.policy.get("name", ""))),
        ("seed", str(result.provenance.seed)),
    ):
        ET.SubElement(properties, "property", name=name, value=xml_text(value))
    for check, outcome in zip(result.checks, outcomes, strict=True):
        _testcase(suite, check, outcome)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def _outcome(check: CheckResult, blocks: bool) -> str:
    if check.status == Status.FAIL:
        return "failure"
    if check.status == Status.ERROR:
        return "error"
    if check.status in (Status.SKIP, Status.INCONCLUSIVE):
        return "failure" if blocks else "skipped"
    return "passed"


def _testcase(suite: ET.Element, check: CheckResult, outcome: str) -> None:
    case = ET.SubElement(
        suite,
        "testcase",
        classname=xml_text(f"govkit.{check.family}"),
        name=xml_text(check.id),
        time=f"{check.duration_seconds:.3f}",
    )
    text = xml_text(finding(check))
    message = xml_text(check.message)
    if check.status == Status.FAIL:
        failure = ET.SubElement(case, "failure", message=text, type=check.severity)
        failure.text = f"{text}\nthreshold: {xml_text(threshold_text(check))}"
    elif outcome == "failure":  # a skip or inconclusive that blocks: missing evidence fails the job
        failure = ET.SubElement(case, "failure", message=f"{check.status.value}: {message}", type="missing-evidence")
        failure.text = f"{check.status.value} blocks the deployment: {message}"
    elif check.status == Status.ERROR:
        error = ET.SubElement(case, "error", message=message, type="error")
        error.text = message
    elif outcome == "skipped":
        ET.SubElement(case, "skipped", message=f"{check.status.value}: {message}")
    if check.status == Status.WARN:
        ET.SubElement(case, "system-out").text = text
