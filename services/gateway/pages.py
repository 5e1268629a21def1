"""Rendering the gateway's pages: the web catalogue's ``Page`` with the gateway's templates,
words and headers. The language is chosen as in the catalogue (``?lang=``, cookie,
Accept-Language, French), and the pages use its stylesheet, mounted at the same address, so
that the network's two sites look alike."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import jinja2

from services.gateway.translations import TEXTS
from services.search.web.pages import HEADERS, TEMPLATES
from services.search.web.pages import Page as CataloguePage

HERE = Path(__file__).resolve().parent


class Page(CataloguePage):
    environment = jinja2.Environment(
        loader=jinja2.ChoiceLoader([
            jinja2.FileSystemLoader(HERE / "templates"),
            jinja2.PrefixLoader({"catalogue": jinja2.FileSystemLoader(TEMPLATES)})]),
        autoescape=True,
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    table = TEXTS
    headers: ClassVar[dict[str, str]] = {**HEADERS, "Cache-Control": "no-store"}
    """Pages about a signed-in patron are never kept by a browser or a proxy."""
