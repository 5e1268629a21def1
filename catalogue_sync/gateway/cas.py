"""CAS 3.0 for the network's vendors: whose service a URL is, service tickets, the answers.

    parse_service / vendor_of   a service URL, parsed and compared as a browser would reach
                                it, and the vendor that registered it (``[vendors.ID] services``)
    resource_for                the resource a ticket stands for (below)
    grant_for                   what the vendor learns, by its ``release`` policy
    Tickets                     service tickets in Redis: single use, short-lived, bound to one
                                service URL
    SignInMarks                 whether the patron signed in just now (``renew``)
    validate                    one /serviceValidate request, decided
    success_xml / failure_xml / success_json / failure_json   the answers

Errors::

    InvalidRequest (catalogue_sync.errors)
    ├── UnknownService     a service URL that is malformed, tricky, or nobody's
    └── ValidationRefused  a validation answered with a CAS failure code (``code``)

No proxy tickets are issued: a validation that asks for one (``pgtUrl``) is refused with
UNAUTHORIZED_SERVICE_PROXY. The routes are ``services/gateway/cas.py``; docs/gateway.md
("CAS") describes the protocol as the vendors see it.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import re
import secrets
import string
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date
from urllib.parse import urlsplit, urlunsplit

import redis
from lxml import etree

from catalogue_sync.config import NetworkConfig
from catalogue_sync.errors import InvalidRequest
from catalogue_sync.gateway.pseudonyms import pseudonym
from catalogue_sync.gateway.sessions import Patron, Session, redis_failures
from catalogue_sync.offer import ATTRIBUTES, ResourceConfig, VendorConfig, entitled

NS = "http://www.yale.edu/tp/cas"
MAX_SERVICE = 1500
"""Characters of a service URL; longer ones are refused (the sign-in's way back must fit)."""
MAX_TICKET = 256
DEFAULT_PORTS = {"https": 443, "http": 80}
LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
HOST_NAME = re.compile(rf"^{LABEL}(?:\.{LABEL})*$")
TRICKY_ESCAPE = re.compile(r"%(?:2e|2f|5c|00)", re.IGNORECASE)
"""Escaped '.', '/', '\\' and NUL in a path: servers decode them into other paths."""
LONE_PERCENT = re.compile(r"%(?![0-9a-fA-F]{2})")
VISIBLE_ASCII = re.compile(r"^[\x21-\x7e]*$")
TICKET_ALPHABET = string.ascii_letters + string.digits
"""CAS 3.0 (3.1.1): a ticket's characters are letters, digits and '-' ('-' only after ST)."""
TICKET_LENGTH = 43
"""Random characters after ``ST-``: 43 of 62 carry 256 bits."""
TICKET = re.compile(r"^ST-[A-Za-z0-9-]{32,250}$")
MARK_SECONDS = 15 * 60
"""How long a patron sent to sign in may take before coming back (``SignInMarks``)."""

INVALID_REQUEST = "INVALID_REQUEST"
INVALID_TICKET_SPEC = "INVALID_TICKET_SPEC"
UNAUTHORIZED_SERVICE_PROXY = "UNAUTHORIZED_SERVICE_PROXY"
INVALID_TICKET = "INVALID_TICKET"
INVALID_SERVICE = "INVALID_SERVICE"
INTERNAL_ERROR = "INTERNAL_ERROR"


class UnknownService(InvalidRequest):
    """A service URL the gateway will neither send a patron nor a ticket to."""


class ValidationRefused(InvalidRequest):
    """A validation that fails; ``code`` is the CAS 3.0 error code."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


# ---------------------------------------------------------------------------------------
# Service URLs


@dataclass(frozen=True, slots=True)
class ServiceUrl:
    """A service URL as compared: lower-case scheme, ASCII (IDNA) host, effective port."""

    scheme: str
    host: str
    port: int
    path: str
    query: str

    @property
    def url(self) -> str:
        """The URL rebuilt from its parts: where patrons are sent, what tickets are bound to."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        netloc = host if DEFAULT_PORTS[self.scheme] == self.port else f"{host}:{self.port}"
        return urlunsplit((self.scheme, netloc, self.path, self.query, ""))

    def under(self, prefix: ServiceUrl) -> bool:
        """Same origin, and the path within the prefix's (which ends with '/', so whole
        segments: /reseau/ never takes in /reseaux/)."""
        return ((self.scheme, self.host, self.port) == (prefix.scheme, prefix.host, prefix.port)
                and self.path.startswith(prefix.path))


def parse_service(value: str) -> ServiceUrl:
    """The parts of a service URL; UnknownService names what makes it unusable."""
    if not 0 < len(value) <= MAX_SERVICE:
        raise UnknownService(f"a service URL has 1 to {MAX_SERVICE} characters")
    if "\\" in value or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise UnknownService("a service URL has no backslash, space or control character")
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as error:
        raise UnknownService(f"the service URL cannot be read: {error}") from None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise UnknownService("a service URL is http(s) with a host")
    if "@" in parts.netloc:
        raise UnknownService("a service URL has no user name or password before its host")
    if parts.fragment or value.endswith("#"):
        raise UnknownService("a service URL has no #fragment (the ticket would be lost in it)")
    path = parts.path or "/"
    _check_path(path)
    if not VISIBLE_ASCII.match(parts.query):
        raise UnknownService("a service URL's query is ASCII, its other characters %-escaped")
    return ServiceUrl(parts.scheme, _ascii_host(parts.hostname),
                      port or DEFAULT_PORTS[parts.scheme], path, parts.query)


def _check_path(path: str) -> None:
    if not VISIBLE_ASCII.match(path) or LONE_PERCENT.search(path):
        raise UnknownService("a service URL's path is ASCII, its other characters %-escaped")
    if TRICKY_ESCAPE.search(path):
        raise UnknownService("a service URL's path has no escaped '.', '/', '\\' or NUL")
    # "..;" counts: some servers drop a segment's ";parameters" before resolving it
    if any(segment.split(";")[0] in (".", "..") for segment in path.split("/")):
        raise UnknownService("a service URL's path has no '.' or '..' segment")


def _ascii_host(host: str) -> str:
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    try:
        ascii_host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise UnknownService("the service URL's host is not a valid domain name") from None
    if not HOST_NAME.match(ascii_host):
        raise UnknownService("the service URL's host is not a valid domain name")
    return ascii_host


def vendor_of(network: NetworkConfig, service: ServiceUrl) -> VendorConfig | None:
    """The CAS vendor that registered this service; the longest prefix wins when two do."""
    best: tuple[int, VendorConfig] | None = None
    for vendor in network.vendors.values():
        if vendor.access != "cas":
            continue
        for prefix in _prefixes(vendor.services):
            if service.under(prefix) and (best is None or len(prefix.path) > best[0]):
                best = (len(prefix.path), vendor)
    return best[1] if best else None


def registered_service(network: NetworkConfig, value: str) -> tuple[ServiceUrl, VendorConfig]:
    """The service URL and its vendor; UnknownService if it is malformed or nobody's."""
    service = parse_service(value)
    vendor = vendor_of(network, service)
    if vendor is None:
        raise UnknownService(f"no vendor registered the service {service.scheme}://"
                             f"{service.host}{service.path[:80]}")
    return service, vendor


def _prefixes(values: Iterable[str]) -> list[ServiceUrl]:
    prefixes = []
    for value in values:
        try:
            prefixes.append(parse_service(value))
        except UnknownService:
            continue  # network.toml checked its shape; a prefix we cannot read matches nothing
    return prefixes


# ---------------------------------------------------------------------------------------
# Which resource, and what the vendor learns


def resource_for(network: NetworkConfig, vendor: VendorConfig, service: ServiceUrl,
                 patron: Patron, today: date) -> ResourceConfig | None:
    """The resource a ticket for ``service`` stands for; None: the patron may not open it.

    The vendor's resources whose ``url`` names the service most closely claim it (same origin,
    the service under the url's folder, most path segments in common); the first of them, in
    network.toml's order, that the patron is entitled to. When none claims it (a vendor's one
    callback for every resource), the vendor's first resource the patron is entitled to. A
    service claimed only by resources the patron is not entitled to is refused, even when
    another resource of the vendor is open to the patron: the service is that resource's.
    """
    own = [resource for resource in network.resources.values() if resource.vendor == vendor.id]
    scored = [(_claim(resource, service), resource) for resource in own]
    best = max((score for score, _ in scored), default=-1)
    candidates = [resource for score, resource in scored if score == best] if best >= 0 else own
    return next((resource for resource in candidates
                 if entitled(resource, patron.library, patron.category, today)), None)


def _claim(resource: ResourceConfig, service: ServiceUrl) -> int:
    """Path segments shared by the resource's url and the service; -1: not its service."""
    try:
        url = parse_service(resource.url)
    except UnknownService:
        return -1
    folder = url.path[: url.path.rfind("/") + 1]
    if not service.under(ServiceUrl(url.scheme, url.host, url.port, folder, "")):
        return -1
    shared = 0
    for mine, theirs in zip(url.path.split("/"), service.path.split("/"), strict=False):
        if mine != theirs:
            break
        shared += 1
    return shared


@dataclass(frozen=True, slots=True)
class Grant:
    """What a service ticket stands for, as the vendor will learn it."""

    service: str
    """The service URL the ticket was issued for (``ServiceUrl.url``)."""
    user: str
    attributes: tuple[tuple[str, str], ...]
    fresh: bool
    """Issued right after the patron typed card and PIN (CAS isFromNewLogin, renew)."""


def grant_for(vendor: VendorConfig, resource: ResourceConfig, patron: Patron,
              service: ServiceUrl, *, fresh: bool) -> Grant:
    """The vendor's release policy applied: its pseudonym of the patron as the user (or,
    when it does not receive one, a name for this ticket only), and the released attributes."""
    released = set(vendor.release)
    user = (pseudonym(patron.subject, vendor.id) if "pseudonym" in released
            else f"once.{secrets.token_urlsafe(18)}")
    values = {"library": patron.library, "resource": resource.id,
              "category": patron.category}
    attributes = tuple((name, values[name]) for name in ATTRIBUTES
                       if name in released and name in values)
    return Grant(service.url, user, attributes, fresh)


# ---------------------------------------------------------------------------------------
# Tickets in Redis


class Tickets:
    """Service tickets: ``ST-`` and ``TICKET_LENGTH`` random letters and digits, kept
    ``seconds`` under the SHA-256 of the ticket (reading Redis gives nobody a live ticket),
    taken out with GETDEL so that of two validations at the same moment exactly one finds
    it."""

    def __init__(self, client: redis.Redis, *, prefix: str, seconds: int) -> None:
        self.client = client
        self.prefix = prefix
        self.seconds = seconds

    def issue(self, grant: Grant) -> str:
        ticket = "ST-" + "".join(secrets.choice(TICKET_ALPHABET) for _ in range(TICKET_LENGTH))
        with redis_failures("keeping a service ticket"):
            self.client.set(self._key(ticket), json.dumps(asdict(grant)), ex=self.seconds,
                            nx=True)
        return ticket

    def take(self, ticket: str) -> Grant | None:
        """The ticket's grant, removed at once; None if it was never issued, was taken, or
        expired."""
        with redis_failures("taking a service ticket"):
            value = self.client.getdel(self._key(ticket))
        if value is None:
            return None
        data = json.loads(value)
        return Grant(data["service"], data["user"],
                     tuple((name, text) for name, text in data["attributes"]), data["fresh"])

    def _key(self, ticket: str) -> str:
        return f"{self.prefix}:cas:ticket:{hashlib.sha256(ticket.encode()).hexdigest()}"


class SignInMarks:
    """Whether a patron typed card and PIN just now, for ``renew`` and isFromNewLogin.

    /cas/login sends the patron to sign in with a mark in the way back; the mark holds the
    time it was made, and is good once. Coming back with a session opened after that time
    means the patron signed in in between: a mark copied from another browser's history
    is either used up or older than the session it meets.
    """

    def __init__(self, client: redis.Redis, *, prefix: str) -> None:
        self.client = client
        self.prefix = prefix

    def make(self) -> str:
        mark = secrets.token_urlsafe(16)
        with redis_failures("marking a sign-in"):
            self.client.set(self._key(mark), repr(time.time()), ex=MARK_SECONDS)
        return mark

    def signed_in_since(self, mark: str | None, session: Session | None) -> bool:
        """Whether ``session`` was opened after ``mark`` was made (which uses the mark up)."""
        if not mark or len(mark) > 64 or session is None:
            return False
        with redis_failures("reading a sign-in mark"):
            value = self.client.getdel(self._key(mark))
        return value is not None and session.started >= float(value)

    def _key(self, mark: str) -> str:
        return f"{self.prefix}:cas:mark:{hashlib.sha256(mark.encode()).hexdigest()}"


# ---------------------------------------------------------------------------------------
# Validation


@dataclass(frozen=True, slots=True)
class Validation:
    """The parameters of /serviceValidate and /p3/serviceValidate."""

    ticket: str
    service: str
    renew: bool = False
    pgt_url: str | None = None


def validate(network: NetworkConfig, tickets: Tickets, request: Validation) -> Grant:
    """The grant of a valid ticket; ValidationRefused with the CAS code otherwise.

    Once the request is well formed, the ticket is used up whatever the answer: a ticket
    shown with a wrong service, or with a proxy callback, cannot be tried again.
    """
    if not request.ticket or not request.service:
        raise ValidationRefused(INVALID_REQUEST, "ticket and service are both required")
    if len(request.ticket) > MAX_TICKET or len(request.service) > MAX_SERVICE:
        raise ValidationRefused(INVALID_REQUEST, "the ticket or the service is too long")
    if not TICKET.match(request.ticket):
        kind = "a proxy ticket" if request.ticket.startswith("PT-") else "not a service ticket"
        raise ValidationRefused(INVALID_TICKET_SPEC, f"the ticket is {kind} (ST-...)")
    try:
        service, _ = registered_service(network, request.service)
    except UnknownService as error:
        tickets.take(request.ticket)
        raise ValidationRefused(INVALID_SERVICE, str(error)) from None
    grant = tickets.take(request.ticket)
    if request.pgt_url is not None:
        raise ValidationRefused(UNAUTHORIZED_SERVICE_PROXY,
                                "this CAS server issues no proxy-granting tickets (pgtUrl)")
    if grant is None:
        raise ValidationRefused(INVALID_TICKET, "the ticket is unknown, used or expired")
    if grant.service != service.url:
        raise ValidationRefused(INVALID_SERVICE, "the ticket was issued for another service")
    if request.renew and not grant.fresh:
        raise ValidationRefused(INVALID_TICKET, "renew was asked and the ticket did not come "
                                                "from a new sign-in")
    return grant


# ---------------------------------------------------------------------------------------
# Answers


def _cas(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def success_xml(grant: Grant) -> bytes:
    root = etree.Element(_cas("serviceResponse"), nsmap={"cas": NS})
    success = etree.SubElement(root, _cas("authenticationSuccess"))
    etree.SubElement(success, _cas("user")).text = grant.user
    attributes = etree.SubElement(success, _cas("attributes"))
    for name, value in (*grant.attributes, ("isFromNewLogin", _boolean(grant.fresh))):
        etree.SubElement(attributes, _cas(name)).text = value
    return _serialize(root)


def failure_xml(code: str, message: str) -> bytes:
    root = etree.Element(_cas("serviceResponse"), nsmap={"cas": NS})
    failure = etree.SubElement(root, _cas("authenticationFailure"), code=code)
    failure.text = message
    return _serialize(root)


def proxy_failure_xml(message: str) -> bytes:
    """The answer of /proxy: this server issues no proxy tickets."""
    root = etree.Element(_cas("serviceResponse"), nsmap={"cas": NS})
    etree.SubElement(root, _cas("proxyFailure"), code=INVALID_REQUEST).text = message
    return _serialize(root)


def success_json(grant: Grant) -> dict[str, object]:
    attributes = {**dict(grant.attributes), "isFromNewLogin": _boolean(grant.fresh)}
    return {"serviceResponse": {"authenticationSuccess": {"user": grant.user,
                                                         "attributes": attributes}}}


def failure_json(code: str, message: str) -> dict[str, object]:
    return {"serviceResponse": {"authenticationFailure": {"code": code,
                                                         "description": message}}}


def _boolean(value: bool) -> str:
    return "true" if value else "false"


def _serialize(root: etree._Element) -> bytes:
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                pretty_print=True))
