"""One sign-in: which library, whether this card may try now, the ILS's verdict, a session.

A wrong card and a wrong PIN give the same answer (``Refused``) in the same time: every
refusal takes at least ``REFUSAL_FLOOR`` seconds, which is longer than the ILSs usually take,
so that neither the words nor the clock tell an attacker that a card exists.

The attempt is reserved in the throttle before the ILS is asked (``Throttle.reserve``), so
that simultaneous attempts cannot pass the limit between a read and a count. Once the ILS has
accepted the PIN, the patron is told the truth: signed in, or ``NotAdmitted`` with why (the
card expired, on which date; reported lost; blocked; a category the network does not admit).
Neither counts towards a lockout: the card's count is cleared as for a sign-in.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Literal

import httpx

from catalogue_sync.config import LibraryConfig, NetworkConfig
from catalogue_sync.errors import SourceError
from catalogue_sync.gateway.pseudonyms import PseudonymKeys, normal_card
from catalogue_sync.gateway.sessions import Patron, Session, Sessions
from catalogue_sync.gateway.throttle import Throttle
from catalogue_sync.patrons import PatronCheck, PatronDirectory

log = logging.getLogger(__name__)

REFUSAL_FLOOR = 0.6
"""Seconds every refused sign-in takes at least."""
MAX_CARD = 40
MAX_PIN = 64


@dataclass(frozen=True, slots=True)
class SignedIn:
    session: Session


@dataclass(frozen=True, slots=True)
class Refused:
    """Card or PIN not accepted (which one is never said)."""


@dataclass(frozen=True, slots=True)
class Locked:
    seconds: int


@dataclass(frozen=True, slots=True)
class Unavailable:
    """The library's ILS could not be asked: not a refusal, and not counted as one."""

    library: str


@dataclass(frozen=True, slots=True)
class ChooseLibrary:
    """No library chosen and the card number does not say which."""


Inadmissible = Literal["expired", "lost", "blocked", "category"]
"""Why a card whose PIN is right cannot sign in (``category``: one the network does not map)."""


@dataclass(frozen=True, slots=True)
class NotAdmitted:
    """The ILS accepted the PIN but this card may not sign in: said, never counted."""

    library: str
    reason: Inadmissible
    expired_on: date | None = None
    """For ``expired``, the card's expiry date when the ILS gave it."""


Outcome = SignedIn | Refused | Locked | Unavailable | ChooseLibrary | NotAdmitted


@dataclass(slots=True)
class SignIn:
    network: NetworkConfig
    keys: PseudonymKeys
    sessions: Sessions
    throttle: Throttle
    directory: Callable[[LibraryConfig, httpx.AsyncClient], PatronDirectory]
    """Makes a library's patron directory (``connectors.registry.build_directory``)."""

    def libraries(self) -> list[LibraryConfig]:
        """The member libraries whose patrons can sign in."""
        return [library for library in self.network.libraries.values()
                if library.enabled and library.patrons is not None]

    def library_of(self, card: str, chosen: str | None) -> LibraryConfig | None:
        """The chosen library, or the one whose card prefix the number starts with."""
        libraries = {library.id: library for library in self.libraries()}
        if chosen:
            return libraries.get(chosen)
        number = normal_card(card)
        matching = [library for library in libraries.values() if library.patrons and any(
            number.startswith(normal_card(prefix)) for prefix in library.patrons.card_prefixes)]
        return matching[0] if len(matching) == 1 else None

    async def __call__(self, card: str, pin: str, chosen: str | None, address: str
                       ) -> Outcome:
        started = time.monotonic()
        library = self.library_of(card, chosen)
        if library is None:
            return ChooseLibrary()
        subject = self.keys.subject(library.id, card)
        wait = self.throttle.reserve(subject, address)
        if wait:
            return Locked(wait)
        # From here the attempt is counted; an exception leaves it so (never a free try).
        outcome = await self._check(library, subject, card, pin)
        if isinstance(outcome, SignedIn | NotAdmitted):
            self.throttle.verified(subject, address)
        elif isinstance(outcome, Unavailable):
            self.throttle.release(subject, address)
        else:
            await asyncio.sleep(max(0.0, REFUSAL_FLOOR - (time.monotonic() - started)))
        return outcome

    async def _check(self, library: LibraryConfig, subject: str, card: str, pin: str
                     ) -> Outcome:
        if not (0 < len(normal_card(card)) <= MAX_CARD and 0 < len(pin) <= MAX_PIN):
            return Refused()
        try:
            # A client per sign-in, closed with it: sign-ins are rare and brief, and a
            # pool would outlive the event loop of the request that opened it.
            async with httpx.AsyncClient() as client:
                verdict = await self.directory(library, client).check(normal_card(card), pin)
        except SourceError as error:
            log.warning("sign-in: %s's ILS could not be asked: %s", library.id, error)
            return Unavailable(library.id)
        return self._outcome(library, subject, verdict)

    def _outcome(self, library: LibraryConfig, subject: str, verdict: PatronCheck
                 ) -> Outcome:
        """What the ILS's verdict means for this patron, with a session if signed in."""
        if not verdict.pin_verified:
            log.info("sign-in refused at %s: %s", library.id, verdict.reason)
            return Refused()
        if not verdict.accepted:
            assert verdict.reason in ("expired", "lost", "blocked")  # PIN_VERIFIED
            log.info("sign-in not admitted at %s: %s", library.id, verdict.reason)
            return NotAdmitted(library.id, verdict.reason, verdict.expired_on)
        category = category_of(library, verdict.category_code)
        if category is None:
            log.info("sign-in not admitted at %s: category not mapped", library.id)
            return NotAdmitted(library.id, "category")
        return SignedIn(self.sessions.open(Patron(library.id, category, subject)))


def category_of(library: LibraryConfig, code: str) -> str | None:
    """The network category of an ILS category code; None: not one the network admits."""
    patrons = library.patrons
    if patrons is None:
        return None
    return patrons.categories.get(code) or patrons.default_category
