"""Standard numbers as catalogued: ISBN, ISSN and the "scheme:value" identifiers."""

from __future__ import annotations

import re

_QUALIFIER = re.compile(r"[(:;,]")
_ISBN_RUN = re.compile(r"[0-9][0-9X]*")
_SPACES_AND_HYPHENS = re.compile(r"[\s\-‐‑]")
_ISSN_CHARS = re.compile(r"[^0-9X]")
_SYSTEM_NUMBER = re.compile(r"\(([^)]*)\)\s*(.+)")
_OCLC_PREFIX = re.compile(r"^(?:ocm|ocn|on)", re.I)

# 035 prefixes (MARC organization codes) of the catalogues French libraries copy from.
SYSTEM_SCHEMES = {"ocolc": "oclc", "frpbn": "bnf", "frbnf": "bnf", "ppn": "sudoc",
                  "sudoc": "sudoc"}
# A BnF record number, as "FRBNF12345678" (035, 020/010 notes) or in an ark ("cb12345678r").
_BNF_NUMBER = re.compile(r"(?:FRBNF|ark:/12148/cb)(\d{8})", re.I)
# MARC 21 024 first indicator: the kind of standard number.
STANDARD_NUMBER_SCHEMES = {"1": "upc", "2": "ismn", "3": "ean"}


def clean_isbn(text: str) -> str | None:
    """Digits and X as found, without hyphens, spaces or qualifiers ("(br.)", ": 15 EUR").

    Not converted between ISBN-10 and ISBN-13; a wrong length is kept as found.
    """
    compact = _SPACES_AND_HYPHENS.sub("", _QUALIFIER.split(text, maxsplit=1)[0]).upper()
    found = _ISBN_RUN.search(compact)
    if found is None:
        return None
    run = found.group()
    if len(run) in (10, 13):
        return run
    # A price or a volume number written without ISBD punctuation runs into the ISBN.
    if run[:3] in ("978", "979") and _valid_isbn13(run[:13]):
        return run[:13]
    return run[:10] if _valid_isbn10(run[:10]) else run


def _valid_isbn10(isbn: str) -> bool:
    if len(isbn) != 10 or not isbn[:9].isdigit() or not (isbn[9].isdigit() or isbn[9] == "X"):
        return False
    total = sum((10 - i) * (10 if c == "X" else int(c)) for i, c in enumerate(isbn))
    return total % 11 == 0


def _valid_isbn13(isbn: str) -> bool:
    if len(isbn) != 13 or not isbn.isdigit():
        return False
    return sum((3 if i % 2 else 1) * int(c) for i, c in enumerate(isbn)) % 10 == 0


def format_issn(text: str) -> str | None:
    """NNNN-NNNX; anything that is not eight characters is kept as found, compacted."""
    compact = _ISSN_CHARS.sub("", _QUALIFIER.split(text.upper(), maxsplit=1)[0])
    if len(compact) == 8:
        return f"{compact[:4]}-{compact[4:]}"
    return compact or None


def compact_number(text: str) -> str:
    """EAN, UPC, ISMN: without spaces and hyphens."""
    return _SPACES_AND_HYPHENS.sub("", _QUALIFIER.split(text, maxsplit=1)[0])


def system_number(text: str) -> str:
    """An 035 $a as "scheme:value": "(OCoLC)123" -> "oclc:123", unknown origins "sys:..."."""
    found = _SYSTEM_NUMBER.fullmatch(text)
    scheme = SYSTEM_SCHEMES.get(found.group(1).strip().casefold()) if found else None
    if found and scheme:
        value = found.group(2).strip()
        if scheme == "bnf":
            return bnf_id(value) or f"bnf:{value}"
        return f"{scheme}:{_OCLC_PREFIX.sub('', value) if scheme == 'oclc' else value}"
    return bnf_id(text) or f"sys:{text}"


def bnf_id(text: str) -> str | None:
    """One form for a BnF record, whether copied as FRBNF number or ark: "bnf:12345678"."""
    found = _BNF_NUMBER.search(text)
    return f"bnf:{found.group(1)}" if found else None


def unimarc_record_uri(uri: str) -> str | None:
    """UNIMARC 003 (persistent record identifier) as "bnf:<number>" or "sudoc:<ppn>"."""
    if "catalogue.bnf.fr/ark:" in uri:
        return bnf_id(uri) or "bnf:" + uri.split("catalogue.bnf.fr/", 1)[1].strip("/")
    if "sudoc" in uri.casefold():
        ppn = re.findall(r"[0-9]{8}[0-9X]", uri.upper())
        return f"sudoc:{ppn[-1]}" if ppn else None
    return None
