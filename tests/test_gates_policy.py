"""Issue 15: policies that contradict themselves are refused, each problem located.

Unreachable warn bands (also when inherited), non-finite thresholds, thresholds outside the range of the
check's unit; ``required`` blocks on missing evidence whatever the severity; every bundled policy passes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from govkit.errors import PolicyError
from govkit.policy import load_policy
from govkit.registry import family_names
from govkit.resources import bundled_policies
from govkit.results import CheckResult, Status


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    return caught.value.problems


@pytest.mark.parametrize("name", sorted(bundled_policies()))
def test_every_bundled_policy_passes_the_new_validation(name: str) -> None:
    assert load_policy(name).checks


def test_an_inherited_warn_band_under_a_stricter_fail_is_located(tmp_path: Path) -> None:
    # the bundled lending and hiring policies did this: default warns > 0.05, the child fails > 0.01
    child = write(
        tmp_path / "strict.yaml",
        "version: 1\nname: strict\nextends: default\nchecks:\n"
        "  - id: explain.sensitive_feature_importance\n    fail_if: {gt: 0.01}\n",
    )
    assert problems(child) == [
        "strict.yaml: checks[0]: warn_if > 0.05 can never fire: fail_if > 0.01 already fails every value it "
        "would warn on; move warn_if to the passing side of fail_if, or set warn_if: null"
    ]


@pytest.mark.parametrize(
    ("warn", "fail", "empty"),
    [
        ("{gt: 0.1}", "{gt: 0.1}", True),
        ("{ge: 0.1}", "{gt: 0.1}", False),  # warns exactly at 0.1
        ("{gt: 0.1}", "{ge: 0.1}", True),
        ("{gt: 0.1}", "{gt: 0.2}", False),
        ("{lt: 0.9}", "{lt: 0.95}", True),
        ("{lt: 0.9}", "{lt: 0.8}", False),
        ("{le: 0.9}", "{lt: 0.9}", False),
    ],
)
def test_warn_band_reasoning_at_the_edges(tmp_path: Path, warn: str, fail: str, empty: bool) -> None:
    policy = write(
        tmp_path / "p.yaml",
        "version: 1\nname: p\nchecks:\n  - id: drift.drifted_columns_share\n"
        f"    warn_if: {warn}\n    fail_if: {fail}\n",
    )
    if empty:
        assert "can never fire" in problems(policy)[0]
    else:
        assert load_policy(policy).checks


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf"])
def test_non_finite_thresholds_are_located_errors(tmp_path: Path, value: str) -> None:
    policy = write(
        tmp_path / "p.yaml",
        f"version: 1\nname: p\nchecks:\n  - id: performance.accuracy\n    fail_if: {{lt: {value}}}\n",
    )
    shown = {".nan": "nan", ".inf": "inf", "-.inf": "-inf"}[value]
    assert problems(policy) == [
        f"p.yaml: checks[0].fail_if: lt: {shown} is not a finite number; give a number such as 0.1"
    ]


def test_thresholds_outside_the_units_range_are_located_errors(tmp_path: Path) -> None:
    policy = write(
        tmp_path / "p.yaml",
        "version: 1\nname: p\nchecks:\n"
        "  - id: drift.drifted_columns_share\n    fail_if: {gt: 1.5}\n"
        "  - id: fairness.disparate_impact_ratio\n    warn_if: {lt: -0.2}\n"
        "  - id: performance.accuracy\n    fail_if: {lt: 0.7}\n",
    )
    assert problems(policy) == [
        "p.yaml: checks[0]: fail_if > 1.5 is outside 0..1, the range of a share; give a bound between 0 and 1",
        "p.yaml: checks[1]: warn_if < -0.2 is outside 0..1, the range of a ratio; give a bound between 0 and 1",
    ]


def test_not_evaluated_names_known_families(tmp_path: Path) -> None:
    policy = write(tmp_path / "p.yaml", "version: 1\nname: p\nnot_evaluated: [explian]\nchecks: []\n")
    assert problems(policy) == [
        "p.yaml: not_evaluated[0]: unknown family 'explian' (did you mean 'explain'?); "
        f"use one of {', '.join(family_names())}"
    ]
    ok = write(tmp_path / "q.yaml", "version: 1\nname: q\nextends: default\nnot_evaluated: [explain]\nchecks: []\n")
    assert load_policy(ok).summary()["not_evaluated"] == ["explain"]
    assert "not_evaluated" not in load_policy("default").summary()  # results of other policies keep their bytes


@pytest.mark.parametrize("status", [Status.SKIP, Status.INCONCLUSIVE, Status.ERROR])
def test_required_blocks_missing_evidence_whatever_the_severity(status: Status) -> None:
    # the EU AI Act policy marks the advisory explain.sensitive_feature_importance required; it had no effect
    check = CheckResult(
        id="explain.sensitive_feature_importance",
        family="explain",
        title="t",
        status=status,
        message="",
        severity="advisory",
        required=True,
    )
    assert check.blocks
    assert not check.model_copy(update={"required": False}).blocks


def test_required_does_not_turn_an_advisory_finding_into_a_block() -> None:
    for status in (Status.FAIL, Status.WARN, Status.PASS):
        check = CheckResult(
            id="x.y", family="x", title="t", status=status, message="", severity="advisory", required=True
        )
        assert not check.blocks


def test_eu_ai_act_requires_the_advisory_explain_check() -> None:
    checks = {c.spec.id: c.spec for c in load_policy("eu-ai-act-high-risk").checks}
    spec = checks["explain.sensitive_feature_importance"]
    assert (spec.severity, spec.required) == ("advisory", True)
