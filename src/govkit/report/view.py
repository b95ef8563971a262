"""The report's view model: a RunResult turned into the plain values the templates place.

All formatting and every decision about what to show happens here; the templates only loop and
print. Nothing is marked safe: every string reaches the template engine as plain text.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from govkit.report.sections import build_sections
from govkit.report.sections.common import check_row
from govkit.report.text import (
    STATUS_TEXT,
    VERDICT_TEXT,
    finding,
    number,
)
from govkit.results import FamilyInfo, Provenance, RunResult, Status

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
                "decision_text": DECISION_TEXT.get(s.decision, printable(s.decision)),
                "decision_pill": _decision_pill(s),
                "state": s.state,
                "state_text": STATE_TEXT.get(s.state, printable(s.state)),
                "state_pill": "pass" if s.state == "verified" else "skip" if s.state == "not verified" else "fail",
                "problem": printable(s.problem or ""),
                "conditions": printable(s.conditions or ""),
                "override_reason": printable(s.override_reason or ""),
                "expires": s.expires.isoformat() if s.expires else "no expiry",
                "signed_at": printable(s.signed_at),
                "keyid": printable(s.keyid[:16]),
            }
            for s in bound
        ],
        "unverified": any(s.state != "verified" for s in bound),
        "stale": len(signoffs) - len(bound),
    }


def _decision_pill(signoff: SignOff) -> str:
    if signoff.decision == "reject":
        return "fail"
    if signoff.state != "verified":
        return "skip"  # a claim, or worse: never green
    return "warn" if signoff.decision == "approve-with-conditions" else "pass"


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
    card = [
        {
            "label": CARD_LABELS.get(key, key.replace("_", " ").capitalize()),
            "text": ", ".join(value) if isinstance(value, list) else str(value),
        }
        for key, value in result.model_card.items()
    ]
    blocking = result.blocking
    attention = [c for c in result.checks if c.status != Status.PASS and c not in blocking]
    return {
        "title": f"Governance report — {result.model_card.get('model_name') or inputs.model_type or 'model'}",
        "verdict": {"id": verdict.value, "label": label, "explanation": explanation},
        "counts": [
            {"status": status.value, "label": STATUS_TEXT[status], "count": result.counts[status.value]}
            for status in Status
        ],
        "blocking": [{"id": c.id, "status": c.status.value, "text": finding(c)} for c in blocking],
        "attention": [{"id": c.id, "status": c.status.value, "text": finding(c)} for c in attention],
        "model_card": card,
        "policy": {
            "name": str(result.policy.get("name", "")),
            "description": str(result.policy.get("description", "")),
            "extends": ", ".join(result.policy.get("extends", [])),
        },
        "inputs": [
            {"label": "Task", "text": inputs.task},
            {"label": "Model", "text": inputs.model_type or f"predictions from column '{inputs.prediction_column}'"},
            {"label": "Target", "text": inputs.target or "—"},
            {"label": "Favourable outcome", "text": inputs.positive_label or "—"},
            {"label": "Sensitive columns", "text": ", ".join(inputs.sensitive) or "—"},
            {"label": "Model input columns", "text": f"{len(inputs.features)}"},
            {"label": "Current rows", "text": number(inputs.current_rows)},
            {"label": "Reference rows", "text": number(inputs.reference_rows)},
        ],
        "families": build_sections(result, families),
        "all_checks": [check_row(c) for c in result.checks],
        "provenance": _provenance_view(result.provenance),
        "schema_version": result.schema_version,
        "fail_on": result.fail_on,
        "signoff": _signoff_view(result, signoffs),
    }
