"""Property-based robustness: whatever frames come in, an audit ends in a result or one clear line.

Hypothesis builds small frames with hostile column names (unicode, HTML, quotes, the empty string,
whitespace), missing values, constant and empty columns, mixed types and tiny groups, and runs the
whole default policy on them in predictions-only mode. The audit must return a RunResult in which
every check has a status and a message and which serialises to JSON, or raise a GovkitError whose
message is one line; any other exception is a bug.

The budget is fixed and the search derandomized, so CI sees the same examples every run. Set
GOVKIT_FUZZ_EXAMPLES to search longer locally (e.g. 500).
"""

from __future__ import annotations

import math
import os
import warnings
from typing import Any

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, event, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import govkit  # noqa: E402
from govkit.errors import GovkitError  # noqa: E402
from govkit.results import RunResult, Status  # noqa: E402

EXAMPLES = int(os.environ.get("GOVKIT_FUZZ_EXAMPLES", "25"))
BUDGET = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)

NASTY_NAMES = [
    "",
    " ",
    "\t",
    "  x  ",
    "<script>alert(1)</script>",
    "<b>bold</b>",
    "'",
    '"',
    "it's",
    'say "hi"',
    "a,b",
    "a;b",
    "名前",
    "Ünïcödé",
    "🙂",
    "x.1",
    "None",
    "nan",
    "1",
    "0",
    "target",
    "{{ 7*7 }}",
    "%s%n",
    "../etc/passwd",
    "\\",
    "col\nnewline",
    "Sex",
    "sex",
]

column_names = st.one_of(st.sampled_from(NASTY_NAMES), st.text(min_size=0, max_size=6))


def _column(draw: Any, kind: str, rows: int) -> list[Any]:
    """Values of one feature column of the given kind."""
    nan = float("nan")
    if kind == "float":
        values = draw(
            st.lists(st.one_of(st.floats(-1e6, 1e6, allow_nan=False), st.just(nan)), min_size=rows, max_size=rows)
        )
    elif kind == "int":
        values = draw(st.lists(st.integers(-5, 5), min_size=rows, max_size=rows))
    elif kind == "constant":
        values = [draw(st.sampled_from([0, 1.5, "same", True]))] * rows
    elif kind == "empty":
        values = [nan] * rows
    elif kind == "category":
        values = draw(st.lists(st.sampled_from(["a", "b", "<i>c</i>", "", None]), min_size=rows, max_size=rows))
    elif kind == "mixed":
        values = draw(st.lists(st.sampled_from([1, "two", 3.5, None, True, "4"]), min_size=rows, max_size=rows))
    elif kind == "bool":
        values = draw(st.lists(st.booleans(), min_size=rows, max_size=rows))
    elif kind == "inf":
        values = draw(st.lists(st.sampled_from([math.inf, -math.inf, 1.0, nan]), min_size=rows, max_size=rows))
    else:  # pragma: no cover
        raise AssertionError(kind)
    return values


FEATURE_KINDS = ["float", "int", "constant", "empty", "category", "mixed", "bool", "inf"]


@st.composite
def audits(draw: Any) -> dict[str, Any]:
    """Keyword arguments for govkit.audit: current and reference frames and the column roles."""
    import pandas as pd

    names = draw(st.lists(column_names, min_size=3, max_size=6, unique=True))
    target, sensitive, prediction, *features = names
    kinds = [draw(st.sampled_from(FEATURE_KINDS)) for _ in features]
    # the reference may hold another kind of values in a column (a changed type)
    reference_kinds = [draw(st.sampled_from([kind, kind, *FEATURE_KINDS])) for kind in kinds]
    labels = draw(st.sampled_from([(0, 1), ("no", "yes"), (False, True)]))
    with_scores = draw(st.booleans())
    probability = None
    if with_scores:
        probability = draw(column_names.filter(lambda n: n not in names))

    def frame(rows: int, kinds: list[str]) -> pd.DataFrame:
        columns: dict[str, Any] = {}
        # one class, both classes, or a target with missing values
        columns[target] = draw(
            st.lists(st.sampled_from([*labels, None] if draw(st.booleans()) else labels), min_size=rows, max_size=rows)
        )
        columns[sensitive] = draw(
            st.lists(st.sampled_from(["F", "M", "X", None, "<script>", ""]), min_size=rows, max_size=rows)
        )
        columns[prediction] = draw(st.lists(st.sampled_from(labels), min_size=rows, max_size=rows))
        if probability is not None:
            columns[probability] = draw(st.lists(st.floats(0, 1, allow_nan=False), min_size=rows, max_size=rows))
        for name, kind in zip(features, kinds, strict=True):
            columns[name] = _column(draw, kind, rows)
        return pd.DataFrame(columns)

    current = frame(draw(st.integers(1, 60)), kinds)
    reference = frame(draw(st.integers(1, 60)), reference_kinds)
    if features and draw(st.booleans()):
        reference = reference.drop(columns=[draw(st.sampled_from(features))])  # a column gone missing
    positive = labels[1] if labels[0] == "no" else None  # text labels need to be told the favourable one
    return {
        "data": current,
        "reference": reference,
        "target": target,
        "sensitive": [sensitive],
        "prediction_column": prediction,
        "probability_column": probability,
        "positive_label": positive,
    }


def _check_outcome(arguments: dict[str, Any]) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = govkit.audit(policy="default", **arguments)
    except GovkitError as error:
        event(f"refused: {getattr(error, 'code', None) or type(error).__name__}")
        message = str(error)
        assert message.strip(), "a GovkitError needs a message"
        assert len(message.splitlines()) == 1, f"the message must be one line: {message!r}"
        return
    assert isinstance(result, RunResult)
    assert result.checks, "the default policy has checks"
    for check in result.checks:
        if check.status == Status.ERROR:
            event(f"error: {check.id}: {check.message[:90]}")
        assert isinstance(check.status, Status), check.id
        assert check.message.strip(), f"{check.id} has no message"
    # results.json is written with allow_nan=False: every number must be finite or absent
    assert RunResult.from_json(result.to_json()).verdict == result.verdict


@BUDGET
@given(audits())
def test_any_small_frame_audits_or_fails_with_one_line(arguments: dict[str, Any]) -> None:
    _check_outcome(arguments)


@BUDGET
@given(
    names=st.lists(column_names, min_size=3, max_size=3, unique=True),
    rows=st.integers(1, 8),
    groups=st.integers(1, 4),
)
def test_tiny_groups_are_never_a_silent_pass(names: list[str], rows: int, groups: int) -> None:
    """Groups far under the minimum size: the fairness checks are inconclusive, not passed."""
    import pandas as pd

    target, sensitive, prediction = names
    frame = pd.DataFrame(
        {
            target: [i % 2 for i in range(rows * groups)],
            sensitive: [f"g{i % groups}" for i in range(rows * groups)],
            prediction: [(i // 2) % 2 for i in range(rows * groups)],
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = govkit.audit(
            data=frame, reference=frame, target=target, sensitive=[sensitive], prediction_column=prediction
        )
    for check in result.checks:
        if check.family == "fairness":
            assert check.status in (Status.INCONCLUSIVE, Status.ERROR), (check.id, check.status, check.message)
            assert check.message.strip()
