"""``records renormalize``: normalize stored records again after an upgrade of the normalizer."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.table import Table

from catalogue_sync.online.sources import check_source
from catalogue_sync.renormalize import (
    BATCH,
    RenormalizeCounts,
    RenormalizeOutcome,
    renormalize,
    sources,
)
from services.cli.context import Context
from services.cli.merge import merge_and_publish
from services.cli.output import console, errors

records_app = typer.Typer(help="Source records as stored: normalize them again.",
                          no_args_is_help=True)

PROGRESS_SECONDS = 2.0
"""At most one progress line this often per library (and one after its first batch)."""


@records_app.command("renormalize")
def renormalize_command(
    ctx: typer.Context,
    library_id: Annotated[str | None, typer.Argument(
        metavar="LIBRARY", help="Only this library (or vendor package, VENDOR.PACKAGE); "
                                  "every one network.toml declares when none is named.")
    ] = None,
    batch: Annotated[int, typer.Option(min=1, help="Records per transaction.")] = BATCH,
    no_merge: Annotated[bool, typer.Option(
        "--no-merge", help="Do not merge what changed into the union catalogue now.")] = False,
) -> None:
    """Normalize again, from their stored raw records, the records an older version of the
    normalizer or other settings of their library (flavour, encoding, id_field, holdings)
    derived; then merge what changed and update the search index. Resumes an interrupted
    run; exit status 1 if the merge or the index update failed."""
    context: Context = ctx.obj
    network = context.network()
    declared = sources(network)
    if library_id is not None:
        check_source(network, library_id)
    libraries = [declared[library_id]] if library_id else list(declared.values())
    with context.store(network) as store:
        progress = _Progress()
        outcomes = [renormalize(store, library, batch=batch, progress=progress)
                    for library in libraries]
        _summary(outcomes)
        merged = no_merge or merge_and_publish(store, network)
    if not merged:
        raise typer.Exit(1)


class _Progress:
    """A line on stderr per library now and then: how far renormalizing has gone."""

    def __init__(self) -> None:
        self.last: dict[str, float] = {}

    def __call__(self, library: str, counts: RenormalizeCounts) -> None:
        now = time.monotonic()
        if library in self.last and now - self.last[library] < PROGRESS_SECONDS:
            return
        self.last[library] = now
        errors.print(f"renormalizing {library}: {counts.checked} checked, {counts.changed} "
                     f"changed, {counts.quarantined} quarantined", highlight=False)


def _summary(outcomes: list[RenormalizeOutcome]) -> None:
    table = Table("library", "version", "checked", "changed", "quarantined", "seconds",
                  "run", title="Renormalize summary")
    for outcome in outcomes:
        counts = outcome.counts
        table.add_row(outcome.library, str(outcome.version), str(counts.checked),
                      str(counts.changed), str(counts.quarantined), f"{outcome.seconds:.1f}",
                      "resumed" if outcome.resumed else "new")
    console.print(table)
    quarantined = sum(outcome.counts.quarantined for outcome in outcomes)
    if quarantined:
        console.print(f"[yellow]{quarantined} records no longer parse:[/yellow] they keep "
                      "their earlier fields and wait in quarantine "
                      "(catalogue-sync quarantine list).")
