"""Every OAI-PMH error condition, and hostile input, answered in valid OAI-PMH XML with HTTP
200: never a 500, never a traceback."""

from __future__ import annotations

import base64
import json
import random
import string

import httpx
from lxml import etree
from xml_schemas import assert_valid

from catalogue_sync.config import ConnectorConfig, LibraryConfig, NetworkConfig
from catalogue_sync.export.oai import OaiProvider
from catalogue_sync.store import Store

OAI = {"oai": "http://www.openarchives.org/OAI/2.0/"}
PREFIX = "oai:catalogue-sync.local:"
Params = list[tuple[str, str]]
LIST = [("verb", "ListRecords"), ("metadataPrefix", "oai_dc")]

ERRORS: list[tuple[Params, str]] = [
    ([], "badVerb"),
    ([("verb", "Explain")], "badVerb"),
    ([("verb", "")], "badVerb"),
    ([("verb", "Identify"), ("verb", "Identify")], "badVerb"),
    ([("verb", "identify")], "badVerb"),
    ([("verb", "Identify"), ("metadataPrefix", "oai_dc")], "badArgument"),
    ([("verb", "Identify"), ("unknown", "1")], "badArgument"),
    ([("verb", "ListRecords")], "badArgument"),
    ([*LIST, ("metadataPrefix", "oai_dc")], "badArgument"),
    ([("verb", "ListRecords"), ("metadataPrefix", "marc21")], "cannotDisseminateFormat"),
    ([("verb", "ListRecords"), ("metadataPrefix", "oai dc")], "badArgument"),
    ([("verb", "ListRecords"), ("metadataPrefix", "")], "badArgument"),
    ([*LIST, ("from", "2024-13-01")], "badArgument"),
    ([*LIST, ("from", "2024-02-30")], "badArgument"),
    ([*LIST, ("from", "2024-01-01T10:00:00")], "badArgument"),
    ([*LIST, ("from", "2024-01-01T10:00:00+01:00")], "badArgument"),
    ([*LIST, ("from", "yesterday")], "badArgument"),
    ([*LIST, ("from", "2024-01-01"), ("until", "2024-01-02T00:00:00Z")], "badArgument"),
    ([*LIST, ("from", "2024-01-02"), ("until", "2024-01-01")], "badArgument"),
    ([*LIST, ("until", "1970-01-01")], "noRecordsMatch"),
    ([*LIST, ("from", "9999-01-01T00:00:00Z")], "noRecordsMatch"),
    ([*LIST, ("until", "9999-12-31")], "badArgument"),
    ([*LIST, ("set", "no-such-library")], "noRecordsMatch"),
    ([*LIST, ("set", "two words")], "badArgument"),
    ([*LIST, ("set", "a::b")], "badArgument"),
    ([("verb", "ListSets"), ("resumptionToken", "anything")], "badResumptionToken"),
    ([("verb", "ListRecords"), ("resumptionToken", "garbage")], "badResumptionToken"),
    ([*LIST, ("resumptionToken", "garbage")], "badArgument"),
    ([("verb", "GetRecord"), ("identifier", f"{PREFIX}m000000000000"),
      ("metadataPrefix", "oai_dc")], "idDoesNotExist"),
    ([("verb", "GetRecord"), ("identifier", "oai:elsewhere.org:m000000000000"),
      ("metadataPrefix", "oai_dc")], "idDoesNotExist"),
    ([("verb", "GetRecord"), ("identifier", PREFIX), ("metadataPrefix", "oai_dc")],
     "idDoesNotExist"),
    ([("verb", "GetRecord"), ("identifier", "a b"), ("metadataPrefix", "oai_dc")],
     "badArgument"),
    ([("verb", "GetRecord"), ("identifier", f"{PREFIX}m000000000000")], "badArgument"),
    ([("verb", "GetRecord"), ("identifier", f"{PREFIX}m1"), ("metadataPrefix", "dc")],
     "cannotDisseminateFormat"),
    ([("verb", "ListMetadataFormats"), ("identifier", f"{PREFIX}nothing")], "idDoesNotExist"),
    ([("verb", "ListIdentifiers"), ("metadataPrefix", "oai_dc"), ("from", "x" * 3000)],
     "badArgument"),
    ([("verb", "ListIdentifiers"), ("metadataPrefix", "oai_dc\u0007")], "badArgument"),
]


def oai_answer(response: httpx.Response) -> etree._Element:
    assert response.status_code == 200, response.text
    return assert_valid(response.content, "oai")


def codes(root: etree._Element) -> list[str]:
    return [element.get("code") for element in root.iterfind("oai:error", OAI)]


def test_every_error_condition_is_answered_as_oai_pmh_says(search_url: str) -> None:
    for params, code in ERRORS:
        root = oai_answer(httpx.get(f"{search_url}/oai", params=params))
        assert codes(root) == [code], params
        request = root.find("oai:request", OAI)
        assert request.text == f"{search_url}/oai"
        if code in ("badVerb", "badArgument"):
            assert dict(request.attrib) == {}, params  # the protocol forbids echoing them
        else:
            assert request.get("verb") == dict(params)["verb"]


