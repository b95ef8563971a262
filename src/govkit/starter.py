"""``govkit init``: a commented starter ``govkit.yaml`` proposed from the user's data.

Only the header and a sample of rows are read. Target, sensitive and prediction columns are
proposed from their names; every proposal is marked in a comment so a person confirms it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from govkit.errors import InputError

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
    target = _first(columns, TARGET_NAMES)
    sensitive = [c for c in columns if SENSITIVE_NAMES.match(c.strip())]
    prediction = _first(columns, PREDICTION_NAMES)
    score = _first(columns, SCORE_NAMES) if prediction else None
    positive = None
    if target is not None:
        labels = sorted(frame[target].dropna().unique().tolist(), key=str)
        if len(labels) == 2:
            positive = next((v for v in labels if str(v) in ("1", "True", "yes", "Yes")), labels[-1])
    return {
        "columns": columns,
        "target": target,
        "positive_label": positive,
        "sensitive": sensitive,
        "prediction_column": prediction,
        "probability_column": score,
    }


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
    if proposals["positive_label"] is not None:
        lines.append(
            f"positive_label: {_scalar(proposals['positive_label'])}   # proposed: which outcome is favourable?"
        )
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
