"""The one result model: what every check found, and the audit's verdict.

``results.json``, the HTML report, JUnit XML, the Markdown summary and the exit code are all
pure functions of a ``RunResult``. Nothing in here knows how it will be presented.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "1.1"  # 1.1 added `families`; 1.0 files still read and render
_REPR_BLOCKERS = 5  # blocking checks named by repr(result); the rest are counted


class Status(StrEnum):
    """How one check ended."""

    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    INCONCLUSIVE = "inconclusive"  # ran, but the data cannot support a verdict (e.g. tiny groups)
    SKIP = "skip"  # an input the check needs was not given
    ERROR = "error"  # the check raised; the rest of the audit ran on


# The statuses that mean a check measured something; skip and error mean it did not.
MEASURED = frozenset({Status.PASS, Status.WARN, Status.FAIL, Status.INCONCLUSIVE})


class Verdict(StrEnum):
    """The audit as a whole, as a PM reads it."""

    PASS = "pass"
    PASS_WITH_WARNINGS = "pass_with_warnings"
    FAIL = "fail"
    INCOMPLETE = "incomplete"


# Units whose values lie in a fixed range (CheckDef.unit): a bound outside it judges nothing.
UNIT_RANGES: dict[str, tuple[float, float]] = {"share": (0.0, 1.0), "ratio": (0.0, 1.0)}


class Threshold(BaseModel):
    """A bound on a measured value: exactly one of gt, ge, lt, le is set."""

    model_config = ConfigDict(extra="forbid")

    gt: float | None = None
    ge: float | None = None
    lt: float | None = None
    le: float | None = None

    def operator(self) -> tuple[str, float]:
        for name in ("gt", "ge", "lt", "le"):
            bound = getattr(self, name)
            if bound is not None:
                return name, float(bound)
        raise ValueError("a threshold needs one of gt, ge, lt, le")

    def is_met_by(self, value: float) -> bool:
        """True when ``value`` lies in the region this threshold describes."""
        op, bound = self.operator()
        return {
            "gt": value > bound,
            "ge": value >= bound,
            "lt": value < bound,
            "le": value <= bound,
        }[op]

    def describe(self) -> str:
        op, bound = self.operator()
        symbol = {"gt": ">", "ge": "≥", "lt": "<", "le": "≤"}[op]
        return f"{symbol} {bound:g}"

    def covers(self, other: Threshold) -> bool:
        """True when every value ``other`` is met by is also met by this threshold (same direction only).

        A fail_if that covers its warn_if leaves the warning no value to fire on.
        """
        (op, at), (other_op, other_at) = self.operator(), other.operator()
        if op[0] != other_op[0]:
            return False
        if op[0] == "l":  # lt/le mirrored onto gt/ge
            at, other_at = -at, -other_at
        # other's region starts at other_at; it escapes this one only past this one's start, or at the same
        # start when other includes it (ge/le) and this one does not (gt/lt)
        return at < other_at or (at == other_at and not (other_op in ("ge", "le") and op in ("gt", "lt")))

    def outside_range_of(self, unit: str) -> str:
        """Why this bound cannot judge a value of ``unit`` (a share or ratio lies in 0..1), or ""."""
        low, high = UNIT_RANGES.get(unit, (float("-inf"), float("inf")))
        if low <= self.operator()[1] <= high:
            return ""
        return f"is outside {low:g}..{high:g}, the range of a {unit}; give a bound between {low:g} and {high:g}"


class Measurement(BaseModel):
    """What a family measured for one check: a number and the evidence behind it."""

    model_config = ConfigDict(extra="forbid")

    value: float | None = None
    interval: tuple[float, float] | None = None
    sample_size: int | None = None
    method: str = ""
    details: dict[str, Any] = Field(default_factory=dict)
    # A family may declare its own verdict-free status for data it cannot judge (inconclusive);
    # thresholds still decide pass/warn/fail.
    inconclusive_reason: str | None = None
    summary: str = ""


class CheckResult(BaseModel):
    """One check of the policy, judged."""

    model_config = ConfigDict(extra="forbid")

    id: str
    family: str
    title: str
    status: Status
    message: str
    severity: Literal["blocking", "advisory"] = "blocking"
    required: bool = False
    fail_when: Literal["value", "interval"] = "value"
    measurement: Measurement = Field(default_factory=Measurement)
    warn_if: Threshold | None = None
    fail_if: Threshold | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    refs: list[str] = Field(default_factory=list)
    doc: str = ""
    duration_seconds: float = 0.0

    @property
    def measured(self) -> bool:
        """True when the check produced a judged measurement (pass, warn, fail or inconclusive)."""
        return self.status in MEASURED

    @property
    def blocks(self) -> bool:
        """True when this result stops a deployment on its own.

        ``severity`` decides what a finding does: a blocking fail or error blocks. ``required`` decides what
        missing evidence does: a required check that was skipped, inconclusive or errored blocks whatever
        its severity (an advisory check can be required: its finding only warns, but it must be produced).
        """
        if self.severity == "blocking" and self.status in (Status.FAIL, Status.ERROR):
            return True
        return self.required and self.status in (Status.SKIP, Status.INCONCLUSIVE, Status.ERROR)


class Provenance(BaseModel):
    """Exactly what was audited, with what, and when."""

    model_config = ConfigDict(extra="forbid")

    started_at: str
    finished_at: str
    duration_seconds: float
    seed: int
    govkit_version: str
    python_version: str
    platform: str
    library_versions: dict[str, str]
    files: dict[str, dict[str, str]] = Field(default_factory=dict)  # role -> {path, sha256}
    git_commit: str | None = None
    sampling: list[dict[str, Any]] = Field(default_factory=list)
    command: str | None = None
    # where the rows were read: {"name": "pandas"} in memory; "arrow-stream" or "spark" with its version,
    # partitions or batch size, the row id, the sample rule and seed, and the rows of each table
    engine: dict[str, Any] | None = None  # None: written before engines were recorded (then in memory)


class AuditInputs(BaseModel):
    """The shape of what was audited: columns, rows, task; never the rows themselves."""

    model_config = ConfigDict(extra="forbid")

    target: str | None
    sensitive: list[str]
    features: list[str]
    positive_label: str | None
    task: Literal["binary", "multiclass", "regression", "unknown"]
    current_rows: int
    reference_rows: int
    model_type: str | None
    prediction_source: Literal["model", "column"]
    prediction_column: str | None = None
    probability_column: str | None = None


class FamilyInfo(BaseModel):
    """A family as the report introduces it, recorded so a results file renders without the family installed."""

    model_config = ConfigDict(extra="forbid")

    id: str
    title: str
    intro: str = ""


class SinceTrend(BaseModel):
    """One moved check's values over the model's recorded audits, oldest first, the current audit last."""

    model_config = ConfigDict(extra="forbid")

    check: str
    title: str
    labels: list[str]  # each audit's version (or date)
    values: list[float]
    statuses: list[str]
    fail_if: float | None = None  # the current policy's bounds
    warn_if: float | None = None
    fail_text: str = ""
    warn_text: str = ""


class SinceApproved(BaseModel):
    """What changed since the last approved audit of the model, as a history store told the audit.

    Part of results.json, so the report that shows it is the report a reviewer signs.
    """

    model_config = ConfigDict(extra="forbid")

    baseline: int  # the approved audit's id in the store
    date: str
    by: str
    version: str = ""
    changes: list[str] = Field(default_factory=list)  # one plain sentence per change
    material: list[str] = Field(default_factory=list)  # the changes that need a fresh approval
    trends: list[SinceTrend] = Field(default_factory=list)  # the checks that moved, over past audits
    # True: the approval's signature verified with the audit's trusted keys; False: it is the envelope's
    # claim (no trusted keys given); None: not said (written before this was recorded)
    verified: bool | None = None


class RunResult(BaseModel):
    """The whole audit. Serialises to ``results.json`` and back without loss."""

    model_config = ConfigDict(extra="forbid")

    schema_version: str = SCHEMA_VERSION
    policy: dict[str, Any]
    model_card: dict[str, Any] = Field(default_factory=dict)
    inputs: AuditInputs
    provenance: Provenance
    checks: list[CheckResult]
    fail_on: Literal["fail", "warn"] = "fail"
    # Added in schema 1.1; empty in older files, whose families the report names by id.
    families: list[FamilyInfo] = Field(default_factory=list)
    # Set when the audit was compared with the last approved audit in a history store.
    since_approved: SinceApproved | None = None

    @property
    def counts(self) -> dict[str, int]:
        counts = {status.value: 0 for status in Status}
        for check in self.checks:
            counts[check.status.value] += 1
        return counts

    @property
    def not_evaluated(self) -> list[str]:
        """Families the operator opted out of on purpose (the policy's ``not_evaluated``)."""
        names = self.policy.get("not_evaluated") or []
        return [str(name) for name in names] if isinstance(names, list) else []

    @property
    def unmeasured_families(self) -> list[str]:
        """Families the policy enables that measured nothing (every check skipped or errored), in check order,
        leaving out those the operator opted out of. Any of them makes the verdict incomplete: a pass must rest
        on evidence from every family the policy asks for."""
        measured = {c.family for c in self.checks if c.measured}
        opted_out = set(self.not_evaluated)
        found: list[str] = []
        for check in self.checks:
            if check.family not in measured and check.family not in opted_out and check.family not in found:
                found.append(check.family)
        return found

    @property
    def blocking(self) -> list[CheckResult]:
        """The checks that stop deployment, under this run's ``fail_on`` setting.

        Besides blocking findings and missing required evidence, every check of a family that measured
        nothing blocks: the family was asked for and gave no evidence.
        """
        unmeasured = set(self.unmeasured_families)
        found = [c for c in self.checks if c.blocks or c.family in unmeasured]
        if self.fail_on == "warn":
            found += [c for c in self.checks if c.severity == "blocking" and c.status == Status.WARN]
        return found

    @property
    def verdict(self) -> Verdict:
        blocking = self.blocking
        if any(c.status in (Status.FAIL, Status.WARN) for c in blocking):
            return Verdict.FAIL
        if blocking or not self.checks:  # no check at all is no evidence, never a pass
            return Verdict.INCOMPLETE
        if any(c.status != Status.PASS for c in self.checks):
            return Verdict.PASS_WITH_WARNINGS
        return Verdict.PASS

    @property
    def passed(self) -> bool:
        """True when nothing blocks deployment and at least one check ran."""
        return bool(self.checks) and not self.blocking

    def __repr__(self) -> str:
        """One line, not the whole evidence: verdict, counts, and what blocks (the rest is in to_json())."""
        counts = ", ".join(f"{n} {status}" for status, n in self.counts.items() if n)
        blocking = [f"{c.id} ({c.status.value})" for c in self.blocking]
        shown = ", ".join(blocking[:_REPR_BLOCKERS]) + (
            f", and {len(blocking) - _REPR_BLOCKERS} more" if len(blocking) > _REPR_BLOCKERS else ""
        )
        policy = self.policy.get("name", "")
        text = f"RunResult(verdict={self.verdict.value!r}, policy={policy!r}, "
        text += f"checks={len(self.checks)}: {counts or 'none'}"
        return text + (f"; blocking: {shown})" if blocking else ")")

    __str__ = __repr__

    def _repr_html_(self) -> str:
        """The HTML report in a sandboxed frame, for notebooks (Jupyter calls this)."""
        # the one upward import of this module, and only when a notebook asks to show a result
        from govkit.report.notebook import notebook_html

        return notebook_html(self)

    def check(self, check_id: str) -> CheckResult:
        for result in self.checks:
            if result.id == check_id:
                return result
        raise KeyError(check_id)

    def to_dict(self) -> dict[str, Any]:
        data = self.model_dump(mode="json")
        if not data["families"]:
            del data["families"]  # a results file from before schema 1.1 reads back and writes out unchanged
        if data["provenance"]["engine"] is None:
            del data["provenance"]["engine"]  # written before engines were recorded: the file keeps its bytes
        if data["since_approved"] is None:
            del data["since_approved"]  # only with a history store: other results keep their bytes
        else:
            for key in ("trends", "verified"):  # written before these were: the file keeps its bytes
                if data["since_approved"][key] in ([], None):
                    del data["since_approved"][key]
        data["verdict"] = self.verdict.value
        data["counts"] = self.counts
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False, allow_nan=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> RunResult:
        data = json.loads(text)
        # verdict and counts are derived; they are written for readers, not read back.
        data.pop("verdict", None)
        data.pop("counts", None)
        return cls.model_validate(data)

    @classmethod
    def read(cls, path: str | Path) -> RunResult:
        """A results.json written by an audit; ``InputError`` with one line when it is missing or not one."""
        return cls.read_with_bytes(path)[1]

    @classmethod
    def read_with_bytes(cls, path: str | Path) -> tuple[bytes, RunResult]:
        """The file's exact bytes (what a sign-off hashes) and the result they hold."""
        from pydantic import ValidationError

        from govkit.errors import InputError

        path = Path(path)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise InputError(f"{path}: results file not found; give the results.json an audit wrote") from None
        except OSError as error:
            raise InputError(f"{path}: cannot read the results: {error.strerror or error}") from None
        try:
            return data, cls.from_json(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, ValidationError, RecursionError) as error:
            first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise InputError(f"{path}: not a govkit results file ({first})") from None

    def write_json(self, path: str | Path) -> Path:
        from govkit.outputs import write_text_atomic

        return write_text_atomic(Path(path), self.to_json())
