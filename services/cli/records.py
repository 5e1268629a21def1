"""``status`` and ``quarantine list/show``: what the store holds."""

from __future__ import annotations

import json
import sys
from dataclasses import fields
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from catalogue_sync.config import NormalizerSettings
from catalogue_sync.errors import CatalogueError
from catalogue_sync.marc.normalize import normalizer_version
from catalogue_sync.merge import keys, rules
from catalogue_sync.merge.engine import pending_rebuild
from catalogue_sync.models import QuarantinedRecord, RawFormat
from catalogue_sync.online.sources import check_source
from catalogue_sync.renormalize import StaleCount, sources, stale_counts
from services.cli.context import Context
from services.cli.output import console

quarantine_app = typer.Typer(help="Records that could not be read, kept with the reason.",
                             no_args_is_help=True)


def status(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object, for scripts.")] = False,
) -> None:
    """Records, deletions, quarantine and last harvest of each library, and whether the
    stored data is behind the code (and what to run then)."""
    context: Context = ctx.obj
    network = context.network()
    with context.store(network) as store:
        rows = store.status(list(network.libraries))
        stale = {count.library: count
                 for count in stale_counts(store, sources(network).values())}
        behind = _behind(list(stale.values()), pending_rebuild(store, network))
    names = {lib.id: lib.name for lib in network.libraries.values()}
    if as_json:
        payload = {"libraries": [
            {"id": row.id, "name": names[row.id], "records": row.records, "deleted": row.deleted,
             "quarantined": row.quarantined, "last_harvest": _iso(row.last_harvest),
             "last_error": row.last_error, "stale": stale[row.id].stale,
             "stale_settings": stale[row.id].settings, "unreadable": stale[row.id].unreadable}
            for row in rows
        ], "code": _versions(), "behind": behind}
        sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")
        return
    table = Table("library", "name", "records", "deleted", "quarantined", "stale",
                  "last harvest", "last error", title=escape(network.network.name))
    for row in rows:
        table.add_row(row.id, escape(names[row.id]), str(row.records), str(row.deleted),
                      str(row.quarantined), str(stale[row.id].stale),
                      _iso(row.last_harvest) or "never",
                      f"[red]{escape(row.last_error)}[/red]" if row.last_error else "")
    console.print(table)
    for item in behind:
        console.print(f"[yellow]Behind the code:[/yellow] {escape(item['why'])}; "
                      f"run [bold]{item['run']}[/bold]")


def _versions() -> dict[str, int]:
    """The versions of the code that derives stored data (see docs/architecture.md)."""
    return {"normalizer": normalizer_version(), "keys": keys.KEYS_VERSION,
            "rules": rules.RULES_VERSION}


def _behind(stale: list[StaleCount], rebuild: str | None) -> list[dict[str, Any]]:
    """What in the store the current code did not derive, and the command that fixes it."""
    behind: list[dict[str, Any]] = []
    records = sum(count.stale - count.settings for count in stale)
    if records:
        behind.append({"what": "records", "count": records,
                       "why": f"{records} records were normalized by an older version "
                              f"(this one is {normalizer_version()})",
                       "run": "catalogue-sync records renormalize"})
    behind += [_settings_changed(count) for count in stale if count.settings]
    if rebuild:
        behind.append({"what": "merge", "why": f"{rebuild}: the next merge rebuilds the "
                                               "union catalogue",
                       "run": "catalogue-sync merge run"})
    return behind


def _settings_changed(count: StaleCount) -> dict[str, Any]:
    """A library whose network.toml settings the normalizer reads changed since its records
    were derived."""
    settings = ", ".join(item.name for item in fields(NormalizerSettings))
    return {"what": "settings", "library": count.library, "count": count.settings,
            "why": f"{count.settings} records of {count.library} were normalized with other "
                   f"settings of its network.toml table ({settings})",
            "run": f"catalogue-sync records renormalize {count.library}"}


@quarantine_app.command("list")
def quarantine_list(
    ctx: typer.Context,
    library: Annotated[str | None, typer.Option(help="Only this library.")] = None,
    limit: Annotated[int, typer.Option(min=1)] = 100,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Quarantined records, newest first."""
    context: Context = ctx.obj
    network = context.network()
    if library is not None:
        check_source(network, library)  # an unknown id is an error, not an empty list
    with context.store(network) as store:
        entries = store.quarantine_list(library, limit=limit)
    if as_json:
        for entry in entries:
            sys.stdout.write(json.dumps(_entry_json(entry), ensure_ascii=False) + "\n")
        return
    table = Table("id", "library", "record", "reason", "when", title="Quarantine")
    for entry in entries:
        table.add_row(str(entry.id), entry.library, escape(entry.local_id or "?"),
                      escape(entry.reason), _iso(entry.created_at))
    console.print(table)
    if not entries:
        console.print("Nothing in quarantine.")


@quarantine_app.command("show")
def quarantine_show(
    ctx: typer.Context,
    quarantine_id: Annotated[int, typer.Argument(metavar="ID")],
    raw: Annotated[Path | None, typer.Option(
        help="Write the record's exact bytes to this file.")] = None,
) -> None:
    """One quarantined record: why, where from, and its raw content."""
    context: Context = ctx.obj
    network = context.network()
    with context.store(network) as store:
        entry = store.quarantine_get(quarantine_id)
    if entry is None:
        raise CatalogueError(f"no quarantined record with id {quarantine_id} "
                             "(see 'catalogue-sync quarantine list')")
    for key, value in _entry_json(entry).items():
        console.print(f"[bold]{key}:[/bold] {escape(str(value))}")
    if raw is not None:
        raw.write_bytes(entry.data)
        console.print(f"Wrote {len(entry.data)} bytes to {raw}")
        return
    console.print("[bold]raw record:[/bold]")
    console.print(escape(_printable(entry)), highlight=False)


def _entry_json(entry: QuarantinedRecord) -> dict[str, object]:
    return {"id": entry.id, "library": entry.library, "record": entry.local_id,
            "reason": entry.reason, "origin": entry.origin, "format": entry.format.value,
            "bytes": len(entry.data), "created_at": _iso(entry.created_at)}


def _printable(entry: QuarantinedRecord) -> str:
    """The raw record as text; ISO 2709 separators shown as MARC tools show them."""
    text = entry.data.decode("utf-8", errors="backslashreplace")
    if entry.format is RawFormat.ISO2709:
        text = text.replace("\x1e", "\n").replace("\x1f", "$").replace("\x1d", "\n")
    return text or "(empty)"


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None
