"""Words and numbers as people read them: shared by every renderer so they all say the same thing."""

from __future__ import annotations

from typing import Any

from govkit.results import CheckResult, Status, Verdict

VERDICT_TEXT = {
    Verdict.PASS: ("Pass", "Every check passed."),
    Verdict.PASS_WITH_WARNINGS: (
        "Pass with warnings",
        "Nothing blocks deployment, but some checks warned, failed an advisory threshold, or could not be judged.",
    ),
    Verdict.FAIL: ("Fail", "At least one blocking check failed: do not deploy without addressing it."),
    Verdict.INCOMPLETE: (
        "Incomplete",
        "A blocking or required check could not run or could not be judged, or a family the policy enables "
        "measured nothing: the evidence is incomplete.",
    ),
}

STATUS_TEXT = {
    Status.PASS: "Pass",
    Status.WARN: "Warning",
    Status.FAIL: "Fail",
    Status.INCONCLUSIVE: "Inconclusive",
    Status.SKIP: "Skipped",
    Status.ERROR: "Error",
}


def number(value: Any, digits: int = 3) -> str:
    """A number for people: fixed precision, no scientific notation for ordinary values."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if value != value:  # NaN
            return "—"
        if value == int(value) and abs(value) < 1e12:
            return f"{int(value):,}"
        if abs(value) < 10 ** (-digits) and value != 0:
            return f"{value:.1e}"
        return f"{value:,.{digits}f}"
    return str(value)


def percent(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value * 100:.{digits}f}%"


def threshold_text(check: CheckResult) -> str:
    parts = []
    if check.fail_if is not None:
        parts.append(f"fail if {check.fail_if.describe()}")
    if check.warn_if is not None:
        parts.append(f"warn if {check.warn_if.describe()}")
    return "; ".join(parts) or "no threshold (informational)"


def finding(check: CheckResult) -> str:
    """One line a PM can read: what the check is, what it found, and the policy's bound."""
    sentence = check.measurement.summary
    if check.status in (Status.SKIP, Status.ERROR, Status.INCONCLUSIVE):
        return f"{check.title}: {check.message}"
    value = number(check.measurement.value)
    interval = check.measurement.interval
    bounds = threshold_text(check)
    if interval is not None:
        bounds = f"interval {number(interval[0])}–{number(interval[1])}; {bounds}"
    if sentence:
        return f"{check.title} is {value} ({bounds}). {sentence}"
    return f"{check.title} is {value} ({bounds})."


# Characters that reorder what a terminal shows (the "Trojan Source" bidi controls) without being
# control characters themselves.
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def terminal_safe(text: str) -> str:
    """``text`` as one terminal line with every control and bidi character shown escaped (``\\x1b``,
    ``\\u202e``), so a column name or category value cannot move the cursor, recolour, retitle the
    window or reverse what the reader sees."""
    shown: list[str] = []
    for char in text:
        code = ord(char)
        if code < 0x20 or 0x7F <= code < 0xA0:
            shown.append(f"\\x{code:02x}")
        elif char in _BIDI or char in "\u2028\u2029":
            shown.append(f"\\u{code:04x}")
        else:
            shown.append(char)
    return "".join(shown)
