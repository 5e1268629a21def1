"""The merge rules: may two libraries' records be shown to patrons as one?

A false merge (two books shown as one, a novel merged with its film) is worse than a missed
one, so the vetoes come first and any doubt keeps the records apart. The rules, in the order
they are tried; the first that applies decides:

    ==  =====================  ======  ===================================================
    #   rule                   merge?  when
    ==  =====================  ======  ===================================================
    1   veto:same-library      no      both records come from the same library (unless
                                       ``same_library`` is set)
    2   veto:format            no      formats differ: a book never merges with its large
                                       print, e-book, audiobook or film. "other" merges
                                       only with "other".
    3   veto:isbn-conflict     no      both have valid ISBNs and share none (a record may
                                       hold several: a set and its volumes, hardback and
                                       paperback; one in common is enough)
    4   veto:id-conflict       no      both have an ISSN, EAN, ISMN, BnF, Sudoc, OCLC or
                                       LCCN number of the same kind and share none
    5   shared-isbn            yes     they share an ISBN, an ISSN, or another number
        shared-issn                    (EAN, ISMN, BnF, Sudoc, OCLC, LCCN: the scheme is
        shared-id:<scheme>             in the rule's name) ...
                                       ... unless that is their only kind of shared number
                                       and the records are clearly two different books,
                                       which catches numbers reused by publishers and ILSs:
        veto:title             no      volume numbers differ ("tome 1" / "tome 2"), or
                                       fewer than half the words of the shorter title are
                                       in the other
        veto:author            no      the authors differ (both known)
        veto:pages             no      the page counts are too far apart (both known)
    6   title-author-year      yes     no shared number, but the same title key, the same
                                       author (both known), years at most
                                       ``year_tolerance`` apart (both known), page counts
                                       within tolerance (when both known) and subtitles
                                       alike (when both have one). Otherwise no merge, the
                                       failing check naming it:
        no-evidence            no      the titles differ, or a title is missing
        veto:subtitle          no      both have a subtitle and they differ
        veto:author            no      an author is unknown, or the authors differ
        veto:year              no      a year is unknown, or the years are too far apart
        veto:pages             no      the page counts are too far apart
    ==  =====================  ======  ===================================================

Work level (``same_work``): records of the same work share the work key (title and author
keys), whatever their edition or format, so the search can offer "other editions and
formats"; a shared number also links records of different formats (a book and its large
print catalogued with the book's ISBN). A film's first author is usually its director, so a
novel and its adaptation are not linked: that is accepted, they are different works.
"""

from __future__ import annotations

from dataclasses import dataclass

from catalogue_sync.merge.keys import MatchKeys

RULES_VERSION = 1
"""The version of the rules. Bump it in any change here that changes a decision: it is part
of the merge's fingerprint (``merge/settings.py``), so the next merge rebuilds the clusters.
tests/catalogue_sync/merge/test_merge_versions.py fails when the fixtures' decisions change
and this number does not."""

# Kinds of numbers, in the order they name the rule that merges.
ID_SCHEMES = ("ean", "ismn", "bnf", "sudoc", "oclc", "lccn")
_LABELS = {"isbn": "ISBN", "issn": "ISSN", "ean": "EAN", "ismn": "ISMN",
           "bnf": "BnF record number", "sudoc": "Sudoc PPN", "oclc": "OCLC number",
           "lccn": "LCCN"}
# Words that say little about which book a title names, left out of title similarity.
_FUNCTION_WORDS = frozenset({
    "a", "au", "aux", "d", "de", "des", "du", "en", "et", "l", "la", "le", "les", "un", "une",
    "the", "of", "in", "on", "to", "for", "s",
})
MIN_TITLE_OVERLAP = 0.5

RULES = (
    "veto:same-library", "veto:format", "veto:isbn-conflict", "veto:id-conflict",
    "shared-isbn", "shared-issn", *(f"shared-id:{scheme}" for scheme in ID_SCHEMES),
    "veto:title", "title-author-year", "no-evidence", "veto:subtitle", "veto:author",
    "veto:year", "veto:pages",
)
"""Every rule name ``decide`` can answer with."""


@dataclass(frozen=True, slots=True)
class MatchSettings:
    """How strict the merge is; the defaults are the network's unless configured."""

    same_library: bool = False
    """Merge two records of the same library? Off: a library's duplicates are its own to fix,
    and two records in one catalogue are usually two different things."""
    page_tolerance: float = 0.1
    """Title-based matches: page counts may differ by this fraction of the larger one..."""
    page_slack: int = 10
    """...or by this many pages, whichever is more (prefaces, plates, index pages)."""
    year_tolerance: int = 1
    """Title-based matches: years at most this far apart. Both years must be known: a title
    and an author alone do not tell editions apart. Matches on a shared number ignore years
    (a reprint keeps its ISBN)."""

    def __post_init__(self) -> None:
        if self.page_tolerance < 0 or self.page_slack < 0 or self.year_tolerance < 0:
            raise ValueError("merge tolerances cannot be negative")


