"""``govkit init``: a commented starter ``govkit.yaml`` proposed from the user's data.

Only the header and a sample of rows are read. Target, sensitive and prediction columns are
proposed from their names; every proposal is marked in a comment so a person confirms it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from govkit.errors import InputError
from govkit.preflight.labels import FALSY, MAX_CLASSES, TRUTHY

if TYPE_CHECKING:
    import pandas as pd

TARGET_NAMES = re.compile(
    r"^(target|label|y|class|outcome|income.*|approved|approval|default(ed)?|churn(ed)?|hired|"
    r"is_fraud|fraud|response|decision|two_year_recid|credit_risk|survived|readmitted)$",
    re.IGNORECASE,
)
SENSITIVE_NAMES = re.compile(
    r"^(sex|gender|race|ethnicity|ethnic_group|religion|disability|age_group|age_band|nationality|"
    r"national_origin|marital[-_ ]?status|pregnan.*|sexual_orientation|native[-_]country|citizenship)$",
    re.IGNORECASE,
)
PREDICTION_NAMES = re.compile(r"^(pred|prediction|predicted|y_pred|yhat|y_hat|decision_pred)$", re.IGNORECASE)
SCORE_NAMES = re.compile(r"^(score|proba|probability|y_score|y_proba|pred_proba)$", re.IGNORECASE)


def _first(columns: list[str], pattern: re.Pattern[str]) -> str | None:
    return next((c for c in columns if pattern.match(c.strip())), None)


def propose(data: Path) -> dict[str, Any]:
    """Proposals for a config from the data's columns and a sample of its values."""
    from govkit.inputs import read_table

    frame = read_table(data, role="data", option="--data")
    columns = list(frame.columns)
    target, task, labels = _target(frame)
    sensitive = [c for c in columns if SENSITIVE_NAMES.match(c.strip())]
    prediction = _first(columns, PREDICTION_NAMES)
    score = _first(columns, SCORE_NAMES) if prediction else None
    positive = None
    if task == "binary":
        truthy = [label for label in labels if str(label).strip().lower() in TRUTHY]
        falsy = [label for label in labels if str(label).strip().lower() in FALSY]
        positive = truthy[0] if len(labels) == 2 and len(truthy) == 1 and len(falsy) == 1 else None
    return {
        "columns": columns,
        "target": target,
        "task": task,
        "labels": labels,
        "positive_label": positive,
        "sensitive": sensitive,
        "prediction_column": prediction,
        "probability_column": score,
    }


def _target(frame: pd.DataFrame) -> tuple[str | None, str | None, list[Any]]:
    """(target, task, its labels): among the columns named like a target, the first whose values are
    labels (a handful of classes) before one of numbers (a regression target, or a numeric feature such
    as an income that merely has a target-like name)."""
    from govkit.preflight.tasks import detected_task

    found: list[tuple[str, str, list[Any]]] = []
    for column in frame.columns:
        if not TARGET_NAMES.match(str(column).strip()):
            continue
        values = sorted(frame[column].dropna().unique().tolist(), key=str)
        task = detected_task(values, from_model=False, has_scores=False)
        if task in ("binary", "multiclass") and len(values) <= MAX_CLASSES:
            return str(column), task, values
        if task == "regression":
            found.append((str(column), task, []))
    return found[0] if found else (None, None, [])


def _scalar(value: Any) -> str:
    return yaml.safe_dump(value, default_flow_style=True, allow_unicode=True).strip().removesuffix("...").strip()


def render_config(
    data: Path, where: Path, proposals: dict[str, Any], model: Path | None, reference: Path | None
) -> str:
    """The commented YAML text of a starter config."""

    def relative(path: Path) -> str:
        try:
            return str(path.resolve().relative_to(where.resolve()))
        except ValueError:
            return str(path.resolve())

    lines = [
        "# govkit project config: `govkit audit` reads it from this folder.",
        "# Paths are relative to this file. Options given on the command line override it.",
        "# Check every line marked 'proposed': govkit guessed it from the column names.",
        "version: 1",
        f"data: {_scalar(relative(data))}",
    ]
    lines.append(
        f"reference: {_scalar(relative(reference))}"
        if reference
        else "# reference: reference.csv   # data the model was validated on; enables drift and learned expectations"
    )
    lines.append(
        f"model: {_scalar(relative(model))}"
        if model
        else "# model: model.skops         # a skops file; or audit predictions with prediction_column"
    )
    target = proposals["target"]
    lines.append(
        f"target: {_scalar(target)}   # proposed"
        if target
        else "# target: outcome            # the true outcome column"
    )
    lines += _task_lines(proposals)
    sensitive = proposals["sensitive"]
    lines.append(
        f"sensitive: {_scalar(sensitive)}   # proposed"
        if sensitive
        else "sensitive: []   # e.g. [sex, race]: the groups fairness compares"
    )
    if proposals["prediction_column"] and not model:
        lines.append(f"prediction_column: {_scalar(proposals['prediction_column'])}   # proposed")
        if proposals["probability_column"]:
            lines.append(f"probability_column: {_scalar(proposals['probability_column'])}   # proposed")
    lines += [
        "policy: default            # or lending, hiring, eu-ai-act-high-risk, or a path to your own policy",
        "out: govkit-report",
        "formats: [html, json, junit, markdown]",
        "seed: 0",
        "model_card:",
        "  owner: ''                # who answers for this model",
        "  intended_use: ''",
        "  limitations: ''",
        "",
    ]
    return "\n".join(lines)


def _task_lines(proposals: dict[str, Any]) -> list[str]:
    """The task and the favourable outcome: proposed when the values say it, else asked for."""
    task, labels = proposals.get("task"), proposals.get("labels") or []
    if task is None:
        return []
    lines = [f"task: {task}   # proposed from the target's values (binary, multiclass or regression)"]
    choices = ", ".join(_scalar(label) for label in labels[:10])
    if proposals["positive_label"] is not None:
        lines.append(f"positive_label: {_scalar(proposals['positive_label'])}   # proposed: the favourable outcome")
    elif task == "binary":
        lines.append(f"# positive_label: ...   # required: which of {choices} is the favourable outcome?")
    elif task == "multiclass":
        lines.append(
            f"# positive_label: [...]  # the favourable classes among {choices}; without it fairness compares "
            "each class one-vs-rest"
        )
    return lines


def write_starter(
    data: Path, out: Path, model: Path | None = None, reference: Path | None = None
) -> tuple[Path, dict[str, Any]]:
    """Write the starter config; never overwrite an existing file."""
    from govkit.outputs import write_text_atomic

    if out.exists():
        raise InputError(f"{out}: already exists; govkit init never overwrites a config (remove it or use --out)")
    proposals = propose(data)
    text = render_config(data, out.parent, proposals, model, reference)
    write_text_atomic(out, text)
    return out, proposals
