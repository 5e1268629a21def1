"""The network at a glance: its buttons queue real jobs in Redis, the page tells what was
queued, hostile forms get a 4xx, and a queue that does not answer leaves the store's figures
on the page."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from catalogue_sync.config import HarvesterConfig, NetworkConfig
from catalogue_sync.store import Store
from services.harvester.queue import JobQueue
from tests.services.search.admin.conftest import Serve, csrf_of, sign_in


@pytest.fixture
def browser(serve: Serve, network: NetworkConfig, sqlite_store: Store) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=serve(network, sqlite_store)) as client:
        assert sign_in(client).status_code == 303
        yield client


def press(browser: httpx.Client, library: str, action: str) -> httpx.Response:
    token = csrf_of(browser.get("/admin").text)
    return browser.post("/admin/file", data={"csrf": token, "bibliotheque": library,
                                              "action": action})


def test_the_buttons_queue_jobs_the_workers_will_find(browser: httpx.Client,
                                                      queue: JobQueue) -> None:
    assert queue.depth() == 0
    answer = press(browser, "mediatheque-niort", "harvest")
    assert answer.status_code == 303 and answer.headers["location"] == "/admin"
    page = browser.get("/admin").text
    assert "Moissonnage de Médiathèque de Niort mis en file d&#39;attente." in page
    assert "1 tâche en attente dans la file." in page
    assert "moissonnage\u00a0: en attente le" in page
    job = queue.jobs()["mediatheque-niort"]
    assert (job.kind, job.state, job.detail) == ("harvest", "queued", "by dashboard")
    press(browser, "parthenay", "full")
    press(browser, "mediatheque-niort", "check")
    jobs = queue.jobs()
    assert (jobs["parthenay"].kind, jobs["mediatheque-niort"].kind) == ("full-harvest", "check")
    assert queue.depth() == 3


def test_the_message_is_shown_once(browser: httpx.Client) -> None:
    press(browser, "parthenay", "check")
    assert "Vérification de la connexion de Bibliothèque de Parthenay" in browser.get(
        "/admin").text
    assert "Vérification de la connexion" not in browser.get("/admin").text


@pytest.mark.parametrize(("form", "status"), [
    ({"bibliotheque": "nulle-part", "action": "harvest"}, 404),
    ({"bibliotheque": "parthenay", "action": "delete-everything"}, 400),
    ({"action": "harvest"}, 404),
])
def test_a_hostile_form_is_refused_and_queues_nothing(
        browser: httpx.Client, queue: JobQueue, form: dict[str, str], status: int) -> None:
    token = csrf_of(browser.get("/admin").text)
    answer = browser.post("/admin/file", data={"csrf": token, **form})
    assert answer.status_code == status
    assert "Retour au tableau de bord" in answer.text
    assert queue.depth() == 0 and queue.jobs() == {}


def test_a_form_too_large_is_400(browser: httpx.Client) -> None:
    answer = browser.post("/admin/file", content=b"a=" + b"x" * 5000,
                          headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert answer.status_code == 400


def test_a_queue_that_does_not_answer_leaves_the_stores_figures(
        serve: Serve, network: NetworkConfig, sqlite_store: Store) -> None:
    dead = JobQueue("redis://127.0.0.1:1/0", HarvesterConfig(namespace="nowhere"))
    with httpx.Client(base_url=serve(network, sqlite_store, queue=dead)) as browser:
        sign_in(browser)
        page = browser.get("/admin")
        assert page.status_code == 200
        assert "La file d&#39;attente des tâches est injoignable" in page.text
        assert "Médiathèque de Niort" in page.text and "à la demande" in page.text
        assert 'name="action"' not in page.text  # no button that cannot work
        answer = browser.post("/admin/file", data={
            "csrf": csrf_of(page.text), "bibliotheque": "parthenay", "action": "harvest"})
        assert answer.status_code == 303
        assert "rien n&#39;a été mis en file" in browser.get("/admin").text

