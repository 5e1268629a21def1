"""Query parameters read strictly: a parameter given twice is refused, not guessed at.

``patron=a&patron=b`` could mean either; which one counts would depend on the framework
(FastAPI keeps the last, ``request.query_params.get`` the first), so that a check made
on one value and an answer about the other could disagree. CAS refuses it
(INVALID_REQUEST), and so does the vendors' API (400): both use ``one`` or
``single_values`` here.
"""

from __future__ import annotations

from fastapi import Request

from catalogue_sync.errors import InvalidRequest


class RepeatedParameter(InvalidRequest):
    """A parameter given twice: which one counts would be a guess, so neither does."""


def one(request: Request, name: str) -> str | None:
    """The value of ``name`` in the query, None without it; RepeatedParameter if twice."""
    values = request.query_params.getlist(name)
    if len(values) > 1:
        raise RepeatedParameter(f"{name[:40]} is given {len(values)} times")
    return values[0] if values else None


def single_values(request: Request) -> None:
    """A dependency refusing a query where any parameter is given more than once."""
    for name in dict.fromkeys(request.query_params.keys()):
        one(request, name)
