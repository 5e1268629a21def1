"""CQL's structure: booleans, parentheses and search clauses, left to right."""

from __future__ import annotations

import re

from catalogue_sync.cql.clauses import CONTEXT_SETS, RELATIONS, search_clause
from catalogue_sync.cql.tokens import CqlError, Token, tokenize
from catalogue_sync.index.query import AllOf, AnyOf, Query, Without

MAX_QUERY = 2_000
MAX_BOOLEANS = 32
MAX_DEPTH = 16
"""Nesting the search tree may reach (the index refuses more than 20)."""
BOOLEANS = ("and", "or", "not", "prox")
_SURROGATE = re.compile("[\ud800-\udfff]")
HARMLESS_MODIFIERS = ("ignorecase", "ignoreaccents")
"""Relation modifiers the index does anyway (it folds case and accents)."""


def parse(text: str) -> Query:
    """The search tree of a CQL query (see the package doc), or CqlError."""
    if len(text) > MAX_QUERY:
        raise CqlError(12, f"the query has {len(text)} characters; at most {MAX_QUERY}")
    if found := _SURROGATE.search(text):
        raise CqlError(10, f"the query holds U+{ord(found.group()):04X}, half of a UTF-16 "
                           "pair and no character; send the query as UTF-8 text",
                       position=found.start())
    parser = _Parser(tokenize(text))
    if parser.peek().kind == "end":
        raise CqlError(10, "the query is empty", position=0)
    query = parser.query(0)
    token = parser.peek()
    if token.kind == ")":
        raise CqlError(13, "a closing parenthesis without its opening one",
                       position=token.position)
    if token.kind != "end":
        raise _unexpected(token, "and, or, not or the end of the query")
    if depth(query) > MAX_DEPTH:
        raise CqlError(38, f"the query nests more than {MAX_DEPTH} levels of booleans")
    return query


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.at = 0
        self.booleans = 0

    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.at + ahead, len(self.tokens) - 1)]

    def take(self) -> Token:
        token = self.peek()
        self.at += 1
        return token

    def query(self, nesting: int) -> Query:
        if self.peek().kind == "symbol" and self.peek().text == ">":
            raise CqlError(48, "prefix assignments are not supported; use the prefixes "
                               f"{', '.join(CONTEXT_SETS)}", position=self.peek().position)
        node = self.clause(nesting)
        while self.peek().is_word(*BOOLEANS):
            operator = self.take()
            self._check_boolean(operator)
            node = combine(operator.text.lower(), node, self.clause(nesting))
        if self.peek().is_word("sortby"):
            raise CqlError(80, "sorting is not supported", position=self.peek().position)
        return node

    def _check_boolean(self, operator: Token) -> None:
        self.booleans += 1
        if self.booleans > MAX_BOOLEANS:
            raise CqlError(38, f"more than {MAX_BOOLEANS} boolean operators",
                           position=operator.position)
        if operator.is_word("prox"):
            raise CqlError(39, "proximity is not supported", position=operator.position)
        if self.peek().kind == "/":
            raise CqlError(46, f"the boolean {operator.text!r} takes no modifiers here",
                           position=self.peek().position, details=operator.text)

    def clause(self, nesting: int) -> Query:
        token = self.peek()
        if token.kind == "(":
            return self._parenthesized(nesting)
        if token.kind == "word" and self._relation_follows():
            index = self.take()
            relation = self.relation()
            return search_clause(index, relation, self.term())
        if token.is_word(*BOOLEANS, "sortby"):  # CQL wants these quoted as terms
            raise _unexpected(token, "a search term (quote it if it is one)")
        if token.kind in ("word", "string"):
            return search_clause(None, "=", self.take())
        if token.kind == ")":
            raise CqlError(13, "a closing parenthesis without its opening one",
                           position=token.position)
        raise _unexpected(token, "a search term or an opening parenthesis")

    def _relation_follows(self) -> bool:
        """Whether the word taken next is an index: a relation and a term follow it (an
        unknown relation is still one when a term follows, to be named in the error)."""
        following, after = self.peek(1), self.peek(2)
        return following.kind == "symbol" or (
            following.kind == "word" and not following.is_word(*BOOLEANS, "sortby")
            and (following.text.lower().removeprefix("cql.") in RELATIONS
                 or after.kind in ("word", "string")))

    def _parenthesized(self, nesting: int) -> Query:
        opening = self.take()
        if nesting + 1 > MAX_DEPTH:
            raise CqlError(13, f"parentheses nest more than {MAX_DEPTH} deep",
                           position=opening.position)
        node = self.query(nesting + 1)
        if self.peek().kind != ")":
            raise CqlError(13, "this parenthesis is not closed", position=opening.position)
        self.take()
        return node

    def relation(self) -> str:
        token = self.take()
        name = token.text.lower().removeprefix("cql.")
        if name not in RELATIONS:
            raise CqlError(19, f"unsupported relation {token.text!r}; relations: "
                               f"{', '.join(RELATIONS)}", position=token.position,
                           details=token.text)
        while self.peek().kind == "/":
            self._modifier()
        return name

    def _modifier(self) -> None:
        self.take()
        token = self.take()
        if token.kind != "word":
            raise _unexpected(token, "a relation modifier")
        if self.peek().kind == "symbol":  # a modifier with a value: /name=value
            self.take()
            self.take()
        elif token.text.lower().removeprefix("cql.") in HARMLESS_MODIFIERS:
            return
        raise CqlError(20, f"unsupported relation modifier {token.text!r}",
                       position=token.position, details=token.text)

    def term(self) -> Token:
        token = self.take()
        if token.kind not in ("word", "string"):
            raise _unexpected(token, "a search term")
        return token


def _unexpected(token: Token, expected: str) -> CqlError:
    found = "the end of the query" if token.kind == "end" else repr(token.text)
    return CqlError(10, f"expected {expected}, found {found}", position=token.position)


def combine(operator: str, left: Query, right: Query) -> Query:
    """``left operator right``, flattened: and/or are associative, and "a not b not c" is
    "a not (b or c)", so long chains stay shallow."""
    if operator == "not":
        if isinstance(left, Without):
            return Without(left.kept, _joined(AnyOf, left.dropped, right))
        return Without(left, right)
    return _joined(AllOf if operator == "and" else AnyOf, left, right)


def _joined(kind: type[AllOf] | type[AnyOf], left: Query, right: Query) -> Query:
    parts = [*(left.parts if isinstance(left, kind) else (left,)),
             *(right.parts if isinstance(right, kind) else (right,))]
    return kind(tuple(parts))


def depth(node: Query) -> int:
    if isinstance(node, AllOf | AnyOf):
        return 1 + max((depth(part) for part in node.parts), default=0)
    if isinstance(node, Without):
        return 1 + max(depth(node.kept), depth(node.dropped))
    return 0
