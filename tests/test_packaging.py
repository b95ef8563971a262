"""The wheel: it carries the bundled policies and report templates, and works from an installed copy."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_ships_policies_and_templates_and_renders_from_them(tmp_path: Path) -> None:
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path / "dist"), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert built.returncode == 0, built.stderr
    wheel = next((tmp_path / "dist").glob("govkit-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        archive.extractall(tmp_path / "installed")
    for policy in ("default", "lending", "hiring", "eu-ai-act-high-risk"):
        assert f"govkit/checks/{policy}.yaml" in names
    for template in ("report.html.j2", "charts.html.j2", "report.css"):
        assert f"govkit/report_templates/{template}" in names
    assert any(name.endswith("entry_points.txt") for name in names)

    # Import govkit from the unpacked wheel (first on the path), not from the source tree.
    code = f"""
import govkit, govkit.resources as r
from govkit.api import render
from govkit.policy import load_policy
assert govkit.__file__.startswith({str(tmp_path / "installed")!r}), govkit.__file__
assert r.checks_dir() == r._PACKAGE_DIR / "checks", r.checks_dir()
assert r.templates_dir() == r._PACKAGE_DIR / "report_templates"
assert len(load_policy("lending").checks) > 10
written = render({str(ROOT / "tests/data/result-small.json")!r}, {str(tmp_path / "out")!r}, formats=["html"])
print(written["html"])
"""
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "installed")}
    ran = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert ran.returncode == 0, ran.stderr
    html = Path(ran.stdout.strip()).read_text()
    assert html.startswith("<!DOCTYPE html>")
    assert "Content-Security-Policy" in html
