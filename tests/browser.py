"""A real browser for the accessibility tests: Debian's headless Chromium through selenium,
and axe-core (npm) run in the page. Without them the test fails and says how to get them
(`make test` installs both: scripts/ensure-browser.sh), as the database tests do without
their server."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
RUN_AXE = """
const done = arguments[arguments.length - 1];
axe.run(document, {runOnly: {type: "tag", values: arguments[0]}})
   .then(result => done({violations: result.violations.map(v => ({
       id: v.id, impact: v.impact, help: v.help,
       nodes: v.nodes.map(n => n.target.join(" ") + ": " + n.failureSummary)}))}))
   .catch(error => done({error: String(error)}));
"""
HEADINGS = "return [...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].map(h => +h.tagName[1])"


@contextmanager
def chromium() -> Iterator[WebDriver]:
    """Headless Chromium, 1280 px wide, French first."""
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER, AXE) if not path.exists()]
    if missing:
        pytest.fail(f"missing {', '.join(missing)}: `make test` installs Chromium "
                    "(scripts/ensure-browser.sh) and axe-core (npm ci)", pytrace=False)
    options = Options()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage", "--window-size=1280,1000", "--lang=fr-FR"):
        options.add_argument(argument)
    # The console (driver.get_log("browser")) says why Chromium refused something, such as
    # a navigation the page's Content-Security-Policy forbids.
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_script_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def axe_violations(driver: WebDriver) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.1 A and AA violations on the page the driver shows."""
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    answer: dict[str, Any] = driver.execute_async_script(RUN_AXE, WCAG_21_AA)
    assert "error" not in answer, answer
    violations: list[dict[str, Any]] = answer["violations"]
    return violations


def until(browser: WebDriver, condition: Callable[[WebDriver], bool], expected: str,
          seconds: float = 15) -> None:
    """Wait for ``condition``; fail saying where the browser is and what it reported."""
    try:
        WebDriverWait(browser, seconds).until(condition)
        return
    except TimeoutException:
        pass
    console = [entry["message"] for entry in browser.get_log("browser")]
    pytest.fail(f"expected {expected}; the browser is at {browser.current_url} "
                f"({browser.title!r}); its console: {console}", pytrace=False)
