"""Whether a policy's checks mean something for the audit's task, decided before any check runs.

Each check declares the tasks it applies to (``CheckDef.tasks``). A policy that enables a check for
another task (an accuracy threshold on a regressor, a residual check on a classifier) would only give
skipped or meaningless results; the audit refuses it instead, each check located in its policy file,
with the bundled policy written for that task as the fix. ``govkit validate`` applies the same rule
when it knows the task.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from govkit.errors import PolicyError
from govkit.registry import TASKS, find_check
from govkit.resources import bundled_policies

if TYPE_CHECKING:
    from govkit.policy import Policy

# The bundled policy written for each task (where one is bundled).
POLICY_FOR_TASK = {"binary": "default", "multiclass": "multiclass", "regression": "regression"}


def task_problems(policy: Policy, task: str) -> list[str]:
    """One located line per enabled check that does not apply to ``task``; [] when all do (or no task is known)."""
    if task not in TASKS:
        return []
    problems: list[str] = []
    for check in policy.checks:
        found = find_check(check.spec.id)
        if found is None or task in found[1].tasks:
            continue
        applies = " and ".join(sorted(found[1].tasks))
        problems.append(
            f"{check.source}: {check.spec.id} applies to {applies} models, not to a {task} model; "
            f"{_fix(policy, task, check.spec.id)}"
        )
    return problems


def _fix(policy: Policy, task: str, check_id: str) -> str:
    switch_off = f"switch it off (- id: {check_id} with enabled: false) in a policy that extends this one"
    suggested = POLICY_FOR_TASK.get(task)
    if suggested is None or suggested == policy.name or suggested not in bundled_policies():
        return switch_off
    return f"use --policy {suggested} (written for {task} models), or {switch_off}"


def refuse_inapplicable(policy: Policy, task: str) -> None:
    """``PolicyError`` (exit 2) listing every enabled check that does not apply to ``task``."""
    problems = task_problems(policy, task)
    if problems:
        raise PolicyError(problems)
