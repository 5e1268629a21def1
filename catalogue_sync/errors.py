"""The one error hierarchy of catalogue-sync.

    CatalogueError
    ├── ConfigError            the network file or a setting is wrong; names file, library, field
    ├── StoreError             the record store cannot be reached or refused a write
    ├── SourceError            a member library's source failed (library id, URL)
    │   ├── SourceUnavailable  transient: timeouts, refused connections, 429/5xx; retry later
    │   └── SourceProtocolError  the source answered, but wrongly: bad XML, OAI error codes,
    │                            a resumption token that loops
    ├── DumpRefused            a full dump is empty or shrank too much to trust its deletions
    ├── RecordRejected         one record cannot be parsed or stored; it is quarantined, the
    │                          harvest goes on
    ├── InvalidRequest         a search or protocol request asks for something impossible
    │                          (an unknown filter, a page out of range): HTTP 400
    ├── Forbidden              the caller may not do this: HTTP 403
    │   └── CrossSiteRequest   a form sent from another site's page (CSRF)
    └── NotFound               no such merged record, correction or library: HTTP 404
        └── Gone               it existed, and is gone for good (a merged record whose
                               records were all deleted): HTTP 410

Every error carries what a person needs to act on it, and its message says it in full.
"""

from __future__ import annotations


class CatalogueError(Exception):
    """Base of every error catalogue-sync raises on purpose."""


class ConfigError(CatalogueError):
    """The network file or a service setting is invalid."""


class StoreError(CatalogueError):
    """The record store cannot be reached or refused an operation."""


class LockLost(StoreError):
    """A newer harvest of the library took over: this one must stop writing.

    The per-library lock lives in Redis and expires; the store keeps a fencing token per
    library, so that a worker that paused past its lock's expiry (or lost it when Redis
    restarted) cannot write over the harvest that replaced it."""


class QueueUnavailable(StoreError):
    """The harvester service's Redis (its job queue) did not answer."""


class SourceError(CatalogueError):
    """A member library's source failed."""

    def __init__(self, message: str, *, library: str | None = None, url: str | None = None):
        self.library = library
        self.url = url
        where = " ".join(part for part in (f"[{library}]" if library else "", url or "") if part)
        super().__init__(f"{where}: {message}" if where else message)


class SourceUnavailable(SourceError):
    """A transient failure: the harvest can be retried later."""


class SourceProtocolError(SourceError):
    """The source answered with something that breaks its protocol."""

    def __init__(
        self,
        message: str,
        *,
        library: str | None = None,
        url: str | None = None,
        code: str | None = None,
    ):
        self.code = code
        super().__init__(message, library=library, url=url)


class DumpRefused(SourceError):
    """A full dump looks truncated, so absent records are not marked deleted."""


class RecordRejected(CatalogueError):
    """One record cannot be used; it goes to quarantine with this reason."""

    def __init__(self, reason: str, *, local_id: str | None = None):
        self.reason = reason
        self.local_id = local_id
        super().__init__(f"record {local_id}: {reason}" if local_id else reason)


class InvalidRequest(CatalogueError):
    """A request that cannot be answered as asked; the message says what to change."""


class Forbidden(CatalogueError):
    """The caller is known, or needs no credentials, and may not do this."""


class CrossSiteRequest(Forbidden):
    """A form posted from a page of another site (its Origin or Referer says so), or, over
    HTTPS, without either: refused before it is read (services/forms.py)."""


class Unauthorized(CatalogueError):
    """A caller without valid credentials (an API key missing, unknown or revoked)."""

    challenge = "Bearer"
    """The WWW-Authenticate answer that tells the caller how to authenticate."""

    @property
    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": self.challenge}


class TooManyRequests(CatalogueError):
    """A caller past its rate limit; it may try again after ``retry_after`` seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(message)

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class NotFound(CatalogueError):
    """The thing asked for does not exist (or no longer does)."""


class Gone(NotFound):
    """The thing asked for existed, and is gone for good, with nothing in its place."""
