"""An SRU request's parameters, checked, or the diagnostic that says what is wrong.

SRU 1.2 and 2.0 are both spoken; the answer's version is the one asked for ("1.1" and "1.2"
are answered as 1.2), 2.0 when none is. Without ``operation`` (SRU 2.0 has none), a request
with a query is a searchRetrieve and one without an explain.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from catalogue_sync.export.text import clean

Version = Literal["1.2", "2.0"]
VERSIONS: dict[str, Version] = {"1.1": "1.2", "1.2": "1.2", "2.0": "2.0"}
DEFAULT_RECORDS = 10
MAX_RECORDS = 100
"""maximumRecords above this is answered with this many (the index's largest page)."""
SCHEMAS = {
    "marcxml": "marcxml", "info:srw/schema/1/marcxml-v1.1": "marcxml",
    "dc": "dc", "info:srw/schema/1/dc-v1.1": "dc", "oai_dc": "dc",
}
"""recordSchema names and URIs -> the schema this server writes."""
SCHEMA_URIS = {"marcxml": "info:srw/schema/1/marcxml-v1.1", "dc": "info:srw/schema/1/dc-v1.1"}
PACKINGS = {"1.2": ("xml",), "2.0": ("packed", "xml")}
"""recordPacking values answered: 1.2's "xml"; 2.0's "packed" (and "xml", which 1.2
clients send by habit)."""
PARAMETERS = frozenset({
    "operation", "version", "query", "queryType", "startRecord", "maximumRecords",
    "recordSchema", "recordPacking", "recordXMLEscaping", "resultSetTTL", "httpAccept",
    "responseType", "extraRequestData",
})
UNSUPPORTED = {"sortKeys": (80, "sorting is not supported"),
               "stylesheet": (110, "stylesheets are not supported"),
               "recordXPath": (72, "XPath retrieval is not supported"),
               "scanClause": (4, "scan is not supported")}


class SruDiagnostic(Exception):
    """An SRU diagnostic: its number (info:srw/diagnostic/1/N), a message, details."""

    def __init__(self, code: int, message: str, details: str | None = None) -> None:
        self.code = code
        self.message = clean(message)[:500]
        self.details = clean(details)[:200] if details is not None else None
        super().__init__(f"{code}: {self.message}")

    @property
    def uri(self) -> str:
        return f"info:srw/diagnostic/1/{self.code}"


@dataclass(frozen=True, slots=True)
class SruRequest:
    version: Version
    operation: Literal["explain", "searchRetrieve"]
    query: str = ""
    start: int = 1
    maximum: int = DEFAULT_RECORDS
    schema: str = "marcxml"


def answer_version(pairs: Sequence[tuple[str, str]]) -> Version:
    """The version to answer in, whatever else is wrong with the request."""
    asked = next((value for name, value in pairs if name == "version"), None)
    return VERSIONS.get(asked or "2.0", "2.0")


def parse_request(pairs: Sequence[tuple[str, str]]) -> SruRequest:
    """The request, or SruDiagnostic."""
    parameters = _parameters(pairs)
    version = parameters.get("version", "2.0")
    if version not in VERSIONS:
        raise SruDiagnostic(5, f"SRU version {version[:20]!r} is not supported; versions: "
                               "1.1, 1.2, 2.0", details="2.0")
    operation = _operation(parameters)
    if operation == "explain":
        _packing(parameters, VERSIONS[version])
        return SruRequest(VERSIONS[version], "explain")
    return _search_request(parameters, VERSIONS[version])


def _parameters(pairs: Sequence[tuple[str, str]]) -> dict[str, str]:
    parameters: dict[str, str] = {}
    for name, value in pairs:
        if name in UNSUPPORTED:
            code, message = UNSUPPORTED[name]
            raise SruDiagnostic(code, message, details=name)
        if name not in PARAMETERS and not name.startswith("x-"):
            raise SruDiagnostic(8, f"unsupported parameter {name[:50]!r}", details=name)
        if name in parameters:
            raise SruDiagnostic(6, f"the parameter {name!r} is given more than once",
                                details=name)
        parameters[name] = value
    return parameters


def _operation(parameters: dict[str, str]) -> Literal["explain", "searchRetrieve"]:
    operation = parameters.get("operation")
    if operation is None:
        return "searchRetrieve" if "query" in parameters else "explain"
    if operation in ("explain", "searchRetrieve"):
        return operation  # type: ignore[return-value]
    raise SruDiagnostic(4, f"unsupported operation {operation[:50]!r}; operations: explain, "
                           "searchRetrieve", details=operation)


def _search_request(parameters: dict[str, str], version: Version) -> SruRequest:
    query = parameters.get("query")
    if query is None:
        raise SruDiagnostic(7, "searchRetrieve needs a query", details="query")
    if parameters.get("queryType", "cql") != "cql":
        raise SruDiagnostic(6, "the only queryType is cql", details="queryType")
    schema = parameters.get("recordSchema", "marcxml")
    if schema not in SCHEMAS:
        raise SruDiagnostic(66, f"unknown record schema {schema[:100]!r}; schemas: marcxml, "
                                "dc", details=schema)
    _packing(parameters, version)
    start = _number(parameters, "startRecord", 1, minimum=1)
    maximum = min(_number(parameters, "maximumRecords", DEFAULT_RECORDS, minimum=0),
                  MAX_RECORDS)
    return SruRequest(version, "searchRetrieve", query, start, maximum, SCHEMAS[schema])


def _packing(parameters: dict[str, str], version: Version) -> None:
    packing = parameters.get("recordPacking")
    if packing is not None and packing not in PACKINGS[version]:
        raise SruDiagnostic(71, f"record packing {packing[:50]!r} is not supported; "
                                f"packing: {', '.join(PACKINGS[version])}", details=packing)
    escaping = parameters.get("recordXMLEscaping")
    if escaping is not None and escaping != "xml":
        raise SruDiagnostic(71, "records are sent as XML (recordXMLEscaping=xml)",
                            details=escaping)


def _number(parameters: dict[str, str], name: str, default: int, *, minimum: int) -> int:
    value = parameters.get(name)
    if value is None:
        return default
    if not (value.isascii() and value.isdigit()) or int(value[:18]) < minimum:
        raise SruDiagnostic(6, f"{name} is a whole number, {minimum} or more", details=name)
    # A number longer than any catalogue counts as the largest one worth reading.
    return int(value) if len(value) <= 18 else 10**18
