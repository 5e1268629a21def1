"""KBART title lists of the sandbox's vendors, as real vendors send them.

    GET /kbart/{vendor}/{package}.txt      the package's title list (text/plain, UTF-8)

Each package draws its titles from the sandbox catalogue (deterministic from the network's
seed): most are online editions of manifestations the libraries hold, carrying the print
ISBN or ISSN so that the union catalogue links them, the others are the vendor's own. Each
file has the quirks of real ones: a byte order mark and CRLF (e-books), a header in another
spelling with optional columns missing and a column of the vendor's own (press), and one row
without its title_url, which an import must quarantine.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from fastapi import APIRouter, HTTPException
from fastapi.responses import Response

from catalogue_sync.kbart import COLUMNS
from catalogue_sync.models import Format
from services.sandbox.generator import SandboxNetwork
from services.sandbox.identifiers import ean13_check
from services.sandbox.state import Sandbox
from services.sandbox.works import Manifestation, mix, text_code

router = APIRouter()


@dataclass(frozen=True, slots=True)
class SandboxPackage:
    """A vendor's package of the sandbox and what its list holds."""

    vendor: str
    package: str
    format: Format
    """The print format its titles are online editions of."""
    serial: bool
    linked: int
    """Titles drawn from the catalogue (fewer when the catalogue has fewer)."""
    own: int
    """Titles of the vendor's own, held by no library."""
    press_style: bool = False
    """The header quirks of the press vendor (see the module doc)."""


PACKAGES = (
    SandboxPackage("lirenligne", "romans", Format.BOOK, serial=False, linked=30, own=8),
    SandboxPackage("kiosque", "presse", Format.PERIODICAL, serial=True, linked=15, own=5,
                   press_style=True),
)
PRESS_COLUMNS = ("Publication Title", "Print Identifier", "Online Identifier",
                 "Date First Issue Online", "Num First Vol Online", "Date Last Issue Online",
                 "Title URL", "First Author", "Title ID", "Embargo Info", "Coverage Depth",
                 "Publisher Name", "Publication Type", "Kiosque Rubrique")
"""The press list's header: its own spelling, issue numbers and monograph columns missing,
and the vendor's own last column."""


def package(vendor: str, name: str) -> SandboxPackage:
    """The sandbox package; KeyError naming the known ones otherwise."""
    for found in PACKAGES:
        if (found.vendor, found.package) == (vendor, name):
            return found
    known = ", ".join(f"{p.vendor}/{p.package}" for p in PACKAGES)
    raise KeyError(f"no sandbox package {vendor}/{name}; packages: {known}")


