"""Labelled variants of the real MARC records under tests/fixtures, for bench/dedup_eval.py.

    from bench.variants import build_variant_set
    variant_set = build_variant_set(rounds=1, seed=42)

The sources are the records of tests/fixtures/merge (four libraries, MARC 21 and UNIMARC) and
the hand-written records of tests/fixtures/marc (a MARC 21 novel, a Koha UNIMARC record, a
MARC-8 ISO 2709 record) with their shipped copies (ISO 2709, NFD, control characters, a UTF-8
record whose leader says MARC-8). Their truth is written by hand in ``MANIFESTATIONS`` from
each fixture's own description; nothing here asks the merge what it thinks.

Every fixture file is stored once as shipped. Then each round rewrites every source record
once per variant kind (``KINDS``) that applies to it, with pymarc:

    serializations  marcxml, nfd (MARCXML in NFD), iso2709-utf8 (leader/09 a),
                    iso2709-unmarked (UTF-8, leader/09 blank), iso2709-marc8 (MARC 21)
    cataloguing     isbn-form, isbn-missing, isbd (MARC 21), no-subtitle, upper, name-form,
                    publication (260/264, 210/214), article (non-filing indicator, NSB/NSE),
                    bnf-number (dropped, or added from another record of the manifestation),
                    holdings (MARC 21 items in Koha's 952), extent, mixed (three at once)

Libraries receiving ISO 2709 without the UTF-8 mark are set to ``encoding = "utf-8"`` in even
rounds and "auto" in odd ones; MARC-8 libraries to "auto", then "marc-8". From round 1 on,
every record first gets one more cataloguing change drawn at random, so later rounds combine
two differences. A variant is the same manifestation as its source.

Hard negatives are the fixtures' own look-alikes (``RELATIONS``) and records derived from
chosen fixtures, each a new manifestation: the same title by another author, another edition
(another year, 15 to 50% more or fewer pages, another ISBN or none) and volumes 1 and 2
carrying one set ISBN. Derived records lose their BnF and other numbers, and are rewritten by
four kinds drawn at random each round.

Each record goes to a simulated library: one per round, kind, flavour and slot, the slot
keeping two records of one manifestation out of one library (the merge never joins a
library's own duplicates). Every choice comes from ``random.Random`` seeded with the seed,
round, source and kind: one seed gives one set, byte for byte.
"""

from __future__ import annotations

import itertools
import random
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from lxml import etree
from pymarc import Field, Indicators, Record, Subfield

from catalogue_sync.config import ConnectorConfig, HoldingsMapping, LibraryConfig
from catalogue_sync.marc.read import record_from_iso2709, record_from_marcxml_bytes
from catalogue_sync.models import Flavour, RawFormat

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"
SLIM = "http://www.loc.gov/MARC21/slim"
Key = tuple[str, str]
Pair = frozenset[Key]
Encoding = Literal["auto", "utf-8", "marc-8"]
M21, UNI = Flavour.MARC21, Flavour.UNIMARC

# --- the truth, by hand ---------------------------------------------------------------------


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

# --- flavours ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Layout:
    """Where one flavour keeps what the variants rewrite."""

    title: str
    subtitle: str
    responsibility: str
    part: str
    isbn: str
    qualifier: str
    price: str
    publication: tuple[str, str]
    """(the newer field, the older): 264 and 260, 214 and 210."""
    date: str
    extent: str
    names: tuple[str, ...]
    numbers: tuple[str, ...]
    """Every standard and system number field, emptied on derived records."""


LAYOUTS = {
    M21: Layout("245", "b", "c", "n", "020", "q", "c", ("264", "260"), "c", "300",
                ("100", "700", "110", "710"), ("010", "015", "016", "020", "022", "024", "035")),
    UNI: Layout("200", "e", "f", "h", "010", "b", "d", ("214", "210"), "d", "215",
                ("700", "701", "702", "710", "711", "712"),
                ("003", "010", "011", "013", "035", "072", "073")),
}


def read_fixture(name: str) -> Record:
    """A fixture record through the project's readers (NFC, MARC-8 decoded)."""
    data = (FIXTURES / name).read_bytes()
    if name.endswith(".xml"):
        return record_from_marcxml_bytes(data)
    return record_from_iso2709(data, "auto", flavour_of(name))


def flavour_of(name: str) -> Flavour:
    stem = name.rpartition("/")[2]
    return UNI if stem.split("-", 1)[0] in ("niort", "parth", "koha") else M21


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text)
                   if not unicodedata.combining(c))


def _pages_of(record: Record, lay: Layout) -> int | None:
    found = _PAGES.search(_first(record, lay.extent, "a"))
    return int(found.group(1)) if found else None


def _year_of(record: Record, flavour: Flavour) -> int | None:
    if flavour is M21:
        fixed = record.get("008")
        text = (fixed.data or "")[7:11] if fixed else ""
    else:
        text = _first(record, "100", "a")[9:13]
    return int(text) if text.isdigit() else None


def _first(record: Record, tag: str, code: str) -> str:
    for found in record.get_fields(tag):
        if value := found.get(code):
            return value
    return ""


def _is_text(record: Record) -> bool:
    return record.leader[6] == "a" and record.leader[7] == "m"


# --- ISBNs ------------------------------------------------------------------------------------

