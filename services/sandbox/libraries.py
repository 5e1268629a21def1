"""The sandbox's member libraries: who they are and how each one catalogues.

The default network is modelled on a French urban community ("Grand Val-de-Clain", invented):
a municipal media library on Koha UNIMARC, an intercommunal network on an older UNIMARC ILS,
the departmental lending library on Koha MARC 21, a toy library and a documentation centre.
The three on Koha offer its REST API (live item status); the two others do not.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

from catalogue_sync.config import HOLDINGS_PRESETS, LIBRARY_ID
from catalogue_sync.models import Flavour, LibraryKind
from services.sandbox.works import Pool

DEFAULT_COUNT = 5
"""Libraries in the default network: the five of ``default_libraries``."""
Granularity = Literal["seconds", "day"]
ISBN_FORMS = ("13-hyphens", "13", "10", "10-hyphens", "missing")
NAME_FORMS = ("inverted", "direct", "initial", "dated")


@dataclass(frozen=True)
class CataloguingStyle:
    """How often a library's cataloguers write things one way or another.

    Weights are relative; probabilities are between 0 and 1. Together they give each
    library's records the habits that make deduplication hard.
    """

    isbn_forms: tuple[int, int, int, int, int] = (5, 3, 1, 1, 1)
    """Weights of ISBN-13 with hyphens, ISBN-13, ISBN-10, ISBN-10 with hyphens, no ISBN."""
    isbn_qualifier: float = 0.3
    """How often the binding is given, "(br.)" or "(rel.)"."""
    qualifier_in_a: bool = False
    """Old practice: the qualifier typed into the ISBN subfield itself."""
    name_forms: tuple[int, int, int, int] = (8, 0, 1, 2)
    """Weights of "Hugo, Victor", "Victor Hugo", "Hugo, V." and "Hugo, Victor, 1802-1885"."""
    drop_subtitle: float = 0.2
    sentence_case: float = 0.7
    """How often only the first word after the article keeps its capital (BnF practice)."""
    legacy_upper: float = 0.0
    """Records from an old system: titles in capitals without accents."""
    isbd: bool = True
    """MARC 21 only: ISBD punctuation at the end of subfields ("Titre / $c Auteur")."""
    rda: bool = True
    """MARC 21: 264 and 336-338 rather than 260; UNIMARC: 214 rather than 210."""
    nonfiling_marks: float = 0.0
    """UNIMARC only: NSB/NSE control characters around a leading article."""
    bnf_id: float = 0.4
    """How often the BnF record number is kept (003 ark in UNIMARC, 035 (FrPBN) in MARC 21)."""
    system_number: float = 0.2
    """How often an 035 keeps the number from the previous system."""


@dataclass(frozen=True)
class SandboxLibrary:
    """A simulated member library: its identity, its ILS and its cataloguing habits."""

    id: str
    name: str
    kind: LibraryKind
    flavour: Flavour
    holdings: str
    """Holdings preset (see ``catalogue_sync.config.HOLDINGS_PRESETS``): 852, 952 or 995."""
    share: float = 0.2
    """Part of the network's total records, when ``records`` is not given."""
    records: int | None = None
    pools: dict[str, float] = field(default_factory=lambda: {Pool.GENERAL.value: 1.0})
    """Which parts of the catalogue the library draws from, in what proportions."""
    granularity: Granularity = "seconds"
    page_size: int | None = None
    """OAI-PMH page size; None means the server's default."""
    sets: bool = True
    """False: the OAI-PMH provider answers noSetHierarchy."""
    utf8_leader: bool = True
    """Leader/09 says UTF-8; some UNIMARC systems leave it blank while writing UTF-8."""
    org_code: str = "FR-000000000"
    branches: tuple[str, ...] = ("CENTRE",)
    id_prefix: str = ""
    id_start: int = 1
    barcode_prefix: str = "0"
    deleted_share: float = 0.02
    """Part of the records that are already deleted (persistent deletions) at start."""
    rest_api: bool = True
    """The ILS offers Koha's REST API (live item status); False: an ILS without one."""
    style: CataloguingStyle = field(default_factory=CataloguingStyle)

    def __post_init__(self) -> None:
        if not LIBRARY_ID.match(self.id):
            raise ValueError(f"library id {self.id!r} is not a valid network.toml id")
        if self.holdings not in HOLDINGS_PRESETS:
            raise ValueError(f"unknown holdings preset {self.holdings!r}")
        unknown = set(self.pools) - {pool.value for pool in Pool}
        if unknown or not self.pools:
            raise ValueError(f"pools must be among {[p.value for p in Pool]}, not {unknown}")

    def local_id(self, index: int) -> str:
        """The record id the library's ILS gives to its ``index``-th record."""
        return f"{self.id_prefix}{self.id_start + index}"


