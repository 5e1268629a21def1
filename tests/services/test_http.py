"""Errors become HTTP answers in one place: each class its status, never a leaked trace."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from catalogue_sync.errors import (
    CatalogueError,
    InvalidRequest,
    NotFound,
    SourceUnavailable,
    StoreError,
)
from services.http import install_error_handlers

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def get(error: Exception, **params: str) -> httpx.Response:
    """GET a route that raises ``error``, from an app with the project's error handlers."""
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/fail")
    def fail(page: int = 1) -> None:
        raise error

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.get("/fail", params=params)


@pytest.mark.parametrize(("error", "status"), [
    (InvalidRequest("page 0: pages start at 1"), 400),
    (NotFound("no merged record m123"), 404),
    (StoreError("record store at sqlite:///x: unreachable"), 503),
    (SourceUnavailable("timed out", library="fm"), 502),
    (CatalogueError("something else"), 500),
])
async def test_each_core_error_has_its_status_and_says_what_is_wrong(error: Exception,
                                                                     status: int) -> None:
    answer = await get(error)
    assert answer.status_code == status
    assert answer.json() == {"detail": str(error)}


async def test_a_bug_answers_500_without_its_trace() -> None:
    answer = await get(KeyError("secret-internal-name"))
    assert answer.status_code == 500
    assert answer.json() == {"detail": "internal error"}
    assert "secret" not in answer.text


async def test_a_malformed_parameter_is_a_400_naming_it() -> None:
    answer = await get(NotFound("unused"), page="two")
    assert answer.status_code == 400
    assert answer.json()["detail"].startswith("page: ")


async def test_the_openapi_documents_the_400_of_a_malformed_parameter_not_a_422() -> None:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/fail")
    def fail(page: int = 1) -> None:
        raise NotFound("unused")

    responses = app.openapi()["paths"]["/fail"]["get"]["responses"]
    assert "422" not in responses and "400" in responses
    assert "HTTPValidationError" not in str(app.openapi())


async def test_a_refused_method_is_told_every_method_its_path_is_served_with() -> None:
    """GET and POST by two routes (as /oai and /sru): Starlette names only the first."""
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/both")
    def read() -> None:
        return None

    @app.post("/both")
    def send() -> None:
        return None

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        for method in ("OPTIONS", "DELETE", "PUT"):
            answer = await client.request(method, "/both")
            assert answer.status_code == 405
            assert answer.headers["allow"] == "GET, POST", method
