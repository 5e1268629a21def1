"""CQL's tokens, and the error every step of the parse raises."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from catalogue_sync.errors import InvalidRequest

SYMBOLS = ("==", "<>", "<=", ">=", "=", "<", ">")


class CqlError(InvalidRequest):
    """A query this server cannot answer: the SRU diagnostic, what is wrong, and where."""

    def __init__(self, diagnostic: int, message: str, *, position: int | None = None,
                 details: str | None = None) -> None:
        where = f" (at character {position + 1})" if position is not None else ""
        self.diagnostic = diagnostic
        self.position = position
        self.details = details
        super().__init__(f"{message}{where}")


@dataclass(frozen=True, slots=True)
class Token:
    kind: Literal["(", ")", "/", "symbol", "word", "string", "end"]
    text: str
    position: int

    def is_word(self, *names: str) -> bool:
        return self.kind == "word" and self.text.lower() in names


def tokenize(text: str) -> list[Token]:
    """The query's tokens, ending with an "end" token; CqlError on an unclosed quote."""
    tokens: list[Token] = []
    at = 0
    while at < len(text):
        character = text[at]
        if character.isspace():
            at += 1
        elif character in "()/":
            tokens.append(Token(character, character, at))  # type: ignore[arg-type]
            at += 1
        elif character in "=<>":
            symbol = next(s for s in SYMBOLS if text.startswith(s, at))
            tokens.append(Token("symbol", symbol, at))
            at += len(symbol)
        elif character == '"':
            end = _closing_quote(text, at)
            tokens.append(Token("string", text[at + 1 : end], at))
            at = end + 1
        else:
            end = at
            while end < len(text) and not (text[end].isspace() or text[end] in '()/=<>"'):
                end += 1
            tokens.append(Token("word", text[at:end], at))
            at = end
    tokens.append(Token("end", "", len(text)))
    return tokens


def _closing_quote(text: str, opening: int) -> int:
    at = opening + 1
    while at < len(text):
        if text[at] == "\\":
            at += 2
            continue
        if text[at] == '"':
            return at
        at += 1
    raise CqlError(14, "a quoted term is not closed", position=opening)
