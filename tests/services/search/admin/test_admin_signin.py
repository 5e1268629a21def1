"""Signing in to the dashboard: accounts from CATALOGUE_SYNC_ADMINS, one answer for a wrong
name or password, CSRF tokens, sessions in Redis under a hash, safe ``next``, sign-out, the
lockout, and the page that says the dashboard is off."""

from __future__ import annotations

import hashlib
from urllib.parse import quote

import httpx
import pytest
import redis

from catalogue_sync.store import Store
from services.search.admin.passwords import Accounts, hash_password, verify_password
from tests.conftest import REDIS_URL
from tests.services.search.admin.conftest import (
    NAME,
    PASSWORD,
    Serve,
    csrf_of,
    sign_in,
    small_network,
    with_redis,
)


def test_a_right_name_and_password_open_a_session_kept_hashed_in_redis(
        client: httpx.Client, redis_prefix: str) -> None:
    answer = sign_in(client)
    assert answer.status_code == 303 and answer.headers["location"] == "/admin"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith("admin-session=")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/admin" in cookie
    assert "Secure" not in cookie  # plain HTTP to 127.0.0.1 only
    session_id = client.cookies["admin-session"]
    keys = [key.decode() for key in redis.Redis.from_url(REDIS_URL).keys(f"{redis_prefix}:*")]
    assert f"{redis_prefix}:admin:session:{hashlib.sha256(session_id.encode()).hexdigest()}" \
        in keys
    assert not any(session_id in key for key in keys)
    page = client.get("/admin")
    assert page.status_code == 200 and "Connecté\u00a0: marie" in page.text
    assert page.headers["cache-control"] == "no-store"


def test_a_wrong_name_and_a_wrong_password_get_the_same_answer(client: httpx.Client) -> None:
    wrong_password = sign_in(client, password="not the password")
    wrong_name = sign_in(client, name="mari")
    assert wrong_password.status_code == wrong_name.status_code == 401
    assert "Nom d’utilisateur ou mot de passe incorrect." not in wrong_name.text
    assert "Nom d'utilisateur ou mot de passe incorrect." in wrong_name.text.replace(
        "&#39;", "'")
    assert (wrong_password.text.replace('value="marie"', "")
            == wrong_name.text.replace('value="mari"', ""))
    assert "admin-session" not in client.cookies


def test_each_sign_in_is_a_new_session_and_the_one_before_ends(client: httpx.Client) -> None:
    sign_in(client)
    first = client.cookies["admin-session"]
    again = client.post("/admin/connexion", data={
        "csrf": client.cookies["admin-csrf"], "nom": NAME, "mot_de_passe": PASSWORD})
    assert again.status_code == 303
    second = client.cookies["admin-session"]
    assert second != first
    with httpx.Client(base_url=str(client.base_url), cookies={"admin-session": first}) as old:
        assert old.get("/admin").status_code == 303


def test_a_form_without_its_token_is_refused_403(admin_client: httpx.Client) -> None:
    refused = admin_client.post("/admin/connexion", data={
        "csrf": "forged-token-forged-token", "nom": NAME, "mot_de_passe": PASSWORD})
    assert refused.status_code == 403
    assert admin_client.post("/admin/deconnexion", data={"csrf": "x"}).status_code == 403
    assert admin_client.post("/admin/file", data={
        "bibliotheque": "parthenay", "action": "harvest"}).status_code == 403
    assert admin_client.get("/admin").status_code == 200  # still signed in


@pytest.mark.parametrize("path", ["/admin", "/admin/graphiques?mois=3&periode=jour",
                                  "/admin/nulle-part"])
