"""The sandbox's patrons: who can sign in with which card and PIN, at each library.

Every sandbox library has the same five demonstration patrons, their cards starting with the
library's prefix (``FM`` for mediatheque-fm...), then a dozen ordinary ones. All is
deterministic: the same cards and PINs on every run (only expiry dates follow today's date).

==========  =====  ==========  ===========================================================
card        PIN    category    what the directories answer
==========  =====  ==========  ===========================================================
XX000001    1234   ADULTE      accepted, adult (a name with accents: Hélène Lefèvre)
XX000002    2468   JEUNE       accepted, youth
XX000003    1111   ADULTE      refused ``expired`` (card expired last year)
XX000004    0000   ADULTE      refused ``lost`` (card reported lost)
XX000005    4321   ADULTE      accepted: fines make a debarment, which stops loans only
                               (refused when the directory refuses restricted patrons)
XX000006    1357   COLLECTIV   accepted by the ILS; a category the network file does not
                               map, so the gateway refuses it
XX000010..  (``--patrons``)    ordinary patrons, adult and youth
==========  =====  ==========  ===========================================================

``python -m services.sandbox --patrons`` prints every library's list.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

CATEGORIES = {"ADULTE": "adult", "JEUNE": "youth", "ETUDIANT": "adult"}
"""The sandbox ILSs' category codes, as the network file maps them (COLLECTIV is left out)."""
PREFIXES = {"mediatheque-fm": "FM", "reseau-agglo": "AG", "departementale": "MD",
            "ludotheque": "LU", "centre-doc": "CD"}
ORDINARY = 12
"""Ordinary patrons per library, after the demonstration ones."""
FIRST_NAMES = ("Camille", "Léa", "Hugo", "Inès", "Théo", "Zoé", "Louis", "Chloé", "Jules",
               "Maëlys", "Noé", "Anaïs")
SURNAMES = ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
            "Leroy", "Moreau", "Simon", "Laurent")


@dataclass(frozen=True)
class SandboxPatron:
    """A patron of a sandbox ILS (never in a real catalogue-sync store: patrons are not)."""

    patron_id: int
    """Koha's ``borrowernumber``."""
    card: str
    pin: str
    name: str
    category: str
    expires: date
    lost_card: bool = False
    """The card is reported lost: every directory refuses it."""
    restricted: bool = False
    """Debarred (fines, late returns): SIP2 says "charge privileges denied"."""

    @property
    def expired(self) -> bool:
        return self.expires < date.today()

    @property
    def charge_denied(self) -> bool:
        """What a Koha-like ILS puts in the first flag of SIP2's patron status."""
        return self.restricted or self.lost_card or self.expired

    def __repr__(self) -> str:  # a demo PIN, but the habit is kept: no PIN in a repr
        return f"SandboxPatron({self.card!r}, {self.category!r})"


def card_prefix(library_id: str) -> str:
    """The prefix of a library's cards (the network file's ``card_prefixes``)."""
    return PREFIXES.get(library_id) or library_id.replace("-", "")[:2].upper()


@cache
def library_patrons(library_id: str) -> tuple[SandboxPatron, ...]:
    """Every patron of a sandbox library, the demonstration ones first."""
    prefix, today = card_prefix(library_id), date.today()
    later, earlier = today + timedelta(days=400), today - timedelta(days=365)
    demo = [
        SandboxPatron(1, f"{prefix}000001", "1234", "Hélène Lefèvre", "ADULTE", later),
        SandboxPatron(2, f"{prefix}000002", "2468", "Noé Garçon", "JEUNE", later),
        SandboxPatron(3, f"{prefix}000003", "1111", "Jérôme Périmé", "ADULTE", earlier),
        SandboxPatron(4, f"{prefix}000004", "0000", "Agnès Perdue", "ADULTE", later,
                      lost_card=True),
        SandboxPatron(5, f"{prefix}000005", "4321", "Françoise Amende", "ADULTE", later,
                      restricted=True),
        SandboxPatron(6, f"{prefix}000006", "1357", "École Jules-Ferry", "COLLECTIV", later),
    ]
    return tuple(demo + [ordinary(library_id, prefix, n, later) for n in range(ORDINARY)])


def ordinary(library_id: str, prefix: str, n: int, expires: date) -> SandboxPatron:
    """The ``n``-th ordinary patron: a PIN from a hash, so it is the same on every run."""
    digest = hashlib.sha256(f"{library_id}:{n}".encode()).digest()
    pin = f"{int.from_bytes(digest[:4], 'big') % 10000:04d}"
    name = f"{FIRST_NAMES[n % len(FIRST_NAMES)]} {SURNAMES[(n * 5) % len(SURNAMES)]}"
    return SandboxPatron(10 + n, f"{prefix}{10 + n:06d}", pin, name,
                         "JEUNE" if n % 3 == 2 else "ADULTE", expires)


def find_patron(library_id: str, identifier: str) -> SandboxPatron | None:
    """The patron with this card number at this library, if any."""
    return next((p for p in library_patrons(library_id) if p.card == identifier), None)


def patron_by_id(library_id: str, patron_id: int) -> SandboxPatron | None:
    return next((p for p in library_patrons(library_id) if p.patron_id == patron_id), None)


def patrons_listing(library_ids: list[str]) -> str:
    """The ``--patrons`` listing: every library's cards, PINs and what is special."""
    lines = [f"{'library':<16} {'card':<10} {'PIN':<5} {'category':<10} name"]
    for library_id in library_ids:
        for patron in library_patrons(library_id):
            lines.append(f"{library_id:<16} {patron.card:<10} {patron.pin:<5} "
                         f"{patron.category:<10} {patron.name}{remark(patron)}")
    return "\n".join(lines)


def remark(patron: SandboxPatron) -> str:
    if patron.expired:
        return "  (expired)"
    if patron.lost_card:
        return "  (card reported lost)"
    if patron.restricted:
        return "  (debarred: fines)"
    if patron.category not in CATEGORIES:
        return "  (category not mapped: refused by the gateway)"
    return ""
