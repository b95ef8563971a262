"""The in-toto Statement v1 a reviewer signs, as pydantic models, and its canonical bytes.

Subjects, by sha256: ``results.json``, the report as audited (``report.html`` rendered WITHOUT any
sign-off), then every file recorded in ``RunResult.provenance.files`` as ``<role>:<path>`` (current,
reference, model, policy, then any other role, sorted). The predicate (type
``https://govkit.dev/signoff/v1``) says who signed, their decision, conditions, expiry and when, the
reason when an approval overrides an audit that did not pass, where the sign-off sits in the audit's
sign-off log (``chain``: its index and the sha256 of the entry before it, see ``govkit.signoff.chain``),
the report template set the report was rendered with (``templates``: "bundled", or the sha256 of a
custom set, see ``templates_id``) and a summary of the audit for a reader of the raw envelope.

``parse_statement`` turns a payload into a ``Statement`` or a ``ValueError`` whose text is ONE line
naming what is wrong. Unknown fields are ignored, as the in-toto spec asks of consumers.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, ValidationError, model_validator

from govkit.attestation import DECISIONS, SignOff

if TYPE_CHECKING:
    from pydantic_core import ErrorDetails

    from govkit.results import RunResult

__all__ = [
    "BUNDLED_TEMPLATES",
    "FILE_ROLES",
    "PAYLOAD_TYPE",
    "PREDICATE_TYPE",
    "REPORT_SUBJECT",
    "RESULTS_SUBJECT",
    "STATEMENT_TYPE",
    "AuditSummary",
    "Chain",
    "Digest",
    "Predicate",
    "Signer",
    "Statement",
    "Subject",
    "build_statement",
    "describe_templates",
    "parse_statement",
    "statement_bytes",
    "templates_id",
    "to_signoff",
]

PAYLOAD_TYPE = "application/vnd.in-toto+json"
STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://govkit.dev/signoff/v1"
RESULTS_SUBJECT = "results.json"
REPORT_SUBJECT = "report.html"
# Provenance roles in the order their subjects are listed; any other recorded role follows, sorted.
FILE_ROLES = ("current", "reference", "model", "policy")
# The statement's ``templates`` for the templates govkit ships. No version: the report digest already binds
# what they rendered, and a version would refuse every verify after an upgrade that left the report unchanged.
BUNDLED_TEMPLATES = "bundled"

Decision = Literal["approve", "reject", "approve-with-conditions"]  # govkit.attestation.DECISIONS, as a type


class _Part(BaseModel):
    # in-toto: "consumers MUST ignore unrecognized fields"; frozen so a parsed statement stays what was signed
    model_config = ConfigDict(extra="ignore", frozen=True)


class Digest(_Part):
    sha256: str


class Subject(_Part):
    name: str
    digest: Digest


class Signer(_Part):
    """Who the signer SAYS they are; identity comes from the trusted key that verified, not from here."""

    name: str
    role: str


class AuditSummary(_Part):
    """What was audited, for a reader of the raw envelope; the subjects' digests are what binds."""

    verdict: str
    policy: str | None
    schema_version: str
    started_at: str


class Chain(_Part):
    """Where the sign-off sits in the log: its 1-based index and the previous entry's sha256 (None first)."""

    index: Annotated[int, Strict(), Field(ge=1)]
    previous: str | None


class Predicate(_Part):
    signer: Signer
    decision: Decision
    conditions: str | None = None
    # an approval of an audit that did not pass says why it overrides the verdict
    override_reason: str | None = None
    signed_at: str
    # strict: only an ISO date string, never a number read as a timestamp
    expires: Annotated[date, Strict()] | None = None
    # govkit always writes it; verifying never needed it, so a statement without it still parses
    audit: AuditSummary | None = None
    # None only in sign-offs made before the log was chained: verify refuses those as unchained
    chain: Chain | None = None
    # None only in sign-offs made before template sets were signed (or by ``sign_results``, whose caller
    # renders its own way): verify then has no template set to compare, the report digest still binds
    templates: Annotated[str, Strict(), Field(pattern=r"^(bundled|[0-9a-f]{64})$")] | None = None


class Statement(_Part):
    """An in-toto Statement v1 whose predicate is a govkit sign-off."""

    type: Literal["https://in-toto.io/Statement/v1"] = Field(alias="_type")
    subject: list[Subject]
    predicate_type: Literal["https://govkit.dev/signoff/v1"] = Field(alias="predicateType")
    predicate: Predicate

    @model_validator(mode="after")
    def _binds_results_and_report(self) -> Statement:
        names = {subject.name for subject in self.subject}
        for required in (RESULTS_SUBJECT, REPORT_SUBJECT):
            if required not in names:
                raise ValueError(f"the statement has no {required} subject")
        return self

    @property
    def digests(self) -> dict[str, str]:
        """Subject name -> sha256, in statement order."""
        return {subject.name: subject.digest.sha256 for subject in self.subject}


