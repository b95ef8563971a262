"""Hostile input files: compression bombs refused before loading, oversized CSV fields, deeply nested JSON."""

from __future__ import annotations

import json
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from govkit.errors import EXIT_USAGE, GovkitError
from govkit.inputs import read_table
from govkit.inputs.estimate import inflated_size

# A child process with 150 MB "free": reads the table, prints its peak RSS in KB and the error code.
GUARDED_READ = """
import resource, sys
from govkit.errors import GovkitError
from govkit.inputs import memory, read_table
memory.available_memory = lambda: 150 * 2**20
try:
    read_table(sys.argv[1])
    outcome = "read"
except GovkitError as error:
    outcome = f"{error.code} {error.exit_code} {error}"
# VmHWM is this process's own peak; ru_maxrss would also count the parent's, inherited up to exec
peak = [line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM:")]
print(peak[0] if peak else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
print(outcome)
"""


def guarded_read(path: Path) -> tuple[int, str]:
    completed = subprocess.run(
        [sys.executable, "-c", GUARDED_READ, str(path)], capture_output=True, text=True, timeout=120
    )
    assert completed.returncode == 0, completed.stderr
    peak, outcome = completed.stdout.splitlines()
    return int(peak) * 1024, outcome


def gzip_bomb(path: Path, inflated: int = 200 * 2**20) -> Path:
    """A .csv.gz of a few hundred KB that inflates to ``inflated`` bytes."""
    line = b"12345,67890,approved\n"
    block = line * (2**20 // len(line))
    deflater = zlib.compressobj(9, zlib.DEFLATED, 31)
    with path.open("wb") as stream:
        stream.write(deflater.compress(b"a,b,c\n"))
        for _ in range(inflated // len(block)):
            stream.write(deflater.compress(block))
        stream.write(deflater.flush())
    return path


def dictionary_parquet(path: Path, rows: int = 5_000_000) -> Path:
    """A Parquet file of ``rows`` dictionary-encoded strings in two columns: small on disk, a GB decoded."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    indices = pa.array(np.arange(rows, dtype=np.int32) % 2)
    column = pa.DictionaryArray.from_arrays(indices, pa.array(["approved", "declined"]))
    pq.write_table(pa.table({"decision": column, "group": column}), path)
    return path


def test_a_gzip_bomb_is_refused_before_it_is_inflated(tmp_path: Path) -> None:
    bomb = gzip_bomb(tmp_path / "bomb.csv.gz")
    assert bomb.stat().st_size < 2 * 2**20
    peak, outcome = guarded_read(bomb)
    assert outcome.startswith(f"GK112 {EXIT_USAGE} "), outcome
    assert "bomb.csv.gz" in outcome and "\n" not in outcome
    assert peak < 200 * 2**20, peak


def test_a_dictionary_encoded_parquet_is_refused_by_its_decoded_size(tmp_path: Path) -> None:
    parquet = dictionary_parquet(tmp_path / "wide.parquet")
    assert parquet.stat().st_size < 2 * 2**20
    peak, outcome = guarded_read(parquet)
    assert outcome.startswith(f"GK112 {EXIT_USAGE} "), outcome
    assert peak < 200 * 2**20, peak


def test_inflated_size_counts_every_member_and_stops_early(tmp_path: Path) -> None:
    import gzip

    path = tmp_path / "two.csv.gz"
    path.write_bytes(gzip.compress(b"a,b\n1,2\n") + gzip.compress(b"3,4\n" * 1000))
    assert inflated_size(path, stop_after=10**9) == 8 + 4000
    bomb = gzip_bomb(tmp_path / "bomb.csv.gz", inflated=50 * 2**20)
    assert 2**20 < inflated_size(bomb, stop_after=2**20) <= 2 * 2**20 + 2**16


def test_a_damaged_gzip_still_gets_its_own_code(tmp_path: Path) -> None:
    import gzip

    path = tmp_path / "cut.csv.gz"
    whole = gzip.compress(b"a,b\n" + "".join(f"{i},{i * 7919 % 10007}\n" for i in range(10000)).encode())
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(GovkitError) as caught:
        read_table(path)
    assert caught.value.code == "GK107"


def test_small_gzip_and_parquet_still_read(tmp_path: Path) -> None:
    import gzip

    import pandas as pd

    path = tmp_path / "small.csv.gz"
    path.write_bytes(gzip.compress(b"a,b\n1,x\n2,y\n"))
    assert read_table(path).shape == (2, 2)
    pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}).to_parquet(tmp_path / "small.parquet")
    assert read_table(tmp_path / "small.parquet").shape == (2, 2)


@pytest.mark.parametrize("where", ["header", "row"])
def test_a_csv_field_over_the_csv_limit_is_one_line_exit_2(tmp_path: Path, where: str) -> None:
    huge = "x" * 200_000
    path = tmp_path / "wide.csv"
    path.write_text(f"{huge},b\n1,2\n" if where == "header" else f"a,b\n1,2\n{huge},2,3\n")
    with pytest.raises(GovkitError) as caught:
        read_table(path)
    assert caught.value.exit_code == EXIT_USAGE
    assert caught.value.code in {"GK108", "GK110"}
    assert "\n" not in str(caught.value) and len(str(caught.value)) < 400


def test_a_deeply_nested_results_file_is_one_line_exit_2(tmp_path: Path) -> None:
    from govkit.results import RunResult

    path = tmp_path / "results.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(GovkitError) as caught:
        RunResult.read(path)
    assert caught.value.exit_code == EXIT_USAGE and "\n" not in str(caught.value)
    json.dumps(str(caught.value))
