"""Hostile YAML: alias bombs, self-referring anchors and deep nesting are one short line, exit 2, at once."""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

import pytest

from govkit.errors import EXIT_USAGE, PolicyError
from govkit.policy import read_yaml

LEVELS = "abcdefgh"
# About 400 bytes standing for 9^9 strings once expanded: the "billion laughs" in a policy's version.
BOMB = (
    "name: bomb\n"
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    + "".join(f"{b}: &{b} [{','.join(['*' + a] * 9)}]\n" for a, b in itertools.pairwise(LEVELS))
    + f"version: [{','.join(['*h'] * 9)}]\n"
    + "checks:\n  - performance.accuracy\n"
)

# load_policy behind the CLI's error handler; prints the seconds it took and its own peak RSS in KB.
LOAD = """
import sys, time
from govkit.cli.common import handle_errors
from govkit.policy import load_policy
started = time.perf_counter()
try:
    handle_errors(load_policy)(sys.argv[1])
finally:
    peak = [l.split()[1] for l in open("/proc/self/status") if l.startswith("VmHWM:")]
    print(f"{time.perf_counter() - started:.3f} {peak[0] if peak else 0}")
"""


def test_the_alias_bomb_is_refused_at_once_in_one_short_line(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(BOMB)
    assert len(BOMB.encode()) < 500
    completed = subprocess.run([sys.executable, "-c", LOAD, str(path)], capture_output=True, text=True, timeout=60)
    assert completed.returncode == EXIT_USAGE, completed.stderr
    assert completed.stderr.count("\n") == 1 and len(completed.stderr) < 200, completed.stderr[:300]
    assert "expand too far" in completed.stderr
    seconds, peak_kb = completed.stdout.split()
    assert float(seconds) < 0.5
    assert int(peak_kb) < 200 * 1024


def test_anchors_that_share_a_block_still_load(tmp_path: Path) -> None:
    path = tmp_path / "shared.yaml"
    path.write_text(
        "base: &base {fail_if: '< 0.8', severity: blocking}\none: *base\ntwo: {<<: *base, severity: advisory}\n"
    )
    data = read_yaml(path, path.name)
    assert data["one"] == {"fail_if": "< 0.8", "severity": "blocking"}
    assert data["two"]["severity"] == "advisory"


def test_an_alias_inside_itself_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "loop.yaml"
    path.write_text("a: &a [1, *a]\n")
    with pytest.raises(PolicyError, match="expand too far"):
        read_yaml(path, path.name)


def test_deep_nesting_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text("a: " + "[" * 50_000 + "]" * 50_000 + "\n")
    with pytest.raises(PolicyError) as caught:
        read_yaml(path, path.name)
    assert len(caught.value.problems) == 1 and len(str(caught.value)) < 200


def test_a_yaml_error_never_echoes_much_of_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    secret = "token-" + "x" * 500
    path.write_text(f"a: b\n  c: {secret}\n\t{secret}: [\n")
    with pytest.raises(PolicyError) as caught:
        read_yaml(path, path.name)
    assert "x" * 61 not in str(caught.value) and len(str(caught.value)) < 200
