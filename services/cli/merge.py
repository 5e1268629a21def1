"""``merge run/split/join/corrections/undo/explain`` and ``export clusters``: the union
catalogue.

Records are named ``LIBRARY:LOCAL_ID`` (the library's id in network.toml, then the record's
id in its ILS); merged records by their id (``m`` and twelve hex digits).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import asdict
from typing import Annotated, Any, TypeVar

import typer
from rich.markup import escape
from rich.table import Table

from catalogue_sync.config import NetworkConfig
from catalogue_sync.errors import CatalogueError
from catalogue_sync.merge.catalogue import (
    CorrectedRecord,
    CorrectionStatus,
    Explanation,
    MergeSummary,
    clusters,
    corrections,
    explain,
    join,
    merge,
    merged_for,
    split,
    undo,
)
from catalogue_sync.store import Store
from services.cli.context import Context
from services.cli.output import console, errors
from services.cli.search import publish

merge_app = typer.Typer(help="The union catalogue: merge member records, correct and explain.",
                        no_args_is_help=True)
export_app = typer.Typer(help="Export the union catalogue.", no_args_is_help=True)

T = TypeVar("T")
RecordArgument = Annotated[str, typer.Argument(
    metavar="LIBRARY:ID", help="A source record: library id, a colon, its local id.")]


@merge_app.command("run")
def run(
    ctx: typer.Context,
    full: Annotated[bool, typer.Option(
        "--full", help="Merge every record again instead of what changed.")] = False,
) -> None:
    """Merge what was harvested since the last merge into the union catalogue, then update
    the search index."""
    context: Context = ctx.obj
    network = context.network()
    with context.store(network) as store:
        show_summary(merge(store, network, full=full))
        if not publish(store, network):
            raise typer.Exit(1)


@merge_app.command("split")
def split_record(ctx: typer.Context, record: RecordArgument) -> None:
    """Take a record out of its merged record, for this and every later merge."""
    merged, published = correct(ctx, lambda store, network: split(
        store, *parse_record(network, record), config=network))
    where = f" (merged record {merged.id})" if merged else ""
    console.print(f"{escape(record)} now stands alone{where}; every later merge keeps it so.")
    if not published:
        raise typer.Exit(1)


@merge_app.command("join")
def join_records(ctx: typer.Context, first: RecordArgument, second: RecordArgument) -> None:
    """Put two records in one merged record, for this and every later merge."""
    merged, published = correct(ctx, lambda store, network: join(
        store, parse_record(network, first), parse_record(network, second), config=network))
    where = f"merged record {merged.id}" if merged else "one merged record"
    console.print(f"{escape(first)} and {escape(second)} are now in {where}; "
                  "every later merge keeps them together.")
    if not published:
        raise typer.Exit(1)


@merge_app.command("corrections")
def list_corrections(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option(
        "--json", help="One JSON object a line: id, kind, records (library, record, merged, "
        "member_count), created_at.")] = False,
    record: Annotated[str | None, typer.Option(
        "--record", metavar="LIBRARY:ID", help="Only the corrections naming this record.")
    ] = None,
) -> None:
    """List the splits and joins in force, and the merged record each record is in now."""
    context: Context = ctx.obj
    network = context.network()
    named = parse_record(network, record) if record else None
    with context.store(network) as store:
        found = corrections(store, named)
    if as_json:
        for status in found:
            sys.stdout.write(json.dumps(correction_json(status), ensure_ascii=False) + "\n")
        return
    show_corrections(found, record)


@merge_app.command("undo")
def undo_correction(
    ctx: typer.Context,
    correction_id: Annotated[int, typer.Argument(
        metavar="CORRECTION_ID", help="A correction's id, as `merge corrections` lists it.")],
) -> None:
    """Take a split or join back; its records are merged again at once, as the rules say."""
    status, published = correct(ctx, lambda store, network: undo(
        store, correction_id, config=network))
    show_undone(status)
    if not published:
        raise typer.Exit(1)


@merge_app.command("explain")
def explain_record(
    ctx: typer.Context,
    target: Annotated[str, typer.Argument(
        metavar="ID", help="A merged record's id, or LIBRARY:ID for a source record's.")],
) -> None:
    """Show a merged record's members, their match keys and the rule that joined each."""
    context: Context = ctx.obj
    network = context.network()
    with context.store(network) as store:
        explanation = explain(store, _merged_id(store, network, target))
    show_explanation(explanation)


@export_app.command("clusters")
def export_clusters(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option(
        "--json", help="One JSON object a line: id, work, members (library, record).")] = False,
) -> None:
    """Every merged record's members, for audits and external evaluation."""
    context: Context = ctx.obj
    network = context.network()
    with context.store(network) as store:
        if as_json:
            for row in clusters(store):
                sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
            return
        table = Table("merged record", "work", "members", title="Merged records")
        for row in clusters(store):
            members = ", ".join(f"{m['library']}:{m['record']}" for m in row["members"])
            table.add_row(row["id"], escape(row["work"]), escape(members))
        console.print(table)


def correct(ctx: typer.Context, change: Callable[[Store, NetworkConfig], T]) -> tuple[T, bool]:
    """Make a correction, then publish it (index, OAI sets): its result, and whether
    publishing went well (the correction stands either way)."""
    context: Context = ctx.obj
    network = context.network()
    with context.store(network) as store:
        done = change(store, network)
        return done, publish(store, network, show=False)


