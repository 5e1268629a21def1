"""Match keys: what the merge compares, computed once per source record.

Standard numbers are checked and brought to one form, whatever the flavour and however the
cataloguer wrote them. A number that fails its check is left on the record for display but
never matches:

    ISBN            10 or 13 digits, folded to ISBN-13, check digit validated
    ISSN            NNNN-NNNC, check digit validated
    EAN, UPC, ISMN  one 13-digit form (a UPC gets a leading 0, an ISMN "M-..." becomes
                    979-0-...), check digit validated. An EAN that is an ISBN (978, 979-1..9)
                    counts as that ISBN, an EAN 977 (a periodical's) as its ISSN and an EAN
                    979-0 as an ISMN.
    bnf             the 8-digit BnF record number
    sudoc           the PPN, upper case
    oclc            digits, without "ocm"/"ocn"/"on" or leading zeros
    lccn            the Library of Congress normalized form: "n 78-890351" -> "n78890351"

Local system numbers ("sys:...") and other schemes are never keys: they mean nothing from
one library to the next. Known placeholder ISBNs (0-000-00000-0 and the other repeated
digits, 123456789X) are never keys either; a network adds its own bad numbers to the
blocklist (see ``blocklist_keys``).

Title key: accents, case and punctuation folded, one leading article dropped ("L'étranger"
-> "etranger"), "&", "and" and "und" written "et" (the catalogues are French; English titles
get the same treatment on both sides), volume designations reduced to their number ("Tome
I", "T. 1", "Vol. 1" -> "1"). Numbers stay: "Tome 1" and "Tome 2" never share a key. The
subtitle is left out (catalogues differ on it) and kept in a second key for tie-breaks.

Author key: the first author's surname, folded, its last word only ("Hugo, Victor" and
"Victor Hugo" -> "hugo"; "La Fontaine, Jean de" and "Jean de La Fontaine" -> "fontaine"), so
inverted and direct forms agree; a corporate body is folded whole.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from catalogue_sync.models import Format, NormalizedRecord

KEYS_VERSION = 1
"""The version of the match keys. Bump it in any change here that changes the keys of some
record: it is part of the merge's fingerprint (``merge/settings.py``), so the next merge
computes every key again and rebuilds the clusters. tests/catalogue_sync/merge/
test_merge_versions.py fails when the fixtures' keys change and this number does not."""

_EMPTY: frozenset[str] = frozenset()

# --- standard numbers ------------------------------------------------------------------------

_NOISE = re.compile(r"[\s\-‐‑‒–]")
_EIGHT_DIGITS = re.compile(r"[0-9]{8}")


def isbn13(raw: str) -> str | None:
    """The ISBN-13 of an ISBN written in either length, with or without hyphens; None if invalid.

    "2-07-036002-4", "2070360024" and "978-2-07-036002-4" -> "9782070360024".
    """
    digits = _compact(raw)
    if len(digits) == 10:
        return _isbn10_to_13(digits.upper())
    if len(digits) == 13 and digits[:3] in ("978", "979") and _gtin_valid(digits):
        return digits
    return None


def _compact(raw: str) -> str:
    """Without spaces and hyphens."""
    return raw if raw.isalnum() else _NOISE.sub("", raw)


def _ascii_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()  # isdigit alone accepts "²" and other scripts


def _isbn10_to_13(isbn: str) -> str | None:
    body, check = isbn[:9], isbn[9]
    if not _ascii_digits(body) or not (check == "X" or _ascii_digits(check)):
        return None
    # Weights 10..1; an "X" check digit is worth 10.
    total = _weighted(body + check) if check != "X" else _weighted(body + "0") + 10
    if total % 11:
        return None
    return _with_gtin_check("978" + body)


def _weighted(digits: str) -> int:
    """The sum of each digit times its rank from the right (n, n-1, ..., 1).

    Computed as a sum of running sums, which is several times faster in Python than
    multiplying digit by digit; ISBN-10 and ISSN checks are such sums.
    """
    running = total = 0
    for code in digits.encode():
        running += code - 48
        total += running
    return total


def _gtin_valid(digits: str) -> bool:
    """EAN-13/UPC/EAN-8 check: weights 1 and 3 alternating from the right, sum divisible by 10."""
    if not _ascii_digits(digits):
        return False
    codes = digits.encode()
    ones, threes = codes[-1::-2], codes[-2::-2]
    return (sum(ones) - 48 * len(ones) + 3 * (sum(threes) - 48 * len(threes))) % 10 == 0


