"""``govkit validate``: tell a policy from a config, and check it without running an audit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from govkit.errors import PolicyError
from govkit.policy import read_yaml
from govkit.policy_messages import quoted

CONFIG_KEYS = {"data", "reference", "model", "target", "sensitive", "prediction_column", "policy", "out", "task"}


def kind_of(data: Any) -> str:
    """'policy' or 'config', from the keys a file uses."""
    if isinstance(data, dict) and ("checks" in data or "extends" in data or "name" in data):
        return "policy"
    if isinstance(data, dict) and CONFIG_KEYS & set(data):
        return "config"
    return "policy"


def validate_file(path: Path, task: str | None = None) -> tuple[str, str]:
    """Validate a policy or config; return (kind, summary) or raise ``PolicyError`` with every problem.

    With a ``task`` (or a config's ``task:``) every enabled check must apply to it, as in ``govkit audit``.
    """
    from govkit.config import load_config, resolve
    from govkit.policy import load_policy
    from govkit.preflight.applicable import task_problems

    data = read_yaml(path, path.name)
    if kind_of(data) == "policy":
        policy = load_policy(path)
        if task is not None and (inapplicable := task_problems(policy, task)):
            raise PolicyError(inapplicable)
        chain = " -> ".join(p.stem for p in policy.files)
        return "policy", f"{len(policy.checks)} checks ({chain})" + (f" for {task} models." if task else ".")
    config, base = load_config(path)
    task = task or config.task
    problems: list[str] = []
    for key in ("data", "reference", "model"):
        value = getattr(config, key)
        resolved = resolve(base, value)
        if resolved is not None and not _is_file(resolved):
            problems.append(f"{path.name}: {key}: file {quoted(value)} not found (relative to {base})")
    try:
        policy = load_policy(config.policy, relative_to=base)
    except PolicyError as error:
        raise PolicyError(problems + [f"{path.name}: policy: {line}" for line in error.problems]) from None
    if task is not None:
        problems += [f"{path.name}: task {task}: {line}" for line in task_problems(policy, task)]
    if problems:
        raise PolicyError(problems)
    return "config", f"policy {policy.name} with {len(policy.checks)} checks" + (
        f" for {task} models." if task else "."
    )


def _is_file(path: str) -> bool:
    try:
        return Path(path).is_file()
    except OSError:  # a name too long for the file system names no file
        return False
