"""The web catalogue's language: how a page picks French (the default) or English, and the
words, numbers and dates it then writes.

Every string the pages show is in ``translations.TEXTS``, one table per language with the
same keys (a test checks it): ``Texts("fr")("results_for", query="camus")``. Keys ending in
``_one`` / ``_other`` are plurals, chosen by ``Texts.plural`` (French says "0 résultat",
English "0 results").

The language of a page is, in this order: ``?lang=`` (then remembered in the ``lang`` cookie),
the cookie, the browser's Accept-Language, French.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from fastapi import Request

from services.search.labels import LANGS, Lang, language_tag, preferred_language
from services.search.web.translations import TEXTS

COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600
NAMES: dict[Lang, str] = {"fr": "Français", "en": "English"}
"""Each language named in itself, for the language switch."""

_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


@dataclass(frozen=True, slots=True)
class Texts:
    """The words of one language, as templates use them (``t("key", name=value)``)."""

    lang: Lang
    table: Mapping[Lang, Mapping[str, str]] = field(default_factory=lambda: TEXTS, repr=False)
    """The words by language: the catalogue's; the gateway has its own."""

    def __call__(self, key: str, **values: object) -> str:
        text = self.table[self.lang][key]
        return text.format(**values) if values else text

    def plural(self, key: str, n: int, **values: object) -> str:
        """``key_one`` or ``key_other`` for ``n``, with ``n`` written as a number."""
        one = n <= 1 if self.lang == "fr" else n == 1
        return self(f"{key}_{'one' if one else 'other'}", n=self.number(n), **values)

    def number(self, n: int) -> str:
        """1 202 in French (narrow no-break space), 1,202 in English."""
        return f"{n:,}".replace(",", "\u202f" if self.lang == "fr" else ",")

    def other_lang(self, code: str | None) -> str | None:
        """The BCP 47 tag of a record's language (ISO 639-2) when it is known and not this
        page's own: the ``lang`` of a title in another language."""
        tag = language_tag(code)
        return tag if tag and tag != self.lang else None

    def date(self, text: str | None) -> str:
        """An ISO date as people read it ("13 juillet 2023"); anything else as it is."""
        found = _ISO_DATE.fullmatch(text or "")
        if not found:
            return text or ""
        try:
            day = date(int(found[1]), int(found[2]), int(found[3]))
        except ValueError:
            return text or ""
        month = self("months").split()[day.month - 1]
        if self.lang == "fr":
            return f"{'1er' if day.day == 1 else day.day} {month} {day.year}"
        return f"{day.day} {month} {day.year}"


def chosen_language(request: Request) -> tuple[Lang, bool]:
    """The page's language, and whether ``?lang=`` asked for it (then it is remembered)."""
    asked = as_lang(request.query_params.get("lang", "").strip().lower())
    if asked is not None:
        return asked, True
    remembered = as_lang(request.cookies.get(COOKIE, ""))
    if remembered is not None:
        return remembered, False
    return preferred_language(request.headers.get("accept-language", "")), False


def as_lang(value: str) -> Lang | None:
    """``value`` if it names an interface language."""
    return next((lang for lang in LANGS if lang == value), None)
