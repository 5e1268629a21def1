"""The union catalogue's merge: one record per title, with every library's holdings.

    keys    match keys of one source record: checked numbers, title, author, work key
    rules   decide(a, b): merge or not, with the rule and a reason a librarian reads;
            same_work(a, b): editions and formats of one work
"""

from catalogue_sync.merge.keys import (
    MatchKeys,
    author_key,
    blocking_keys,
    blocklist_keys,
    identifier_key,
    isbn13,
    match_keys,
    title_key,
)
from catalogue_sync.merge.rules import RULES, Decision, MatchSettings, decide, same_work

__all__ = [
    "RULES",
    "Decision",
    "MatchKeys",
    "MatchSettings",
    "author_key",
    "blocking_keys",
    "blocklist_keys",
    "decide",
    "identifier_key",
    "isbn13",
    "match_keys",
    "same_work",
    "title_key",
]
