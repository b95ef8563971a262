"""The archival PDF: the HTML report printed by headless Chromium, with results.json and the sign-offs
attached inside the file, marked as PDF/A-3b.

Chromium prints exactly what a reviewer sees in the browser (the report's own print stylesheet keeps a
heading with what follows and a table or chart on one page). pikepdf then attaches ``results.json`` and
the sign-off envelopes as embedded files (PDF/A-3 allows attachments, linked from the catalog's /AF),
adds an sRGB output intent and the PDF/A identification in the XMP metadata, and dates the file by the
audit so the same result prints to the same metadata. The PDF/A markers are written as PDF/A-3b asks;
this module does not run a conformance validator (such as veraPDF) over the result.

Needs Chromium and ChromeDriver on the machine (``GOVKIT_CHROMIUM`` / ``GOVKIT_CHROMEDRIVER`` name them
when they are not on PATH), selenium and pikepdf (the ``govkit[pdf]`` extra).
"""

from __future__ import annotations

import base64
import io
import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govkit.errors import InputError
from govkit.results import FamilyInfo, RunResult

if TYPE_CHECKING:
    import pikepdf

    from govkit.attestation import SignOff

# Paper sizes in inches, as Chrome's Page.printToPDF takes them.
PAPER_SIZES: dict[str, tuple[float, float]] = {"A4": (8.27, 11.69), "Letter": (8.5, 11.0)}
DEFAULT_PAPER = "A4"
MARGIN_INCHES = 0.55
RESULTS_ATTACHMENT = "results.json"
SIGNOFFS_ATTACHMENT = "signoff.dsse.json"
# Page numbers in the footer; Chrome fills the spans. Header left empty (Chrome's default prints the URL).
_FOOTER = (
    '<div style="font-size:8px;width:100%;text-align:center;color:#555;">'
    'Page <span class="pageNumber"></span> of <span class="totalPages"></span></div>'
)
_BROWSER_FLAGS = (
    "--headless=new",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def render_pdf(
    result: RunResult,
    templates: str | Path | None = None,
    signoffs: Sequence[SignOff] = (),
    families: Sequence[FamilyInfo] = (),
    paper: str = DEFAULT_PAPER,
) -> bytes:
    """The PDF of ``result``'s report with results.json (and any sign-offs) attached."""
    from govkit.report.html import render_html

    if paper not in PAPER_SIZES:
        raise InputError(f"paper {paper!r}: use one of {', '.join(PAPER_SIZES)}")
    report = render_html(result, templates=templates, signoffs=signoffs, families=families)
    printed = print_to_pdf(report, paper)
    envelopes = [record.envelope for record in signoffs]
    return archive(printed, result, envelopes)


def find_browser() -> tuple[str, str]:
    """Paths of Chromium and ChromeDriver; one line saying what to install when either is missing."""
    # a program named in the environment is the one used: when it is not there, it is missing
    chromium = _named("GOVKIT_CHROMIUM", ("chromium", "chromium-browser", "google-chrome"))
    driver = _named("GOVKIT_CHROMEDRIVER", ("chromedriver",))
    if not chromium or not driver:
        missing = " and ".join(name for name, path in (("Chromium", chromium), ("ChromeDriver", driver)) if not path)
        raise InputError(
            f"--format pdf: {missing} not found; install them (Debian: apt-get install chromium chromium-driver) "
            "or name them with GOVKIT_CHROMIUM and GOVKIT_CHROMEDRIVER"
        )
    return chromium, driver


def _named(variable: str, names: tuple[str, ...]) -> str | None:
    """The executable ``variable`` names when it is set, else the first of ``names`` on PATH; None if missing."""
    value = os.environ.get(variable)
    if value is not None:
        return value if os.path.isfile(value) and os.access(value, os.X_OK) else None
    return next((found for name in names if (found := shutil.which(name))), None)


def print_to_pdf(report: str, paper: str = DEFAULT_PAPER) -> bytes:
    """``report`` (a whole HTML page) printed by headless Chromium, offline, on ``paper``."""
    chromium, driver_path = find_browser()
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        raise InputError("--format pdf needs selenium; install govkit with it: pip install 'govkit[pdf]'") from None
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in _BROWSER_FLAGS:
        options.add_argument(flag)
    # The page is built from the user's data, so Chromium keeps its sandbox; only as root, where Chromium
    # refuses to start sandboxed (a container, a CI machine), is it turned off.
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        options.add_argument("--no-sandbox")
    from selenium.common.exceptions import WebDriverException

    with tempfile.TemporaryDirectory(prefix="govkit-pdf-") as folder:
        page = Path(folder) / "report.html"
        page.write_text(report, encoding="utf-8")
        try:
            printed = _print(webdriver.Chrome(service=Service(driver_path), options=options), page, paper)
        except WebDriverException as error:
            first = (error.msg or type(error).__name__).strip().splitlines()[0][:300]
            raise InputError(f"--format pdf: Chromium could not print the report ({first})") from None
    return base64.b64decode(printed["data"])


def _print(driver: Any, page: Path, paper: str) -> dict[str, Any]:
    """Chrome's Page.printToPDF over ``page``, offline; the browser is closed afterwards."""
    width, height = PAPER_SIZES[paper]
    margins = {f"margin{side}": MARGIN_INCHES for side in ("Top", "Bottom", "Left", "Right")}
    try:
        # the report needs nothing from the network; the browser gets none
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd(
            "Network.emulateNetworkConditions",
            {"offline": True, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0},
        )
        driver.get(page.as_uri())
        printed = driver.execute_cdp_cmd(
            "Page.printToPDF",
            {
                "paperWidth": width,
                "paperHeight": height,
                **margins,
                "printBackground": True,
                "displayHeaderFooter": True,
                "headerTemplate": "<div></div>",
                "footerTemplate": _FOOTER,
                "generateDocumentOutline": True,
                "generateTaggedPDF": True,
            },
        )
    finally:
        driver.quit()
    return dict(printed)


def archive(printed: bytes, result: RunResult, envelopes: Sequence[dict[str, Any]]) -> bytes:
    """``printed`` with results.json and the sign-off envelopes attached, PDF/A-3b metadata, audit-dated."""
    import pikepdf

    stamp = _audit_date(result)
    with pikepdf.open(io.BytesIO(printed)) as pdf:
        attached = [_attach(pdf, RESULTS_ATTACHMENT, result.to_json().encode("utf-8"), "The audit's results", stamp)]
        if envelopes:
            # the sign-off log's own format, so the attachment is a copy of signoff.dsse.json
            text = json.dumps({"envelopes": list(envelopes)}, indent=2, ensure_ascii=False) + "\n"
            attached.append(_attach(pdf, SIGNOFFS_ATTACHMENT, text.encode("utf-8"), "The sign-off envelopes", stamp))
        # PDF/A-3: every embedded file is associated with the document through the catalog's /AF
        pdf.Root.AF = pikepdf.Array(attached)
        _mark_pdfa(pdf, result, stamp)
        out = io.BytesIO()
        # PDF/A-3 is built on PDF 1.7 (ISO 32000-1); Chromium writes a 1.4 header
        pdf.save(out, deterministic_id=True, min_version="1.7")
    return out.getvalue()


def _attach(pdf: pikepdf.Pdf, name: str, data: bytes, description: str, stamp: datetime) -> pikepdf.Object:
    import pikepdf

    spec = pikepdf.AttachedFileSpec(
        pdf,
        data,
        description=description,
        filename=name,
        mime_type="application/json",
        creation_date=_pdf_date(stamp),
        mod_date=_pdf_date(stamp),
        relationship=pikepdf.Name.Data,
    )
    pdf.attachments[name] = spec
    return spec.obj


def _mark_pdfa(pdf: pikepdf.Pdf, result: RunResult, stamp: datetime) -> None:
    """Title, dates and the PDF/A-3b identification in XMP; an sRGB output intent for the colours."""
    import pikepdf

    title = f"govkit audit report: {result.policy.get('name', '')} policy, verdict {result.verdict.value}"
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["dc:title"] = title
        meta["xmp:CreatorTool"] = f"govkit {result.provenance.govkit_version}"
        meta["pdf:Producer"] = "govkit (Chromium, pikepdf)"
        meta["xmp:CreateDate"] = stamp.isoformat()
        meta["xmp:ModifyDate"] = stamp.isoformat()
        meta["xmp:MetadataDate"] = stamp.isoformat()
        meta["pdfaid:part"] = "3"
        meta["pdfaid:conformance"] = "B"
    profile = _srgb_profile()
    icc = pikepdf.Stream(pdf, profile)
    icc.N = 3
    pdf.Root.OutputIntents = pikepdf.Array(
        [
            pikepdf.Dictionary(
                Type=pikepdf.Name.OutputIntent,
                S=pikepdf.Name.GTS_PDFA1,
                OutputConditionIdentifier="sRGB IEC61966-2.1",
                Info="sRGB IEC61966-2.1",
                DestOutputProfile=icc,
            )
        ]
    )


def _srgb_profile() -> bytes:
    """An sRGB ICC profile (Pillow's LittleCMS builds it; no file needed), with a fixed header date.

    LittleCMS stamps the profile with the time it was built; a fixed date (and no profile ID, which
    covers the header: zero means "not computed") keeps the same result printing to the same bytes.
    """
    import struct

    from PIL import ImageCms

    profile = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    profile[24:36] = struct.pack(">6H", 2024, 1, 1, 0, 0, 0)  # ICC header: dateTimeNumber
    profile[84:100] = bytes(16)  # ICC header: profile ID (MD5)
    return bytes(profile)


def _audit_date(result: RunResult) -> datetime:
    try:
        return datetime.fromisoformat(result.provenance.finished_at)
    except ValueError:
        return datetime.fromisoformat(result.provenance.started_at)


def _pdf_date(stamp: datetime) -> str:
    """A PDF date string, ``D:YYYYMMDDHHmmSS+HH'mm'``."""
    text = stamp.strftime("D:%Y%m%d%H%M%S")
    offset = stamp.utcoffset()
    if offset is None:
        return text + "Z"
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{text}{sign}{abs(minutes) // 60:02d}'{abs(minutes) % 60:02d}'"
