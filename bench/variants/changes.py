"""Cataloguing changes: each rewrites a record as another library catalogues it, or says None
(does not apply)."""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from pymarc import Field, Indicators, Record, Subfield

from bench.variants.isbn import isbn_parts, isbn_written
from bench.variants.layout import BNF, ISBD_PUNCT, LAYOUTS, M21, PAGES, Layout
from bench.variants.names import first_name, read_name, write_name
from bench.variants.truth import DATES
from catalogue_sync.models import Flavour


@dataclass(slots=True)
class Context:
    """What a change needs besides the record: its flavour, the draw, the BnF number."""

    flavour: Flavour
    rng: random.Random
    bnf: str | None
    """The manifestation's BnF record number, if any of its fixtures gives it."""

    @property
    def lay(self) -> Layout:
        return LAYOUTS[self.flavour]


Change = Callable[[Record, Context], str | None]
_ARTICLE = re.compile(r"^(?:L'|(?:Le|La|Les|Un|Une|The|An|A) )", re.I)
QUALIFIERS = ("", " (br.)", " (rel.)", "subfield", "price")


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
    present = bool(ISBD_PUNCT.search(title.subfields[0].value)
                   or title.subfields[0].value.endswith("."))
    for found in record.get_fields("100", "110", "245", "250", "260", "264", "300", "490",
                                   "700", "710"):
        found.subfields = _unpunctuated(found) if present else _punctuated(found)
    return "isbd punctuation removed" if present else "isbd punctuation added"


def _unpunctuated(found: Field) -> list[Subfield]:
    return [Subfield(sub.code, strip_punctuation(sub.value)) for sub in found.subfields]


def strip_punctuation(value: str) -> str:
    """Without the ISBD mark at the end; a final period stays after an initial ("A.")."""
    value = ISBD_PUNCT.sub("", value)
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
    found = first_name(record, ctx.lay)
    if found is None:
        return None
    surname, forename, dates, form = read_name(found, ctx.flavour)
    if not forename:
        return None
    dates = dates or DATES.get(_fold(surname).casefold())
    forms = [f for f in ("inverted", "direct", "initial", "dated")
             if f != form and (f != "dated" or dates)]
    chosen = ctx.rng.choice(forms)
    write_name(found, ctx.flavour, surname, forename, dates, chosen)
    return f"author {chosen}"


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
             if BNF.search((f.data if f.control_field else f.get("a")) or "")]
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
    pages = PAGES.search(text)
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


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text)
                   if not unicodedata.combining(c))


def _is_text(record: Record) -> bool:
    return record.leader[6] == "a" and record.leader[7] == "m"
