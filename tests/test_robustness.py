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

from requirements import need_module

hypothesis = need_module("hypothesis")
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


# --- the command line: hostile file names, column names, category values, policies and templates --------
#
# Each property runs `govkit audit` (or `govkit validate`) through click's CliRunner and asks the same of
# every outcome: exit 0, 1 or 2 (never 3), no traceback, a refusal is one `govkit: error:` line, and a
# finished audit leaves results.json. A small policy keeps each run to a second or so.

CLI_EXAMPLES = settings(BUDGET, max_examples=max(4, EXAMPLES // 4))

SMALL_POLICY = """version: 1
name: small
checks:
  - id: quality.completeness
    fail_if: {lt: 0.5}
  - id: performance.accuracy
    fail_if: {lt: 0.5}
  - id: fairness.demographic_parity_difference
    warn_if: {gt: 0.2}
"""

# Names a file system accepts: no slash, no NUL, not "." or "..", and short enough for any file system.
file_names = st.one_of(
    st.sampled_from(["-", "--help", " ", "a b.csv", "données.csv", "x.parquet", "\u202ecod.exe", "$(id).csv"]),
    st.text(st.characters(blacklist_characters="/\x00", blacklist_categories=["Cs"]), min_size=1, max_size=40),
).filter(lambda name: name not in (".", "..") and len(name.encode("utf-8")) < 200)


def _cli(arguments: list[str], folder: Any) -> Any:
    """Run govkit in ``folder`` and check the outcome's contract; return it."""
    from click.testing import CliRunner

    from govkit.cli import main

    runner = CliRunner()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        outcome = runner.invoke(main, arguments, catch_exceptions=True)
    event(f"{arguments[0]}: exit {outcome.exit_code}")
    assert outcome.exit_code in (0, 1, 2), (outcome.exit_code, outcome.output, outcome.exception)
    assert outcome.exception is None or isinstance(outcome.exception, SystemExit), repr(outcome.exception)
    assert "Traceback" not in outcome.output
    if outcome.exit_code == 2:
        errors = outcome.stderr.splitlines()
        assert len(errors) == 1 and errors[0].startswith("govkit: error: "), outcome.stderr
    elif arguments[0] == "audit":
        out = folder / "out"
        assert (out / "results.json").is_file(), outcome.output
    return outcome


def _small_project(folder: Any, frame: Any, name: str = "data.csv") -> Any:
    (folder / "small.yaml").write_text(SMALL_POLICY, encoding="utf-8")
    path = folder / name
    frame.to_csv(path, index=False)
    return path


def _plain_frame(target: str = "y", sensitive: str = "g", prediction: str = "p", values: Any = None) -> Any:
    import pandas as pd

    groups = values or ["a", "b"]
    return pd.DataFrame(
        {
            target: [i % 2 for i in range(40)],
            sensitive: [groups[i % len(groups)] for i in range(40)],
            prediction: [(i // 3) % 2 for i in range(40)],
        }
    )


def _audit_arguments(
    data: Any, folder: Any, target: str = "y", sensitive: str = "g", prediction: str = "p"
) -> list[str]:
    return [
        "audit", "--data", str(data), "--target", target, "--sensitive", sensitive, "--prediction-column", prediction,
        "--policy", str(folder / "small.yaml"), "--out", str(folder / "out"), "--quiet",
    ]  # fmt: skip


def _fresh(tmp_path_factory: Any) -> Any:
    return tmp_path_factory.mktemp("cli")


@CLI_EXAMPLES
@given(name=file_names)
def test_cli_any_file_name(tmp_path_factory: Any, name: str) -> None:
    folder = _fresh(tmp_path_factory)
    try:
        data = _small_project(folder, _plain_frame(), name)
    except OSError:
        event("the file system refused the name")
        return
    _cli(_audit_arguments(data, folder), folder)


@CLI_EXAMPLES
@given(names=st.lists(column_names.filter(lambda n: "," not in n), min_size=3, max_size=3, unique=True))
def test_cli_any_column_names(tmp_path_factory: Any, names: list[str]) -> None:
    folder = _fresh(tmp_path_factory)
    target, sensitive, prediction = names
    data = _small_project(folder, _plain_frame(target, sensitive, prediction))
    _cli(_audit_arguments(data, folder, target, sensitive, prediction), folder)


@CLI_EXAMPLES
@given(values=st.lists(st.one_of(st.sampled_from(NASTY_NAMES), st.text(max_size=8)), min_size=1, max_size=4))
def test_cli_any_category_values(tmp_path_factory: Any, values: list[str]) -> None:
    folder = _fresh(tmp_path_factory)
    data = _small_project(folder, _plain_frame(values=values))
    _cli([*_audit_arguments(data, folder), "--format", "junit", "--format", "markdown", "--format", "json"], folder)


policy_values = st.one_of(
    st.sampled_from([0.5, 1, "advisory", "blocking", True, "interval", {}]),  # some valid, so audits run too
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**30), 10**30),
    st.text(max_size=12),
    st.booleans(),
    st.none(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
)


@CLI_EXAMPLES
@given(
    key=st.sampled_from(["warn_if", "fail_if", "severity", "required", "params", "fail_when", "name", "extends"]),
    value=policy_values,
    command=st.sampled_from(["audit", "validate"]),
)
def test_cli_any_policy_value(tmp_path_factory: Any, key: str, value: Any, command: str) -> None:
    import json

    folder = _fresh(tmp_path_factory)
    data = _small_project(folder, _plain_frame())
    policy: dict[str, Any] = {
        "version": 1,
        "name": "small",
        "checks": [{"id": "quality.completeness", "fail_if": {"lt": 0.5}}, {"id": "performance.accuracy"}],
    }
    if key in ("name", "extends"):
        policy[key] = value
    else:
        placed = {"lt": value} if key in ("warn_if", "fail_if") and not isinstance(value, dict) else value
        policy["checks"][0][key] = placed
    # JSON is YAML: the value exactly as drawn (NaN and infinities included)
    (folder / "small.yaml").write_text(json.dumps(policy, allow_nan=True), encoding="utf-8")
    arguments = _audit_arguments(data, folder) if command == "audit" else ["validate", str(folder / "small.yaml")]
    _cli(arguments, folder)


@CLI_EXAMPLES
@given(
    name=file_names,
    body=st.one_of(
        st.sampled_from(["{{ result.verdict }}", "{% include 'report.html.j2' %}", "{{ ''.__class__ }}", "{% if %}"]),
        st.text(max_size=30),
    ),
)
def test_cli_any_template_file(tmp_path_factory: Any, name: str, body: str) -> None:
    folder = _fresh(tmp_path_factory)
    data = _small_project(folder, _plain_frame())
    templates = folder / "templates"
    templates.mkdir()
    try:
        (templates / name).write_text(body, encoding="utf-8")
    except OSError:
        event("the file system refused the name")
        return
    _cli([*_audit_arguments(data, folder), "--templates", str(templates)], folder)
