"""SRU answers as XML: SRU 1.2 (the ZiNG namespace) or SRU 2.0 (OASIS searchRetrieve).

Both have the same shape, with these differences: 1.2 starts with <version> and its
records say recordPacking "xml"; 2.0 has no version element, says recordXMLEscaping "xml"
and recordPacking "packed", and its diagnostics have their own namespace.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from lxml import etree

from catalogue_sync.export.sru.request import SruDiagnostic, Version

NAMESPACES = {
    "1.2": ("http://www.loc.gov/zing/srw/", "http://www.loc.gov/zing/srw/diagnostic/"),
    "2.0": ("http://docs.oasis-open.org/ns/search-ws/sruResponse",
            "http://docs.oasis-open.org/ns/search-ws/diagnostic"),
}
PREFIXES = {"1.2": "zs", "2.0": "sruResponse"}
EXPLAIN_SCHEMA = "http://explain.z3950.org/dtd/2.0/"
DIAGNOSTIC_SCHEMA = "info:srw/schema/1/diagnostics-v1.1"
EXACT_COUNT = "info:srw/vocabulary/resultCountPrecision/1/exact"


@dataclass(frozen=True, slots=True)
class SruRecord:
    """A record to send: its schema URI and data (or a diagnostic in its place)."""

    schema: str
    data: etree._Element


class Writer:
    """Builds the answers of one SRU version."""

    def __init__(self, version: Version) -> None:
        self.version = version
        self.ns, self.diag_ns = NAMESPACES[version]

    def explain(self, record: etree._Element,
                diagnostics: Sequence[SruDiagnostic] = ()) -> bytes:
        root = self._root("explainResponse")
        root.append(self._record(SruRecord(EXPLAIN_SCHEMA, record), None))
        self._diagnostics(root, diagnostics)
        return _bytes(root)

    def search(self, total: int, records: Sequence[SruRecord], start: int,
               next_position: int | None, diagnostics: Sequence[SruDiagnostic] = ()
               ) -> bytes:
        """A searchRetrieveResponse: the count, the records from position ``start``."""
        root = self._root("searchRetrieveResponse")
        self._text(root, "numberOfRecords", str(total))
        if records:
            listed = self._sub(root, "records")
            for position, record in enumerate(records, start):
                listed.append(self._record(record, position))
        if next_position is not None:
            self._text(root, "nextRecordPosition", str(next_position))
        self._diagnostics(root, diagnostics)
        if self.version == "2.0":
            self._text(root, "resultCountPrecision", EXACT_COUNT)
        return _bytes(root)

    def failure(self, diagnostics: Sequence[SruDiagnostic]) -> bytes:
        """A request that could not be run: no records, the diagnostics."""
        return self.search(0, [], 1, None, diagnostics)

    def diagnostic_record(self, diagnostic: SruDiagnostic) -> SruRecord:
        """A surrogate diagnostic, in place of a record that cannot be sent."""
        return SruRecord(DIAGNOSTIC_SCHEMA, self._diagnostic(diagnostic))

    def _root(self, name: str) -> etree._Element:
        root = etree.Element(f"{{{self.ns}}}{name}", nsmap={PREFIXES[self.version]: self.ns})
        if self.version == "1.2":
            self._text(root, "version", "1.2")
        return root

    def _record(self, record: SruRecord, position: int | None) -> etree._Element:
        element = etree.Element(f"{{{self.ns}}}record")
        self._text(element, "recordSchema", record.schema)
        if self.version == "1.2":
            self._text(element, "recordPacking", "xml")
        else:
            self._text(element, "recordPacking", "packed")
            self._text(element, "recordXMLEscaping", "xml")
        self._sub(element, "recordData").append(record.data)
        if position is not None:
            self._text(element, "recordPosition", str(position))
        return element

    def _diagnostics(self, root: etree._Element, diagnostics: Iterable[SruDiagnostic]
                     ) -> None:
        found = list(diagnostics)
        if found:
            self._sub(root, "diagnostics").extend(self._diagnostic(d) for d in found)

    def _diagnostic(self, diagnostic: SruDiagnostic) -> etree._Element:
        element = etree.Element(f"{{{self.diag_ns}}}diagnostic", nsmap={"diag": self.diag_ns})
        etree.SubElement(element, f"{{{self.diag_ns}}}uri").text = diagnostic.uri
        if diagnostic.details:
            etree.SubElement(element, f"{{{self.diag_ns}}}details").text = diagnostic.details
        etree.SubElement(element, f"{{{self.diag_ns}}}message").text = diagnostic.message
        return element

    def _sub(self, parent: etree._Element, name: str) -> etree._Element:
        return etree.SubElement(parent, f"{{{self.ns}}}{name}")

    def _text(self, parent: etree._Element, name: str, text: str) -> None:
        self._sub(parent, name).text = text


def _bytes(root: etree._Element) -> bytes:
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
