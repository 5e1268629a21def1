"""``catalogue-sync admin hash-password``: the line to put in CATALOGUE_SYNC_ADMINS."""

from __future__ import annotations

from typer.testing import CliRunner

from services.cli import app
from services.search.admin.passwords import Accounts


def test_the_printed_line_opens_the_dashboard_with_that_password() -> None:
    typed = "correct horse battery staple"
    result = CliRunner().invoke(app, ["admin", "hash-password", "marie"],
                                input=f"{typed}\n{typed}\n")
    assert result.exit_code == 0, result.output
    line = result.stdout.strip().splitlines()[-1]
    assert line.startswith("marie:scrypt$32768$8$1$") and typed not in result.output
    accounts = Accounts.parse(line)
    assert accounts.check("marie", typed) and not accounts.check("marie", "wrong")


def test_a_short_password_or_a_bad_name_is_refused() -> None:
    short = CliRunner().invoke(app, ["admin", "hash-password", "marie"], input="court\ncourt\n")
    assert short.exit_code == 2 and "at least 12 characters" in short.output
    bad = CliRunner().invoke(app, ["admin", "hash-password", "marie curie"])
    assert bad.exit_code == 2
