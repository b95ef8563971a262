"""Policies: the bundled ones load, extends merges as written, and every mistake is located."""

from __future__ import annotations

from pathlib import Path

import pytest

from govkit.errors import PolicyError
from govkit.policy import load_policy
from govkit.resources import bundled_policies


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("name", sorted(bundled_policies()))
def test_every_bundled_policy_loads(name: str) -> None:
    policy = load_policy(name)
    assert policy.checks, name
    assert len({c.spec.id for c in policy.checks}) == len(policy.checks)


def test_child_overrides_a_threshold_and_keeps_the_rest(tmp_path: Path) -> None:
    child = write(
        tmp_path / "strict.yaml",
        """
version: 1
name: strict
extends: default
checks:
  - id: fairness.demographic_parity_ratio
    fail_if: {lt: 0.9}
  - id: performance.f1
    enabled: false
  - id: fairness.disparate_impact_ratio
    params: {reference_group: Male}
    fail_if: {lt: 0.8}
""",
    )
    policy = load_policy(child)
    checks = {c.spec.id: c for c in policy.checks}
    parent = {c.spec.id: c for c in load_policy("default").checks}
    ratio = checks["fairness.demographic_parity_ratio"]
    assert ratio.spec.fail_if.lt == 0.9
    assert ratio.spec.refs == parent["fairness.demographic_parity_ratio"].spec.refs  # inherited
    assert "performance.f1" not in checks
    assert checks["fairness.disparate_impact_ratio"].params.reference_group == "Male"
    assert [c.spec.id for c in policy.checks][: len(parent) - 1] == [i for i in parent if i != "performance.f1"]
    assert policy.files == [child, bundled_policies()["default"]]


def test_params_merge_key_by_key(tmp_path: Path) -> None:
    base = write(
        tmp_path / "base.yaml",
        """
version: 1
name: base
checks:
  - id: fairness.demographic_parity_ratio
    params: {min_group_size: 50, groupings: each}
    fail_if: {lt: 0.8}
""",
    )
    child = write(
        tmp_path / "child.yaml",
        f"""
version: 1
name: child
extends: {base.name}
checks:
  - id: fairness.demographic_parity_ratio
    params: {{min_group_size: 100}}
""",
    )
    params = load_policy(child).checks[0].params
    assert (params.min_group_size, params.groupings) == (100, "each")


def test_five_mistakes_give_five_located_messages(tmp_path: Path) -> None:
    bad = write(
        tmp_path / "lending.yaml",
        """
version: 1
name: lending
colour: blue
checks:
  - id: fairness.demographic_parity_ratio
    fail_if: {lt: 0.8, gt: 1.2}
  - id: drift.drifted_columns_share
    severity: critical
  - id: fairness.demographic_parity_diference
  - id: fairness.equalized_odds_difference
    params: {min_group_sise: 10}
""",
    )
    with pytest.raises(PolicyError) as caught:
        load_policy(bad)
    assert caught.value.problems == [
        "lending.yaml: colour: unknown key 'colour' "
        "(allowed: version, name, description, extends, model_card, not_evaluated, reapproval, costs, checks)",
        "lending.yaml: checks[0].fail_if: give exactly one of gt, ge, lt, le",
        "lending.yaml: checks[1].severity: 'critical' is not allowed (use 'blocking' or 'advisory')",
        "lending.yaml: checks[2].id: unknown check 'fairness.demographic_parity_diference' "
        "(did you mean 'fairness.demographic_parity_difference'?)",
        "lending.yaml: checks[3].params.min_group_sise: unknown key 'min_group_sise' (did you mean 'min_group_size'?)",
    ]


def test_check_level_mistakes_are_all_reported(tmp_path: Path) -> None:
    bad = write(
        tmp_path / "lending.yaml",
        """
version: 1
name: lending
checks:
  - id: fairness.demographic_parity_ratio
  - id: fairness.demographic_parity_diference
  - id: fairness.equalized_odds_difference
    params: {min_group_sise: 10}
  - id: fairness.demographic_parity_ratio
  - id: drift.drifted_columns_share
    warn_if: {lt: 0.1}
    fail_if: {gt: 0.3}
""",
    )
    with pytest.raises(PolicyError) as caught:
        load_policy(bad)
    assert caught.value.problems == [
        "lending.yaml: checks[1].id: unknown check 'fairness.demographic_parity_diference' "
        "(did you mean 'fairness.demographic_parity_difference'?)",
        "lending.yaml: checks[2].params.min_group_sise: unknown key 'min_group_sise' (did you mean 'min_group_size'?)",
        "lending.yaml: checks[3].id: check 'fairness.demographic_parity_ratio' is listed twice "
        "(first at checks[0]); keep one entry",
        "lending.yaml: checks[4]: warn_if and fail_if point in opposite directions; "
        "use gt/ge for both or lt/le for both",
    ]


def test_unknown_policy_name_lists_the_bundled_ones() -> None:
    with pytest.raises(PolicyError) as caught:
        load_policy("lendng")
    assert caught.value.problems == [
        "policy 'lendng' not found (did you mean 'lending'?): give a bundled policy "
        "(default, eu-ai-act-high-risk, hiring, lending, multiclass, regression) or the path to a policy file"
    ]


def test_yaml_syntax_error_is_located(tmp_path: Path) -> None:
    bad = write(tmp_path / "broken.yaml", "version: 1\nname: [unclosed\n")
    with pytest.raises(PolicyError) as caught:
        load_policy(bad)
    assert caught.value.problems[0].startswith("broken.yaml: line ")


def test_extends_cycle_is_reported(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", "version: 1\nname: a\nextends: b.yaml\n")
    write(tmp_path / "b.yaml", "version: 1\nname: b\nextends: a.yaml\n")
    with pytest.raises(PolicyError) as caught:
        load_policy(tmp_path / "a.yaml")
    assert caught.value.problems == ["b.yaml: extends: 'a.yaml' makes a cycle; remove it"]


@pytest.mark.parametrize("name", sorted(bundled_policies()))
def test_every_bundled_policy_fits_a_task(name: str) -> None:
    from govkit.preflight.applicable import task_problems
    from govkit.registry import TASKS

    policy = load_policy(name)
    assert [task for task in sorted(TASKS) if not task_problems(policy, task)], name