def _with_gtin_check(body: str) -> str:
    """12 digits and the EAN-13 check digit."""
    codes = body.encode()
    total = sum(codes[::2]) - 48 * 6 + 3 * (sum(codes[1::2]) - 48 * 6)
    return f"{body}{-total % 10}"


def issn(raw: str) -> str | None:
    """NNNN-NNNC with a valid check digit, or None: "0026-9395", "00269395" -> "0026-9395"."""
    compact = _compact(raw).upper()
    if len(compact) != 8 or not _ascii_digits(compact[:7]):
        return None
    if compact[7] != _issn_check(compact[:7]):
        return None
    return f"{compact[:4]}-{compact[4:]}"


def _issn_check(body: str) -> str:
    remainder = -_weighted(body + "0") % 11  # weights 8..2 on the seven digits
    return "X" if remainder == 10 else str(remainder)


def _gtin_key(raw: str) -> str | None:
    """EAN-8, UPC-A or EAN-13 as "ean:", "ismn:", "isbn:" or "issn:" (see the module doc)."""
    digits = _compact(raw)
    if len(digits) not in (8, 12, 13) or not _gtin_valid(digits):
        return None
    digits = digits.zfill(13)
    if digits.startswith("9790"):
        return f"ismn:{digits}"
    if digits[:3] in ("978", "979"):
        return f"isbn:{digits}"
    if digits.startswith("977"):
        return f"issn:{digits[3:7]}-{digits[7:10]}{_issn_check(digits[3:10])}"
    return f"ean:{digits}"


def _ismn_key(raw: str) -> str | None:
    compact = _NOISE.sub("", raw).upper()
    if compact.startswith("M") and len(compact) == 10:
        compact = "9790" + compact[1:]  # the check digit is the same in both forms
    return _gtin_key(compact) if compact.startswith("9790") else None


def _bnf_key(raw: str) -> str | None:
    found = _EIGHT_DIGITS.search(raw)
    return f"bnf:{found.group()}" if found else None


def _sudoc_key(raw: str) -> str | None:
    ppn = _NOISE.sub("", raw).upper().removeprefix("PPN")
    return f"sudoc:{ppn}" if ppn else None


def _oclc_key(raw: str) -> str | None:
    digits = _NOISE.sub("", raw).casefold().removeprefix("(ocolc)").lstrip("ocmn")
    number = digits.lstrip("0")
    return f"oclc:{number}" if number.isdigit() else None


def _lccn_key(raw: str) -> str | None:
    """LC's normalization: no blanks, nothing from "/", the part after "-" padded to 6 digits."""
    text = "".join(raw.split()).split("/", 1)[0].casefold()
    prefix, hyphen, serial = text.partition("-")
    if hyphen:
        text = prefix + serial.zfill(6)
    return f"lccn:{text}" if text else None


def _isbn_key(raw: str) -> str | None:
    found = isbn13(raw)
    return f"isbn:{found}" if found else None


def _issn_key(raw: str) -> str | None:
    found = issn(raw)
    return f"issn:{found}" if found else None


_ID_KEYS: dict[str, Callable[[str], str | None]] = {
    "isbn": _isbn_key, "issn": _issn_key, "ean": _gtin_key, "upc": _gtin_key,
    "ismn": _ismn_key, "bnf": _bnf_key, "sudoc": _sudoc_key, "oclc": _oclc_key,
    "lccn": _lccn_key,
}


def identifier_key(identifier: str) -> str | None:
    """A "scheme:value" as it matches, or None when it never matches.

    "upc:602537459391" -> "ean:0602537459391", "ean:9782070360024" -> "isbn:9782070360024",
    "sys:(Koha)123" -> None.
    """
    scheme, _, value = identifier.partition(":")
    make = _ID_KEYS.get(scheme.casefold())
    return make(value) if make else None


def blocklist_keys(entries: Iterable[str]) -> frozenset[str]:
    """Known-bad identifiers as configured ("isbn:2-00-000000-0", "ean:...") in key form.

    Each entry is normalized like the records' numbers, so any written form blocks the number.
    """
    return frozenset(identifier_key(entry) or entry.strip().casefold() for entry in entries)


PLACEHOLDER_ISBNS = blocklist_keys(
    [f"isbn:{digit * 10}" for digit in "0123456789"] + ["isbn:123456789X"]
)
"""ISBNs that pass the check but are placeholders of ILSs and data entry: never keys."""
_PLACEHOLDERS = frozenset(key[5:] for key in PLACEHOLDER_ISBNS)

