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

The modules, in the order they build on each other:

    layout       where each flavour keeps what is rewritten (``LAYOUTS``)
    truth        the fixtures' manifestations and look-alikes, by hand; reading a fixture
    isbn         ISBNs parsed, rewritten and made up
    names        personal names read and written in each form
    changes      the cataloguing changes (``CATALOGUING``)
    serialize    MARCXML, NFD, ISO 2709 in UTF-8 or MARC-8
    kinds        the variant kinds (``KINDS``)
    derived      what a derived hard negative changes in its template
    sources      the records each round rewrites: fixtures and derived ones
    variant_set  ``VariantSet``: the records, their true and hard-negative pairs
    build        ``build_variant_set``: rounds, kinds and simulated libraries
"""

from bench.variants.build import build_variant_set
from bench.variants.isbn import isbn_parts, isbn_written
from bench.variants.kinds import KINDS, ORIGINAL, Encoding
from bench.variants.serialize import marc8
from bench.variants.truth import FIXTURES, MANIFESTATIONS, read_fixture
from bench.variants.variant_set import VariantRecord, VariantSet

__all__ = [
    "FIXTURES",
    "KINDS",
    "MANIFESTATIONS",
    "ORIGINAL",
    "Encoding",
    "VariantRecord",
    "VariantSet",
    "build_variant_set",
    "isbn_parts",
    "isbn_written",
    "marc8",
    "read_fixture",
]