def test_without_a_session_every_address_leads_to_the_sign_in_page(
        client: httpx.Client, path: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 303
    expected = "/admin/connexion" if path == "/admin" else \
        f"/admin/connexion?next={quote(path, safe='/')}"
    assert answer.headers["location"] == expected
    assert client.post("/admin/file", data={"csrf": "x"}).headers["location"] \
        == "/admin/connexion"


def test_after_sign_in_the_browser_goes_back_where_it_was(client: httpx.Client) -> None:
    assert sign_in(client, next_path="/admin/graphiques?mois=3").headers["location"] \
        == "/admin/graphiques?mois=3"


@pytest.mark.parametrize("next_path", [
    "//evil.example/admin", "https://evil.example/admin", "/admin//evil.example",
    "/\\evil.example", "/admin@evil.example", "/admin/../recherche",
    "/admin/%2e%2e/recherche", "/recherche",
    "/admin/\r\nLocation: https://evil.example", "javascript:alert(1)"])
def test_next_never_leaves_the_dashboard(client: httpx.Client, next_path: str) -> None:
    assert sign_in(client, next_path=next_path).headers["location"] == "/admin"


def test_sign_out_ends_the_session(admin_client: httpx.Client) -> None:
    session_id = admin_client.cookies["admin-session"]
    page = admin_client.get("/admin")
    answer = admin_client.post("/admin/deconnexion", data={"csrf": csrf_of(page.text)})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/admin/connexion?fin=au-revoir"
    assert "Vous êtes déconnecté" in admin_client.get(answer.headers["location"]).text
    with httpx.Client(base_url=str(admin_client.base_url),
                      cookies={"admin-session": session_id}) as replay:
        assert replay.get("/admin").status_code == 303


def test_too_many_failures_lock_the_name_out_even_with_the_right_password(
        client: httpx.Client) -> None:
    for _ in range(5):
        assert sign_in(client, password="guess").status_code == 401
    locked = sign_in(client)
    assert locked.status_code == 429
    assert 0 < int(locked.headers["retry-after"]) <= 900
    assert "bloquée pendant 15 minute(s)" in locked.text


def test_without_admins_the_dashboard_says_it_is_off_and_how_to_turn_it_on(
        serve: Serve, sqlite_store: Store, redis_prefix: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CATALOGUE_SYNC_ADMINS")
    url = serve(with_redis(small_network(sqlite_store.url), redis_prefix), sqlite_store)
    for method, path in (("GET", "/admin"), ("GET", "/admin/connexion"),
                         ("POST", "/admin/connexion"), ("GET", "/admin/graphiques")):
        answer = httpx.request(method, f"{url}{path}", headers={"Accept": "text/html"})
        assert answer.status_code == 503, path
        assert "CATALOGUE_SYNC_ADMINS" in answer.text
        assert "catalogue-sync admin hash-password" in answer.text
    english = httpx.get(f"{url}/admin?lang=en")
    assert english.status_code == 503 and "Dashboard turned off" in english.text
    assert httpx.get(f"{url}/").status_code == 200  # the catalogue goes on


def test_without_redis_or_with_a_malformed_variable_it_is_off_too(
        serve: Serve, sqlite_store: Store, redis_prefix: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    no_redis = serve(small_network(sqlite_store.url), sqlite_store)
    answer = httpx.get(f"{no_redis}/admin")
    assert answer.status_code == 503 and "aucun Redis n'est" in answer.text.replace("&#39;", "'")
    monkeypatch.setenv("CATALOGUE_SYNC_ADMINS", "marie:plaintext-password")
    malformed = serve(with_redis(small_network(sqlite_store.url), redis_prefix), sqlite_store)
    answer = httpx.get(f"{malformed}/admin/connexion")
    assert answer.status_code == 503 and "mal formée" in answer.text
    assert "plaintext-password" not in answer.text


def test_redis_that_does_not_answer_is_a_503_page_not_a_500(
        serve: Serve, sqlite_store: Store, redis_prefix: str) -> None:
    url = serve(with_redis(small_network(sqlite_store.url), redis_prefix,
                           url="redis://127.0.0.1:1/0"), sqlite_store)
    with httpx.Client(base_url=url) as browser:
        answer = sign_in(browser)
        assert answer.status_code == 503 and "Redis ne répond pas" in answer.text
        browser.cookies.set("admin-session", "x" * 43)
        assert browser.get("/admin").status_code == 503


def test_for_any_other_host_the_cookie_is_secure_and_strict(dashboard_url: str) -> None:
    # As behind a reverse proxy: plain HTTP to this process, the public host name; the
    # browser says where its form comes from.
    with httpx.Client(base_url=dashboard_url,
                      headers={"Host": "tableau.reseau.example",
                               "Origin": "https://tableau.reseau.example"}) as browser:
        form = browser.get("/admin/connexion")
        assert form.headers["set-cookie"].startswith("__Host-admin-csrf=")
        assert "Secure" in form.headers["set-cookie"]
        browser.cookies.set("__Host-admin-csrf", csrf_of(form.text))  # httpx keeps Secure back
        answer = browser.post("/admin/connexion", data={
            "csrf": csrf_of(form.text), "nom": NAME, "mot_de_passe": PASSWORD})
        cookie = answer.headers["set-cookie"]
        assert cookie.startswith("__Host-admin=") and "Domain" not in cookie
        for flag in ("Secure", "HttpOnly", "SameSite=strict", "Path=/;"):
            assert flag in cookie
        session_id = cookie.split(";")[0].split("=", 1)[1]
        browser.cookies.set("__Host-admin", session_id)
        page = browser.get("/admin")
        assert page.status_code == 200


def test_a_hash_is_self_describing_salted_and_checked() -> None:
    first, second = hash_password("s3cret-s3cret", n=2**10), hash_password("s3cret-s3cret",
                                                                            n=2**10)
    assert first.startswith("scrypt$1024$8$1$") and first != second
    assert verify_password("s3cret-s3cret", first) and not verify_password("s3cret", first)
    accounts = Accounts.parse(f"marie:{first}, paul:{second}")
    assert accounts.check("paul", "s3cret-s3cret") and not accounts.check("pierre", "x")