_QUALIFIER = re.compile(r"[(:;,]")


def isbn_parts(text: str) -> list[str] | None:
    """The ISBN in text as the parts of its 13-digit form (978, group, publisher, title, check)."""
    written = _QUALIFIER.split(text, maxsplit=1)[0].strip()
    digits = re.sub(r"[^0-9X]", "", written.upper())
    parts = [part for part in re.split(r"[\s-]+", written) if part]
    if len(digits) == 10 and _check10(digits[:9]) == digits[9]:
        body = "978" + digits[:9]
        parts = ["978", *parts[:-1]] if len(parts) == 4 else ["978", *_split(digits[:9])]
        return [*parts, _check13(body)]
    if len(digits) == 13 and digits[:3] in ("978", "979") and _check13(digits[:12]) == digits[12]:
        return parts if len(parts) == 5 else [digits[:3], *_split(digits[3:12]), digits[12]]
    return None


def _split(nine: str) -> list[str]:
    return [nine[0], nine[1:3], nine[3:9]]


def _check10(nine: str) -> str:
    total = sum((10 - i) * int(c) for i, c in enumerate(nine))
    check = -total % 11
    return "X" if check == 10 else str(check)


def _check13(twelve: str) -> str:
    return str(-sum((3 if i % 2 else 1) * int(c) for i, c in enumerate(twelve)) % 10)


def isbn_written(parts: list[str], form: str) -> str:
    """ISBN-13 or -10, with hyphens or not: form "13-hyphens", "13", "10-hyphens" or "10"."""
    if form.startswith("10"):
        parts = [*parts[1:-1], _check10("".join(parts[1:-1]))]
    return "-".join(parts) if form.endswith("hyphens") else "".join(parts)


def fresh_isbn(rng: random.Random, taken: set[str]) -> str:
    """A made-up French ISBN-13 with its check digit, never one already in the set."""
    while True:
        body = f"9782{rng.randrange(10**8):08d}"
        if body not in taken:
            taken.add(body)
            return f"978-2-{body[4:8]}-{body[8:12]}-{_check13(body)}"


# --- cataloguing changes: each rewrites a record, or says None (does not apply) ---------------


@dataclass(slots=True)
class Context:
    flavour: Flavour
    rng: random.Random
    bnf: str | None
    """The manifestation's BnF record number, if any of its fixtures gives it."""

    @property
    def lay(self) -> Layout:
        return LAYOUTS[self.flavour]


Change = Callable[[Record, Context], str | None]
_PAGES = re.compile(r"(\d+)\]?\s*p(?:ages?)?\b\.?")
_YEAR = re.compile(r"(?<!\d)\d{4}(?!\d)")
_ARTICLE = re.compile(r"^(?:L'|(?:Le|La|Les|Un|Une|The|An|A) )", re.I)
_BNF = re.compile(r"(?:FRBNF|ark:/12148/cb)(\d{8})", re.I)
_ISBD_PUNCT = re.compile(r"\s*[/:;=,]$")
QUALIFIERS = ("", " (br.)", " (rel.)", "subfield", "price")
VOLUME_FORMS = ("Tome {n}", "T. {n}", "T. {r}", "Vol. {n}", "Volume {n}", "{n}")


def isbn_form(record: Record, ctx: Context) -> str | None:
    """Each ISBN as 10 or 13 digits, hyphens or not, maybe with "(br.)", $q/$b or a price."""
    done = []
    for found in record.get_fields(ctx.lay.isbn):
        parts = isbn_parts(found.get("a") or "")
        if parts is None:
            continue
        forms = ["13-hyphens", "13"] + (["10-hyphens", "10"] if parts[0] == "978" else [])
        form, qualifier = ctx.rng.choice(forms), ctx.rng.choice(QUALIFIERS)
        text = isbn_written(parts, form)
        kept = [s for s in found.subfields if s.code not in ("a", ctx.lay.qualifier)]
        extra = []
        if qualifier == "subfield":
            extra = [Subfield(ctx.lay.qualifier, "br.")]
        elif qualifier == "price":
            kept = [s for s in kept if s.code != ctx.lay.price]
            extra = [Subfield(ctx.lay.price, "8 EUR")]
        else:
            text += qualifier
        found.subfields = [Subfield("a", text), *extra, *kept]
        done.append(" ".join([f"$a {text}", *(f"${s.code} {s.value}" for s in extra)]))
    return f"isbn {'; '.join(done)}" if done else None


def isbn_missing(record: Record, ctx: Context) -> str | None:
    """No ISBN at all, as cataloguers often leave it."""
    found = [f for f in record.get_fields(ctx.lay.isbn) if f.get("a")]
    for each in found:
        record.remove_field(each)
    return "isbn dropped" if found else None


def isbd(record: Record, ctx: Context) -> str | None:
    """MARC 21: ISBD punctuation at the end of subfields removed, or added where missing."""
    title = record.get("245") if ctx.flavour is M21 else None
    if title is None or not title.subfields:
        return None
    present = bool(_ISBD_PUNCT.search(title.subfields[0].value)
                   or title.subfields[0].value.endswith("."))
    for found in record.get_fields("100", "110", "245", "250", "260", "264", "300", "490",
                                   "700", "710"):
        found.subfields = _unpunctuated(found) if present else _punctuated(found)
    return "isbd punctuation removed" if present else "isbd punctuation added"


