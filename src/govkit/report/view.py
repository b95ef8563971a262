"""The report's view model: a RunResult turned into the plain values the templates place.

All formatting and every decision about what to show happens here; the templates only loop and
print. Nothing is marked safe: every string reaches the template engine as plain text.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from govkit.report.charts import sparkline
from govkit.report.findings import findings_view
from govkit.report.sections import build_sections
from govkit.report.sections.common import check_row
from govkit.report.sections.impact import build_impact
from govkit.report.text import (
    STATUS_TEXT,
    VERDICT_TEXT,
    number,
)
from govkit.report.wording import GLOSSARY, family_list
from govkit.results import AuditInputs, FamilyInfo, Provenance, RunResult, SinceApproved, SinceTrend, Status, Verdict

if TYPE_CHECKING:
    from govkit.attestation import SignOff

DECISION_TEXT = {
    "approve": "Approved",
    "reject": "Rejected",
    "approve-with-conditions": "Approved with conditions",
}

CARD_LABELS = {
    "model_name": "Model",
    "owner": "Owner",
    "intended_use": "Intended use",
    "out_of_scope_use": "Out-of-scope use",
    "limitations": "Limitations",
    "training_data": "Training data",
    "evaluation_data": "Evaluation data",
    "ethical_considerations": "Ethical considerations",
    "contacts": "Contacts",
}


# The verdicts an approval overrides: those of an audit that did not pass (warnings alone do not block).
OVERRIDDEN = (Verdict.FAIL, Verdict.INCOMPLETE)

STATE_TEXT = {
    "verified": "Verified",
    "expired": "Expired",
    "not verified": "Not verified",
    "broken chain": "Log altered",
    "identity mismatch": "Identity mismatch",
    "untrusted": "Untrusted key",
    "invalid signature": "Invalid signature",
}


def _signoff_view(result: RunResult, signoffs: Sequence[SignOff]) -> dict[str, Any]:
    """Sign-offs bound to exactly this result, each with its state; others (an earlier audit) are counted.

    Only a verified approval is drawn as one (green; amber with conditions). Anything not verified,
    however it claims to decide, is grey, and a state other than "not verified" is red: the page never
    shows a claim as an approval. Text from the envelopes is shown through ``printable``.
    """
    from govkit.attestation import printable

    results_sha256 = hashlib.sha256(result.to_json().encode("utf-8")).hexdigest()
    bound = [s for s in signoffs if s.results_sha256 == results_sha256]
    return {
        "results_sha256": results_sha256,
        "entries": [
            {
                "name": printable(s.name),
                "role": printable(s.role),
                "decision": s.decision,
                "decision_text": _decision_text(result.verdict, s),
                "decision_pill": _decision_pill(result.verdict, s),
                "state": s.state,
                "state_text": STATE_TEXT.get(s.state, printable(s.state)),
                "state_pill": "pass" if s.state == "verified" else "skip" if s.state == "not verified" else "fail",
                "problem": printable(s.problem or ""),
                "conditions": printable(s.conditions or ""),
                "override_reason": printable(s.override_reason or ""),
                "override": _override_text(result.verdict, s),
                "expires": s.expires.isoformat() if s.expires else "no expiry",
                "signed_at": printable(s.signed_at),
                "keyid": printable(s.keyid[:16]),
            }
            for s in bound
        ],
        "unverified": any(s.state != "verified" for s in bound),
        "stale": len(signoffs) - len(bound),
    }


MAX_SINCE_CHANGES = 8


def _since_view(since: SinceApproved) -> dict[str, Any]:
    """What changed since the last approval, with a small chart per check that moved."""
    view = since.model_dump()
    # the first screen stays a first screen: the rest of a long list is in `govkit diff`
    view["changes"], view["more_changes"] = since.changes[:MAX_SINCE_CHANGES], len(since.changes[MAX_SINCE_CHANGES:])
    view["trends"] = [
        {
            "check": t.check,
            "title": t.title,
            "chart": sparkline(t.values, t.labels, t.statuses, _bounds(t)),
        }
        for t in since.trends
    ]
    return view


def _bounds(trend: SinceTrend) -> list[tuple[float, str, str]]:
    """A moved check's thresholds as (value, text, kind), the lines its small chart draws."""
    found = [(trend.fail_if, trend.fail_text, "fail"), (trend.warn_if, trend.warn_text, "warn")]
    return [(bound, text, kind) for bound, text, kind in found if bound is not None]


