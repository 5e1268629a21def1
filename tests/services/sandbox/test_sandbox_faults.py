"""Each fault can be injected, does what real ILSs do, and clears after its count."""

from __future__ import annotations

import io
from collections.abc import Iterator

import httpx
import pymarc
import pytest
from lxml import etree
from sandbox_support import OAI, error_code, valid_document

from services.sandbox import SandboxNetwork
from services.sandbox.testing import SandboxServer, run_sandbox

LIBRARY = "mediatheque-fm"
LIST = {"verb": "ListRecords", "metadataPrefix": "marcxml"}


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with run_sandbox(SandboxNetwork(seed=13, total_records=800), page_size=50) as running:
        yield running


@pytest.fixture
def sandbox(server: SandboxServer) -> Iterator[SandboxServer]:
    server.faults.clear()
    yield server
    server.faults.clear()


def get(sandbox: SandboxServer, timeout: float = 10, **params: str) -> httpx.Response:
    return httpx.get(sandbox.oai_url(LIBRARY), params=params or LIST, timeout=timeout)


def first_token(sandbox: SandboxServer) -> str:
    root = valid_document(get(sandbox).content)
    token = root.findtext(".//oai:resumptionToken", namespaces=OAI)
    assert token
    return token


def assert_clears(sandbox: SandboxServer, **params: str) -> None:
    response = get(sandbox, **params)
    assert response.status_code == 200
    assert error_code(valid_document(response.content)) is None


@pytest.mark.parametrize(("kind", "status"), [("unavailable", 503), ("rate-limited", 429),
                                              ("server-error", 500)])
def test_http_errors_with_retry_after(sandbox: SandboxServer, kind: str, status: int) -> None:
    sandbox.faults.inject(LIBRARY, kind, count=2, retry_after=7)
    for _ in range(2):
        response = get(sandbox)
        assert response.status_code == status
        if status != 500:
            assert response.headers["Retry-After"] == "7"
    assert_clears(sandbox)


def test_timeout_outlasts_the_client(sandbox: SandboxServer) -> None:
    sandbox.faults.inject(LIBRARY, "timeout", seconds=5)
    with pytest.raises(httpx.ReadTimeout):
        get(sandbox, timeout=0.3)
    assert_clears(sandbox)


def test_truncated_response_is_broken_xml(sandbox: SandboxServer) -> None:
    sandbox.faults.inject(LIBRARY, "truncated")
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(get(sandbox).content)
    assert_clears(sandbox)


@pytest.mark.parametrize(("entity", "bad"), [(False, b"\x0b"), (True, b"&#x1;")])
def test_invalid_xml_characters_in_a_record(sandbox: SandboxServer, entity: bool,
                                            bad: bytes) -> None:
    sandbox.faults.inject(LIBRARY, "invalid-chars", entity=entity)
    body = get(sandbox).content
    assert bad in body
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(body)
    assert_clears(sandbox)


def test_bad_resumption_token_on_the_next_token_request(sandbox: SandboxServer) -> None:
    sandbox.faults.inject(LIBRARY, "bad-token")
    assert_clears(sandbox)  # a request without a token is not affected
    token = first_token(sandbox)
    root = valid_document(get(sandbox, verb="ListRecords", resumptionToken=token).content)
    assert error_code(root) == "badResumptionToken"
    assert_clears(sandbox, verb="ListRecords", resumptionToken=token)


def test_expired_tokens(sandbox: SandboxServer) -> None:
    token = first_token(sandbox)
    response = httpx.post(f"{sandbox.base_url}/_faults", timeout=10,
                          json={"library": LIBRARY, "kind": "expire-tokens"})
    assert response.status_code == 201
    root = valid_document(get(sandbox, verb="ListRecords", resumptionToken=token).content)
    assert error_code(root) == "badResumptionToken"
    assert_clears(sandbox, verb="ListRecords", resumptionToken=first_token(sandbox))