def kbart_file(network: SandboxNetwork, chosen: SandboxPackage) -> bytes:
    """The package's title list, byte for byte the same for the same network seed."""
    rows = [*_linked_rows(network, chosen), *_own_rows(network.seed, chosen)]
    rows.insert(len(rows) // 2, _bad_row(chosen))
    if chosen.press_style:
        header = list(PRESS_COLUMNS)
        lines = ["\t".join(header)] + ["\t".join(_press_cells(row)) for row in rows]
        return ("\n".join(lines) + "\n").encode()
    lines = ["\t".join(COLUMNS)] + ["\t".join(row.get(c, "") for c in COLUMNS) for row in rows]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode()


def _press_cells(row: dict[str, str]) -> list[str]:
    names = [name.lower().replace(" ", "_") for name in PRESS_COLUMNS]
    cells = [row.get(name, "") for name in names]
    cells[-1] = row.get("rubrique", "")
    return cells


def _linked_rows(network: SandboxNetwork, chosen: SandboxPackage) -> Iterator[dict[str, str]]:
    """Online editions of the catalogue's manifestations, with their print number."""
    for number, manifestation in enumerate(_manifestations(network, chosen)):
        yield _row(chosen, number, manifestation)


def _manifestations(network: SandboxNetwork, chosen: SandboxPackage) -> list[Manifestation]:
    found: dict[str, Manifestation] = {}
    for cat in network.catalogues.values():
        for index in range(cat.count):
            if cat.format(index) is chosen.format and not cat.deleted[index]:
                manifestation = cat.manifestation(index)
                if manifestation.isbn or manifestation.issn:
                    found.setdefault(manifestation.id, manifestation)
    ordered = sorted(found.values(), key=lambda m: mix(network.seed, text_code(m.id)))
    return ordered[:chosen.linked]


def _row(chosen: SandboxPackage, number: int, m: Manifestation) -> dict[str, str]:
    work = m.work
    title = work.title + (f". Tome {work.part}" if work.part else "")
    author = work.creators[0].surname if work.creators else ""
    row = _base(chosen, number, title, m.publisher.name, m.year)
    row.update(print_identifier=m.issn or m.isbn or "", first_author=author)
    return row


def _base(chosen: SandboxPackage, number: int, title: str, publisher: str, year: int
          ) -> dict[str, str]:
    title_id = f"{chosen.package[:3].upper()}-{number:05d}"
    row = {"publication_title": title, "title_id": title_id, "publisher_name": publisher,
           "title_url": f"https://{chosen.vendor}.example/titres/{title_id}",
           "online_identifier": _online_number(chosen, number),
           "publication_type": "serial" if chosen.serial else "monograph",
           "coverage_depth": "fulltext", "access_type": "P"}
    if chosen.serial:
        row.update(date_first_issue_online=f"{max(year, 2001)}-01", num_first_vol_online="1",
                   embargo_info="P1M" if number % 4 == 0 else "", rubrique="Actualité")
    else:
        row.update(date_monograph_published_print=str(year),
                   date_monograph_published_online=str(max(year, 2012)))
    return row


def _online_number(chosen: SandboxPackage, number: int) -> str:
    """An e-ISSN or an e-ISBN (979-10-...) of the vendor's, with its check digit."""
    code = mix(text_code(chosen.vendor), text_code(chosen.package), number) % 10**6
    if chosen.serial:
        body = f"2{code % 10**6:06d}"
        total = sum(int(d) * (8 - i) for i, d in enumerate(body))
        check = (11 - total % 11) % 11
        return f"{body[:4]}-{body[4:]}{'X' if check == 10 else check}"
    body = f"97910{code:06d}0"[:12]
    return body + ean13_check(body)


def _own_rows(seed: int, chosen: SandboxPackage) -> Iterator[dict[str, str]]:
    """Titles only the vendor has: no print edition in any library."""
    rng = random.Random(mix(seed, text_code(chosen.vendor), text_code(chosen.package)))
    words = ("Carnets", "Lumières", "Horizons", "Chroniques", "Rivages", "Saisons", "Échos")
    places = ("du Poitou", "de l'Atlantique", "d'ailleurs", "numériques", "du Marais")
    for number in range(chosen.own):
        title = f"{rng.choice(words)} {rng.choice(places)}"
        row = _base(chosen, 90_000 + number, title, f"Éditions {chosen.vendor.title()}",
                    rng.randint(2005, 2025))
        if not chosen.serial:
            row["first_author"] = rng.choice(("Garnier", "Moreau", "Lefebvre", "Roux"))
        yield row


def _bad_row(chosen: SandboxPackage) -> dict[str, str]:
    """A row a vendor's export got wrong: no title_url."""
    row = _base(chosen, 99_999, "Titre sans adresse", "Inconnu", 2020)
    row["title_url"] = ""
    return row


@router.get("/kbart/{vendor}/{name}.txt")
async def kbart(vendor: str, name: str, state: Sandbox) -> Response:
    """A package's KBART title list."""
    try:
        chosen = package(vendor, name)
    except KeyError as exc:
        raise HTTPException(404, str(exc)) from None
    return Response(kbart_file(state.network, chosen), media_type="text/plain; charset=utf-8")
