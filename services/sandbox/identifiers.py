"""Standard numbers with valid check digits: ISBN-13/10, EAN-13 and BnF ark identifiers.

The merge step relies on ISBNs, so generated ones must survive a strict checksum test; the
different written forms (hyphens, ISBN-10, qualifiers) are the cataloguers' variation.
"""

from __future__ import annotations

NOID_ALPHABET = "0123456789bcdfghjkmnpqrstvwxz"


def ean13_check(first12: str) -> str:
    """The EAN-13 (and ISBN-13) check digit of twelve digits."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first12))
    return str((10 - total % 10) % 10)


def isbn13(prefix: str, number: int) -> str:
    """A French ISBN-13 (978-2-...) for a publisher prefix and a title number."""
    width = 12 - 4 - len(prefix)
    body = f"9782{prefix}{number % 10**width:0{width}d}"
    return body + ean13_check(body)


def isbn10(isbn: str) -> str:
    """The ISBN-10 form of a 978 ISBN-13."""
    body = isbn[3:12]
    total = sum((10 - i) * int(d) for i, d in enumerate(body))
    check = (11 - total % 11) % 11
    return body + ("X" if check == 10 else str(check))


def hyphenated(isbn: str, prefix: str) -> str:
    """ISBN-13 or -10 with hyphens between its parts, as printed on the back cover."""
    if len(isbn) == 13:
        title = isbn[4 + len(prefix):12]
        return f"{isbn[:3]}-{isbn[3]}-{prefix}-{title}-{isbn[12]}"
    title = isbn[1 + len(prefix):9]
    return f"{isbn[0]}-{prefix}-{title}-{isbn[9]}"


def ean13(number: int) -> str:
    """A French (3xx) EAN-13 for a disc or a game."""
    body = f"3{number % 10**11:011d}"
    return body + ean13_check(body)


def noid_check(name: str) -> str:
    """The NOID check character the BnF appends to its ark names."""
    total = sum(
        position * NOID_ALPHABET.index(char)
        for position, char in enumerate(name, start=1)
        if char in NOID_ALPHABET
    )
    return NOID_ALPHABET[total % len(NOID_ALPHABET)]


def bnf_ark(number: str) -> str:
    """The BnF catalogue ark for an eight-digit FRBNF number."""
    name = f"cb{number}"
    return f"http://catalogue.bnf.fr/ark:/12148/{name}{noid_check(name)}"