@dataclass(frozen=True, slots=True)
class Decision:
    """A merge decision, with the rule that made it and why, for librarians to check."""

    merge: bool
    rule: str
    """A stable name from ``RULES``."""
    reason: str
    """One sentence naming the values compared."""
    conflict: bool = False
    """The records carry evidence that they differ (both values known, and different), not
    merely too little evidence that they are one: two such records never share a cluster
    through a third one, unless a librarian joined one of them."""


_DEFAULT = MatchSettings()


def decide(a: MatchKeys, b: MatchKeys, settings: MatchSettings = _DEFAULT) -> Decision:
    """Whether ``a`` and ``b`` are the same title for patrons, by the rules of the module doc."""
    veto = (
        _same_library(a, b, settings) or _format(a, b) or _isbn_conflict(a, b)
        or _id_conflict(a, b)
    )
    if veto:
        return veto
    shared = shared_numbers(a, b)
    if shared:
        return _by_number(a, b, shared, settings)
    return _by_title(a, b, settings)


def same_work(a: MatchKeys, b: MatchKeys) -> bool:
    """Are ``a`` and ``b`` editions or formats of one work (see the module doc)?"""
    if a.title and a.author and a.work == b.work:
        return True
    shared = shared_numbers(a, b)
    if len(shared) != 1:
        return bool(shared)
    # One kind of number only: it may be reused (pages differ between formats, not checked).
    differ = a.author and b.author and a.author != b.author
    return not differ and _title_clash(a.title, b.title) is None


def shared_numbers(a: MatchKeys, b: MatchKeys) -> list[tuple[str, str]]:
    """(scheme, value) of the numbers both records have, one per scheme, in rule order."""
    shared = []
    if common := a.isbns & b.isbns:
        shared.append(("isbn", min(common)))
    if common := a.issns & b.issns:
        shared.append(("issn", min(common)))
    if common := a.ids & b.ids:
        first: dict[str, str] = {}
        for scheme, _, value in sorted(key.partition(":") for key in common):
            first.setdefault(scheme, value)
        shared += [(scheme, first[scheme]) for scheme in ID_SCHEMES if scheme in first]
    return shared


# --- 1-4: vetoes -------------------------------------------------------------------------------


def _same_library(a: MatchKeys, b: MatchKeys, settings: MatchSettings) -> Decision | None:
    if settings.same_library or a.library != b.library:
        return None
    return Decision(False, "veto:same-library",
                    f"both records come from library {a.library} ({a.record} and {b.record})",
                    conflict=True)


def _format(a: MatchKeys, b: MatchKeys) -> Decision | None:
    if a.format is b.format:
        return None
    return Decision(False, "veto:format", f"formats differ: {a.format} vs {b.format}",
                    conflict=True)


def _isbn_conflict(a: MatchKeys, b: MatchKeys) -> Decision | None:
    if not a.isbns or not b.isbns or not a.isbns.isdisjoint(b.isbns):
        return None
    return Decision(False, "veto:isbn-conflict",
                    f"ISBNs differ: {_listed(a.isbns)} vs {_listed(b.isbns)}", conflict=True)


def _id_conflict(a: MatchKeys, b: MatchKeys) -> Decision | None:
    if a.issns and b.issns and a.issns.isdisjoint(b.issns):
        return _conflict("issn", a.issns, b.issns)
    if not (a.ids - b.ids) or not (b.ids - a.ids):
        return None  # one side's numbers are all the other's: nothing can conflict
    ours, theirs = _by_scheme(a.ids), _by_scheme(b.ids)
    for scheme in ID_SCHEMES:
        if scheme in ours and scheme in theirs and ours[scheme].isdisjoint(theirs[scheme]):
            return _conflict(scheme, ours[scheme], theirs[scheme])
    return None


def _conflict(scheme: str, ours: frozenset[str] | set[str], theirs: frozenset[str] | set[str]
              ) -> Decision:
    return Decision(False, "veto:id-conflict",
                    f"{_LABELS[scheme]}s differ: {_listed(ours)} vs {_listed(theirs)}",
                    conflict=True)


def _by_scheme(ids: frozenset[str]) -> dict[str, set[str]]:
    grouped: dict[str, set[str]] = {}
    for key in ids:
        scheme, _, value = key.partition(":")
        grouped.setdefault(scheme, set()).add(value)
    return grouped


def _listed(values: frozenset[str] | set[str]) -> str:
    return ", ".join(sorted(values))


# --- 5: shared numbers -------------------------------------------------------------------------


def _by_number(a: MatchKeys, b: MatchKeys, shared: list[tuple[str, str]],
               settings: MatchSettings) -> Decision:
    scheme, value = shared[0]
    evidence = f"both have {_LABELS[scheme]} {value}"
    if len(shared) == 1:
        veto = _reused_number(a, b, settings)
        if veto:
            return Decision(False, veto[0], f"{evidence}, but {veto[1]}", conflict=True)
    rule = f"shared-{scheme}" if scheme in ("isbn", "issn") else f"shared-id:{scheme}"
    return Decision(True, rule, evidence)