def _audited_model(inputs: AuditInputs) -> str:
    if inputs.model_type:
        return inputs.model_type
    if inputs.prediction_column:
        return f"none: predictions from column '{inputs.prediction_column}'"
    return "none, and no predictions: the data alone was audited"


def _card_view(card: dict[str, Any]) -> list[dict[str, str]]:
    return [
        {
            "label": CARD_LABELS.get(key, key.replace("_", " ").capitalize()),
            "text": ", ".join(map(str, value)) if isinstance(value, list) else str(value),
        }
        for key, value in card.items()
    ]


def _override_text(verdict: Verdict, signoff: SignOff) -> str:
    """An approval of an audit that did not pass is an override: said as one, with its recorded reason."""
    from govkit.attestation import printable

    if not signoff.approves or verdict not in OVERRIDDEN:
        return ""
    label = VERDICT_TEXT[verdict][0]
    reason = printable(signoff.override_reason or "")
    said = f"recorded reason: {reason}" if reason else "no reason was recorded"
    return f"Override: approves an audit whose verdict is {label}; {said}."


def _state_view(result: RunResult) -> dict[str, Any]:
    """What the verdict alone does not say: families that gave no evidence, and an audit of no model."""
    inputs, lines = result.inputs, []
    skipped = result.unmeasured_families
    if skipped:
        lines.append(f"{family_list(skipped)} could not be evaluated: every one of their checks was skipped or failed.")
    if result.not_evaluated:
        lines.append(f"{family_list(result.not_evaluated)}: not evaluated, as the policy declares.")
    if inputs.model_type is None and inputs.prediction_column is None:
        lines.append("No model and no predictions were given: only the data was audited, not any model's decisions.")
    elif inputs.model_type is None:
        lines.append(
            f"No model was given: only the predictions in column '{inputs.prediction_column}' were audited. "
            "What needs the model itself (explanations, robustness to changed inputs) is not covered."
        )
    return {"lines": lines, "partial": bool(lines)}


def _decision_text(verdict: Verdict, signoff: SignOff) -> str:
    """The decision as claimed, said to be an override or an unverified claim when it is one."""
    from govkit.attestation import printable

    text = DECISION_TEXT.get(signoff.decision, printable(signoff.decision))
    if not signoff.approves:
        return text
    if signoff.state != "verified":
        return f"{text} (claim, not counted)"
    return f"{text} (override)" if verdict in OVERRIDDEN else text


def _decision_pill(verdict: Verdict, signoff: SignOff) -> str:
    if signoff.decision == "reject":
        return "fail"
    if signoff.state != "verified":
        return "skip"  # a claim, or worse: never green
    if signoff.decision == "approve-with-conditions" or verdict in OVERRIDDEN:
        return "warn"  # an approval of an audit that did not pass is an override: never plain green
    return "pass"


def engine_text(engine: dict[str, Any] | None) -> str:
    """Where the rows were read, in words: in memory, or the stream or Spark engine and its sample rule."""
    engine = engine or {"name": "pandas"}  # results written before engines were recorded ran in memory
    name = engine.get("name", "pandas")
    if name == "pandas":
        return f"in memory ({engine.get('version') or 'pandas'})"
    where = "Parquet/CSV read in batches" if name == "arrow-stream" else "Spark"
    parts = [f"{name} ({engine.get('version', '')}): {where}"]
    if engine.get("partitions"):
        parts.append(f"{number(engine['partitions'])} partitions")
    if engine.get("batch_rows"):
        parts.append(f"batches of {number(engine['batch_rows'])} rows")
    identity = f", row id {engine['row_id']}" if engine.get("row_id") else ""
    parts.append(
        f"fairness and performance metrics count every row (a multiclass model's one-vs-rest areas excepted); the "
        f"checks that read rows see at most "
        f"{number(engine.get('sample_rows'))} of them, chosen by {engine.get('sample_rule', '')} "
        f"(seed {engine.get('seed', 0)}{identity})"
    )
    if engine.get("chosen_because"):
        parts.append(f"chosen because {engine['chosen_because']}")
    return "; ".join(parts)