def parse_record(network: NetworkConfig, text: str) -> tuple[str, str]:
    """``LIBRARY:ID`` as (library, local id); the library must be one of the network's."""
    library, colon, local_id = text.partition(":")
    if not colon or not library or not local_id:
        raise typer.BadParameter(f"{text!r}: name a record as LIBRARY:ID, e.g. "
                                 "mediatheque-fm:1234")
    network.library(library)  # an unknown library is a configuration error, with the list
    return library, local_id


def _merged_id(store: Store, network: NetworkConfig, target: str) -> str:
    if ":" not in target:
        return target
    library, local_id = parse_record(network, target)
    merged = merged_for(store, library, local_id)
    if merged is None:
        raise CatalogueError(f"record {target} is in no merged record: it is deleted, "
                             "unknown, or not merged yet (catalogue-sync merge run)")
    return merged.id


def merge_and_publish(store: Store, network: NetworkConfig) -> bool:
    """Merge what changed, then update the search index and the OAI-PMH sets, after a
    command stored records (harvest, import, renormalize); a failure is reported, not
    raised (what was stored is kept, and the next merge catches up)."""
    try:
        show_summary(merge(store, network))
    except CatalogueError as exc:
        errors.print(f"[red]merge failed:[/red] {escape(str(exc))}", highlight=False)
        return False
    return publish(store, network)


def show_summary(summary: MergeSummary) -> None:
    """The merge's counts as a table."""
    table = Table("mode", "records", "created", "changed", "deleted", "seconds",
                  title="Merge summary")
    mode = "first" if summary.first else "full" if summary.full else "incremental"
    table.add_row(mode, str(summary.records),
                  str(summary.created), str(summary.changed), str(summary.deleted),
                  f"{summary.seconds:.1f}")
    console.print(table)


def correction_json(status: CorrectionStatus) -> dict[str, Any]:
    """A correction as ``merge corrections --json`` writes it."""
    return {**asdict(status), "created_at": status.created_at.isoformat()}


def show_corrections(found: list[CorrectionStatus], record: str | None) -> None:
    """The corrections as a table; or a sentence saying there are none, and how to add one."""
    if not found:
        which = f"No correction names {escape(record)}" if record else "No corrections in force"
        console.print(f"{which}. Add one with [bold]catalogue-sync merge split LIBRARY:ID[/bold]"
                      " or [bold]catalogue-sync merge join LIBRARY:ID LIBRARY:ID[/bold].")
        return
    table = Table("id", "kind", "record", "now in", "joined with", "now in", "made",
                  title="Corrections in force",
                  caption="catalogue-sync merge undo ID takes one back")
    for status in found:
        first, *other = status.records
        joined = [escape(_name(other[0])), _placed(other[0])] if other else ["", ""]
        table.add_row(str(status.id), status.kind, escape(_name(first)), _placed(first),
                      *joined, status.created_at.strftime("%Y-%m-%d %H:%M UTC"))
    console.print(table)


def show_undone(status: CorrectionStatus) -> None:
    """What was taken back, then where its records are now."""
    names = " and ".join(escape(_name(corrected)) for corrected in status.records)
    console.print(f"Correction {status.id} undone (the {status.kind} of {names}); "
                  "later merges no longer honour it.")
    for corrected in status.records:
        where = ("is in no merged record (deleted at its source, or not merged yet)"
                 if corrected.merged is None else
                 f"is now in merged record {_placed(corrected)}")
        console.print(f"  {escape(_name(corrected))} {where}")


def _name(corrected: CorrectedRecord) -> str:
    return f"{corrected.library}:{corrected.record}"


def _placed(corrected: CorrectedRecord) -> str:
    if corrected.merged is None:
        return "none (deleted, or not merged yet)"
    count = corrected.member_count
    return f"{corrected.merged} ({count} record{'' if count == 1 else 's'})"


def show_explanation(explanation: Explanation) -> None:
    """Members and rules, then the keys the rules compared, then corrections."""
    merged = explanation.merged
    if merged.deleted:
        went = (f"its records are now in [bold]{explanation.redirect}[/bold]"
                if explanation.redirect else "all its records were withdrawn")
        console.print(f"Merged record [bold]{merged.id}[/bold] no longer exists: {went}.")
        return
    title = (merged.display or {}).get("title") or "?"
    console.print(f"[bold]{merged.id}[/bold] {escape(str(title))} — work "
                  f"{escape(merged.work)}, {merged.member_count} record(s)")
    members = Table("record", "title", "authors", "year", "format", "rule", "reason",
                    "matched", title="Members")
    keys = Table("record", "isbns", "issns", "ids", "title key", "author key", "year",
                 "pages", title="Match keys")
    for member in explanation.members:
        name = f"{member.library}:{member.record}"
        linked = f"{member.linked[0]}:{member.linked[1]}" if member.linked else ""
        members.add_row(escape(name), escape(member.title or ""),
                        escape("; ".join(member.authors)), str(member.year or ""),
                        member.format, member.rule, escape(member.reason), escape(linked))
        k = member.keys
        keys.add_row(escape(name), ", ".join(k.get("isbns", [])), ", ".join(k.get("issns", [])),
                     escape(", ".join(k.get("ids", []))), escape(k.get("title_full", "")),
                     escape(k.get("author") or ""), str(k.get("year") or ""),
                     str(k.get("pages") or ""))
    console.print(members)
    console.print(keys)
    for correction in explanation.corrections:
        other = (f" with {correction.other_library}:{correction.other_local_id}"
                 if correction.kind == "join" else "")
        console.print(f"correction {correction.id}: {correction.kind} "
                      f"{escape(correction.library)}:{escape(correction.local_id)}"
                      f"{escape(other)} on {correction.created_at.date().isoformat()}")