def _unpunctuated(found: Field) -> list[Subfield]:
    return [Subfield(sub.code, strip_punctuation(sub.value)) for sub in found.subfields]


def strip_punctuation(value: str) -> str:
    """Without the ISBD mark at the end; a final period stays after an initial ("A.")."""
    value = _ISBD_PUNCT.sub("", value)
    if value.endswith(".") and not re.search(r"(?:^|[\s.\-'])\w\.$", value):
        value = value[:-1]
    return value


_BEFORE = {"245": {"b": " :", "c": " /", "n": ".", "p": ".", "": "."},
           "264": {"b": " :", "c": ",", "": "."}, "260": {"b": " :", "c": ",", "": "."},
           "300": {"b": " :", "c": " ;"}, "490": {"v": " ;"},
           "100": {"d": ",", "e": ","}, "700": {"d": ",", "e": ","}}


def _punctuated(found: Field) -> list[Subfield]:
    marks = _BEFORE.get(found.tag, {})
    codes = [sub.code for sub in found.subfields[1:]] + [""]
    out = []
    for sub, following in zip(found.subfields, codes, strict=True):
        mark = marks.get(following, "")
        value = sub.value.rstrip()
        if mark and not value.endswith(mark.strip()) and not value.endswith(("?", "!")):
            value += mark
        out.append(Subfield(sub.code, value))
    return out


def no_subtitle(record: Record, ctx: Context) -> str | None:
    """The subtitle (245$b, 200$e) left out."""
    title = record.get(ctx.lay.title)
    if title is None or not title.get(ctx.lay.subtitle):
        return None
    dropped = strip_punctuation(title.get(ctx.lay.subtitle) or "")
    title.subfields = [s for s in title.subfields if s.code != ctx.lay.subtitle]
    first = title.subfields[0]
    if first.value.endswith(" :"):  # the ISBD mark now comes before $c or ends the title
        mark = " /" if title.get(ctx.lay.responsibility) else "."
        title.subfields[0] = Subfield(first.code, first.value[:-2] + mark)
    return f"subtitle {dropped!r} dropped"


def upper(record: Record, ctx: Context) -> str | None:
    """The title in capitals without accents, as old systems stored it."""
    title = record.get(ctx.lay.title)
    codes = "abnp" if ctx.flavour is M21 else "aehi"
    if title is None or not any(s.code in codes and s.value != _fold(s.value).upper()
                                for s in title.subfields):
        return None
    title.subfields = [Subfield(s.code, _fold(s.value).upper() if s.code in codes else s.value)
                       for s in title.subfields]
    return "title in capitals without accents"


def name_form(record: Record, ctx: Context) -> str | None:
    """The first author inverted, direct, with dates or with an initial."""
    found = _first_name(record, ctx.lay)
    if found is None:
        return None
    surname, forename, dates, form = _read_name(found, ctx.flavour)
    if not forename:
        return None
    dates = dates or DATES.get(_fold(surname).casefold())
    forms = [f for f in ("inverted", "direct", "initial", "dated")
             if f != form and (f != "dated" or dates)]
    chosen = ctx.rng.choice(forms)
    _write_name(found, ctx.flavour, surname, forename, dates, chosen)
    return f"author {chosen}"


def _first_name(record: Record, lay: Layout) -> Field | None:
    """The first personal name: 100 or 700 (MARC 21), 700 or 701 (UNIMARC)."""
    for found in record.get_fields(*lay.names[:2]):
        if found.get("a") and not found.get("t"):
            return found
    return None


def _read_name(found: Field, flavour: Flavour) -> tuple[str, str | None, str | None, str]:
    """(surname, forename, dates, form) of a personal name field."""
    name = re.sub(r"(?<=\w\w)\.$", "", (found.get("a") or "").strip(" ,"))
    direct = (found.indicator1 if flavour is M21 else found.indicator2) == "0"
    dates = (found.get("d") if flavour is M21 else found.get("f")) or None
    if direct:
        forename, _, surname = name.rpartition(" ")
    elif flavour is M21:
        surname, _, forename = name.partition(", ")
    else:
        surname, forename = name, (found.get("b") or "").strip(" ,")
    dates = re.sub(r"(?<!\.)\.$", "", dates.strip(" ,")) if dates else None  # "1981-...." stays
    form = ("direct" if direct else "dated" if dates
            else "initial" if forename.endswith(".") else "inverted")
    return surname, forename or None, dates, form


def _initials(forename: str) -> str:
    if forename.endswith("."):
        return forename
    return "-".join(f"{part[0]}." for part in forename.split("-"))


def _write_name(found: Field, flavour: Flavour, surname: str, forename: str,
                dates: str | None, form: str) -> None:
    given = _initials(forename) if form == "initial" else forename
    if flavour is M21:
        kept = [s for s in found.subfields if s.code not in "adq"]
        new = ([Subfield("a", f"{forename} {surname}")] if form == "direct"
               else [Subfield("a", f"{surname}, {given}" + ("," if form == "dated" else ""))])
        if form == "dated" and dates:
            new.append(Subfield("d", dates))
        found.indicator1 = "0" if form == "direct" else "1"
    else:
        kept = [s for s in found.subfields if s.code not in "abf"]
        new = ([Subfield("a", f"{forename} {surname}")] if form == "direct"
               else [Subfield("a", surname), Subfield("b", given)])
        if form == "dated" and dates:
            new.append(Subfield("f", dates))
        found.indicator2 = "0" if form == "direct" else "1"
    found.subfields = new + kept


