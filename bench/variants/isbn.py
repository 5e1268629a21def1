"""ISBNs: read from a subfield, written in another form, or made up with a valid check digit."""

from __future__ import annotations

import random
import re

_QUALIFIER = re.compile(r"[(:;,]")


def isbn_parts(text: str) -> list[str] | None:
    """The ISBN in text as the parts of its 13-digit form (978, group, publisher, title, check)."""
    written = _QUALIFIER.split(text, maxsplit=1)[0].strip()
    digits = re.sub(r"[^0-9X]", "", written.upper())
    parts = [part for part in re.split(r"[\s-]+", written) if part]
    if len(digits) == 10 and _check10(digits[:9]) == digits[9]:
        body = "978" + digits[:9]
        parts = ["978", *parts[:-1]] if len(parts) == 4 else ["978", *_split(digits[:9])]
        return [*parts, _check13(body)]
    if len(digits) == 13 and digits[:3] in ("978", "979") and _check13(digits[:12]) == digits[12]:
        return parts if len(parts) == 5 else [digits[:3], *_split(digits[3:12]), digits[12]]
    return None


def _split(nine: str) -> list[str]:
    return [nine[0], nine[1:3], nine[3:9]]


def _check10(nine: str) -> str:
    total = sum((10 - i) * int(c) for i, c in enumerate(nine))
    check = -total % 11
    return "X" if check == 10 else str(check)


def _check13(twelve: str) -> str:
    return str(-sum((3 if i % 2 else 1) * int(c) for i, c in enumerate(twelve)) % 10)


def isbn_written(parts: list[str], form: str) -> str:
    """ISBN-13 or -10, with hyphens or not: form "13-hyphens", "13", "10-hyphens" or "10"."""
    if form.startswith("10"):
        parts = [*parts[1:-1], _check10("".join(parts[1:-1]))]
    return "-".join(parts) if form.endswith("hyphens") else "".join(parts)


def fresh_isbn(rng: random.Random, taken: set[str]) -> str:
    """A made-up French ISBN-13 with its check digit, never one already in the set."""
    while True:
        body = f"9782{rng.randrange(10**8):08d}"
        if body not in taken:
            taken.add(body)
            return f"978-2-{body[4:8]}-{body[8:12]}-{_check13(body)}"
