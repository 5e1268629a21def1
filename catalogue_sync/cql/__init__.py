"""CQL, SRU's query language, parsed into the engine-free search tree (``index.query``).

The subset understood (CQL 1.2; names of indexes, relations and booleans in any case):

    indexes    cql.serverChoice (also a bare term), dc.title, dc.creator, dc.subject,
               dc.publisher, dc.date, bath.isbn, bath.issn, rec.identifier (the merged id or
               any number), cql.allRecords = 1; without a prefix, dc then bath names
    relations  =  the server's choice: the words as a phrase in title, subject and
                  publisher; each word somewhere in serverChoice and creator (names are
                  catalogued surname first), where the phrase still ranks first
               adj, ==, exact   the words in this order, next to each other
               all, any         every word, or at least one, each anywhere in the index
               <  >  <=  >=  within   on dc.date ("within" takes "1990 1999")
    booleans   and, or, not (without modifiers), parentheses; all of equal precedence,
               from left to right, as CQL has it
    terms      words or "quoted strings" (backslash escapes \\" \\\\ \\* \\? \\^); a "*" ending
               a word of three characters or more is right truncation ("hist*")

Anything outside raises ``CqlError`` with the SRU diagnostic number that names it
(``info:srw/diagnostic/1/N``) and, for syntax, the character position. Parsing never raises
anything else, and refuses queries too long or too deeply nested for the index.

    tokens.py   the tokens, and CqlError
    parser.py   booleans, parentheses and clauses, left to right (``parse``)
    clauses.py  one index, relation and term as a node of the search tree
"""

from catalogue_sync.cql.parser import parse
from catalogue_sync.cql.tokens import CqlError

__all__ = ["CqlError", "parse"]
