"""The example report in a real headless Chromium: it loads offline with no request and no console error.

In CI (see tests/requirements.py) a missing browser fails this test; on a developer machine without Chromium it is
reported as skipped with the reason, and `.ci/run` installs Chromium before `make test`.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from requirements import missing

ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


@pytest.fixture(scope="module")
def browser():
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        missing("Chromium and ChromeDriver are needed (Debian packages chromium, chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1280,2000",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def _open_offline(driver, page: Path) -> tuple[list[str], list[dict]]:
    """Load a page with the network switched off; return the URLs requested and the console errors."""
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd(
        "Network.emulateNetworkConditions",
        {"offline": True, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0},
    )
    driver.get_log("performance")  # drop events from before the page
    driver.get_log("browser")
    driver.get(page.as_uri())
    requested = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            requested.append(message["params"]["request"]["url"])
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    return requested, errors


@pytest.mark.browser
def test_example_report_loads_offline_without_requests_or_errors(browser, adult_project: Path) -> None:
    import subprocess
    import sys

    completed = subprocess.run(
        [sys.executable, "-m", "govkit.cli", "audit", "--trust-type", "sklearn.tree._tree.Tree"],
        cwd=adult_project,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode in (0, 1), completed.stderr
    report = adult_project / "build" / "report" / "report.html"
    assert report.stat().st_size < 2_000_000

    requested, errors = _open_offline(browser, report)
    assert [url for url in requested if not url.startswith("file://")] == []
    assert errors == []
    assert browser.title.startswith("Governance report")
    verdict = browser.find_element("css selector", ".verdict .label").text
    assert verdict in {"Pass", "Pass with warnings", "Fail", "Incomplete"}
    assert len(browser.find_elements("css selector", "svg")) >= 3  # selection rate, importance, drift charts

    ARTIFACTS.mkdir(exist_ok=True)
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1280, min(int(height), 12000))
    assert browser.save_screenshot(str(ARTIFACTS / "report.png"))
    pdf = browser.print_page()  # "Save as PDF" path: it must render without error
    assert len(pdf) > 10_000


@pytest.mark.browser
def test_injected_markup_in_the_report_stays_text(browser, tmp_path: Path) -> None:
    import numpy as np
    import pandas as pd

    import govkit

    evil = "<script>alert('x')</script>"
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            evil: rng.normal(size=200),
            "group": rng.choice([evil, "<img src=x onerror=alert(1)>"], size=200),
            "y": rng.integers(0, 2, size=200),
        }
    )
    frame["pred"] = frame["y"]
    result = govkit.audit(
        data=frame,
        reference=frame.sample(frac=1, random_state=1),
        target="y",
        sensitive=["group"],
        prediction_column="pred",
    )
    page = govkit.render(result, tmp_path, formats=["html"])["html"]
    html = page.read_text()
    assert evil not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(" in html
    requested, errors = _open_offline(browser, page)
    assert [url for url in requested if not url.startswith("file://")] == []
    assert errors == []
    # the injected text is visible as text, and no script element exists
    assert browser.find_elements("css selector", "script") == []
    assert "<script>alert('x')</script>" in browser.find_element("tag name", "body").text