def _reused_number(a: MatchKeys, b: MatchKeys, settings: MatchSettings
                   ) -> tuple[str, str] | None:
    """(rule, why) when records sharing one number are clearly two different books."""
    clash = _title_clash(a.title, b.title)
    if clash:
        return "veto:title", clash
    if a.author and b.author and a.author != b.author:
        return "veto:author", f"the authors differ: '{a.author}' vs '{b.author}'"
    if not _pages_compatible(a.pages, b.pages, settings):
        return "veto:pages", f"the page counts differ: {a.pages} vs {b.pages} pages"
    return None


def _title_clash(ours: str, theirs: str) -> str | None:
    """Why two title keys clearly name different things, or None (also when one is empty)."""
    if not ours or not theirs or ours == theirs:
        return None
    our_words, their_words = set(ours.split()), set(theirs.split())
    our_numbers = {word for word in our_words if word.isdigit()}
    their_numbers = {word for word in their_words if word.isdigit()}
    if our_numbers and their_numbers and our_numbers != their_numbers:
        return f"the volume numbers differ: '{ours}' vs '{theirs}'"
    if _overlap(our_words, their_words) < MIN_TITLE_OVERLAP:
        return f"the titles differ: '{ours}' vs '{theirs}'"
    return None


def _overlap(ours: set[str], theirs: set[str]) -> float:
    """Share of the shorter title's significant words found in the other (0 to 1)."""
    our_words = ours - _FUNCTION_WORDS or ours
    their_words = theirs - _FUNCTION_WORDS or theirs
    return len(our_words & their_words) / min(len(our_words), len(their_words))


# --- 6: title, author, year, pages -------------------------------------------------------------


def _by_title(a: MatchKeys, b: MatchKeys, settings: MatchSettings) -> Decision:
    if not a.title or a.title != b.title:
        return Decision(False, "no-evidence", _no_evidence(a, b))
    veto = (
        _subtitle(a, b) or _author(a, b) or _year(a, b, settings.year_tolerance)
        or _pages(a, b, settings)
    )
    if veto:
        return veto
    pages = f", {a.pages} and {b.pages} pages" if a.pages and b.pages else ""
    return Decision(True, "title-author-year",
                    f"same title '{a.title}', author '{a.author}', years {a.year} and "
                    f"{b.year}{pages}")


def _no_evidence(a: MatchKeys, b: MatchKeys) -> str:
    if not a.title or not b.title:
        missing = a if not a.title else b
        return f"no shared number and no title in {missing.library} record {missing.record}"
    return f"no shared number and the titles differ: '{a.title}' vs '{b.title}'"


def _subtitle(a: MatchKeys, b: MatchKeys) -> Decision | None:
    ours, theirs = _subtitle_of(a), _subtitle_of(b)
    if not ours or not theirs:
        return None
    if _overlap(set(ours.split()), set(theirs.split())) >= MIN_TITLE_OVERLAP:
        return None
    return Decision(False, "veto:subtitle", f"subtitles differ: '{ours}' vs '{theirs}'",
                    conflict=True)


def _subtitle_of(keys: MatchKeys) -> str:
    return keys.title_full[len(keys.title):].strip() if keys.title_full != keys.title else ""


def _author(a: MatchKeys, b: MatchKeys) -> Decision | None:
    if a.author and b.author:
        if a.author == b.author:
            return None
        return Decision(False, "veto:author", f"authors differ: '{a.author}' vs '{b.author}'",
                        conflict=True)
    unknown = a if not a.author else b
    return Decision(False, "veto:author", f"same title '{a.title}' but no author in "
                    f"{unknown.library} record {unknown.record}")


def _year(a: MatchKeys, b: MatchKeys, tolerance: int) -> Decision | None:
    if a.year is not None and b.year is not None:
        if abs(a.year - b.year) <= tolerance:
            return None
        return Decision(False, "veto:year", f"years differ by more than {tolerance}: "
                        f"{a.year} vs {b.year}", conflict=True)
    unknown = a if a.year is None else b
    return Decision(False, "veto:year", f"same title '{a.title}' and author but no year in "
                    f"{unknown.library} record {unknown.record}")


def _pages(a: MatchKeys, b: MatchKeys, settings: MatchSettings) -> Decision | None:
    if _pages_compatible(a.pages, b.pages, settings):
        return None
    return Decision(False, "veto:pages", f"page counts differ: {a.pages} vs {b.pages} pages",
                    conflict=True)


def _pages_compatible(ours: int | None, theirs: int | None, settings: MatchSettings) -> bool:
    """Page counts within tolerance, or not both known."""
    if not ours or not theirs:
        return True
    allowed = max(settings.page_slack, settings.page_tolerance * max(ours, theirs))
    return abs(ours - theirs) <= allowed
