"""The interface of a patron directory: does this card and PIN open a session, and as whom.

A directory is created like a connector, from its library's configuration
(``[libraries.ID.patrons]``) and an injected ``httpx.AsyncClient``, and asks the library's
ILS one question. It lives in the ``connectors`` package (built-in: ``sip2``,
``koha-rest``) or in any installed package that registers one under the
``catalogue_sync.patrons`` entry point.

What comes back is deliberately small: accepted or not, the ILS's category code, and for a
card whose PIN the ILS accepted but which may not sign in, why (expired, with the date when
the ILS gives it; reported lost; blocked). The card number and the PIN are never kept, logged
or put in an error message. A wrong card and a wrong PIN are never told apart outside
(``unknown-card`` and ``wrong-pin`` are for the logs); the reasons of ``PIN_VERIFIED`` come
only after the ILS accepted the PIN, so the gateway tells the patron those.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal, Protocol

import httpx

from catalogue_sync.config import LibraryConfig

Refusal = Literal["unknown-card", "wrong-pin", "blocked", "lost", "expired",
                  "incomplete-answer"]
"""Why an ILS refused: no such patron, a PIN it did not accept, a patron it says may not
borrow, a card reported lost, a card past its date, or an answer missing what acceptance
needs (treated as no)."""
PIN_VERIFIED: frozenset[Refusal] = frozenset({"blocked", "lost", "expired"})
"""Refusals a directory gives only after the ILS accepted the card and PIN: the patron may be
told them, and they never count towards a lockout."""


@dataclass(frozen=True, slots=True)
class PatronCheck:
    """The ILS's verdict on one card and PIN."""

    accepted: bool
    category_code: str = ""
    """The ILS's own patron category (mapped to the network's by ``[libraries.ID.patrons]
    categories``); empty when refused."""
    reason: Refusal | None = None
    expired_on: date | None = None
    """The card's expiry date, for an ``expired`` refusal when the ILS says it."""

    @classmethod
    def accept(cls, category_code: str) -> PatronCheck:
        return cls(True, category_code)

    @classmethod
    def refuse(cls, reason: Refusal, expired_on: date | None = None) -> PatronCheck:
        return cls(False, "", reason, expired_on)

    @property
    def pin_verified(self) -> bool:
        """The ILS accepted the card and PIN (whether or not the card may sign in)."""
        return self.accepted or self.reason in PIN_VERIFIED


class PatronDirectory(Protocol):
    """Card and PIN checks against one library's ILS."""

    timeout: float
    """Seconds the ILS is given to answer."""

    def __init__(self, library: LibraryConfig, client: httpx.AsyncClient) -> None:
        """``client`` serves directories that speak HTTP; a SIP2 one opens its own socket."""

    async def check(self, card: str, pin: str) -> PatronCheck:
        """The ILS's verdict. An ILS that cannot be reached or answers nonsense raises
        ``SourceUnavailable`` or ``SourceProtocolError``: the patron is told the library
        cannot be asked now, which is not the same as being refused."""
        ...
