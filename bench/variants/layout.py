"""Where MARC 21 and UNIMARC keep what the variants rewrite, and the patterns that find it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from catalogue_sync.models import Flavour

M21, UNI = Flavour.MARC21, Flavour.UNIMARC
PAGES = re.compile(r"(\d+)\]?\s*p(?:ages?)?\b\.?")
"""A page count in an extent ("185 p.", "[185] p.", "185 pages"); group 1 is the number."""
BNF = re.compile(r"(?:FRBNF|ark:/12148/cb)(\d{8})", re.I)
"""A BnF record number in 003 or 035$a; group 1 is its eight digits."""
ISBD_PUNCT = re.compile(r"\s*[/:;=,]$")
"""An ISBD mark ending a subfield."""


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