def build_statement(
    result: RunResult,
    results_sha256: str,
    report_sha256: str,
    *,
    name: str,
    role: str,
    decision: str,
    conditions: str | None,
    expires: date | None,
    signed_at: str,
    override_reason: str | None = None,
    chain: tuple[int, str | None] = (1, None),
    templates: str | None = None,
) -> Statement:
    """The statement binding ``result``'s results.json, its unsigned report and its audited files.

    ``chain`` is ``(index, previous entry's sha256)``: where the sign-off goes in the log; ``templates``
    is ``templates_id`` of the set the report was rendered with (None: not recorded).
    """
    subjects = [
        {"name": RESULTS_SUBJECT, "digest": {"sha256": results_sha256}},
        {"name": REPORT_SUBJECT, "digest": {"sha256": report_sha256}},
    ]
    files = result.provenance.files
    for file_role in [r for r in FILE_ROLES if r in files] + sorted(set(files) - set(FILE_ROLES)):
        entry = files[file_role]
        subjects.append({"name": f"{file_role}:{entry['path']}", "digest": {"sha256": entry["sha256"]}})
    return Statement.model_validate(
        {
            "_type": STATEMENT_TYPE,
            "subject": subjects,
            "predicateType": PREDICATE_TYPE,
            "predicate": {
                "signer": {"name": name, "role": role},
                "decision": decision,
                "conditions": conditions,
                "override_reason": override_reason,
                "expires": expires,
                "signed_at": signed_at,
                "audit": {
                    "verdict": result.verdict.value,
                    "policy": result.policy.get("name"),
                    "schema_version": result.schema_version,
                    "started_at": result.provenance.started_at,
                },
                "chain": {"index": chain[0], "previous": chain[1]},
                "templates": templates,
            },
        }
    )


def templates_id(templates: str | Path | None) -> str:
    """What a statement records of a report template set: ``BUNDLED_TEMPLATES``, or a custom folder's
    sha256 (``govkit.report.html.template_set_digest``, the value the history store records too; a set the
    loader would refuse is an ``InputError``, so a digest names what renders)."""
    if templates is None:
        return BUNDLED_TEMPLATES
    from govkit.report.html import template_set_digest

    return template_set_digest(templates)


def describe_templates(recorded: str) -> str:
    """``recorded`` (a statement's ``templates``) in words: the bundled set, or a custom set by its digest."""
    return "the bundled templates" if recorded == BUNDLED_TEMPLATES else f"custom templates sha256 {recorded}"


def statement_bytes(statement: Statement) -> bytes:
    """The payload govkit signs: compact JSON with sorted keys, UTF-8 (stable for equal statements).

    ``templates`` is left out when not recorded, so such a statement is the bytes it always was."""
    data = statement.model_dump(mode="json", by_alias=True)
    if data["predicate"].get("templates") is None:
        data["predicate"].pop("templates", None)
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def parse_statement(payload: bytes) -> Statement:
    """The govkit sign-off statement in ``payload``; ``ValueError`` with a one-line reason if it is not one."""
    try:
        text = payload.decode("utf-8")
        json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ValueError("the payload is not JSON") from None
    try:
        return Statement.model_validate_json(text)
    except ValidationError as error:
        raise ValueError(_reason(error)) from None


# The order the checks are reported in when a statement is wrong in several ways: the envelope's kind first.
_ORDER = ("_type", "predicateType", "subject", "predicate")


def _reason(error: ValidationError) -> str:
    """The first problem in ``error``, as one line a reviewer can act on."""
    problems = error.errors(include_url=False)
    first = min(problems, key=lambda p: _ORDER.index(p["loc"][0]) if p["loc"] and p["loc"][0] in _ORDER else -1)
    return _describe(first)


def _describe(problem: ErrorDetails) -> str:
    loc = tuple(str(part) for part in problem["loc"])
    given = None if problem["type"] == "missing" else problem["input"]
    if not loc or loc == ("_type",):
        if problem["type"] == "value_error":  # from the model validator: a required subject is missing
            return str(problem.get("ctx", {}).get("error", problem["msg"]))
        return f"the payload is not an in-toto Statement v1 ({STATEMENT_TYPE})"
    if loc == ("predicateType",):
        return f"the statement's predicateType is not {PREDICATE_TYPE}"
    if loc == ("subject",):
        return "the statement has no subject list"
    if loc[0] == "subject":
        return "a subject lacks a name or a sha256 digest"
    field = loc[1] if len(loc) > 1 else "signer"
    if field == "signer":
        return "the statement has no signer" if len(loc) <= 2 else "the signer has no name or role"
    if field == "decision":
        return f"the decision {given!r} is not one of {', '.join(DECISIONS)}"
    if field == "conditions":
        return "the conditions are not text"
    if field == "signed_at":
        return "the statement has no signed_at time"
    if field == "expires":
        return f"expires {given!r} is not an ISO date"
    if field == "override_reason":
        return "the override reason is not text"
    if field == "chain":
        return "the statement's place in the sign-off log (chain) is not an index and a sha256"
    if field == "templates":
        return "the statement's report template set (templates) is neither 'bundled' nor a sha256"
    return f"the statement's {'.'.join(loc)} is not valid: {problem['msg']}"


def to_signoff(statement: Statement, *, keyid: str, envelope: dict[str, Any], digest: str, position: int) -> SignOff:
    """The sign-off record the report and ``verify`` read, as claimed: ``state`` is "not verified".

    ``digest`` is the sha256 of the statement's bytes, ``position`` the envelope's place in the log.
    """
    predicate, digests = statement.predicate, statement.digests
    chain = predicate.chain
    return SignOff(
        name=predicate.signer.name,
        role=predicate.signer.role,
        decision=predicate.decision,
        conditions=predicate.conditions,
        expires=predicate.expires,
        signed_at=predicate.signed_at,
        keyid=keyid,
        results_sha256=digests[RESULTS_SUBJECT],
        report_sha256=digests[REPORT_SUBJECT],
        subjects=digests,
        envelope=envelope,
        override_reason=predicate.override_reason,
        position=position,
        index=chain.index if chain is not None else None,
        previous=chain.previous if chain is not None else None,
        digest=digest,
    )
