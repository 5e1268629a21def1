"""``index`` and ``search``: the union catalogue's full-text index, from a terminal.

``catalogue-sync harvest``, ``merge run`` and the corrections bring the index (and the
OAI-PMH sets) up to date after merging (``publish``); ``index`` does it alone, ``index
--rebuild`` builds it again from scratch while searches go on.
"""

from __future__ import annotations

import json
import math
import sys
from dataclasses import asdict
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from catalogue_sync.config import NetworkConfig
from catalogue_sync.errors import CatalogueError
from catalogue_sync.export.oai.provider import update_sets
from catalogue_sync.index.indexer import CatalogueIndex, IndexRun
from catalogue_sync.index.query import SORTS, Filters, SearchRequest, SearchResult
from catalogue_sync.index.searcher import Searcher
from catalogue_sync.index.simple import parse
from catalogue_sync.models import Format
from catalogue_sync.online.sources import check_source
from catalogue_sync.store import Store
from services.cli.context import Context
from services.cli.output import console, errors

PAGE_SIZE = 20
FORMATS = [value.value for value in Format]


def index(
    ctx: typer.Context,
    rebuild: Annotated[bool, typer.Option(
        "--rebuild", help="Build the index again from every merged record, then swap it in.")
    ] = False,
) -> None:
    """Bring the search index up to date with the union catalogue."""
    context: Context = ctx.obj
    network = context.network()
    with context.store(network) as store:
        catalogue_index = CatalogueIndex.of(network)
        run = catalogue_index.rebuild(store) if rebuild else catalogue_index.update(store)
    show_index_run(run)


def search(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(
        metavar="QUERY", help='Words, "a phrase", hist* to truncate, -word to exclude, an '
        'ISBN. Empty: the whole catalogue.')] = "",
    as_json: Annotated[bool, typer.Option(
        "--json", help="The result as one JSON object: total, hits (id, score, record), "
        "facets.")] = False,
    libraries: Annotated[list[str] | None, typer.Option(
        "--library", metavar="ID", help="Only records held by this library (repeatable).")
    ] = None,
    format_: Annotated[str | None, typer.Option(
        "--format", metavar="FORMAT", help=f"Only this format: {', '.join(FORMATS)}.")] = None,
    language: Annotated[str | None, typer.Option(
        metavar="CODE", help="Only this language (MARC code: fre, eng...).")] = None,
    available: Annotated[bool, typer.Option(
        "--available", help="Only records with a copy on the shelf (in --library if given).")
    ] = False,
    sort: Annotated[str, typer.Option(help=f"One of {', '.join(SORTS)}.")] = "relevance",
    page: Annotated[int, typer.Option(min=1, help=f"Page of {PAGE_SIZE} results.")] = 1,
) -> None:
    """Search the union catalogue as the search box does."""
    context: Context = ctx.obj
    network = context.network()
    for library in libraries or []:
        check_source(network, library)  # an unknown id is a configuration error, with the list
    if format_ is not None and format_ not in FORMATS:
        raise typer.BadParameter(f"{format_!r}: one of {', '.join(FORMATS)}",
                                 param_hint="--format")
    if sort not in SORTS:
        raise typer.BadParameter(f"{sort!r}: one of {', '.join(SORTS)}", param_hint="--sort")
    filters = Filters(libraries=tuple(libraries or ()), formats=(format_,) if format_ else (),
                      languages=(language,) if language else (), available=available)
    request = SearchRequest(parse(query), filters, sort,
                            offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    result = Searcher.of(network).search(request)
    if as_json:
        sys.stdout.write(json.dumps(asdict(result), ensure_ascii=False) + "\n")
        return
    show_results(result, page)


def publish(store: Store, network: NetworkConfig, *, show: bool = True) -> bool:
    """After a merge, bring what serves the union catalogue up to date: the search index
    and the OAI-PMH library sets. A failure is reported, not raised (the merge is kept, and
    the next update catches up)."""
    try:
        run = CatalogueIndex.of(network).update(store)
        update_sets(store)
    except CatalogueError as exc:
        errors.print(f"[red]updating the search index and the OAI-PMH sets failed:[/red] "
                     f"{escape(str(exc))}", highlight=False)
        return False
    if show:
        show_index_run(run)
    return True


def show_index_run(run: IndexRun) -> None:
    table = Table("mode", "indexed", "deleted", "seconds", title="Index summary")
    table.add_row(run.mode, str(run.indexed), str(run.deleted), f"{run.seconds:.1f}")
    console.print(table)


def show_results(result: SearchResult, page: int) -> None:
    """The page of hits as a table, then the facets in one line each."""
    if result.total == 0:
        console.print("No record matches: try fewer words, hist* for a word's beginning, "
                      "or fewer filters.")
    pages = max(1, math.ceil(result.total / PAGE_SIZE))
    table = Table("id", "title", "authors", "year", "format", "libraries",
                  title=f"{result.total} record{'' if result.total == 1 else 's'}",
                  caption=f"page {page} of {pages}")
    for hit in result.hits:
        record: dict[str, Any] = hit.record
        table.add_row(hit.id, escape(_title(record)), escape("; ".join(record["authors"])),
                      str(record["year"] or ""), record["format"], escape(_libraries(record)))
    if result.hits:
        console.print(table)
    for name, values in result.facets.items():
        shown = ", ".join(f"{escape(value.value)} ({value.count})" for value in values[:8])
        console.print(f"[bold]{name}[/bold]: {shown or '-'}", highlight=False)


def _title(record: dict[str, Any]) -> str:
    title = record.get("title") or "[no title]"
    return f"{title} : {record['subtitle']}" if record.get("subtitle") else title


def _libraries(record: dict[str, Any]) -> str:
    return ", ".join(dict.fromkeys(holding["library"] for holding in record["holdings"]))