def _provenance_view(provenance: Provenance) -> dict[str, Any]:
    """The provenance block: when, with what, on which files, and every sample taken."""
    return {
        "started_at": provenance.started_at,
        "duration": f"{provenance.duration_seconds:.1f} s",
        "seed": provenance.seed,
        "govkit_version": provenance.govkit_version,
        "python": f"Python {provenance.python_version} on {provenance.platform}",
        "git_commit": provenance.git_commit or "not run in a git repository",
        "command": provenance.command or "—",
        "engine": engine_text(provenance.engine),
        "files": [
            {"role": role, "path": info.get("path", ""), "sha256": info.get("sha256", "")}
            for role, info in provenance.files.items()
        ],
        "libraries": [{"name": k, "version": v} for k, v in provenance.library_versions.items()],
        "sampling": [
            {
                "family": s.get("family", ""),
                "what": s.get("what", ""),
                "text": f"{number(s.get('sample'))} of {number(s.get('population'))} rows (seed {s.get('seed')})",
            }
            for s in provenance.sampling
        ],
    }


def build_view(
    result: RunResult, signoffs: Sequence[SignOff] = (), families: Sequence[FamilyInfo] = ()
) -> dict[str, Any]:
    """Everything the HTML template shows, already formatted."""
    verdict = result.verdict
    label, explanation = VERDICT_TEXT[verdict]
    inputs = result.inputs
    policy_card = result.policy.get("model_card") or {}
    policy_card = policy_card if isinstance(policy_card, dict) else {}
    # A results file may hold the policy's card text merged into the model's: what the policy wrote is
    # the policy's, shown apart, never as the model owner's own statement.
    own = {k: v for k, v in result.model_card.items() if policy_card.get(k) != v}
    findings = findings_view(result)
    return {
        "title": f"Governance report — {result.model_card.get('model_name') or inputs.model_type or 'model'}",
        "verdict": {"id": verdict.value, "label": label, "explanation": explanation},
        "counts": [
            {"status": status.value, "label": STATUS_TEXT[status], "count": result.counts[status.value]}
            for status in Status
        ],
        "blocking": findings["blocking"],
        "attention": findings["attention"],
        "tally": findings["tally"],
        "state": _state_view(result),
        "glossary": [{"id": key, "term": term, "text": text} for key, (term, text) in GLOSSARY.items()],
        "model_card": _card_view(own),
        "policy_card": _card_view(policy_card),
        "policy": {
            "name": str(result.policy.get("name", "")),
            "description": str(result.policy.get("description", "")),
            "extends": ", ".join(result.policy.get("extends", [])),
        },
        "inputs": [
            {"label": "Task", "text": inputs.task},
            {"label": "Model", "text": _audited_model(inputs)},
            {"label": "Target", "text": inputs.target or "—"},
            {"label": "Favourable outcome", "text": inputs.positive_label or "—"},
            {"label": "Sensitive columns", "text": ", ".join(inputs.sensitive) or "—"},
            {"label": "Model input columns", "text": f"{len(inputs.features)}"},
            {"label": "Current rows", "text": number(inputs.current_rows)},
            {"label": "Reference rows", "text": number(inputs.reference_rows)},
        ],
        "families": build_sections(result, families),
        "impact": build_impact(result),
        "all_checks": [check_row(c) for c in result.checks],
        "provenance": _provenance_view(result.provenance),
        "schema_version": result.schema_version,
        "fail_on": result.fail_on,
        "signoff": _signoff_view(result, signoffs),
        "since": None if result.since_approved is None else _since_view(result.since_approved),
    }
