"""The truth, by hand: the fixtures' manifestations, their look-alikes, and real authors."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pymarc import Record

from bench.variants.layout import M21, UNI
from catalogue_sync.marc.read import record_from_iso2709, record_from_marcxml_bytes
from catalogue_sync.models import Flavour

FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "fixtures"


@dataclass(frozen=True, slots=True)
class Manifestation:
    """One edition in one format, and the fixture files describing it (first: the template)."""

    id: str
    work: str
    files: tuple[str, ...]
    derive: tuple[str, ...] = ()
    """Hard negatives derived from the template: other-author, other-edition, volumes."""
    shipped: tuple[str, ...] = ()
    """Copies shipped in another serialization or encoding: stored as they are, once."""


ALL = ("other-author", "other-edition", "volumes")
M = Manifestation
MANIFESTATIONS = (
    M("etranger-folio-1972", "camus-etranger", (
        "merge/fm-etranger-folio.xml", "merge/fm-etranger-folio-copy.xml",
        "merge/chat-etranger-folio.mrc", "merge/niort-etranger-folio.xml",
        "merge/parth-etranger-direct-name.xml", "marc/novel-marc21.xml"), ALL,
      ("marc/novel-marc21.mrc", "marc/nfd-marc21.xml", "marc/control-chars.xml")),
    M("etranger-1957", "camus-etranger", ("merge/parth-etranger-1957.xml",), ("other-author",)),
    M("etranger-blanche-1972", "camus-etranger", ("merge/chat-etranger-blanche.mrc",)),
    M("etranger-large-print-2005", "camus-etranger", ("merge/fm-etranger-large-print.xml",)),
    M("etranger-audiobook-2012", "camus-etranger", ("merge/niort-etranger-audiobook.xml",),
      ("other-edition",)),
    # "The same film, original title, director first": one DVD, catalogued twice.
    M("etranger-film-2013", "visconti-straniero", (
        "merge/fm-etranger-film.xml", "merge/niort-etranger-film.xml"),
      ("other-author", "other-edition")),
    M("miserables-t1-1998", "hugo-miserables", (
        "merge/fm-miserables-t1.xml", "merge/parth-miserables-t1.xml"), ("other-edition",)),
    M("miserables-t2-1998", "hugo-miserables", ("merge/niort-miserables-t2.xml",)),
    # The whole Livre de poche set in one record, without volume or ISBN.
    M("miserables-set-1998", "hugo-miserables", ("marc/marc8-marc21.mrc",), (),
      ("marc/utf8-lying-leader.mrc",)),
    M("voyage-martin-1998", "martin-voyage", ("merge/fm-voyage-martin.xml",), ALL),
    M("voyage-lemoine-1998", "lemoine-voyage", ("merge/niort-voyage-lemoine.xml",),
      ("other-edition",)),
    M("voyage-carnets-1998", "martin-voyage-carnets",
      ("merge/parth-voyage-martin-carnets.xml",)),
    M("vendredi-1977", "tournier-vendredi", ("merge/fm-vendredi-1977.xml",), ALL),
    M("vendredi-1987", "tournier-vendredi", ("merge/niort-vendredi-1987.xml",),
      ("other-author",)),
    M("monde-diplomatique", "monde-diplomatique", (
        "merge/fm-monde-diplomatique.xml", "merge/niort-monde-diplomatique.xml")),
    M("mots-1964", "sartre-mots", ("merge/fm-mots-1964.xml", "merge/niort-mots-1964.xml"), ALL),
    M("mots-1964-other-printing", "sartre-mots", ("merge/parth-mots-1964-other-printing.xml",)),
    M("potager-2015", "lapouge-potager", ("merge/fm-potager.xml",),
      ("other-author", "other-edition")),
    M("confitures-2015", "ferrand-confitures", ("merge/niort-confitures.xml",),
      ("other-author",)),
    M("poemes-verlaine-2011", "verlaine-poemes", ("merge/fm-poemes-verlaine.xml",),
      ("other-edition",)),
    M("poemes-apollinaire-2011", "apollinaire-poemes", ("merge/niort-poemes-apollinaire.xml",),
      ("other-author",)),
    M("racine-carree-2013", "stromae-racine-carree", (
        "merge/fm-racine-carree.xml", "merge/niort-racine-carree.xml"),
      ("other-author", "other-edition")),
    M("clair-de-lune-2004", "debussy-clair-de-lune", (
        "merge/fm-clair-de-lune.xml", "merge/niort-clair-de-lune.xml"), ("other-edition",)),
    M("tristes-tropiques-1955", "levi-strauss-tristes-tropiques", (
        "merge/fm-tristes-tropiques.xml", "merge/niort-tristes-tropiques.xml"), ALL),
    M("plague-1948", "camus-plague", ("merge/fm-plague.xml", "merge/chat-plague.mrc"),
      ("other-edition", "volumes")),
    M("fall-1957", "camus-fall", ("merge/fm-fall.xml", "merge/chat-fall.mrc"), ("other-author",)),
    M("chanson-douce-2016", "slimani-chanson-douce", ("marc/koha-unimarc.xml",), ALL,
      ("marc/koha-unimarc.mrc",)),
)
"""tests/fixtures/marc/formats-*.xml (format samples titled "Titre") and the damaged dump are
left out: they describe no real document, so they have no truth to score against."""

RELATIONS = (
    ("etranger-folio-1972", "etranger-large-print-2005", "a book and its large print"),
    ("etranger-folio-1972", "etranger-audiobook-2012", "a book and its audiobook"),
    ("etranger-folio-1972", "etranger-film-2013", "a novel and its film"),
    ("etranger-folio-1972", "etranger-1957", "editions 15 years apart"),
    ("etranger-folio-1972", "etranger-blanche-1972", "same year, another edition (159 p.)"),
    ("vendredi-1977", "vendredi-1987", "editions ten years apart"),
    ("mots-1964", "mots-1964-other-printing", "same title, author, year: other BnF record"),
    ("miserables-t1-1998", "miserables-t2-1998", "volumes 1 and 2 with one set ISBN"),
    ("potager-2015", "confitures-2015", "an ILS's placeholder ISBN on two books"),
    ("poemes-verlaine-2011", "poemes-apollinaire-2011", "one ISBN and title, two poets"),
    ("voyage-martin-1998", "voyage-lemoine-1998", "same title, another author"),
    ("voyage-martin-1998", "voyage-carnets-1998", "same title, author, year; other subtitle"),
)
"""Look-alike manifestations of the fixtures that a librarian keeps apart."""

# Real authors absent from the fixtures, for "same title, another author".
AUTHORS = (
    ("Duras", "Marguerite"), ("Modiano", "Patrick"), ("Ernaux", "Annie"), ("Pennac", "Daniel"),
    ("Vargas", "Fred"), ("Gary", "Romain"), ("Yourcenar", "Marguerite"), ("Queneau", "Raymond"),
    ("Perec", "Georges"), ("Sagan", "Françoise"), ("Giono", "Jean"), ("Pagnol", "Marcel"),
    ("Colette", "Sidonie-Gabrielle"), ("Le Clézio", "Jean-Marie Gustave"), ("Énard", "Mathias"),
    ("Daeninckx", "Didier"), ("Darrieussecq", "Marie"), ("Houellebecq", "Michel"),
)
DATES = {"camus": "1913-1960", "hugo": "1802-1885", "sartre": "1905-1980",
         "tournier": "1924-2016", "levi-strauss": "1908-2009", "debussy": "1862-1918",
         "verlaine": "1844-1896", "apollinaire": "1880-1918", "visconti": "1906-1976",
         "slimani": "1981-....", "duras": "1914-1996", "modiano": "1945-....",
         "gary": "1914-1980", "perec": "1936-1982"}


def read_fixture(name: str) -> Record:
    """A fixture record through the project's readers (NFC, MARC-8 decoded)."""
    data = (FIXTURES / name).read_bytes()
    if name.endswith(".xml"):
        return record_from_marcxml_bytes(data)
    return record_from_iso2709(data, "auto", flavour_of(name))


def flavour_of(name: str) -> Flavour:
    """A fixture's flavour, from its library's prefix (niort, parth and koha are UNIMARC)."""
    stem = name.rpartition("/")[2]
    return UNI if stem.split("-", 1)[0] in ("niort", "parth", "koha") else M21