DATE_FORMS = ("{y}", "[{y}]", "DL {y}", "cop. {y}", "impr. {y}", "c{y}")


def publication(record: Record, ctx: Context) -> str | None:
    """260 for 264 (or back), 210 for 214 (or back); the date written another way."""
    newer, older = ctx.lay.publication
    published = "1" if ctx.flavour is M21 else "0"  # 264 #1, 214 #0: the publication
    found = next((f for f in record.get_fields(newer, older)
                  if f.tag == older or f.indicator2 == published), None)
    if found is None:
        return None
    moved_to = older if found.tag == newer else newer
    found.tag = moved_to
    found.indicators = Indicators(" ", published if moved_to == newer else " ")
    dates = []
    for index, sub in enumerate(found.subfields):
        plain = re.fullmatch(r"\[?(?:DL |cop\. |impr\. |c)?(\d{4})\]?(\.?)", sub.value)
        if sub.code == ctx.lay.date and plain:
            text = ctx.rng.choice(DATE_FORMS).format(y=plain.group(1)) + plain.group(2)
            found.subfields[index] = Subfield(sub.code, text)
            dates.append(text)
    return f"publication in {moved_to}" + (f", date {dates[0]!r}" if dates else "")


def article(record: Record, ctx: Context) -> str | None:
    """MARC 21: the non-filing indicator set or cleared; UNIMARC: NSB/NSE marks added or gone."""
    title = record.get(ctx.lay.title)
    if title is None or not title.subfields or title.subfields[0].code != "a":
        return None
    text = title.subfields[0].value
    if ctx.flavour is M21:
        leading = _ARTICLE.match(text)
        if title.indicator2 not in ("0", " "):
            title.indicator2 = "0"
            return "non-filing indicator 0"
        if leading:
            title.indicator2 = str(len(leading.group()))
            return f"non-filing indicator {title.indicator2}"
        return None
    if "\x98" in text:
        title.subfields[0] = Subfield("a", text.replace("\x98", "").replace("\x9c", ""))
        return "NSB/NSE marks removed"
    leading = _ARTICLE.match(text)
    if not leading:
        return None
    marked = f"\x98{leading.group()}\x9c{text[leading.end():]}"
    title.subfields[0] = Subfield("a", marked)
    return "NSB/NSE marks around the article"


def bnf_number(record: Record, ctx: Context) -> str | None:
    """The BnF record number dropped, or added when another record of the manifestation has it."""
    found = [f for f in record.get_fields("003", "035")
             if _BNF.search((f.data if f.control_field else f.get("a")) or "")]
    if found:
        for each in found:
            record.remove_field(each)
        return "BnF number dropped"
    if ctx.bnf is None:
        return None
    number = f"(FrPBN)FRBNF{ctx.bnf}" if ctx.flavour is M21 else f"FRBNF{ctx.bnf}"
    record.add_ordered_field(Field("035", Indicators(" ", " "), [Subfield("a", number)]))
    return f"BnF number {number} added"


def holdings(record: Record, ctx: Context) -> str | None:
    """MARC 21: the copies in Koha's 952 (the library's holdings preset), not in 852."""
    if ctx.flavour is not M21:
        return None
    old = record.get_fields("852")
    for each in old:
        record.remove_field(each)
    calls = [each.get("h") for each in old] or [None]
    for call in calls:
        record.add_ordered_field(Field("952", Indicators(" ", " "), [
            Subfield("a", "CENTRE"), Subfield("c", "ADULTES"), Subfield("o", call or "R"),
            Subfield("p", f"{ctx.rng.randrange(10**11):011d}"), Subfield("y", "LIVRE")]))
    return f"{len(calls)} item(s) in 952"


EXTENT_FORMS = ("{n} p.", "{n} pages", "1 vol. ({n} p.)", "[{n}] p.", "XII-{n} p.")


def extent(record: Record, ctx: Context) -> str | None:
    """The page count written another way ("185 p.", "185 pages", "1 vol. (185 p.)"...)."""
    found = record.get(ctx.lay.extent)
    if found is None or not _is_text(record) or not found.get("a"):
        return None
    text = found.get("a") or ""
    pages = _PAGES.search(text)
    if pages is None:
        return None
    forms = [f for f in EXTENT_FORMS if f.format(n=pages.group(1)) != text.rstrip(" ;")]
    new = ctx.rng.choice(forms).format(n=pages.group(1))
    if text.endswith(" ;"):
        new += " ;"
    found.subfields = [Subfield("a", new) if s.code == "a" else s for s in found.subfields]
    return f"extent {new!r}"


CATALOGUING: dict[str, Change] = {
    "isbn-form": isbn_form, "isbn-missing": isbn_missing, "isbd": isbd,
    "no-subtitle": no_subtitle, "upper": upper, "name-form": name_form,
    "publication": publication, "article": article, "bnf-number": bnf_number,
    "extent": extent,
}
"""The changes ``mixed`` and the later rounds' extra change draw from."""


