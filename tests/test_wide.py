"""A wide table (thousands of columns) is refused at once with a way out, or audited on chosen columns.

Measured before the limit was set: 500 columns x 300 rows took 27 s without a model (data quality 8.7 s,
drift 17.7 s, about 20 and 35 ms a column), and 5,000 columns 528 s with one. So more columns than
``max_columns`` (default 1000) are refused before any engine runs, naming --columns and --max-columns.
"""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import govkit
from govkit.cli import main
from govkit.errors import GovkitError
from govkit.inputs.tables import DEFAULT_MAX_COLUMNS


def _wide(columns: int, rows: int = 300) -> pd.DataFrame:
    import numpy as np

    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(rows, columns)), columns=[f"c{i}" for i in range(columns)])
    frame["y"] = rng.integers(0, 2, rows)
    frame["p"] = frame["y"]
    frame["g"] = rng.choice(["a", "b"], rows)
    return frame


def test_five_thousand_columns_are_refused_at_once_with_a_way_out(tmp_path: Path) -> None:
    data = tmp_path / "wide.csv"
    _wide(5000).to_csv(data, index=False)
    started = time.monotonic()
    outcome = CliRunner().invoke(
        main,
        ["audit", "--data", str(data), "--reference", str(data), "--target", "y", "--prediction-column", "p",
         "--out", str(tmp_path / "out")],
    )  # fmt: skip
    assert time.monotonic() - started < 60  # reading only: no engine ran (it took 528 s before)
    assert outcome.exit_code == 2, outcome.output
    lines = outcome.stderr.strip().splitlines()
    error = [line for line in lines if line.startswith("govkit: error: ")]
    assert len(error) == 1 and "Traceback" not in outcome.output
    assert "has 5,003 columns, over the limit of 1,000" in error[0]
    assert "--columns" in error[0] and "--max-columns" in error[0]
    assert not (tmp_path / "out" / "results.json").exists()


def test_the_refusal_has_a_stable_code() -> None:
    with pytest.raises(GovkitError) as refused:
        govkit.audit(data=_wide(DEFAULT_MAX_COLUMNS + 1, rows=5), target="y", prediction_column="p")
    assert refused.value.code == "GK114" and len(str(refused.value).splitlines()) == 1


def test_a_lower_limit_is_honoured_and_a_higher_one_lets_the_table_through() -> None:
    frame = _wide(6, rows=5)
    with pytest.raises(GovkitError, match="has 9 columns, over the limit of 5"):
        govkit.audit(data=frame, target="y", prediction_column="p", max_columns=5)
    with pytest.raises(GovkitError) as stopped:  # past the width check: stopped by the (tiny) timeout instead
        govkit.audit(data=frame, target="y", prediction_column="p", max_columns=9, timeout=1e-9)
    assert stopped.value.code == "GK501"


def test_chosen_columns_audit_a_wide_table_keeping_the_roles() -> None:
    frame = _wide(1500)
    result = govkit.audit(
        data=frame, reference=frame, target="y", prediction_column="p", sensitive=["g"], columns=["c1", "c7"],
        parallel=False,
    )  # fmt: skip
    drift = result.check("drift.drifted_columns_share")
    assert drift.measurement is not None and drift.measurement.details["tested"] == 2, drift.message
    assert result.inputs.target == "y" and result.inputs.sensitive == ["g"]
    quality = result.check("quality.completeness")
    assert quality.status.value == "pass"


def test_a_chosen_column_that_is_not_in_the_data_is_gk201() -> None:
    with pytest.raises(GovkitError) as refused:
        govkit.audit(data=_wide(3, rows=5), target="y", prediction_column="p", columns=["c1", "nope"])
    assert refused.value.code == "GK201" and "'nope'" in str(refused.value)
