"""The web catalogue in a real browser: WCAG 2.1 AA (RGAA) checked by axe-core in headless
Chromium on every kind of page in both languages, with zero violations allowed; the skip link
and a visible focus by keyboard alone; no horizontal scrolling on a 320 px wide screen;
headings in order.

Chromium and its driver are Debian's (``scripts/ensure-browser.sh``, run by ``make test``),
axe-core is npm's (``npm ci`` into node_modules); without them the test fails and says how
to get them, as the database tests do without their server.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

import pytest
import sqlalchemy as sa
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from catalogue_sync.store import Store
from catalogue_sync.store.schema import merged_records
from tests.browser import HEADINGS, axe_violations, chromium


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    """SQLite only: what a page looks like does not depend on the database."""
    return f"sqlite:///{tmp_path / 'var' / 'catalogue-sync.db'}"


@pytest.fixture
def web_url(indexed_url: str) -> str:
    return indexed_url


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    with chromium() as driver:
        yield driver


def page_kinds(store: Store) -> dict[str, str]:
    """One address of each kind of page, the record the richest one (most libraries)."""
    with store.transaction("reading") as connection:
        rows = connection.execute(sa.select(merged_records.c.id, merged_records.c.display)
                                  .where(sa.not_(merged_records.c.deleted))).all()
    record = max(rows, key=lambda row: (len(row.display["holdings"]), row.id)).id
    return {
        "home": "/", "results with facets and pages": "/recherche?format=book&page=2",
        "results of words": "/recherche?q=histoire&tri=annee",
        "no results": "/recherche?q=zzqxwv&bibliotheque=ludotheque",
        "record": f"/notice/{record}", "unknown record (404)": "/notice/m000000000000",
        "bad search (400)": "/recherche?page=abc", "unknown address (404)": "/nulle-part",
        "accessibility statement": "/accessibilite",
    }


def test_every_kind_of_page_has_no_wcag_21_aa_violation_in_either_language(
        web_url: str, store: Store, browser: WebDriver) -> None:
    problems = {}
    for lang in ("fr", "en"):
        for kind, path in page_kinds(store).items():
            browser.get(f"{web_url}{path}{'&' if '?' in path else '?'}lang={lang}")
            assert browser.execute_script("return document.documentElement.lang") == lang
            assert browser.title.endswith("Catalogue du réseau" if lang == "fr"
                                          else "Network catalogue")
            levels = browser.execute_script(HEADINGS)
            assert levels[0] == 1 and levels.count(1) == 1, (kind, levels)
            assert all(b <= a + 1 for a, b in pairwise(levels)), levels
            if found := axe_violations(browser):
                problems[f"{kind} ({lang})"] = found
    assert problems == {}


def test_no_page_scrolls_sideways_on_a_320_pixel_screen(
        web_url: str, store: Store, browser: WebDriver) -> None:
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": 320, "height": 640, "deviceScaleFactor": 2, "mobile": True})
    try:
        widths = {}
        for kind, path in page_kinds(store).items():
            browser.get(f"{web_url}{path}")
            widths[kind] = browser.execute_script(
                "return [document.documentElement.scrollWidth, window.innerWidth]")
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    assert {kind: width for kind, width in widths.items() if width[0] > width[1]} == {}


def test_the_skip_link_comes_first_and_leads_to_the_content_by_keyboard(
        web_url: str, browser: WebDriver) -> None:
    browser.get(f"{web_url}/recherche?q=histoire&lang=fr")
    keys = ActionChains(browser)
    keys.send_keys(Keys.TAB).perform()
    link = browser.switch_to.active_element
    assert (link.get_attribute("class"), link.text) == ("skip-link", "Aller au contenu")
    assert link.is_displayed() and link.rect["y"] >= 0
    keys.send_keys(Keys.ENTER).perform()
    assert browser.current_url.endswith("#contenu")
    assert browser.execute_script("return document.activeElement.id") == "contenu"
    keys.send_keys(Keys.TAB).perform()
    assert browser.execute_script(
        "return document.getElementById('contenu').contains(document.activeElement)")


def test_focus_is_visible_on_everything_reached_by_keyboard(
        web_url: str, browser: WebDriver) -> None:
    browser.get(f"{web_url}/recherche?q=histoire&lang=fr")
    unseen = []
    for _ in range(40):
        ActionChains(browser).send_keys(Keys.TAB).perform()
        style = browser.execute_script("""
            const element = document.activeElement, style = getComputedStyle(element);
            return [element.outerHTML.slice(0, 80), style.outlineStyle, style.outlineColor,
                    style.boxShadow];""")
        shown = ((style[1] not in ("none", "") and "0, 0, 0, 0" not in style[2])
                 or style[3] not in ("none", ""))
        if not shown:
            unseen.append(style[0])
    assert unseen == []