def some_changes(record: Record, ctx: Context, count: int, skip: str = "") -> list[str]:
    """Up to ``count`` applicable changes, drawn at random, applied in turn."""
    names = [name for name in CATALOGUING if name != skip]
    ctx.rng.shuffle(names)
    done: list[str] = []
    for name in names:
        if len(done) == count:
            break
        if said := CATALOGUING[name](record, ctx):
            done.append(said)
    return done


def mixed(record: Record, ctx: Context) -> str | None:
    """Three cataloguing changes at once."""
    done = some_changes(record, ctx, 3)
    return " + ".join(done) if len(done) == 3 else None


# --- serializations ------------------------------------------------------------------------------

# MARC-8 (ANSEL) codes of combining marks, written before their letter, and of special letters.
MARC8_MARKS = {"\u0301": 0xE2, "\u0300": 0xE1, "\u0302": 0xE3, "\u0308": 0xE8, "\u0327": 0xF0,
               "\u0303": 0xE4, "\u030a": 0xEA, "\u030c": 0xE9}
MARC8_LETTERS = {"©": 0xC3, "œ": 0xB6, "Œ": 0xA6, "æ": 0xB5, "Æ": 0xA5, "ø": 0xB2, "Ø": 0xA2,
                 "ł": 0xB1, "Ł": 0xA1, "°": 0xC0}


def marc8(text: str) -> bytes:
    """MARC-8 bytes of French text; ValueError for a character this table cannot write."""
    out = bytearray()
    for char in unicodedata.normalize("NFD", text):
        if char in MARC8_MARKS:
            base = out.pop()
            out += bytes([MARC8_MARKS[char], base])
        elif char in MARC8_LETTERS:
            out.append(MARC8_LETTERS[char])
        elif char.isascii():
            out += char.encode("ascii")
        else:
            raise ValueError(f"{char!r} has no MARC-8 code here")
    return bytes(out)


def to_iso2709(record: Record, encode: Callable[[str], bytes] = str.encode,
               leader09: str = "a") -> bytes:
    """ISO 2709 with the leader's length, base address and leader/09 set."""
    directory, data = b"", b""
    for found in record.fields:
        if found.control_field:
            body = encode(found.data or "") + b"\x1e"
        else:
            body = (found.indicator1 + found.indicator2).encode() + b"".join(
                b"\x1f" + sub.code.encode() + encode(sub.value) for sub in found.subfields
            ) + b"\x1e"
        directory += f"{found.tag}{len(body):04d}{len(data):05d}".encode()
        data += body
    directory += b"\x1e"
    base = 24 + len(directory)
    old = str(record.leader)
    leader = f"{base + len(data) + 1:05d}{old[5:9]}{leader09}{old[10:12]}{base:05d}{old[17:]}"
    return leader.encode() + directory + data + b"\x1d"


def to_marcxml(record: Record, nfd: bool = False) -> bytes:
    """A MARC 21 slim record; ``nfd`` decomposes every accent, as some ILSs send them."""
    def text(value: str) -> str:
        return unicodedata.normalize("NFD", value) if nfd else value

    root = etree.Element(f"{{{SLIM}}}record", nsmap={None: SLIM})
    etree.SubElement(root, f"{{{SLIM}}}leader").text = str(record.leader)
    for found in record.fields:
        if found.control_field:
            etree.SubElement(root, f"{{{SLIM}}}controlfield", tag=found.tag).text = text(
                found.data or "")
            continue
        element = etree.SubElement(root, f"{{{SLIM}}}datafield", tag=found.tag,
                                   ind1=found.indicator1, ind2=found.indicator2)
        for sub in found.subfields:
            etree.SubElement(element, f"{{{SLIM}}}subfield", code=sub.code).text = text(sub.value)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def serialize(record: Record, flavour: Flavour, how: str) -> tuple[bytes, RawFormat]:
    """Bytes as a library would send them: how is a serialization kind's name."""
    if how in ("marcxml", "nfd"):
        return to_marcxml(record, nfd=how == "nfd"), RawFormat.MARCXML
    if how == "iso2709-marc8":
        return to_iso2709(record, marc8, " "), RawFormat.ISO2709
    return to_iso2709(record, leader09="a" if how == "iso2709-utf8" else " "), RawFormat.ISO2709


# --- kinds --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Kind:
    """A way a library's copy differs from the source record."""

    name: str
    change: Change | None = None
    serialization: str | None = None
    """None: MARCXML or UTF-8 ISO 2709, drawn at random."""
    flavours: tuple[Flavour, ...] = (M21, UNI)
    encodings: tuple[Encoding, ...] = ("auto",)
    """The library's ``encoding`` setting, even rounds first."""
    preset: Literal["marc21", "koha-marc21"] = "marc21"


KINDS = (
    Kind("marcxml", serialization="marcxml"),
    Kind("nfd", serialization="nfd"),
    Kind("iso2709-utf8", serialization="iso2709-utf8"),
    Kind("iso2709-unmarked", serialization="iso2709-unmarked", encodings=("utf-8", "auto")),
    Kind("iso2709-marc8", serialization="iso2709-marc8", flavours=(M21,),
         encodings=("auto", "marc-8")),
    Kind("isbn-form", isbn_form), Kind("isbn-missing", isbn_missing),
    Kind("isbd", isbd, flavours=(M21,)), Kind("no-subtitle", no_subtitle), Kind("upper", upper),
    Kind("name-form", name_form), Kind("publication", publication), Kind("article", article),
    Kind("bnf-number", bnf_number),
    Kind("holdings", holdings, flavours=(M21,), preset="koha-marc21"),
    Kind("extent", extent), Kind("mixed", mixed),
)
ORIGINAL = Kind("original")
DERIVED_KINDS_PER_ROUND = 4

