"""Hostile models and parameters: answered before any check runs, or as one clear line, never exit 3.

A model whose probabilities are not probabilities, a model whose labels are not the target's, a
reference group that does not exist, a plug-in family that cannot be imported. Each is a row of the
README's bad-input table.
"""

from __future__ import annotations

import sys
import warnings
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from sklearn.linear_model import LogisticRegression

import govkit
from govkit import registry
from govkit.cli import main
from govkit.errors import EXIT_USAGE, GovkitError, InputError
from govkit.families.fairness.params import FairnessParams
from govkit.families.fairness.reference import missing_reference
from govkit.policy import load_policy
from govkit.results import Status

ROWS = 60


def _frame(rows: int = ROWS, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=rows), rng.normal(size=rows)
    y = (x1 + 0.5 * rng.normal(size=rows) > 0).astype(int)
    return pd.DataFrame({"x1": x1, "x2": x2, "group": np.where(np.arange(rows) % 2 == 0, "a", "b"), "y": y})


class NaNProbabilities(LogisticRegression):
    """A classifier whose predict_proba returns NaN (a broken calibration layer, say)."""

    def predict_proba(self, X: Any) -> Any:
        return np.full((len(X), 2), np.nan)


class StretchedProbabilities(LogisticRegression):
    """A classifier whose 'probabilities' run from -1 to 2."""

    def predict_proba(self, X: Any) -> Any:
        return super().predict_proba(X) * 3 - 1


def _fitted(kind: type[LogisticRegression], target: pd.Series | None = None) -> LogisticRegression:
    frame = _frame(200, seed=1)
    return kind().fit(frame[["x1", "x2"]], frame["y"] if target is None else target)


def _refused(code: str, **arguments: Any) -> InputError:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(InputError) as caught:
            govkit.audit(**arguments)
    error = caught.value
    assert getattr(error, "code", None) == code, (getattr(error, "code", None), str(error))
    assert len(str(error).splitlines()) == 1
    return error


# ---------------------------------------------------------------------------------------------
# Model outputs


def test_a_model_whose_probabilities_are_nan_is_gk205() -> None:
    error = _refused("GK205", model=_fitted(NaNProbabilities), data=_frame(), target="y", sensitive=["group"])
    assert "the model (NaNProbabilities)" in str(error)
    assert "(first: 'nan')" in str(error)


def test_a_model_whose_probabilities_leave_zero_one_is_gk205() -> None:
    error = _refused("GK205", model=_fitted(StretchedProbabilities), data=_frame(), target="y")
    assert "StretchedProbabilities" in str(error)
    assert "not probabilities between 0 and 1" in str(error)


def test_a_zero_one_model_against_a_yes_no_target_is_gk204() -> None:
    frame = _frame().assign(y=lambda f: np.where(f["y"] == 1, "yes", "no"))
    error = _refused("GK204", model=_fitted(LogisticRegression), data=frame, target="y", sensitive=["group"])
    message = str(error)
    assert "predicts labels '0', '1'" in message
    assert "holds 'no', 'yes'" in message


def test_a_model_with_the_targets_labels_still_audits() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = govkit.audit(model=_fitted(LogisticRegression), data=_frame(), target="y", sensitive=["group"])
    assert all(check.status != Status.ERROR for check in result.checks), [
        (c.id, c.message) for c in result.checks if c.status == Status.ERROR
    ]


# ---------------------------------------------------------------------------------------------
# A reference group that does not exist


def test_a_missing_reference_group_is_one_line_with_a_did_you_mean() -> None:
    tables = {"group": [{"group": "Caucasian"}, {"group": "Asian"}], "sex": [{"group": "Male"}]}
    message = str(missing_reference(FairnessParams(reference_group="Caucasain"), tables))
    assert message == (
        "reference_group 'Caucasain' is not a group of the sensitive columns (did you mean 'Caucasian'?); "
        "the groups are: 'Caucasian', 'Asian', 'Male'"
    )
    newline = str(missing_reference(FairnessParams(reference_group="x\ny"), tables))
    assert len(newline.splitlines()) == 1


def test_a_missing_reference_group_is_a_check_error_without_python_text(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        "version: 1\nname: named\nchecks:\n  - id: fairness.disparate_impact_ratio\n"
        "    params: {reference_group: bb}\n    fail_if: {lt: 0.8}\n"
    )
    frame = _frame().assign(pred=lambda f: f["y"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = govkit.audit(data=frame, target="y", sensitive=["group"], prediction_column="pred", policy=policy)
    (check,) = result.checks
    assert check.status == Status.ERROR
    assert "Error:" not in check.message
    assert "did you mean 'b'?" in check.message and "'a', 'b'" in check.message


# ---------------------------------------------------------------------------------------------
# A plug-in family that cannot be imported


def _plug_in(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    entry = EntryPoint(name="broken", value=value, group=registry.ENTRY_POINT_GROUP)
    monkeypatch.setattr(registry, "_entry_point_modules", lambda: {"broken": entry})


def _policy(tmp_path: Path) -> Path:
    path = tmp_path / "plugin.yaml"
    path.write_text("version: 1\nname: plugin\nchecks:\n  - id: broken.anything\n    fail_if: {gt: 1}\n")
    return path


def test_a_plug_in_whose_module_is_missing_is_exit_2_naming_the_entry_point(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _plug_in(monkeypatch, "no_such_govkit_plugin_module")
    with pytest.raises(GovkitError) as caught:
        load_policy(_policy(tmp_path))
    message = str(caught.value)
    assert caught.value.exit_code == EXIT_USAGE
    assert "entry point broken = no_such_govkit_plugin_module" in message
    assert "ModuleNotFoundError: No module named 'no_such_govkit_plugin_module'" in message
    assert len(message.splitlines()) == 1


def test_a_plug_in_that_raises_on_import_is_one_line_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "raising_govkit_plugin.py").write_text("raise RuntimeError('plug-in broke\\nsecond line')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "raising_govkit_plugin", raising=False)
    _plug_in(monkeypatch, "raising_govkit_plugin")
    data = tmp_path / "current.csv"
    _frame().to_csv(data, index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = CliRunner().invoke(
            main,
            ["audit", "--data", str(data), "--target", "y", "--policy", str(_policy(tmp_path)), "--out", "out"],
            catch_exceptions=False,
        )
    assert result.exit_code == EXIT_USAGE, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert "entry point broken = raising_govkit_plugin" in lines[0]
    assert "RuntimeError: plug-in broke" in lines[0] and "second line" not in lines[0]