# --- titles ------------------------------------------------------------------------------------

_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_WORD = re.compile(r"[^\W_]+")  # letters and digits of any script
_LETTERS = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d", "ð": "d",
                          "þ": "th", "ı": "i", "&": " et "})
_ARTICLES = frozenset({
    "le", "la", "les", "l", "un", "une", "des", "du",  # French
    "the", "a", "an",  # English
    "der", "die", "das", "ein", "eine",  # German
    "el", "los", "las", "una", "unos", "unas",  # Spanish
    "il", "lo", "gli", "uno",  # Italian ("i" is left alone: "I, Robot")
})
_TWO_WORD_ARTICLES = frozenset({("de", "la"), ("de", "l")})
_CONJUNCTIONS = frozenset({"and", "und"})
_VOLUME_WORDS = frozenset({"tome", "t", "tomo", "vol", "volume", "band", "bd", "livre", "book",
                           "partie", "part", "teil"})
_REWRITTEN = _CONJUNCTIONS | _VOLUME_WORDS


def _roman(number: int) -> str:
    tens, units = divmod(number, 10)
    return ("x" * tens).replace("xxxx", "xl") + ["", "i", "ii", "iii", "iv", "v", "vi", "vii",
                                                 "viii", "ix"][units]


_ROMAN = {_roman(n): str(n) for n in range(1, 50)}


def _fold(text: str) -> str:
    """Lower case, accents and ligatures undone, "&" as "et"; punctuation is kept."""
    text = text.casefold()
    if text.isascii():
        return text.replace("&", " et ")
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text)).translate(_LETTERS)


def _words(text: str | None) -> list[str]:
    return _WORD.findall(_fold(text)) if text else []


def _without_article(words: list[str]) -> list[str]:
    """The words after one leading article, unless the article is the whole title."""
    if len(words) > 2 and (words[0], words[1]) in _TWO_WORD_ARTICLES:
        return words[2:]
    if len(words) > 1 and words[0] in _ARTICLES:
        return words[1:]
    return words


def _canonical(words: list[str]) -> list[str]:
    """Conjunctions as "et"; "tome iv", "t 4", "vol 4" as "4"."""
    if _REWRITTEN.isdisjoint(words):
        return words  # most titles: no word to rewrite, no loop in Python
    out: list[str] = []
    for word in words:
        if word in _CONJUNCTIONS:
            word = "et"
        elif out and out[-1] in _VOLUME_WORDS and (word.isdigit() or word in _ROMAN):
            out[-1] = _ROMAN.get(word, word)
            continue
        out.append(word)
    return out


def _title_words(title: str | None) -> list[str]:
    words = _words(title)
    if not words:
        return words
    return _canonical(_without_article(words))


def title_key(title: str | None, subtitle: str | None = None) -> str:
    """The folded title (see the module doc), followed by the folded subtitle when given.

    "L'Étranger" -> "etranger"; "Les Misérables. Tome I" -> "miserables 1"; None -> "".
    """
    words = _title_words(title)
    if subtitle:
        words = words + _canonical(_words(subtitle))
    return " ".join(words)


# --- authors -----------------------------------------------------------------------------------

_PARTICLES = frozenset({"de", "d", "du", "des", "la", "le", "van", "von", "der", "den", "da",
                        "di", "del", "della", "dos", "do", "y", "e", "ten", "ter", "zu", "af",
                        "al", "el", "ibn", "bin"})
_CORPORATE_WORDS = frozenset({
    "association", "academie", "agence", "bibliotheque", "centre", "choeur", "comite",
    "commission", "compagnie", "conseil", "editions", "ensemble", "federation", "fondation",
    "groupe", "institut", "ministere", "musee", "office", "orchestre", "quatuor", "service",
    "societe", "universite", "academy", "company", "institute", "museum", "orchestra",
    "quartet", "society", "university",
})
_SUFFIXES = frozenset({"jr", "sr", "fils", "pere", "ii", "iii", "iv"})  # "Alexandre Dumas fils"
_NAME_WORDS = _PARTICLES | _SUFFIXES
_HIERARCHY = re.compile(r"[^\W\d_]{3,}\.\s")  # "France. Ministère...", not an initial "J. "


