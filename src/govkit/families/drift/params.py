"""The drift checks' parameters, and evidently's drift methods as a policy may name them.

Nothing here imports evidently, so a policy is validated without loading it.
"""

from __future__ import annotations

from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

Kind = Literal["numerical", "categorical"]
ScoreKind = Literal["p_value", "distance"]

# Evidently's drift methods by their registered name: the column types each accepts and what its
# score is. Kept here, rather than read from evidently, so that a policy can be validated without
# importing evidently; tests/test_drift.py checks the table against evidently's own registry
# (evidently/legacy/calculations/stattests/*.py). For a p-value, drift is a score below the threshold;
# for a distance, a score at or above it.
METHODS: dict[str, tuple[frozenset[str], ScoreKind]] = {
    "anderson": (frozenset({"numerical"}), "p_value"),
    "chisquare": (frozenset({"categorical"}), "p_value"),
    "cramer_von_mises": (frozenset({"numerical"}), "p_value"),
    "ed": (frozenset({"numerical"}), "distance"),
    "es": (frozenset({"numerical"}), "p_value"),
    "fisher_exact": (frozenset({"categorical"}), "p_value"),
    "g_test": (frozenset({"categorical"}), "p_value"),
    "hellinger": (frozenset({"numerical", "categorical"}), "distance"),
    "jensenshannon": (frozenset({"numerical", "categorical"}), "distance"),
    "kl_div": (frozenset({"numerical", "categorical"}), "distance"),
    "ks": (frozenset({"numerical"}), "p_value"),
    "mannw": (frozenset({"numerical"}), "p_value"),
    "empirical_mmd": (frozenset({"numerical"}), "p_value"),
    "psi": (frozenset({"numerical", "categorical"}), "distance"),
    "t_test": (frozenset({"numerical"}), "p_value"),
    "TVD": (frozenset({"categorical"}), "p_value"),
    "wasserstein": (frozenset({"numerical"}), "distance"),
    "z": (frozenset({"categorical"}), "p_value"),
}


def applies(method: str, kind: Kind) -> bool:
    """Whether evidently's ``method`` accepts columns of this kind."""
    return kind in METHODS[method][0]


def methods_for(kind: Kind) -> list[str]:
    """The methods that accept columns of this kind, in table order."""
    return [method for method in METHODS if applies(method, kind)]


def score_kind(method: str) -> Literal["p_value", "distance", "score"]:
    """What ``method``'s score is; "score" for a method the table does not know."""
    return METHODS[method][1] if method in METHODS else "score"


def _check_method(name: str | None) -> str | None:
    if name is not None and name not in METHODS:
        known = ", ".join(sorted(METHODS))
        raise ValueError(f"unknown drift method {name!r}; use one of evidently's: {known}")
    return name


class ValueDriftParams(BaseModel):
    """How one series (model scores, target) is compared between reference and current."""

    model_config = ConfigDict(extra="forbid")

    method: str | None = Field(
        default=None,
        description="Evidently drift method, e.g. 'ks', 'wasserstein', 'psi', 'jensenshannon', 'chisquare' "
        "(default: evidently's choice by type and size).",
    )
    threshold: float | None = Field(
        default=None,
        description="Evidently's drift threshold for the method: a p-value below it, or a distance at or "
        "above it, means drift (default: the method's own, e.g. 0.05 for p-values, 0.1 for distances).",
    )
    max_rows: int | None = Field(
        default=100_000,
        ge=1,
        description="Rows used from each of reference and current; larger data is sampled with the audit "
        "seed and the sample is recorded (None: use every row).",
    )
    categorical_max_unique: int = Field(
        default=10,
        ge=1,
        description="A numeric column with at most this many distinct values is compared as categorical "
        "(evidently's own limit for integer columns is 10).",
    )

    @field_validator("method")
    @classmethod
    def _known_method(cls, value: str | None) -> str | None:
        return _check_method(value)


class PredictionDriftParams(ValueDriftParams):
    """Which of the model's outputs is compared between reference and current."""

    of: Literal["auto", "scores", "labels"] = Field(
        default="auto",
        description="'scores': the probability of the favourable outcome (summed over a multiclass model's "
        "favourable classes); 'labels': the predicted classes (a multiclass model's class distribution) or a "
        "regressor's predictions; 'auto': scores when the model gives them, labels otherwise.",
    )


class ColumnDriftParams(ValueDriftParams):
    """Which feature columns are tested for drift, and with which evidently method."""

    columns: list[str] | None = Field(
        default=None,
        description="Columns to test, used exactly as given (default: the audit's features minus sensitive, "
        "target, prediction and probability columns).",
    )
    include_sensitive: bool = Field(
        default=False, description="Also test the sensitive columns when the columns are not given."
    )
    method: str | None = Field(
        default=None,
        description="Evidently drift method for every column whose type it supports, e.g. 'ks', 'psi' "
        "(default: evidently's choice by type and size).",
    )
    per_column_method: dict[str, str] = Field(
        default_factory=dict, description="Evidently drift method for single columns, e.g. {age: ks}."
    )
    per_column_threshold: dict[str, float] = Field(
        default_factory=dict, description="Drift threshold for single columns, e.g. {age: 0.2}."
    )
    p_value_correction: Literal["benjamini-hochberg", "none"] = Field(
        default="benjamini-hochberg",
        description="When several columns are tested with p-values, adjust them for multiple testing "
        "(Benjamini-Hochberg false discovery rate) before comparing with the threshold.",
    )
    min_effect_size: float | None = Field(
        default=0.1,
        ge=0,
        description="On large data a p-value test also needs at least this effect size to count as drift "
        "(None: the test alone decides).",
    )
    large_data_rows: int = Field(
        default=10_000,
        ge=1,
        description="From this many rows (in the smaller of reference and current) p-value tests are gated "
        "on effect size.",
    )

    @field_validator("per_column_method")
    @classmethod
    def _known_methods(cls, value: dict[str, str]) -> dict[str, str]:
        for method in value.values():
            _check_method(method)
        return value


P = TypeVar("P", bound=BaseModel)


def coerce(model: type[P], params: object) -> P:
    """The check's params as its model, also when a library caller passes a dict or nothing."""
    if isinstance(params, model):
        return params
    if isinstance(params, BaseModel):
        params = params.model_dump()
    return model.model_validate(params or {})
