"""The project config, ``govkit.yaml``: what to audit, with which policy, written where.

Paths in the file are relative to the file's own folder. Command-line options override it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from govkit.errors import PolicyError
from govkit.policy import ModelCard, read_yaml, validation_messages

CONFIG_NAME = "govkit.yaml"


class AuditConfig(BaseModel):
    """Everything ``govkit audit`` needs, as a file that lives in the project's repository."""

    model_config = ConfigDict(extra="forbid")

    version: Literal[1] = 1
    data: str | None = Field(default=None, description="Current data: CSV or Parquet.")
    reference: str | None = Field(default=None, description="Reference data the current data is compared with.")
    model: str | None = Field(default=None, description="Model file (skops; pickle/joblib only if trusted).")
    target: str | None = None
    positive_label: str | int | float | bool | None = Field(
        default=None, description="The favourable outcome, e.g. 1 or 'approved'."
    )
    sensitive: list[str] = Field(default_factory=list)
    features: list[str] | None = Field(default=None, description="Model input columns (default: from the model).")
    prediction_column: str | None = None
    probability_column: str | None = None
    policy: str = "default"
    out: str = "govkit-report"
    formats: list[Literal["html", "json", "junit", "markdown"]] = Field(default_factory=lambda: ["html", "json"])
    seed: int = 0
    fail_on: Literal["fail", "warn"] = "fail"
    trusted_types: list[str] = Field(default_factory=list)
    trust_pickle: bool = False
    model_sha256: str | None = None
    model_card: ModelCard = Field(default_factory=ModelCard)

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
    candidate = Path(value).expanduser()
    return str(candidate if candidate.is_absolute() else base / candidate)


def find_config(start: Path | None = None) -> Path | None:
    """``govkit.yaml`` in the working directory, when there is one."""
    candidate = (start or Path.cwd()) / CONFIG_NAME
    return candidate if candidate.is_file() else None