def author_key(authors: list[str]) -> str | None:
    """The first author's surname, folded: "Hugo, Victor", "Victor Hugo", "Hugo, V." -> "hugo".

    A corporate body is folded whole: "Bibliothèque nationale de France" ->
    "bibliotheque nationale de france".
    """
    if not authors:
        return None
    name = authors[0]
    surname, comma, _ = name.partition(",")
    words = _words(surname)
    if not words:
        return None
    if comma:
        return words[-1]
    if _is_corporate(name, words):
        return " ".join(words)
    if len(words) > 1 and words[-1] in _SUFFIXES:
        return words[-2]
    return words[-1]


def _is_corporate(name: str, words: list[str]) -> bool:
    """A name in direct order that is not a person's "Forename Surname"."""
    if words[0] in _CORPORATE_WORDS or len(words) > 5 or _HIERARCHY.search(name):
        return True
    # A lower-case word that is no name particle: "Bibliothèque nationale de France".
    for word in name.split()[1:]:
        folded = _words(word)
        if word[:1].islower() and folded and folded[0] not in _NAME_WORDS:
            return True
    return False


# --- match keys --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MatchKeys:
    """What the merge compares of one library's record (see the module doc for the forms)."""

    library: str
    record: str
    """The record's local id in its library."""
    isbns: frozenset[str]
    """Valid ISBN-13s only."""
    issns: frozenset[str]
    ids: frozenset[str]
    """EAN, ISMN, BnF, Sudoc, OCLC and LCCN numbers as "scheme:value"; never "sys:"."""
    title: str
    title_full: str
    """The title key followed by the subtitle, for tie-breaks."""
    author: str | None
    year: int | None
    format: Format
    pages: int | None
    work: str
    """f"{title}|{author or ''}": the same for every edition and format of a work."""


def match_keys(
    library: str, record: NormalizedRecord, blocklist: frozenset[str] = _EMPTY
) -> MatchKeys:
    """The keys of one normalized record; identifiers in ``blocklist`` (key form) are dropped."""
    isbns, issns, ids = _identifiers(record, blocklist)
    words = _title_words(record.title)
    title = " ".join(words)
    full = " ".join(words + _canonical(_words(record.subtitle))) if record.subtitle else title
    author = author_key(record.authors)
    return MatchKeys(
        library=library, record=record.local_id or "", isbns=isbns, issns=issns, ids=ids,
        title=title, title_full=full, author=author, year=record.year, format=record.format,
        pages=record.pages, work=f"{title}|{author or ''}",
    )


def _identifiers(
    record: NormalizedRecord, blocked: frozenset[str]
) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """Valid ISBN-13s, ISSNs and the other "scheme:value" keys, blocked ones left out."""
    isbns = {isbn for raw in record.isbns if (isbn := isbn13(raw))}
    issns = {number for raw in record.issns if (number := issn(raw))}
    ids: set[str] = set()
    for raw in record.other_ids:
        key = identifier_key(raw)
        if key is None:
            continue
        if key.startswith("isbn:"):  # a book's EAN
            isbns.add(key[5:])
        elif key.startswith("issn:"):  # a periodical's EAN
            issns.add(key[5:])
        else:
            ids.add(key)
    if isbns and not isbns.isdisjoint(_PLACEHOLDERS):
        isbns -= _PLACEHOLDERS
    if blocked:
        isbns = {isbn for isbn in isbns if f"isbn:{isbn}" not in blocked}
        issns = {number for number in issns if f"issn:{number}" not in blocked}
        ids -= blocked
    return _frozen(isbns), _frozen(issns), _frozen(ids)


def _frozen(values: set[str]) -> frozenset[str]:
    return frozenset(values) if values else _EMPTY


MAX_BLOCKING_KEYS = 8


def blocking_keys(keys: MatchKeys) -> list[str]:
    """The keys a record is indexed and looked up under: its numbers and one title key.

    Every pair ``decide`` may merge shares at least one, except records with more than seven
    numbers, of which only the first seven (ISBNs first, in order) are kept. The title key
    "t:<title>|<author>" is only emitted with both a title and an author: the title rule
    needs both.
    """
    found = [f"isbn:{isbn}" for isbn in sorted(keys.isbns)]
    found += [f"issn:{number}" for number in sorted(keys.issns)]
    found += sorted(keys.ids)
    del found[MAX_BLOCKING_KEYS - 1:]
    if keys.title and keys.author:
        found.append(f"t:{keys.title}|{keys.author}")
    return found
