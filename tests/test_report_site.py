"""The static coverage site, built from real rules and driven in headless Chromium."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from rulescope.index.store import open_index
from rulescope.report.site import SiteSummary, build_site
from tests.conftest import REPO

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TELEGRAM_PAGE = "rules/sigma/rules-web-proxy_generic-proxy_telegram_api.html"


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, report_index: Path
) -> Iterator[tuple[Path, SiteSummary]]:
    """The site of the report index, written to a temporary folder."""
    index = report_index
    outdir = tmp_path_factory.mktemp("site")
    db = open_index(index)
    try:
        yield outdir, build_site(db, outdir)
    finally:
        db.close()


def artifacts_dir() -> Path:
    """Where screenshots are kept: ``RULESCOPE_ARTIFACTS``, else ``artifacts/``."""
    path = Path(os.environ.get("RULESCOPE_ARTIFACTS", REPO / "artifacts"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def test_site_writes_linked_pages(site: tuple[Path, SiteSummary]) -> None:
    """The index, T1071's page and the Telegram API rule's page exist and link up."""
    outdir, summary = site
    assert summary.techniques > 10 and summary.rules > 100
    assert len(list((outdir / "rules").rglob("*.html"))) == summary.rules
    technique = (outdir / "techniques" / "T1071.html").read_text()
    assert 'href="../' + TELEGRAM_PAGE + '"' in technique
    rule = (outdir / TELEGRAM_PAGE).read_text()
    assert 'href="../../techniques/T1071.001.html"' in rule
    assert 'href="../../techniques/T1102.002.html"' in rule
    index = (outdir / "index.html").read_text()
    assert 'href="techniques/T1071.html"' in index


def test_site_makes_no_external_fetches(site: tuple[Path, SiteSummary]) -> None:
    """No page loads a script, style or image from another origin."""
    outdir, _ = site
    fetch = re.compile(r"<(?:script|link|img)[^>]+(?:src|href)=\"(?:https?:)?//")
    for page in [outdir / "index.html", *outdir.glob("techniques/*.html")]:
        assert not fetch.search(page.read_text()), page


@pytest.mark.browser
def test_site_in_chromium_filter_and_follow_links(
    site: tuple[Path, SiteSummary],
) -> None:
    """Filter the matrix to T1071, open its page, then the Telegram API rule's."""
    sync_api = pytest.importorskip("playwright.sync_api")
    assert CHROMIUM.is_file(), "install Debian's chromium package"
    outdir, _ = site
    shots = artifacts_dir()
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        page.goto((outdir / "index.html").as_uri())
        assert page.locator("h1").inner_text() == "Technique coverage"

        page.fill("#filter", "application layer")
        t1071 = page.locator('li.cell[data-search^="t1071 "]')
        assert t1071.is_visible()
        assert page.locator('li.cell[data-search^="t1218 "]').first.is_hidden()
        for cell in page.locator("li.cell:visible > a").all_inner_texts():
            assert "Application Layer" in cell, cell
        page.fill("#filter", "T1071")
        assert page.locator("#shown").inner_text() == "1 shown"
        assert t1071.locator("li.sub", has_text="Web Protocols").is_visible()
        page.screenshot(path=str(shots / "site-index-filtered.png"), full_page=True)

        t1071.locator('a[href="techniques/T1071.html"]').click()
        assert page.locator("h1").inner_text() == "T1071 Application Layer Protocol"
        assert "Command and Control" in page.locator("p.tactics").inner_text()
        assert page.locator("#rules h2").inner_text().startswith("Rules (")

        page.locator("a.rule-link", has_text="Telegram API Access").first.click()
        assert page.url.endswith(TELEGRAM_PAGE)
        assert page.locator("h1").inner_text() == "Telegram API Access"
        assert "api.telegram.org" in page.locator("#predicates").inner_text()
        assert "Bot" in page.locator("#exclusions").inner_text()
        page.screenshot(path=str(shots / "site-rule-page.png"), full_page=True)
        browser.close()
    assert all(url.startswith("file://") for url in requests), requests
    assert (shots / "site-rule-page.png").stat().st_size > 0
