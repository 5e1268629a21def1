"""``admin hash-password``: an account of the librarians' dashboard (/admin of the search
service), as a line for the CATALOGUE_SYNC_ADMINS variable."""

from __future__ import annotations

from typing import Annotated

import typer

from services.search.admin.passwords import NAME, VARIABLE, hash_password

MIN_PASSWORD = 12
admin_app = typer.Typer(help="The librarians' dashboard (/admin of the search service).",
                        no_args_is_help=True)


@admin_app.command("hash-password")
def hash_password_command(
    name: Annotated[str, typer.Argument(
        metavar="NAME", help="The account's name: letters, digits, '.', '_', '@' or '-'.")],
) -> None:
    """Ask for a password twice (hidden) and print NAME:HASH for CATALOGUE_SYNC_ADMINS."""
    if not NAME.match(name):
        raise typer.BadParameter("letters, digits, '.', '_', '@' or '-', at most 64",
                                 param_hint="NAME")
    password = typer.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)
    if len(password) < MIN_PASSWORD:
        raise typer.BadParameter(f"a password has at least {MIN_PASSWORD} characters",
                                 param_hint="password")
    typer.echo(f"Add this line to {VARIABLE} (several accounts: separated by commas):",
               err=True)
    print(f"{name}:{hash_password(password)}")
