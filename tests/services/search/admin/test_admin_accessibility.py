"""The dashboard in a real browser: WCAG 2.1 AA checked by axe-core on the sign-in page, the
network at a glance, the charts and the page saying the dashboard is off, in French and in
English; headings in order; the charts readable at 200 % zoom without sideways scrolling.
(Chromium, its driver and axe-core: scripts/ensure-browser.sh, as for the catalogue.)"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise

import pytest
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.wait import WebDriverWait

from catalogue_sync.config import NetworkConfig
from catalogue_sync.store import Store
from tests.browser import HEADINGS, axe_violations, chromium
from tests.services.search.admin.conftest import NAME, PASSWORD, Serve, with_redis


@pytest.fixture
def store_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """SQLite only: what a page looks like does not depend on the database."""
    return f"sqlite:///{tmp_path_factory.mktemp('a11y') / 'catalogue-sync.db'}"


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    with chromium() as driver:
        yield driver


@pytest.fixture
def dashboard(serve: Serve, merged_network: NetworkConfig, store: Store,
              redis_prefix: str) -> str:
    return serve(with_redis(merged_network, redis_prefix), store)


def sign_in_with(browser: WebDriver, url: str) -> None:
    browser.delete_all_cookies()
    browser.get(f"{url}/admin/connexion")
    browser.find_element(By.ID, "nom").send_keys(NAME)
    browser.find_element(By.ID, "mot-de-passe").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "form.login button").click()
    # A click does not wait for the page the form leads to.
    WebDriverWait(browser, 10).until(lambda driver: driver.current_url == f"{url}/admin")


def check_page(browser: WebDriver, lang: str) -> list[dict[str, object]]:
    assert browser.execute_script("return document.documentElement.lang") == lang
    levels = browser.execute_script(HEADINGS)
    assert levels[0] == 1 and levels.count(1) == 1, levels
    assert all(b <= a + 1 for a, b in pairwise(levels)), levels
    return axe_violations(browser)


def test_every_dashboard_page_has_no_wcag_21_aa_violation_in_either_language(
        dashboard: str, browser: WebDriver) -> None:
    problems = {}
    for lang in ("fr", "en"):
        browser.delete_all_cookies()
        browser.get(f"{dashboard}/admin/connexion?lang={lang}")
        if found := check_page(browser, lang):
            problems[f"sign-in ({lang})"] = found
        sign_in_with(browser, dashboard)
        for kind, path in (("overview", "/admin"), ("charts", "/admin/graphiques"),
                           ("bad request", "/admin/graphiques?du=hier")):
            browser.get(f"{dashboard}{path}{'&' if '?' in path else '?'}lang={lang}")
            for details in browser.find_elements(By.TAG_NAME, "summary"):
                details.click()  # the tables behind the charts, open
            if found := check_page(browser, lang):
                problems[f"{kind} ({lang})"] = found
    assert problems == {}


def test_the_off_page_has_no_violation(serve: Serve, merged_network: NetworkConfig,
                                       store: Store, browser: WebDriver) -> None:
    url = serve(merged_network, store)  # no Redis: off
    for lang in ("fr", "en"):
        browser.get(f"{url}/admin?lang={lang}")
        assert check_page(browser, lang) == []


def test_the_charts_at_200_percent_do_not_scroll_sideways(dashboard: str,
                                                          browser: WebDriver) -> None:
    sign_in_with(browser, dashboard)
    # 200 % zoom of a 1280 px window: a 640 CSS px viewport, device pixels doubled.
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": 640, "height": 800, "deviceScaleFactor": 2, "mobile": False})
    try:
        browser.get(f"{dashboard}/admin/graphiques")
        width = browser.execute_script("return document.documentElement.scrollWidth")
        assert width <= 640
        sizes = browser.execute_script(
            "return [...document.querySelectorAll('svg.chart .chart-text')]"
            ".map(t => t.getBoundingClientRect().height)")
        assert sizes and min(sizes) >= 9  # CSS px, twice as many device pixels
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
