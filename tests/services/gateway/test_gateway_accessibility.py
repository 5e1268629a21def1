"""The gateway's pages in a real browser, as the web catalogue's: WCAG 2.1 AA checked by
axe-core in headless Chromium in both languages, the sign-in done with the keyboard alone,
no sideways scrolling at 320 px."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import pairwise

import pytest
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.expected_conditions import staleness_of
from selenium.webdriver.support.wait import WebDriverWait

from tests.browser import HEADINGS, axe_violations, chromium
from tests.services.gateway.conftest import PATRONS


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    with chromium() as driver:
        yield driver


def sign_in_by_keyboard(browser: WebDriver, base_url: str, card: str, pin: str,
                        lang: str = "fr") -> None:
    """Tab to the card field, type, tab to the PIN, type, Enter: as a keyboard user does."""
    browser.delete_all_cookies()
    browser.get(f"{base_url}/connexion?lang={lang}")
    for _ in range(10):
        ActionChains(browser).send_keys(Keys.TAB).perform()
        if browser.switch_to.active_element.get_attribute("id") == "carte":
            break
    assert browser.switch_to.active_element.get_attribute("id") == "carte"
    form = browser.find_element(By.ID, "carte")
    ActionChains(browser).send_keys(card, Keys.TAB, pin, Keys.ENTER).perform()
    WebDriverWait(browser, 10).until(_gone(form))  # the answer's page has come


def _gone(element: WebElement) -> Callable[[WebDriver], bool]:
    """Like staleness_of, also when Chrome, mid-navigation, answers that the node "does not
    belong to the document" (a WebDriverException, not a StaleElementReferenceException)."""
    def check(_: WebDriver) -> bool:
        try:
            return bool(staleness_of(element)(_))
        except WebDriverException:
            return True
    return check


def problems_on(browser: WebDriver, kind: str, lang: str) -> dict[str, object]:
    assert browser.execute_script("return document.documentElement.lang") == lang, kind
    levels = browser.execute_script(HEADINGS)
    assert levels[0] == 1 and levels.count(1) == 1, (kind, levels)
    assert all(b <= a + 1 for a, b in pairwise(levels)), (kind, levels)
    found = axe_violations(browser)
    return {f"{kind} ({lang})": found} if found else {}


def test_every_gateway_page_has_no_wcag_21_aa_violation_in_either_language(
        gateway_url: str, browser: WebDriver) -> None:
    problems: dict[str, object] = {}
    for lang in ("fr", "en"):
        browser.delete_all_cookies()
        browser.get(f"{gateway_url}/connexion?lang={lang}")
        problems |= problems_on(browser, "sign-in", lang)
        sign_in_by_keyboard(browser, gateway_url, PATRONS["adult"][0], "0000", lang)
        assert browser.find_element(By.CSS_SELECTOR, "[role=alert]").is_displayed()
        problems |= problems_on(browser, "sign-in refused", lang)
        sign_in_by_keyboard(browser, gateway_url, *PATRONS["adult"], lang)
        assert browser.current_url.endswith("/ressources")
        problems |= problems_on(browser, "my resources", lang)
        browser.get(f"{gateway_url}/ressources/films")
        problems |= problems_on(browser, "not included (403)", lang)
        browser.get(f"{gateway_url}/nulle-part")
        problems |= problems_on(browser, "unknown address (404)", lang)
        browser.get(f"{gateway_url}/cas/login?service=https://ailleurs.example/")
        problems |= problems_on(browser, "CAS: unknown service", lang)
        browser.get(f"{gateway_url}/cas/logout")
        problems |= problems_on(browser, "CAS: signed out", lang)
    assert problems == {}


def test_no_gateway_page_scrolls_sideways_on_a_320_pixel_screen(
        gateway_url: str, browser: WebDriver) -> None:
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": 320, "height": 640, "deviceScaleFactor": 2, "mobile": True})
    try:
        widths = {}
        browser.delete_all_cookies()
        browser.get(f"{gateway_url}/connexion")
        widths["sign-in"] = browser.execute_script(
            "return [document.documentElement.scrollWidth, window.innerWidth]")
        sign_in_by_keyboard(browser, gateway_url, *PATRONS["adult"])
        widths["my resources"] = browser.execute_script(
            "return [document.documentElement.scrollWidth, window.innerWidth]")
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    assert {kind: width for kind, width in widths.items() if width[0] > width[1]} == {}
