"""The variant kinds: the ways a library's copy differs from its source record."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bench.variants.changes import (
    Change,
    article,
    bnf_number,
    extent,
    holdings,
    isbd,
    isbn_form,
    isbn_missing,
    mixed,
    name_form,
    no_subtitle,
    publication,
    upper,
)
from bench.variants.layout import M21, UNI
from catalogue_sync.models import Flavour

Encoding = Literal["auto", "utf-8", "marc-8"]


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
