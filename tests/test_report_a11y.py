"""Accessibility and print: axe-core in headless Chromium finds no serious or critical violation in the
example report or a no-model report, every status is told in words and an icon as well as colour, the
page has its landmarks, and the US Letter print has no blank page and no heading alone at a page's foot
(tests/test_pdf.py checks A4 the same way).

axe-core comes from the axe-selenium-python package (it bundles axe.min.js, so the scan runs offline).
In CI (see tests/requirements.py) a missing browser or axe fails these tests; elsewhere they are skipped.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

import test_report_browser as browser_tests
from govkit.results import RunResult
from requirements import need_module

DATA = Path(__file__).parent / "data"
FOOTER = re.compile(r"^Page \d+ of \d+$")

pytestmark = pytest.mark.browser


browser = browser_tests.browser  # the module-scoped headless Chromium of the report's browser tests


@pytest.fixture(scope="module", autouse=True)
def _axe() -> None:
    need_module("axe_selenium_python", "it bundles axe-core, which these tests run in the page")


@pytest.fixture(scope="module")
def example_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import govkit

    folder = tmp_path_factory.mktemp("a11y")
    return govkit.render(RunResult.read(DATA / "result-adult.json"), folder, formats=["html"])["html"]


@pytest.fixture(scope="module")
def no_model_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Predictions only, under the lending policy: explanations are skipped, the state note is shown."""
    import numpy as np
    import pandas as pd

    import govkit

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.normal(size=600), "g": rng.choice(["a", "b"], size=600)})
    frame["y"] = rng.integers(0, 2, size=600)
    frame["p"] = np.where(frame["g"] == "a", frame["y"], 0)
    result = govkit.audit(
        data=frame, reference=frame, target="y", sensitive=["g"], prediction_column="p", positive_label=1,
        policy="lending", parallel=False,
    )  # fmt: skip
    return govkit.render(result, tmp_path_factory.mktemp("a11y-no-model"), formats=["html"])["html"]


def _violations(driver, page: Path) -> list[tuple[str, str, int]]:
    from axe_selenium_python import Axe

    driver.get(page.as_uri())
    axe = Axe(driver)
    axe.inject()
    found = axe.run()["violations"]
    return [(v["impact"], v["id"], len(v["nodes"])) for v in found if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("name", ["example_report", "no_model_report"])
def test_axe_finds_no_serious_or_critical_violation(browser, request: pytest.FixtureRequest, name: str) -> None:
    page = request.getfixturevalue(name)
    assert _violations(browser, page) == []
    # landmarks a screen reader can jump between, each once, and one top heading
    for landmark in ("header", "main", "nav", "footer"):
        assert browser.find_elements("css selector", f"body {landmark}"), landmark
    assert len(browser.find_elements("css selector", "h1")) == 1


def test_every_status_is_told_by_its_word_and_an_icon(browser, no_model_report: Path) -> None:
    browser.get(no_model_report.as_uri())
    pills = browser.find_elements("css selector", ".pill-pass, .pill-warn, .pill-fail, .pill-skip, .pill-inconclusive")
    assert pills
    for pill in pills:
        icon = browser.execute_script("return getComputedStyle(arguments[0], '::before').content", pill)
        assert icon not in ("none", "normal", '""'), pill.get_attribute("class")
        assert pill.text.strip(), pill.get_attribute("class")  # the word, not the colour alone
    note = browser.find_element("css selector", ".state-note").text
    assert "Explanations could not be evaluated" in note and "No model was given" in note


def test_letter_print_has_no_blank_page_and_no_heading_at_a_pages_foot(
    browser, example_report: Path, tmp_path: Path
) -> None:
    pypdf = need_module("pypdf")
    from govkit.report.pdf import print_to_pdf

    pdf = tmp_path / "letter.pdf"
    pdf.write_bytes(print_to_pdf(example_report.read_text(encoding="utf-8"), "Letter"))
    reader = pypdf.PdfReader(pdf)
    assert float(reader.pages[0].mediabox.width) == pytest.approx(612.0, abs=1.0)
    pages = [[ln for ln in p.extract_text().splitlines() if not FOOTER.match(ln.strip())] for p in reader.pages]
    assert all(sum(len(line) for line in lines) > 40 for lines in pages), "a page with (almost) no text"
    # every page but the last is filled at least halfway down: no break left a page mostly blank
    filled = [_filled_share(page) for page in reader.pages]
    assert all(share > 0.5 for share in filled[:-1]), [round(share, 2) for share in filled]
    html = example_report.read_text(encoding="utf-8")
    headings = {re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r"<h[234][^>]*>(.*?)</h[234]>", html, re.S)}
    for number, lines in enumerate(pages[:-1], start=1):
        assert lines[-1].strip() not in headings, f"page {number} ends with the heading {lines[-1]!r}"


def _filled_share(page: Any) -> float:
    """How far down the page its text reaches, as a share of the page (the page-number footer left out)."""
    height = float(page.mediabox.height)
    lowest = [height]

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]  # the text's baseline, from the bottom
        if text.strip() and y > 40:
            lowest.append(y)

    page.extract_text(visitor_text=visit)
    return (height - min(lowest)) / height
