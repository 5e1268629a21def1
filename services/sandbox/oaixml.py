"""The XML the OAI-PMH provider writes, built as strings for speed.

Everything here is schema-valid OAI-PMH 2.0 (checked by the tests against the official
XSDs); values are escaped with the same helpers as the MARCXML writer.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from datetime import datetime

from catalogue_sync.models import Format
from services.sandbox.marcio import MARC_NS, xml_attribute, xml_text
from services.sandbox.works import Manifestation

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    f'<OAI-PMH xmlns="{OAI_NS}" xmlns:xsi="{XSI}" xsi:schemaLocation="{OAI_NS} '
    'http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd">'
)
FORMATS = {
    "marcxml": ("http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd", MARC_NS),
    "oai_dc": ("http://www.openarchives.org/OAI/2.0/oai_dc.xsd",
               "http://www.openarchives.org/OAI/2.0/oai_dc/"),
}
DC_TYPES = {
    Format.VIDEO: "MovingImage", Format.MUSIC: "Sound", Format.AUDIOBOOK: "Sound",
    Format.MAP: "Image", Format.BOARD_GAME: "PhysicalObject",
    Format.VIDEO_GAME: "InteractiveResource",
}
DOMAIN_LABEL = re.compile(r"[a-zA-Z][a-zA-Z0-9-]*")
SECONDS = "%Y-%m-%dT%H:%M:%SZ"
DAY = "%Y-%m-%d"


def stamp(timestamp: int, day: bool = False) -> str:
    """A UTC datestamp at the repository's granularity."""
    return time.strftime(DAY if day else SECONDS, time.gmtime(timestamp))


def repository_identifier(library_id: str) -> str:
    """The domain-like repository part of OAI identifiers, e.g. ``mediatheque-fm.sandbox.test``."""
    label = library_id.replace("_", "-")
    return f"{label if DOMAIN_LABEL.fullmatch(label) else 'lib-' + label}.sandbox.test"


def envelope(now: datetime, base_url: str, attributes: Sequence[tuple[str, str]],
             body: list[bytes]) -> bytes:
    """The OAI-PMH document around a verb's (or an error's) element."""
    echo = "".join(f' {name}="{xml_attribute(value)}"' for name, value in attributes)
    head = (f"{HEAD}<responseDate>{now:%Y-%m-%dT%H:%M:%SZ}</responseDate>"
            f"<request{echo}>{xml_text(base_url)}</request>")
    return b"".join([head.encode("utf-8"), *body, b"</OAI-PMH>\n"])


def error(code: str, message: str) -> bytes:
    return f'<error code="{code}">{xml_text(message)}</error>'.encode()


def header(identifier: str, datestamp: str, sets: Sequence[str], deleted: bool) -> str:
    status = ' status="deleted"' if deleted else ""
    specs = "".join(f"<setSpec>{spec}</setSpec>" for spec in sets)
    return (f"<header{status}><identifier>{xml_text(identifier)}</identifier>"
            f"<datestamp>{datestamp}</datestamp>{specs}</header>")


def resumption_token(token: str | None, size: int, cursor: int) -> bytes:
    """The token element; an empty one closes a list that was split."""
    attributes = f'completeListSize="{size}" cursor="{cursor}"'
    if token is None:
        return f"<resumptionToken {attributes}/>".encode()
    return f"<resumptionToken {attributes}>{xml_text(token)}</resumptionToken>".encode()


def identify(name: str, base_url: str, library_id: str, earliest: str, granularity: str,
             sample_id: str) -> bytes:
    repository = repository_identifier(library_id)
    description = (
        '<description><oai-identifier xmlns="http://www.openarchives.org/OAI/2.0/oai-identifier" '
        'xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/oai-identifier '
        'http://www.openarchives.org/OAI/2.0/oai-identifier.xsd"><scheme>oai</scheme>'
        f"<repositoryIdentifier>{repository}</repositoryIdentifier><delimiter>:</delimiter>"
        f"<sampleIdentifier>{xml_text(sample_id)}</sampleIdentifier></oai-identifier>"
        "</description>"
    )
    return (
        f"<Identify><repositoryName>{xml_text(name)}</repositoryName>"
        f"<baseURL>{xml_text(base_url)}</baseURL><protocolVersion>2.0</protocolVersion>"
        f"<adminEmail>catalogue@{repository}</adminEmail>"
        f"<earliestDatestamp>{earliest}</earliestDatestamp>"
        f"<deletedRecord>persistent</deletedRecord><granularity>{granularity}</granularity>"
        f"{description}</Identify>"
    ).encode()


def metadata_formats() -> bytes:
    parts = [
        f"<metadataFormat><metadataPrefix>{prefix}</metadataPrefix><schema>{schema}</schema>"
        f"<metadataNamespace>{namespace}</metadataNamespace></metadataFormat>"
        for prefix, (schema, namespace) in FORMATS.items()
    ]
    return f"<ListMetadataFormats>{''.join(parts)}</ListMetadataFormats>".encode()


def sets(specs: Sequence[tuple[str, str]]) -> bytes:
    parts = [f"<set><setSpec>{spec}</setSpec><setName>{xml_text(name)}</setName></set>"
             for spec, name in specs]
    return f"<ListSets>{''.join(parts)}</ListSets>".encode()


def dublin_core(m: Manifestation) -> bytes:
    """A simple Dublin Core description of a manifestation (the optional oai_dc format)."""
    work = m.work
    title = f"{work.title} : {work.subtitle}" if work.subtitle else work.title
    values = [("title", title)]
    values += [("creator", f"{p.surname}, {p.forename}".rstrip(", ")) for p in work.creators]
    values += [("subject", " -- ".join(heading)) for heading in work.subjects]
    values += [("publisher", m.publisher.name), ("date", str(m.year)),
               ("type", DC_TYPES.get(m.format, "Text")), ("language", "fre")]
    values += [("identifier", f"URN:ISBN:{m.isbn}")] if m.isbn else []
    values += [("identifier", f"URN:ISSN:{m.issn}")] if m.issn else []
    body = "".join(f"<dc:{name}>{xml_text(value)}</dc:{name}>" for name, value in values)
    return (
        '<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/oai_dc/ '
        f'http://www.openarchives.org/OAI/2.0/oai_dc.xsd">{body}</oai_dc:dc>'
    ).encode()
