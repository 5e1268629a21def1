"""The interface of a patron directory: does this card and PIN open a session, and as whom.

A directory is created like a connector, from its library's configuration
(``[libraries.ID.patrons]``) and an injected ``httpx.AsyncClient``, and asks the library's
ILS one question. It lives in the ``connectors`` package (built-in: ``sip2``,
``koha-rest``) or in any installed package that registers one under the
``catalogue_sync.patrons`` entry point.

What comes back is deliberately small: accepted or not, and the ILS's category code. The
card number and the PIN are never kept, logged or put in an error message; a refusal's
``reason`` is for the gateway's counters and logs, and never shown to the patron (a wrong card
and a wrong PIN must look the same from outside).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

import httpx

from catalogue_sync.config import LibraryConfig

Refusal = Literal["unknown-card", "wrong-pin", "blocked", "expired", "incomplete-answer"]
"""Why an ILS refused: no such patron, a PIN it did not accept, a patron it says may not
borrow, a card past its date, or an answer missing what acceptance needs (treated as no)."""


@dataclass(frozen=True, slots=True)
class PatronCheck:
    """The ILS's verdict on one card and PIN."""

    accepted: bool
    category_code: str = ""
    """The ILS's own patron category (mapped to the network's by ``[libraries.ID.patrons]
    categories``); empty when refused."""
    reason: Refusal | None = None

    @classmethod
    def accept(cls, category_code: str) -> PatronCheck:
        return cls(True, category_code)

    @classmethod
    def refuse(cls, reason: Refusal) -> PatronCheck:
        return cls(False, "", reason)


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
