"""Reading the small HTML forms of the services' pages (sign-in, sign-out, the dashboard's
buttons): bounded in size and in fields, one value per name, bad bytes a clear 400."""

from __future__ import annotations

from urllib.parse import parse_qs

from fastapi import Request

from catalogue_sync.errors import InvalidRequest

MAX_FORM = 4096
"""Bytes; a sign-in form is a few hundred."""
MAX_FIELDS = 20


async def read_form(request: Request) -> dict[str, str]:
    """An urlencoded form, at most ``MAX_FORM`` bytes, one value per name."""
    body = await request.body()
    if len(body) > MAX_FORM:
        raise InvalidRequest(f"the form is larger than {MAX_FORM} bytes")
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True,
                          max_num_fields=MAX_FIELDS)
    except (UnicodeDecodeError, ValueError) as error:
        raise InvalidRequest(f"the form cannot be read: {error}") from None
    return {name: values[0] for name, values in fields.items()}
