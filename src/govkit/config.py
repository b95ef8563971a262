"""The project config, ``govkit.yaml``: what to audit, with which policy, written where.

Paths in the file are relative to the file's own folder. Command-line options override it:
``load_request`` merges the two into the arguments of ``govkit.api.audit`` and ``govkit.api.render``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from govkit.errors import PolicyError
from govkit.limits import parse_budgets
from govkit.outputs import OUTPUT_FILES, OutputFormat, check_output_folder, refuse_to_overwrite_inputs
from govkit.policy import ModelCard, read_yaml, validation_messages
from govkit.policy_messages import quoted

if TYPE_CHECKING:
    from govkit.policy import Policy

CONFIG_NAME = "govkit.yaml"
# Set by whoever owns the CI job (not the repository) to let the config file's trust settings count.
TRUST_ENV = "GOVKIT_TRUST_CONFIG"
TRUST_KEYS = ("trust_pickle", "trusted_types", "model_sha256")
# Without a config or --format, every text output: the report, results.json, JUnit for CI, the Markdown summary.
DEFAULT_FORMATS: tuple[OutputFormat, ...] = ("html", "json", "junit", "markdown")
Seconds = Annotated[float, Field(gt=0, allow_inf_nan=False)]


class AuditConfig(BaseModel):
    """Everything ``govkit audit`` needs, as a file that lives in the project's repository."""

    model_config = ConfigDict(extra="forbid")

    version: Literal[1] = 1
    data: str | None = Field(default=None, description="Current data: CSV or Parquet.")
    reference: str | None = Field(default=None, description="Reference data the current data is compared with.")
    model: str | None = Field(default=None, description="Model file (skops; pickle/joblib only if trusted).")
    target: str | None = None
    positive_label: str | int | float | bool | list[str | int | float | bool] | None = Field(
        default=None,
        description="The favourable outcome, e.g. 1 or 'approved'; for multiclass a list, e.g. [gold, silver].",
    )
    class_probabilities: dict[str | int | float | bool, str] | None = Field(
        default=None, description="With prediction_column: each class's probability column, e.g. {gold: p_gold}."
    )
    task: Literal["binary", "multiclass", "regression"] | None = Field(
        default=None, description="The model's task (default: detected from the model or the labels)."
    )
    sensitive: list[str] = Field(default_factory=list)
    features: list[str] | None = Field(default=None, description="Model input columns (default: from the model).")
    prediction_column: str | None = None
    probability_column: str | None = None
    policy: str = "default"
    out: str = "govkit-report"
    formats: list[OutputFormat] = Field(default_factory=lambda: list(DEFAULT_FORMATS))
    seed: int = 0
    fail_on: Literal["fail", "warn"] = "fail"
    trusted_types: list[str] = Field(default_factory=list)
    trust_pickle: bool = False
    model_sha256: str | None = None
    model_card: ModelCard = Field(default_factory=ModelCard)
    timeout: Seconds | None = Field(
        default=None, description="Seconds the whole audit may take; past them it stops and keeps what finished."
    )
    budgets: dict[str, Seconds] = Field(
        default_factory=dict, description="Seconds each family may take, e.g. {explain: 60}; its other checks error."
    )
    columns: list[str] | None = Field(
        default=None, description="Audit only these columns (plus target, sensitive, prediction and features)."
    )
    max_columns: int | None = Field(
        default=None, gt=0, description="Refuse data with more columns than this (default 1000)."
    )
    engine: Literal["pandas", "stream", "spark"] = Field(
        default="pandas",
        description="Where rows are read: pandas (in memory), stream (Parquet/CSV in batches) or spark.",
    )
    sample_rows: int | None = Field(
        default=None, gt=0, description="On stream or spark: the rows the frame-reading checks see (default 200000)."
    )
    row_id: str | None = Field(
        default=None, description="A column identifying each row: the engines' sample is then the same everywhere."
    )
    spark_conf: dict[str, str] = Field(
        default_factory=dict, description="Spark settings, e.g. {spark.master: local[4]}."
    )
    spark_remote: str | None = Field(default=None, description="A Spark Connect URL, e.g. sc://host:15002.")
    store: str | None = Field(
        default=None,
        description="Audit history: a path (SQLite) or database URL (default: .govkit/history.db beside this file).",
    )

    @field_validator("sensitive", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value


def load_config(path: str | Path) -> tuple[AuditConfig, Path]:
    """Read a config file; return it and the folder its relative paths are relative to."""
    path = Path(path)
    data = read_yaml(path, path.name)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise PolicyError([f"{path.name}: a config is a mapping of keys such as data, model, target"])
    try:
        config = AuditConfig.model_validate(data)
    except ValidationError as error:
        raise PolicyError([f"{path.name}: {line}" for line in validation_messages(error, AuditConfig)]) from None
    return config, path.resolve().parent


def resolve(base: Path, value: str | None) -> str | None:
    """A path from the config, made relative to the config's folder."""
    if value is None:
        return None
    if value.startswith(("models:/", "runs:/")):  # an MLflow model URI, not a path
        return value
    candidate = Path(value).expanduser()
    return str(candidate if candidate.is_absolute() else base / candidate)


def find_config(start: Path | None = None) -> Path | None:
    """``govkit.yaml`` in the working directory, when there is one."""
    candidate = (start or Path.cwd()) / CONFIG_NAME
    return candidate if candidate.is_file() else None


@dataclass(frozen=True)
class AuditRequest:
    """One audit as asked for: the keyword arguments of ``govkit.api.audit``, and where the outputs go."""

    audit: dict[str, Any]
    out: Path
    formats: list[str]
    templates: str | None


def refuse_config_trust(config: AuditConfig, source: Path | None, confirmed: bool) -> None:
    """A config file lives in the repository, so on a pull request the branch writes it: it must not decide
    which code a model file may run. Its trust settings count only when the operator confirms them with
    ``--trust-config`` or with ``GOVKIT_TRUST_CONFIG=1`` in the CI job's environment."""
    if confirmed or os.environ.get(TRUST_ENV) == "1" or source is None:
        return
    given = [key for key in TRUST_KEYS if key in config.model_fields_set and getattr(config, key)]
    if given:
        raise PolicyError(
            [
                f"{source.name}: {', '.join(given)}: a config file cannot grant trust in a model file (whoever edits "
                "the file could make govkit run code); pass --trust-type/--trust-pickle/--model-sha256 on the "
                f"command line, or confirm the file's settings with --trust-config or {TRUST_ENV}=1"
            ]
        )


def skipped_families(values: Any, policy: Policy) -> list[str]:
    """Families the operator leaves out on the command line (``--skip-family``), recorded in the results as
    the policy's ``not_evaluated``: they may measure nothing without making the verdict incomplete."""
    from govkit.registry import family_names

    known = family_names()
    names = [name for name in dict.fromkeys(_split(values)) if name not in policy.not_evaluated]
    for name in names:
        if name not in known:
            raise PolicyError([f"--skip-family: unknown family {quoted(name)}; use one of {', '.join(known)}"])
    return names


def _split(values: Any) -> list[str]:
    """``a,b`` or ``["a", "b"]`` or ``("a,b", "c")`` as a list of names."""
    if values is None:
        return []
    items = [values] if isinstance(values, str) else list(values)
    return [part.strip() for item in items for part in str(item).split(",") if part.strip()]


def _class_columns(values: Any) -> dict[str, str]:
    """``--class-probability gold=p_gold`` (repeated) as {class: column}."""
    mapping: dict[str, str] = {}
    for item in values or ():
        label, sep, column = str(item).rpartition("=")
        if not sep or not label or not column:
            raise PolicyError(
                [f"--class-probability: {quoted(str(item))} is not LABEL=COLUMN; e.g. --class-probability gold=p_gold"]
            )
        mapping[label] = column
    return mapping


def _engine(options: Mapping[str, Any], config: AuditConfig) -> Any:
    """The engine's settings: command-line options over the config's."""
    from govkit.engines.options import engine_options

    def pick(option: str) -> Any:
        given = options.get(option)
        return given if given not in (None, ()) else getattr(config, option)

    settings = {**config.spark_conf, **parse_settings(options.get("spark_conf"))}
    seed = pick("seed")
    return engine_options(pick("engine"), pick("sample_rows"), pick("row_id"), seed, settings, pick("spark_remote"))


def parse_settings(given: Any) -> dict[str, str]:
    """``--spark-conf key=value`` options as a mapping; GK115 for one without ``=``."""
    from govkit.inputs import coded

    settings: dict[str, str] = {}
    for item in given or ():
        key, sep, value = str(item).partition("=")
        if not sep or not key.strip():
            raise coded("GK115", f"--spark-conf {item!r}: give a setting as key=value, e.g. spark.executor.memory=4g")
        settings[key.strip()] = value.strip()
    return settings


def _one_or_many(value: Any) -> Any:
    """``--positive-label`` given once is one label; given several times (multiclass), a list."""
    if isinstance(value, (tuple, list)):
        return value[0] if len(value) == 1 else list(value)
    return value


def load_request(config_path: str | Path | None, options: Mapping[str, Any]) -> AuditRequest:
    """Merge ``options`` (command-line values; None or empty when not given) over the project config.

    The config is ``config_path``, else ``govkit.yaml`` in the working directory, else defaults. Paths in
    the config are relative to its folder; paths and a policy given as options, to the working directory.
    Outputs that would overwrite an audited file are refused here, before anything runs.
    """
    from govkit.policy import load_policy
    from govkit.report.html import validate_templates

    found = Path(config_path) if config_path is not None else find_config()
    config, base = load_config(found) if found is not None else (AuditConfig(), Path.cwd())
    refuse_config_trust(config, found, confirmed=bool(options.get("trust_config")))
    if options.get("templates"):
        validate_templates(options["templates"])  # before the audit: a broken or unsafe template costs nothing

    def pick(option: str, configured: Any, path: bool = False) -> Any:
        given = options.get(option)
        if given not in (None, ()):
            return given
        return resolve(base, configured) if path else configured

    policy = load_policy(options["policy"]) if options.get("policy") else load_policy(config.policy, relative_to=base)
    policy.not_evaluated = [*policy.not_evaluated, *skipped_families(options.get("skip_families"), policy)]
    data, reference, model = (pick(name, getattr(config, name), path=True) for name in ("data", "reference", "model"))
    out = Path(pick("out", config.out, path=True))
    check_output_folder(out)  # refused before anything runs, not after the audit
    formats = list(options.get("formats") or config.formats)
    refuse_to_overwrite_inputs(
        [out / OUTPUT_FILES[f] for f in formats], [Path(p) for p in (data, reference, model) if p]
    )
    arguments = {
        "model": model,
        "data": data,
        "reference": reference,
        "target": pick("target", config.target),
        "sensitive": _split(options.get("sensitive")) or config.sensitive,
        "policy": policy,
        "features": _split(options.get("features")) or config.features,
        "prediction_column": pick("prediction_column", config.prediction_column),
        "probability_column": pick("probability_column", config.probability_column),
        "positive_label": _one_or_many(pick("positive_label", config.positive_label)),
        "task": pick("task", config.task),
        "class_probabilities": _class_columns(options.get("class_probabilities")) or config.class_probabilities,
        "seed": pick("seed", config.seed),
        "fail_on": pick("fail_on", config.fail_on),
        "trusted_types": _split(options.get("trust_types")) + config.trusted_types,
        "trust_pickle": bool(pick("trust_pickle", config.trust_pickle)),
        "model_sha256": pick("model_sha256", config.model_sha256),
        "model_card": config.model_card.model_dump(),
        "timeout": pick("timeout", config.timeout),
        "budgets": {**config.budgets, **parse_budgets(options.get("budgets"))},
        "columns": _split(options.get("columns")) or config.columns,
        "max_columns": pick("max_columns", config.max_columns),
        "engine": _engine(options, config),
    }
    return AuditRequest(audit=arguments, out=out, formats=formats, templates=options.get("templates"))