@pytest.mark.parametrize("status", [400, 404])
def test_oai_error_with_an_http_error_status(sandbox: SandboxServer, status: int) -> None:
    sandbox.faults.inject(LIBRARY, "oai-error", code="noRecordsMatch", status=status)
    response = get(sandbox)
    assert response.status_code == status
    assert error_code(valid_document(response.content)) == "noRecordsMatch"
    assert_clears(sandbox)


def test_the_same_token_forever(sandbox: SandboxServer) -> None:
    sandbox.faults.inject(LIBRARY, "repeat-token", count=3)
    token = first_token(sandbox)
    for _ in range(3):
        root = valid_document(get(sandbox, verb="ListRecords", resumptionToken=token).content)
        assert root.findtext(".//oai:resumptionToken", namespaces=OAI) == token
    root = valid_document(get(sandbox, verb="ListRecords", resumptionToken=token).content)
    assert root.findtext(".//oai:resumptionToken", namespaces=OAI) != token


def test_a_huge_page(sandbox: SandboxServer) -> None:
    sandbox.faults.inject(LIBRARY, "huge")
    body = get(sandbox, timeout=30).content
    assert len(body) > 20 * 1024 * 1024
    valid_document(body)
    assert len(get(sandbox).content) < 1024 * 1024


def test_a_broken_record_among_good_ones(sandbox: SandboxServer) -> None:
    sandbox.faults.inject(LIBRARY, "broken-record")
    root = etree.fromstring(get(sandbox).content)  # the page itself is well-formed XML
    records = root.findall(".//oai:metadata/marc:record", OAI)
    without_leader = [r for r in records if r.find("marc:leader", OAI) is None]
    assert len(without_leader) == 1 and len(records) > 40
    assert_clears(sandbox)


def test_after_lets_requests_through_first_and_star_means_every_library(
    sandbox: SandboxServer,
) -> None:
    sandbox.faults.inject("*", "unavailable", after=2)
    assert_clears(sandbox)
    assert httpx.get(sandbox.oai_url("ludotheque"), params=LIST).status_code == 200
    assert httpx.get(sandbox.oai_url("ludotheque"), params=LIST).status_code == 503
    assert_clears(sandbox)


def test_faults_over_http_are_listed_and_cleared(sandbox: SandboxServer) -> None:
    faults_url = f"{sandbox.base_url}/_faults"
    created = httpx.post(faults_url, json={"library": LIBRARY, "kind": "server-error",
                                           "count": 5})
    assert created.status_code == 201 and created.json()["count"] == 5
    assert [f["kind"] for f in httpx.get(faults_url).json()] == ["server-error"]
    assert get(sandbox).status_code == 500
    assert httpx.delete(faults_url).status_code == 204
    assert httpx.get(faults_url).json() == []
    assert_clears(sandbox)
    refused = httpx.post(faults_url, json={"library": LIBRARY, "kind": "meteor"})
    assert refused.status_code == 422
    unknown = httpx.post(faults_url, json={"library": "nowhere", "kind": "timeout"})
    assert unknown.status_code == 404


def test_dump_faults(sandbox: SandboxServer) -> None:
    sandbox.faults.inject(LIBRARY, "broken-record")
    dump = httpx.get(sandbox.dump_url(LIBRARY, "mrc"), timeout=30).content
    records = list(pymarc.MARCReader(dump, to_unicode=True, force_utf8=True))
    assert records.count(None) == 1
    sandbox.faults.inject(LIBRARY, "truncated")
    cut = httpx.get(sandbox.dump_url(LIBRARY, "xml"), timeout=30).content
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(cut)
    sandbox.faults.inject(LIBRARY, "unavailable")
    assert httpx.get(sandbox.dump_url(LIBRARY, "xml"), timeout=30).status_code == 503
    whole = httpx.get(sandbox.dump_url(LIBRARY, "xml"), timeout=30).content
    assert len(pymarc.parse_xml_to_array(io.BytesIO(whole))) == len(records)