# --- derived hard negatives --------------------------------------------------------------------

ROMAN = {1: "I", 2: "II"}


@dataclass(frozen=True, slots=True)
class Derived:
    """What a derived record changes in its template: a new manifestation, never a variant."""

    what: str
    isbn: str | None
    """The new ISBN, or None for none; the template's numbers are always dropped."""
    author: tuple[str, str] | None = None
    year: int | None = None
    pages: int | None = None
    volume: int | None = None

    def apply(self, record: Record, flavour: Flavour, rng: random.Random) -> None:
        lay = LAYOUTS[flavour]
        for found in record.get_fields(*lay.numbers):
            record.remove_field(found)
        if self.isbn:
            record.add_ordered_field(Field(lay.isbn, Indicators(" ", " "),
                                           [Subfield("a", self.isbn)]))
        if self.author:
            _set_author(record, flavour, *self.author)
        if self.year:
            _set_year(record, flavour, self.year)
        if self.pages:
            _set_subfield(record, lay.extent, "a", _PAGES,
                          lambda m: m.group(0).replace(m.group(1), str(self.pages), 1))
        if self.volume:
            form = rng.choice(VOLUME_FORMS).format(n=self.volume, r=ROMAN[self.volume])
            _set_volume(record, flavour, form)


def _set_subfield(record: Record, tag: str, code: str, pattern: re.Pattern[str],
                  replace: Callable[[re.Match[str]], str],
                  keep: Callable[[Field], bool] = lambda _: True) -> None:
    for found in record.get_fields(tag):
        if keep(found):
            found.subfields = [Subfield(s.code, pattern.sub(replace, s.value, count=1))
                               if s.code == code else s for s in found.subfields]


def _set_author(record: Record, flavour: Flavour, surname: str, forename: str) -> None:
    lay = LAYOUTS[flavour]
    first = _first_name(record, lay)
    for found in record.get_fields(*lay.names):
        if found is not first:
            record.remove_field(found)
    if first is None:
        tag, indicators = ("100", Indicators("1", " ")) if flavour is M21 else (
            "700", Indicators(" ", "1"))
        first = Field(tag, indicators, [Subfield("a", surname)])
        record.add_ordered_field(first)
    _write_name(first, flavour, surname, forename, None, "inverted")
    title = record.get(lay.title)
    if title is not None and title.get(lay.responsibility):
        end = "." if (title.get(lay.responsibility) or "").endswith(".") else ""
        title.subfields = [Subfield(s.code, f"{forename} {surname}{end}")
                           if s.code == lay.responsibility else s for s in title.subfields]


def _set_year(record: Record, flavour: Flavour, year: int) -> None:
    if flavour is M21:
        fixed = record["008"]
        data = fixed.data or ""
        fixed.data = f"{data[:7]}{year}{data[11:]}"
        statements = ("264", "260")
    else:
        coded = record["100"]
        text = coded.get("a") or ""
        coded.subfields = [Subfield("a", f"{text[:9]}{year}{text[13:]}")]
        statements = ("214", "210")
    for tag in statements:
        _set_subfield(record, tag, LAYOUTS[flavour].date, _YEAR, lambda _: str(year),
                      keep=lambda f: f.tag != "264" or f.indicator2 == "1")


def _set_volume(record: Record, flavour: Flavour, form: str) -> None:
    """Volume designation after the title proper: 245$n or 200$h."""
    lay = LAYOUTS[flavour]
    title = record[lay.title]
    subfields = list(title.subfields)
    if flavour is M21:
        proper = subfields[0].value
        mark = _ISBD_PUNCT.search(proper)
        bare = proper[: mark.start()] if mark else proper.rstrip(".")
        punctuated = bool(mark) or proper.endswith(".")
        subfields[0] = Subfield("a", bare + ("." if punctuated else ""))
        trailing = (mark.group() if mark else ".") if punctuated else ""
        subfields.insert(1, Subfield(lay.part, form + trailing))
    else:
        at = 1 + sum(1 for _ in itertools.takewhile(lambda s: s.code == "b", subfields[1:]))
        subfields.insert(at, Subfield(lay.part, form))
    title.subfields = subfields


@dataclass(frozen=True, slots=True)
class Source:
    """A record the rounds rewrite: a fixture file, or one derived from its manifestation's."""

    name: str
    manifestation: str
    work: str
    flavour: Flavour
    template: str
    derived: Derived | None = None
    bnf: str | None = None

    def build(self, rng: random.Random) -> Record:
        """A fresh copy to rewrite."""
        record = read_fixture(self.template)
        if self.derived:
            self.derived.apply(record, self.flavour, rng)
        return record


def fixture_sources() -> list[Source]:
    sources = []
    for each in MANIFESTATIONS:
        bnf = _bnf_number(each.files)
        sources += [Source(name.rpartition("/")[2], each.id, each.work, flavour_of(name), name,
                           bnf=bnf) for name in each.files]
    return sources


