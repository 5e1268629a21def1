"""Login CSRF on the dashboard, over real HTTP: a token planted in the sign-in cookie, and
every form (sign-in, sign-out, the queue's buttons) sent from another site's page."""

from __future__ import annotations

import httpx

from tests.services.search.admin.conftest import NAME, PASSWORD, csrf_of, sign_in

FOREIGN = ({"Origin": "https://evil.example"},
           {"Origin": "null"},
           {"Referer": "https://evil.example/piege.html"},
           {"Sec-Fetch-Site": "cross-site"},
           {"Sec-Fetch-Site": "same-site"})
"""What a browser sends with a form posted from a page of another site."""


def test_a_token_planted_in_the_sign_in_cookie_is_refused(
        client: httpx.Client, dashboard_url: str) -> None:
    planted = "A" * 32
    client.cookies.set("admin-csrf", planted)
    answer = client.post("/admin/connexion", data={"csrf": planted, "nom": NAME,
                                                   "mot_de_passe": PASSWORD},
                         headers={"Origin": dashboard_url})
    assert answer.status_code == 403 and "admin-session" not in answer.cookies
    assert "Le formulaire a expiré ou ne vient pas de ce site" in answer.text


def test_a_sign_in_posted_from_another_site_is_refused(client: httpx.Client) -> None:
    for headers in FOREIGN:
        form = client.get("/admin/connexion")
        answer = client.post("/admin/connexion", headers=headers, data={
            "csrf": csrf_of(form.text), "nom": NAME, "mot_de_passe": PASSWORD})
        assert answer.status_code == 403, headers
        assert "admin-session" not in answer.cookies
        assert "Formulaire refusé" in answer.text and "another site" in answer.text


def test_the_buttons_and_the_sign_out_posted_from_another_site_are_refused(
        admin_client: httpx.Client) -> None:
    token = csrf_of(admin_client.get("/admin").text)
    for headers in FOREIGN:
        queued = admin_client.post("/admin/file", headers=headers, data={
            "csrf": token, "bibliotheque": "parthenay", "action": "harvest"})
        assert queued.status_code == 403, headers
        signed_out = admin_client.post("/admin/deconnexion", headers=headers,
                                       data={"csrf": token})
        assert signed_out.status_code == 403, headers
    assert admin_client.get("/admin").status_code == 200, "still signed in"


def test_forms_from_the_dashboard_s_own_pages_still_work(
        client: httpx.Client, dashboard_url: str) -> None:
    form = client.get("/admin/connexion")
    answer = client.post("/admin/connexion", headers={"Referer": f"{dashboard_url}/admin"},
                         data={"csrf": csrf_of(form.text), "nom": NAME,
                               "mot_de_passe": PASSWORD})
    assert answer.status_code == 303
    token = csrf_of(client.get("/admin").text)
    signed_out = client.post("/admin/deconnexion", data={"csrf": token}, headers={
        "Origin": dashboard_url, "Sec-Fetch-Site": "same-origin"})
    assert signed_out.status_code == 303
    assert sign_in(client).status_code == 303  # plain HTTP on loopback, no header: a trial


def test_over_https_a_form_must_say_it_comes_from_the_site(dashboard_url: str) -> None:
    host = "tableau.reseau.example"
    with httpx.Client(base_url=dashboard_url, headers={"Host": host}) as browser:
        form = browser.get("/admin/connexion")
        assert form.headers["set-cookie"].startswith("__Host-admin-csrf=")
        browser.cookies.set("__Host-admin-csrf", csrf_of(form.text))
        data = {"csrf": csrf_of(form.text), "nom": NAME, "mot_de_passe": PASSWORD}
        assert browser.post("/admin/connexion", data=data).status_code == 403
        assert browser.post("/admin/connexion", data=data,
                            headers={"Origin": f"http://{host}"}).status_code == 403
        assert browser.post("/admin/connexion", data=data,
                            headers={"Origin": f"https://{host}"}).status_code == 303