def default_libraries() -> list[SandboxLibrary]:
    """The five libraries of the default sandbox network."""
    return [
        SandboxLibrary(
            id="mediatheque-fm", name="Médiathèque François-Mitterrand",
            kind=LibraryKind.MUNICIPAL, flavour=Flavour.UNIMARC, holdings="koha-unimarc",
            share=0.30, pools={"general": 0.92, "docs": 0.05, "games": 0.03},
            org_code="FR-861946101", branches=("FM", "FM-JEUNESSE"), id_start=1001,
            barcode_prefix="1",
            style=CataloguingStyle(bnf_id=0.6, rda=True, sentence_case=0.9),
        ),
        SandboxLibrary(
            id="reseau-agglo", name="Réseau des médiathèques de l'agglomération",
            kind=LibraryKind.INTERCOMMUNAL, flavour=Flavour.UNIMARC, holdings="koha-unimarc",
            share=0.30, pools={"general": 0.95, "docs": 0.05}, granularity="day",
            utf8_leader=False, org_code="FR-861941201",
            branches=("CENTRE", "BELLEJOUANNE", "SAINT-ELOI", "BUXEROLLES"), id_prefix="AGG",
            barcode_prefix="2", rest_api=False,
            style=CataloguingStyle(
                isbn_forms=(2, 2, 4, 2, 1), qualifier_in_a=True, isbn_qualifier=0.5,
                name_forms=(6, 2, 3, 0), drop_subtitle=0.35, sentence_case=0.5,
                legacy_upper=0.12, rda=False, nonfiling_marks=0.3, bnf_id=0.3,
                system_number=0.5,
            ),
        ),
        SandboxLibrary(
            id="departementale", name="Médiathèque départementale",
            kind=LibraryKind.DEPARTMENTAL, flavour=Flavour.MARC21, holdings="koha-marc21",
            share=0.20, pools={"general": 0.9, "docs": 0.1}, org_code="FR-861942301",
            branches=("MD", "BIBLIOBUS-NORD", "BIBLIOBUS-SUD"), id_start=50001,
            barcode_prefix="3",
            style=CataloguingStyle(isbn_forms=(1, 6, 1, 0, 1), name_forms=(7, 0, 1, 4)),
        ),
        SandboxLibrary(
            id="ludotheque", name="Ludothèque municipale", kind=LibraryKind.GAME_LIBRARY,
            flavour=Flavour.UNIMARC, holdings="koha-unimarc", share=0.08,
            pools={"games": 1.0}, org_code="FR-861946102", branches=("LUDO",), id_start=1,
            barcode_prefix="4", page_size=50,
            style=CataloguingStyle(bnf_id=0.1, system_number=0.0),
        ),
        SandboxLibrary(
            id="centre-doc", name="Centre de documentation", kind=LibraryKind.DOCUMENTATION_CENTRE,
            flavour=Flavour.MARC21, holdings="marc21", share=0.12,
            pools={"docs": 0.85, "general": 0.15}, sets=False, org_code="FR-861940001",
            branches=("CDOC",), id_prefix="CD", id_start=100001, barcode_prefix="5",
            rest_api=False,
            style=CataloguingStyle(isbn_forms=(3, 3, 0, 0, 1), isbd=False, rda=False,
                                   name_forms=(5, 1, 3, 0), bnf_id=0.2),
        ),
    ]


def network_libraries(count: int = DEFAULT_COUNT) -> list[SandboxLibrary]:
    """``count`` libraries: the five defaults first (the first ``count`` when fewer), then
    copies of them under new ids and names, catalogued the same way ("mediatheque-fm-2",
    "Médiathèque François-Mitterrand (2)", ... "centre-doc-2", "mediatheque-fm-3"...)."""
    if count < 1:
        raise ValueError(f"a sandbox network has at least one library, not {count}")
    templates = default_libraries()
    return [_copy(templates[n % len(templates)], n // len(templates) + 1)
            for n in range(count)]


def _copy(template: SandboxLibrary, round_: int) -> SandboxLibrary:
    """The template itself in the first round; then the same library under a new id."""
    if round_ == 1:
        return template
    return replace(template, id=f"{template.id}-{round_}", name=f"{template.name} ({round_})")
