"""The interface of a live availability provider, and the item statuses it reports.

A provider is created like a connector, from its library's configuration
(``[libraries.ID.availability]``) with an injected ``httpx.AsyncClient``, and answers one
question: the items of these local records, with their status now. Providers live in the
``connectors`` package (built-in, e.g. ``koha-rest``) or in any installed package that
registers one under the ``catalogue_sync.availability`` entry point.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Protocol

import httpx

from catalogue_sync.config import LibraryConfig
from catalogue_sync.models import Item


class ItemStatus(StrEnum):
    """What a live status says about a copy, in the words the record page uses.

    ``available`` and ``on-loan`` mean what they mean in harvested items (``marc.normalize``);
    the others are read from an ILS that says why a copy cannot be borrowed.
    """

    AVAILABLE = "available"
    """On the shelf, can be borrowed."""
    ON_LOAN = "on-loan"
    """Checked out; the item's ``due_date`` says until when."""
    NOT_FOR_LOAN = "not-for-loan"
    """On the shelf, to be consulted on site (reference copies, the latest issue...)."""
    ON_ORDER = "on-order"
    """Ordered or being processed, not on the shelf yet."""
    LOST = "lost"
    WITHDRAWN = "withdrawn"


class AvailabilityProvider(Protocol):
    """Item status in real time, from one library's ILS."""

    timeout: float
    """Seconds the ILS is given to answer (the network's ``[availability] deadline`` may cut
    it shorter)."""

    def __init__(self, library: LibraryConfig, client: httpx.AsyncClient) -> None: ...

    async def items(self, local_ids: Sequence[str]) -> dict[str, list[Item]]:
        """Each record's items with their live status and due date.

        Every id asked for is in the answer; a record the ILS no longer has has no items.
        Failures raise ``SourceUnavailable`` (timeouts, refused connections, 5xx) or
        ``SourceProtocolError`` (refused credentials, answers that make no sense).
        """
        ...
