"""The dashboard's buttons in a real browser (headless Chromium), as a librarian presses them:
sign in, queue a harvest, a full harvest and a connection check, each answered on the page
and found by the workers in the real Redis; then sign out. Only a browser applies the pages'
Content-Security-Policy and the cookies' SameSite=Strict to these forms and their redirects.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By

from catalogue_sync.config import NetworkConfig
from catalogue_sync.store import Store
from services.harvester.queue import JobQueue
from tests.browser import chromium, until
from tests.services.search.admin.conftest import NAME, PASSWORD, Serve


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    with chromium() as driver:
        yield driver


def shows(selector: str, text: str) -> Callable[[WebDriver], bool]:
    def check(browser: WebDriver) -> bool:
        try:
            return any(text in found.text
                       for found in browser.find_elements(By.CSS_SELECTOR, selector))
        except WebDriverException:  # between two pages
            return False
    return check


def press(browser: WebDriver, library: str, action: str) -> None:
    """The button of ``action`` in the row of ``library``."""
    browser.find_element(By.XPATH, (
        f"//tr[th[starts-with(normalize-space(), '{library}')]]"
        f"//form[input[@name='action'][@value='{action}']]//button")).click()


def test_the_dashboard_s_buttons_queue_jobs_and_say_so(
        serve: Serve, network: NetworkConfig, sqlite_store: Store, queue: JobQueue,
        browser: WebDriver) -> None:
    url = serve(network, sqlite_store)
    browser.execute_cdp_cmd("Network.clearBrowserCookies", {})
    browser.get(f"{url}/admin?lang=fr")
    until(browser, lambda b: b.current_url.startswith(f"{url}/admin/connexion"),
          "the sign-in page")
    browser.find_element(By.ID, "nom").send_keys(NAME)
    browser.find_element(By.ID, "mot-de-passe").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "form.login button").click()
    until(browser, shows("h1", "Le réseau en un coup d'œil"), "the network at a glance")
    assert browser.current_url.startswith(f"{url}/admin?")  # back where the librarian was
    for library, action, said, depth in (
            ("Médiathèque de Niort", "harvest",
             "Moissonnage de Médiathèque de Niort mis en file d'attente.", 1),
            ("Bibliothèque de Parthenay", "full",
             "Moissonnage complet de Bibliothèque de Parthenay mis en file d'attente.", 2),
            ("Médiathèque de Niort", "check",
             "Vérification de la connexion de Médiathèque de Niort mise en file d'attente.", 3)):
        press(browser, library, action)
        until(browser, shows("[role=status]", said), f"the page saying {said!r}")
        words = "tâche en attente" if depth == 1 else "tâches en attente"
        assert f"{depth} {words} dans la file." in browser.find_element(
            By.CSS_SELECTOR, ".queue-depth").text
    jobs = queue.jobs()
    assert (jobs["mediatheque-niort"].kind, jobs["parthenay"].kind) == ("check", "full-harvest")
    assert queue.depth() == 3
    browser.find_element(By.CSS_SELECTOR, "form.signout-form button").click()
    until(browser, shows("[role=status]", "Vous êtes déconnecté."), "the signed-out page")
    browser.get(f"{url}/admin")
    until(browser, lambda b: b.current_url.startswith(f"{url}/admin/connexion"),
          "the sign-in page again")
