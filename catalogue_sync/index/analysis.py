"""What text becomes in the index: the same steps when a record is indexed and when it is
searched, so a word typed finds the word catalogued.

Every analyzer splits on anything that is not a letter or a digit (of any script), drops
tokens longer than 40 bytes (garbage, not words), lower-cases and folds accents and ligatures
to ASCII ("Œuvres" -> "oeuvres", "Straße" -> "strasse"). Then:

    fr     French stemming (Snowball): "chevaux" -> "cheval", "histoires" -> "histoir"
    en     English stemming: "running" -> "run", "gardens" -> "garden"
    words  no stemming: names (authors, publishers), where stemming "Dumas" would be wrong

Folding comes before stemming, so a word typed without its accents ("miserables") is stemmed
exactly as the catalogued one ("misérables"). Titles and subjects are indexed twice, French
and English stemmed: the catalogue is French first, but English titles ("The Fall",
"gardening") are common, and the French stemmer does not know "-ing" or "-ed". Names are
never stemmed.

Elision: tantivy has no elision filter, so ``strip_elision`` removes elided articles and
pronouns ("l'", "d'", "qu'", "jusqu'"...) before the text reaches tantivy, in documents and
in queries alike: "l'histoire" is "histoire", "qu'il" is "il". "aujourd'hui" is left alone
(the "d" does not start a word).
"""

from __future__ import annotations

import re

import tantivy

from catalogue_sync.merge.keys import title_key

FRENCH = "fr"
ENGLISH = "en"
WORDS = "words"
RAW = "raw"
"""tantivy's own: the whole value is one token (identifiers, facet values)."""

MAX_TOKEN_BYTES = 40

_ELISION = re.compile(
    r"\b(?:[cdjlmnst]|qu|jusqu|lorsqu|puisqu|quoiqu)['’ʼ‘`´]", re.IGNORECASE)
_IDENTIFIER_NOISE = re.compile(r"[\s\-‐‑‒–.]")
_DIGITS = re.compile(r"\d+")


def _analyzer(stemmer: str | None) -> tantivy.TextAnalyzer:
    builder = (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
               .filter(tantivy.Filter.remove_long(MAX_TOKEN_BYTES))
               .filter(tantivy.Filter.lowercase())
               .filter(tantivy.Filter.ascii_fold()))
    if stemmer:
        builder = builder.filter(tantivy.Filter.stemmer(stemmer))
    return builder.build()


ANALYZERS: dict[str, tantivy.TextAnalyzer] = {
    FRENCH: _analyzer("french"), ENGLISH: _analyzer("english"), WORDS: _analyzer(None),
}


def register(index: tantivy.Index) -> None:
    """Give an opened index our analyzers (tantivy keeps their names, not the analyzers)."""
    for name, analyzer in ANALYZERS.items():
        index.register_tokenizer(name, analyzer)


def strip_elision(text: str) -> str:
    """The text without elided articles and pronouns: "L'Étranger" -> "Étranger"."""
    return _ELISION.sub("", text)


def analyze(text: str, analyzer: str = WORDS) -> list[str]:
    """The tokens ``text`` gives under one analyzer, elisions stripped first."""
    return ANALYZERS[analyzer].analyze(strip_elision(text))


def exact_title(text: str, subtitle: str | None = None) -> str:
    """A whole title as compared for an exact match: the merge's title key (folded,
    punctuation and one leading article dropped, "Tome I" as "1"), elisions stripped."""
    return title_key(strip_elision(text), strip_elision(subtitle) if subtitle else None)


def sort_key(title: str | None, subtitle: str | None = None) -> str:
    """How titles sort: folded, without a leading article, numbers in numeric order
    ("Tome 2" before "Tome 10"). Records without a title sort last."""
    key = exact_title(title, subtitle) if title else ""
    return _DIGITS.sub(lambda found: found.group().zfill(8), key) or "\uffff"


def compact_identifier(text: str) -> str:
    """A standard number as typed, without spaces, hyphens or dots, in upper case:
    "978-2-07-036002-4" -> "9782070360024", "0026-939x" -> "0026939X"."""
    return _IDENTIFIER_NOISE.sub("", text).upper()
