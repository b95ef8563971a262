"""``govkit validate``: tell a policy from a config, and check it without running an audit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from govkit.errors import PolicyError
from govkit.policy import read_yaml
from govkit.policy_messages import quoted

CONFIG_KEYS = {"data", "reference", "model", "target", "sensitive", "prediction_column", "policy", "out"}


def kind_of(data: Any) -> str:
    """'policy' or 'config', from the keys a file uses."""
    if isinstance(data, dict) and ("checks" in data or "extends" in data or "name" in data):
        return "policy"
    if isinstance(data, dict) and CONFIG_KEYS & set(data):
        return "config"
    return "policy"


def validate_file(path: Path) -> tuple[str, str]:
    """Validate a policy or config; return (kind, summary) or raise ``PolicyError`` with every problem."""
    from govkit.config import load_config, resolve
    from govkit.policy import load_policy

    data = read_yaml(path, path.name)
    if kind_of(data) == "policy":
        policy = load_policy(path)
        chain = " -> ".join(p.stem for p in policy.files)
        return "policy", f"{len(policy.checks)} checks ({chain})."
    config, base = load_config(path)
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
    if problems:
        raise PolicyError(problems)
    return "config", f"policy {policy.name} with {len(policy.checks)} checks."


def _is_file(path: str) -> bool:
    try:
        return Path(path).is_file()
    except OSError:  # a name too long for the file system names no file
        return False
