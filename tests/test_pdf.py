"""``--format pdf``: the example report printed by headless Chromium, with results.json and the sign-offs
attached, PDF/A-3b markers, and pages that break well (no blank page, no heading left at a page's foot).

In CI (see tests/requirements.py) a missing browser or pypdf fails these tests; elsewhere they are
skipped with the reason.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from govkit.cli import main
from govkit.errors import EXIT_PASSED, EXIT_USAGE
from requirements import missing, need_module

pypdf = need_module("pypdf")

DATA = Path(__file__).parent / "data"
# Points per page (1/72 inch): A4 is 210 x 297 mm, Letter 8.5 x 11 in.
PAGE_POINTS = {"A4": (595.3, 841.9), "Letter": (612.0, 792.0)}
FOOTER = re.compile(r"^Page \d+ of \d+$")
FOOTER_POINTS = 40  # the page-number footer sits below this height (points from the page's bottom)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def chromium() -> None:
    if not (shutil.which("chromium") and shutil.which("chromedriver")) and not os.environ.get("GOVKIT_CHROMIUM"):
        missing("Chromium and ChromeDriver are needed (Debian packages chromium, chromium-driver)")


def cli(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def signed(chromium: None, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example's results.json, its report, one real sign-off in the log, and the PDF rendered after it."""
    folder = tmp_path_factory.mktemp("pdf")
    results = folder / "results.json"
    shutil.copy(DATA / "result-adult.json", results)
    assert cli("render", results, "--format", "html").exit_code == EXIT_PASSED
    assert cli("keygen", folder / "alice.pem").exit_code == EXIT_PASSED
    # the example fails its policy, so the reviewer's decision is a rejection
    signed = cli(
        "signoff", results, "--key", folder / "alice.pem", "--name", "Alice", "--role", "Risk", "--decision", "reject"
    )
    assert signed.exit_code == EXIT_PASSED, signed.output
    printed = cli("render", results, "--format", "pdf")
    assert printed.exit_code == EXIT_PASSED, printed.output
    return folder


def _attachment(pdf: Path, name: str) -> bytes:
    import pikepdf

    with pikepdf.open(pdf) as document:
        return bytes(document.attachments[name].get_file().read_bytes())


def test_the_attached_results_are_the_results_file(signed: Path) -> None:
    assert _attachment(signed / "report.pdf", "results.json") == (signed / "results.json").read_bytes()


def test_the_attached_signoffs_are_the_signoff_log(signed: Path) -> None:
    assert _attachment(signed / "report.pdf", "signoff.dsse.json") == (signed / "signoff.dsse.json").read_bytes()


def test_pdfa_markers_and_the_audits_date(signed: Path) -> None:
    import pikepdf

    with pikepdf.open(signed / "report.pdf") as document:
        meta = document.open_metadata()
        assert meta["pdfaid:part"] == "3"
        assert meta["pdfaid:conformance"] == "B"
        assert meta["dc:title"].startswith("govkit audit report: default policy, verdict fail")
        assert meta["xmp:CreateDate"].startswith("2026-12-01T15:29")  # the audit's finish, not the print
        intent = document.Root.OutputIntents[0]
        assert intent.S == "/GTS_PDFA1"
        assert len(bytes(intent.DestOutputProfile.read_bytes())) > 400
        assert {str(spec.F) for spec in document.Root.AF} == {"results.json", "signoff.dsse.json"}
        assert all(spec.AFRelationship == "/Data" for spec in document.Root.AF)
        assert all(
            spec.EF.F.Subtype == "/application/json" and "/ModDate" in spec.EF.F.Params for spec in document.Root.AF
        )
        # PDF/A: every font is embedded
        for page in document.pages:
            for font in page.Resources.get("/Font", {}).values():
                descriptor = (
                    font.DescendantFonts[0].FontDescriptor if "/DescendantFonts" in font else font.FontDescriptor
                )
                assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")), font.BaseFont
    assert (signed / "report.pdf").read_bytes().startswith(b"%PDF-1.7")


def _page_lines(pdf: Path) -> list[list[str]]:
    """Each page's text lines, without the page-number footer."""
    reader = pypdf.PdfReader(pdf)
    return [
        [line for line in page.extract_text().splitlines() if not FOOTER.match(line.strip())] for page in reader.pages
    ]


def _filled(pdf: Path) -> list[float]:
    """How far down each page its content reaches, as a share of the page (the footer left out)."""
    return [_filled_share(page) for page in pypdf.PdfReader(pdf).pages]


def _filled_share(page: object) -> float:
    height = float(page.mediabox.height)
    lowest = [height]

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]  # the text's baseline on the page, from the bottom
        if text.strip() and y > FOOTER_POINTS:
            lowest.append(y)

    page.extract_text(visitor_text=visit)
    return (height - min(lowest)) / height


def test_no_blank_page_and_no_heading_at_a_pages_foot(signed: Path) -> None:
    pages = _page_lines(signed / "report.pdf")
    assert len(pages) >= 5
    assert all(sum(len(line) for line in lines) > 40 for lines in pages), "a page with (almost) no text"
    filled = _filled(signed / "report.pdf")
    # every page but the last is filled at least halfway down: no break left a page mostly blank
    assert all(share > 0.5 for share in filled[:-1]), [round(share, 2) for share in filled]
    headings = {
        re.sub(r"<[^>]+>", "", match).strip()
        for match in re.findall(r"<h[234][^>]*>(.*?)</h[234]>", (signed / "report.html").read_text(), flags=re.S)
    }
    for number, lines in enumerate(pages[:-1], start=1):
        last = lines[-1].strip()
        assert last not in headings, f"page {number} ends with the heading {last!r}"


def test_paper_size_and_the_same_bytes_on_a_second_print(signed: Path, tmp_path: Path) -> None:
    first = pypdf.PdfReader(signed / "report.pdf").pages[0].mediabox
    assert (float(first.width), float(first.height)) == pytest.approx(PAGE_POINTS["A4"], abs=1.0)
    letter = cli("render", signed / "results.json", "--out", tmp_path, "--format", "pdf", "--paper", "Letter")
    assert letter.exit_code == EXIT_PASSED, letter.output
    page = pypdf.PdfReader(tmp_path / "report.pdf").pages[0].mediabox
    assert (float(page.width), float(page.height)) == pytest.approx(PAGE_POINTS["Letter"], abs=1.0)
    again = cli("render", signed / "results.json", "--out", tmp_path / "again", "--format", "pdf")
    assert again.exit_code == EXIT_PASSED, again.output
    assert (tmp_path / "again" / "report.pdf").read_bytes() == (signed / "report.pdf").read_bytes()


def test_a_missing_browser_is_one_line_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVKIT_CHROMIUM", str(tmp_path / "no-chromium"))
    results = tmp_path / "results.json"
    shutil.copy(DATA / "result-adult.json", results)
    outcome = cli("render", results, "--format", "pdf")
    assert outcome.exit_code == EXIT_USAGE, outcome.output
    assert "--format pdf: Chromium not found" in outcome.output
    assert len(outcome.output.strip().splitlines()) == 1
    assert not (tmp_path / "report.pdf").exists()
