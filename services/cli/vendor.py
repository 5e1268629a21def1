"""``vendor add-key / keys / revoke-key``: the API keys vendors call /api/v1 with;
``vendor purge-audit``: the audit of those calls, kept ``[gateway] audit_days``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from catalogue_sync.gateway import vendors
from catalogue_sync.stats.retention import audit_cutoff, purge_audit
from services.cli.context import Context
from services.cli.output import console, errors

VendorArgument = Annotated[str, typer.Argument(
    metavar="VENDOR", help="A vendor's id, as network.toml declares it.")]
vendor_app = typer.Typer(help="The vendors' API keys (the gateway's /api/v1).",
                         no_args_is_help=True)


@vendor_app.command("add-key")
def add_key(
    ctx: typer.Context,
    vendor: VendorArgument,
    label: Annotated[str, typer.Option(help="What the key is for, e.g. 'production'.")] = "",
    per_minute: Annotated[int, typer.Option(
        min=1, help="Calls the key may make per minute.")] = vendors.DEFAULT_PER_MINUTE,
) -> None:
    """Make a key for VENDOR and print it, this once: only its hash is kept."""
    context: Context = ctx.obj
    network = context.network()
    with context.store(network) as store:
        key = vendors.create_key(store, network, vendor, label=label, per_minute=per_minute)
    # The key alone on stdout, so that a script can capture it; the words go to stderr.
    errors.print(f"API key {key.id} for {escape(vendor)}; it is shown only now, give it to "
                 "the vendor by a safe channel:", highlight=False)
    print(key.secret_text)


@vendor_app.command("keys")
def keys(
    ctx: typer.Context,
    vendor: VendorArgument,
) -> None:
    """List VENDOR's keys: id, label, created, last used, revoked."""
    context: Context = ctx.obj
    network = context.network()
    with context.store(network) as store:
        stored = vendors.list_keys(store, vendor)
    table = Table("id", "label", "per minute", "created", "last used", "revoked")
    for key in stored:
        table.add_row(key.id, escape(key.label), str(key.per_minute), _when(key.created_at),
                      _when(key.last_used_at), _when(key.revoked_at))
    console.print(table)


@vendor_app.command("revoke-key")
def revoke_key(
    ctx: typer.Context,
    key_id: Annotated[str, typer.Argument(metavar="KEY_ID", help="As 'vendor keys' lists it.")],
) -> None:
    """Revoke a key: its next call is refused (401)."""
    context: Context = ctx.obj
    network = context.network()
    with context.store(network) as store:
        vendors.revoke_key(store, key_id)
    console.print(f"Revoked API key {escape(key_id)}.")


@vendor_app.command("purge-audit")
def purge_audit_rows(
    ctx: typer.Context,
    days: Annotated[int | None, typer.Option(
        min=1, help="Days of the API audit kept.",
        show_default="[gateway] audit_days")] = None,
) -> None:
    """Delete the vendors' API audit older than DAYS days (the harvester service does it on
    its own at [statistics] purge_schedule)."""
    context: Context = ctx.obj
    network = context.network()
    before = audit_cutoff(days or network.gateway.audit_days)
    with context.store(network) as store:
        deleted = purge_audit(store, before)
    console.print(f"Deleted {deleted} audit rows of calls before {before:%Y-%m-%d %H:%M} UTC.")


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "-"