def _bnf_number(files: Iterable[str]) -> str | None:
    for name in files:
        for found in read_fixture(name).get_fields("003", "035"):
            if hit := _BNF.search((found.data if found.control_field else found.get("a")) or ""):
                return hit.group(1)
    return None


def derived_sources(seed: int) -> tuple[list[Source], list[tuple[str, str, str]]]:
    """The derived records, and the relations that say each differs from its template."""
    taken = {"".join(parts)[:12] for name in _all_files() for found in
             read_fixture(name).get_fields(LAYOUTS[flavour_of(name)].isbn)
             if (parts := isbn_parts(found.get("a") or ""))}
    years: dict[str, set[int]] = defaultdict(set)
    for each in MANIFESTATIONS:
        if year := _year_of(read_fixture(each.files[0]), flavour_of(each.files[0])):
            years[each.work].add(year)
    authors = list(AUTHORS)
    sources: list[Source] = []
    relations: list[tuple[str, str, str]] = []
    for each in MANIFESTATIONS:
        for what in each.derive:
            rng = random.Random(f"{seed}:derive:{each.id}:{what}")
            made = _derive(each, what, rng, taken, years[each.work], authors)
            sources += made
            relations += [(s.manifestation, each.id, _WHY[s.derived.what]) for s in made
                          if s.derived]
            if len(made) == 2:
                relations.append((made[0].manifestation, made[1].manifestation,
                                  "volumes 1 and 2 of the title (derived)"))
    return sources, relations


_WHY = {"other-author": "same title, another author (derived)",
        "other-edition": "another edition: year, pages, ISBN (derived)",
        "volume-1": "volume 1 of the title (derived)",
        "volume-2": "volume 2 of the title (derived)"}


def _all_files() -> list[str]:
    return [name for each in MANIFESTATIONS for name in each.files]


def _derive(each: Manifestation, what: str, rng: random.Random, taken: set[str],
            years: set[int], authors: list[tuple[str, str]]) -> list[Source]:
    template = read_fixture(each.files[0])
    flavour = flavour_of(each.files[0])
    lay = LAYOUTS[flavour]
    had_isbn = any(isbn_parts(f.get("a") or "") for f in template.get_fields(lay.isbn))
    pages, year = _pages_of(template, lay), _year_of(template, flavour) or 2000

    def source(spec: Derived, work: str) -> Source:
        name = f"{each.id}~{spec.what}"
        return Source(name, name, work, flavour, each.files[0], spec)

    if what == "other-author":
        author = authors.pop(rng.randrange(len(authors)))  # never twice: no accidental twins
        isbn = fresh_isbn(rng, taken) if had_isbn and rng.random() < 0.5 else None
        return [source(Derived(what, isbn, author=author), f"{each.work}~{author[0]}")]
    if what == "other-edition":
        candidates = [year + d for d in range(-15, 16) if abs(d) >= 2 and year + d <= 2024
                      and all(abs(year + d - y) > 1 for y in years)]
        new_year = rng.choice(candidates)
        years.add(new_year)
        factor = rng.choice((rng.uniform(0.5, 0.85), rng.uniform(1.15, 1.5)))
        isbn = fresh_isbn(rng, taken) if rng.random() < 0.6 else None
        spec = Derived(what, isbn, year=new_year, pages=round(pages * factor) if pages else None)
        return [source(spec, each.work)]
    set_isbn = fresh_isbn(rng, taken) if had_isbn else None
    return [source(Derived(f"volume-{n}", set_isbn, volume=n,
                           pages=round(pages * rng.uniform(0.45, 0.65)) if pages else None),
                   each.work) for n in (1, 2)]


# --- the set -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VariantRecord:
    """One record of the set, as a simulated library sends it, with its truth."""

    library: str
    local_id: str
    manifestation: str
    work: str
    source: str
    """The fixture file (or derived record) it was made from."""
    kind: str
    round: int
    flavour: Flavour
    format: RawFormat
    data: bytes
    changes: str
    """What was done to the source, for reports."""

    @property
    def key(self) -> Key:
        return (self.library, self.local_id)


