"""The ``koha-rest`` patron directory: card and PIN checked with Koha's REST API (23.11+).

    POST {url}/auth/password/validation   {"identifier": card, "password": PIN}
                                          201 {"patron_id": ...}; 400 wrong card or PIN
    GET  {url}/patrons/{patron_id}        category_id, expiry_date, expired,
                                          patron_card_lost, restricted

``url`` is the API base, as for the koha-rest availability provider, and the API user signs
in the same ways (HTTP Basic, or OAuth2 client credentials; ``KohaApi`` is shared). The user
needs the permissions of both endpoints: in Koha 23.11, ``borrowers`` (to read patrons) and
the permission ``/auth/password/validation`` asks for in that version.

What counts as acceptance:

=========================================================  ==================================
Koha's answers                                             verdict
=========================================================  ==================================
validation 400 (Koha does not say whether the card or      refused, ``wrong-pin``
the password was wrong)
validation 201, then the patron is gone (404)               refused, ``unknown-card``
``expired`` (Koha 24.05+), or ``expiry_date`` before     refused, ``expired``, with the
today                                                      date when Koha gives it
``patron_card_lost`` (the card is reported lost; Koha's    refused, ``lost``
column ``lost``, which the API never calls so)
``restricted`` (a debarment: late returns, fines)          accepted, unless
                                                           ``refuse_restricted = true``
no ``category_id``                                         refused, ``incomplete-answer``
otherwise                                                  accepted, category ``category_id``
=========================================================  ==================================

An empty card or PIN is refused without asking. Errors name the patrons endpoint as
``{url}/patrons/{patron_id}``, never with the patron's id, and never hold the card or PIN.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any, ClassVar
from urllib.parse import quote

import httpx
from pydantic import Field

from catalogue_sync.config import LibraryConfig
from catalogue_sync.patrons import PatronCheck
from connectors.base import Configured, ConnectorOptions
from connectors.koha_rest import KohaApi, KohaApiOptions

log = logging.getLogger(__name__)


class KohaPatronOptions(KohaApiOptions):
    """``[libraries.ID.patrons]`` options of the koha-rest directory."""

    timeout: float = Field(default=5.0, gt=0, le=60)
    """Seconds the ILS is given to answer each of the two requests."""
    refuse_restricted: bool = False
    """Refuse patrons Koha says are restricted (debarred); lending rules, not reading ones."""


class KohaPatronDirectory(Configured[KohaPatronOptions]):
    """Checks a card and PIN with the library's Koha, over its REST API."""

    Options: ClassVar[type[ConnectorOptions]] = KohaPatronOptions
    table: ClassVar[str] = "patrons"

    def __init__(self, library: LibraryConfig, client: httpx.AsyncClient) -> None:
        super().__init__(library, client)
        self.timeout = self.options.timeout
        self.api = KohaApi(self, self.options, timeout=self.timeout,
                           permission="permissions (borrowers, password validation)")

    def __repr__(self) -> str:
        return f"KohaPatronDirectory({self.library.id!r}, {self.api.base!r})"

    async def check(self, card: str, pin: str) -> PatronCheck:
        """Koha's verdict on this card and PIN (see the module docstring)."""
        if not card.strip():
            return PatronCheck.refuse("unknown-card")
        if not pin:
            return PatronCheck.refuse("wrong-pin")
        patron_id = await self.validate(card, pin)
        verdict = PatronCheck.refuse("wrong-pin") if patron_id is None else (
            await self.patron_verdict(patron_id))
        log.info("koha patron check", extra={"library": self.library.id,
                                             "accepted": verdict.accepted,
                                             "reason": verdict.reason})
        return verdict

    async def validate(self, card: str, pin: str) -> str | None:
        """The patron's id if Koha accepts the card and PIN, else None."""
        url = f"{self.api.base}/auth/password/validation"
        response = await self.api.request("POST", url, accept=(400,),
                                          json={"identifier": card, "password": pin})
        if response.status_code == 400:
            return None
        body = self.api.json_body(response)
        patron_id = body.get("patron_id") if isinstance(body, dict) else None
        if not isinstance(patron_id, int | str) or not str(patron_id).strip():
            raise self.api.protocol_error("the validation answer has no patron_id", response)
        return str(patron_id)

    async def patron_verdict(self, patron_id: str) -> PatronCheck:
        shown = f"{self.api.base}/patrons/{{patron_id}}"
        # Koha's id is a number, but the answer is not ours: it never steers the path.
        url = f"{self.api.base}/patrons/{quote(patron_id, safe='')}"
        response = await self.api.request("GET", url, accept=(404,), shown_url=shown)
        if response.status_code == 404:
            return PatronCheck.refuse("unknown-card")
        patron = self.api.json_body(response, shown)
        if not isinstance(patron, dict):
            raise self.api.protocol_error("the patron answer is not an object", response,
                                          shown)
        try:
            return self.verdict(patron)
        except ValueError as exc:
            raise self.api.protocol_error(str(exc), response, shown) from None

    def verdict(self, patron: dict[str, Any]) -> PatronCheck:
        """Acceptance from Koha's patron object; a ValueError for a date that is not one."""
        expires = expiry_date(patron)
        if patron.get("expired") is True or (expires is not None and expires < date.today()):
            return PatronCheck.refuse("expired", expires)
        if patron.get("patron_card_lost"):
            return PatronCheck.refuse("lost")
        if self.options.refuse_restricted and patron.get("restricted"):
            return PatronCheck.refuse("blocked")
        category = patron.get("category_id")
        if not isinstance(category, str) or not category.strip():
            return PatronCheck.refuse("incomplete-answer")
        return PatronCheck.accept(category.strip())


def expiry_date(patron: dict[str, Any]) -> date | None:
    """The card's expiry date (None when Koha gives none: a card that never expires)."""
    value = patron.get("expiry_date")
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise ValueError("the patron's expiry_date is not a date") from None