def token(data: object) -> str:
    text = json.dumps(data).encode()
    return base64.urlsafe_b64encode(text).rstrip(b"=").decode()


HOSTILE_TOKENS = [
    "x" * 5_000,
    "!!!not base64!!!",
    token("just a string"),
    token([1, "ListRecords"]),
    token([2, "ListRecords", "oai_dc", None, None, None, 0, "m1", 1, 1]),
    token([1, "ListIdentifiers", "oai_dc", None, None, None, 0, "m1", 1, 1]),
    token([1, "ListRecords", "marc21", None, None, None, 0, "m1", 1, 1]),
    token([1, "ListRecords", "oai dc", None, None, None, 0, "m1", 1, 1]),
    token([1, "ListRecords", "oai_dc", "bad set", None, None, 0, "m1", 1, 1]),
    token([1, "ListRecords", "oai_dc", None, None, None, True, "m1", 1, 1]),
    token([1, "ListRecords", "oai_dc", None, None, None, -5, "m1", 1, 1]),
    token([1, "ListRecords", "oai_dc", None, None, None, 10**30, "m1", 1, 1]),
    token([1, "ListRecords", "oai_dc", None, "2024", None, 0, "m1", 1, 1]),
    token([1, "ListRecords", "oai_dc", None, None, None, 0, "m" * 500, 1, 1]),
    token([1, "ListRecords", "oai_dc", None, None, None, 0, "m1", -1, 1.5]),
    token([1, "ListRecords", "oai_dc", None, None, None, 0, {"id": 1}, 1, 1]),
    base64.urlsafe_b64encode(b"[" * 600 + b"]" * 600).decode(),  # deep nesting
    base64.urlsafe_b64encode(b"\xff\xfe\x00\x01").decode(),
]


def test_hostile_resumption_tokens_are_bad_resumption_tokens(search_url: str) -> None:
    for value in HOSTILE_TOKENS:
        root = oai_answer(httpx.get(f"{search_url}/oai", params={
            "verb": "ListRecords", "resumptionToken": value}))
        assert codes(root) == ["badResumptionToken"], value[:80]


def test_other_methods_are_told_that_get_and_post_are_served(search_url: str) -> None:
    """/oai and /sru take GET and POST, as their OpenAPI says: Allow names both."""
    document = httpx.get(f"{search_url}/openapi.json").json()
    for path in ("/oai", "/sru"):
        assert set(document["paths"][path]) == {"get", "post"}
        for method in ("OPTIONS", "PUT", "DELETE"):
            answer = httpx.request(method, f"{search_url}{path}")
            assert answer.status_code == 405
            assert answer.headers["allow"] == "GET, POST", (method, path)


def test_post_requests_that_cannot_be_read_are_bad_arguments(search_url: str) -> None:
    url = f"{search_url}/oai"
    cases = [
        httpx.post(url, content=b"verb=Identify", headers={"content-type": "text/plain"}),
        httpx.post(url, content=b"verb=Identify&" + b"a" * 70_000,
                   headers={"content-type": "application/x-www-form-urlencoded"}),
        httpx.post(url, content=b"verb=Identify&x=\xff\xfe",
                   headers={"content-type": "application/x-www-form-urlencoded"}),
        httpx.post(url, data={f"a{n}": "1" for n in range(80)}),
    ]
    for response in cases:
        assert codes(oai_answer(response)) == ["badArgument"]
    repeated = httpx.post(url, content=b"verb=Identify&verb=ListSets",
                          headers={"content-type": "application/x-www-form-urlencoded"})
    assert codes(oai_answer(repeated)) == ["badVerb"]
    identify = httpx.post(url, data={"verb": "Identify"})
    assert codes(oai_answer(identify)) == []


def test_random_requests_always_get_a_valid_answer(store: Store) -> None:
    """Fuzz the provider itself: arguments made of any characters, tokens of any bytes."""
    library = LibraryConfig(id="niort", name="Niort", flavour="unimarc",
                            connector=ConnectorConfig(type="oai-pmh", url="http://x/oai"))
    provider = OaiProvider(store, NetworkConfig(libraries={"niort": library}))
    rng = random.Random(20250314)
    names = ["verb", "metadataPrefix", "from", "until", "set", "identifier",
             "resumptionToken", "x"]
    verbs = ["Identify", "ListRecords", "ListIdentifiers", "GetRecord", "ListSets",
             "ListMetadataFormats", "Nope"]
    alphabet = string.printable + "éü\u0000\u0007\ud800\ufffe\U0001f600:<>&\"'"
    for _ in range(1_500):
        pairs = [("verb", rng.choice(verbs))] if rng.random() < 0.9 else []
        for _ in range(rng.randrange(4)):
            value = "".join(rng.choice(alphabet) for _ in range(rng.randrange(30)))
            if rng.random() < 0.3:
                value = base64.urlsafe_b64encode(rng.randbytes(rng.randrange(80))).decode()
            pairs.append((rng.choice(names), value))
        root = assert_valid(provider.answer(pairs, "http://localhost/oai"), "oai")
        assert root.find("oai:request", OAI) is not None