@dataclass(frozen=True)
class VariantSet:
    """The records, their simulated libraries and the look-alikes that must stay apart."""

    seed: int
    rounds: int
    records: list[VariantRecord]
    libraries: dict[str, LibraryConfig]
    relations: list[tuple[str, str, str]]
    """(manifestation, manifestation, why): look-alikes, fixtures' first, then derived."""
    fixture_relations: int

    def by_manifestation(self) -> dict[str, list[VariantRecord]]:
        found: dict[str, list[VariantRecord]] = defaultdict(list)
        for record in self.records:
            found[record.manifestation].append(record)
        return found

    def true_pairs(self) -> set[Pair]:
        """Every pair of records of one manifestation (never in one library, by design)."""
        return {frozenset((a.key, b.key)) for members in self.by_manifestation().values()
                for a, b in itertools.combinations(members, 2)}

    def hard_negative_pairs(self) -> dict[Pair, tuple[str, bool]]:
        """Pairs of look-alike records in two libraries: (why, from the fixtures?)."""
        found = self.by_manifestation()
        pairs: dict[Pair, tuple[str, bool]] = {}
        for index, (first, second, why) in enumerate(self.relations):
            for a in found.get(first, ()):
                pairs.update({frozenset((a.key, b.key)): (why, index < self.fixture_relations)
                              for b in found.get(second, ()) if a.library != b.library})
        return pairs

    def describe(self) -> list[str]:
        """The set's composition, in a few lines."""
        flavours = Counter(r.flavour for r in self.records)
        formats = Counter(r.format for r in self.records)
        found = self.by_manifestation()
        derived = sum(1 for m in found if "~" in m)
        hard = self.hard_negative_pairs()
        from_fixtures = sum(1 for _, fixture in hard.values() if fixture)
        originals = sum(1 for r in self.records if r.kind == "original")
        return [
            f"{len(self.records)} records (MARC 21 {flavours[M21]}, UNIMARC {flavours[UNI]}; "
            f"MARCXML {formats[RawFormat.MARCXML]}, ISO 2709 {formats[RawFormat.ISO2709]}) "
            f"in {len(self.libraries)} simulated libraries, seed {self.seed}, "
            f"{self.rounds} round(s)",
            f"{originals} fixture files as shipped; {len(found) - derived} real manifestations "
            f"and {derived} derived ones (other author, other edition, volumes 1 and 2), "
            f"rewritten by {len(KINDS)} variant kinds",
            f"true pairs {len(self.true_pairs())}; hard-negative pairs {len(hard)} "
            f"({from_fixtures} between the fixtures' look-alikes, {len(hard) - from_fixtures} "
            f"with derived records) from {len(self.relations)} look-alike manifestation pairs",
        ]


class _Libraries:
    """Hands out simulated libraries so that none holds two records of one manifestation."""

    def __init__(self) -> None:
        self.configs: dict[str, LibraryConfig] = {}
        self._held: dict[str, set[str]] = defaultdict(set)

    def place(self, kind: Kind, rnd: int, flavour: Flavour, manifestation: str) -> str:
        base = f"{kind.name}-{'m21' if flavour is M21 else 'uni'}-r{rnd}"
        for slot in itertools.count(1):
            library = base if slot == 1 else f"{base}-{slot}"
            if manifestation not in self._held[library]:
                break
        if library not in self.configs:
            self.configs[library] = _config(library, kind, rnd, flavour)
        self._held[library].add(manifestation)
        return library


def _config(library: str, kind: Kind, rnd: int, flavour: Flavour) -> LibraryConfig:
    preset = kind.preset if flavour is M21 else "koha-unimarc"
    return LibraryConfig(
        id=library, name=f"{kind.name} ({flavour.value}), round {rnd}", flavour=flavour,
        encoding=kind.encodings[rnd % len(kind.encodings)],
        connector=ConnectorConfig.model_validate({"type": "marc-file",
                                                  "path": f"{library}.mrc"}),
        holdings=HoldingsMapping(preset=preset))


def build_variant_set(rounds: int = 1, seed: int = 42) -> VariantSet:
    """The fixture files as shipped, then ``rounds`` rounds of variants (see the module doc)."""
    libraries = _Libraries()
    records = list(_originals(libraries))
    derived, derived_relations = derived_sources(seed)
    sources = fixture_sources() + derived
    for rnd in range(rounds):
        for source in sources:
            kinds = [kind for kind in KINDS if source.flavour in kind.flavours]
            if source.derived:
                kinds = random.Random(f"{seed}:{rnd}:{source.name}:kinds").sample(
                    kinds, DERIVED_KINDS_PER_ROUND)
            records += [made for kind in kinds
                        if (made := _variant(source, kind, rnd, seed, libraries))]
    relations = list(RELATIONS) + derived_relations
    return VariantSet(seed, rounds, records, libraries.configs, relations, len(RELATIONS))


def _originals(libraries: _Libraries) -> Iterable[VariantRecord]:
    for each in MANIFESTATIONS:
        for name in each.files + each.shipped:
            flavour = flavour_of(name)
            library = libraries.place(ORIGINAL, 0, flavour, each.id)
            raw_format = RawFormat.MARCXML if name.endswith(".xml") else RawFormat.ISO2709
            yield VariantRecord(library, name.rpartition("/")[2], each.id, each.work, name,
                                ORIGINAL.name, 0, flavour, raw_format,
                                (FIXTURES / name).read_bytes(), "as shipped")


def _variant(source: Source, kind: Kind, rnd: int, seed: int,
             libraries: _Libraries) -> VariantRecord | None:
    """The source rewritten by one kind (after one extra change from round 1 on)."""
    rng = random.Random(f"{seed}:{rnd}:{source.name}:{kind.name}")
    record = source.build(rng)
    ctx = Context(source.flavour, rng, source.bnf)
    said = some_changes(record, ctx, 1, skip=kind.name) if rnd else []
    if kind.change:
        done = kind.change(record, ctx)
        if done is None:
            return None
        said.append(done)
    how = kind.serialization or rng.choice(
        ("marcxml", "iso2709-utf8" if source.flavour is M21 else "iso2709-unmarked"))
    try:
        data, raw_format = serialize(record, source.flavour, how)
    except ValueError:  # a character MARC-8 cannot write: no such record in a MARC-8 library
        return None
    library = libraries.place(kind, rnd, source.flavour, source.manifestation)
    return VariantRecord(library, source.name, source.manifestation, source.work,
                         source.template if not source.derived else source.name, kind.name,
                         rnd, source.flavour, raw_format, data, "; ".join([*said, how]))
