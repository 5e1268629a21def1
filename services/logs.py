"""Log lines for operations: the request id in every line, JSON on demand, lean access logs.

    REQUEST_ID.set("3f2a...")                 # the middleware does this for each request
    handler.addFilter(RequestIdFilter())      # every record then carries ``request_id``
    handler.setFormatter(JsonFormatter())     # one JSON object per line

What a log line may hold: never a card number, a PIN, a password or an Authorization
header. The core logs structured fields (``extra``) that name libraries, records and runs,
never patrons; ``AccessLogFilter`` cuts uvicorn's access lines down to method, path and
status, because a query string may carry a pseudonym or what a patron searched for, and the
client's address is personal data.
"""

from __future__ import annotations

import json
import logging
import os
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)
"""The id of the HTTP request being answered in this context (None outside requests)."""

# Attributes every LogRecord has; anything else was passed in ``extra`` and is a field.
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message", "asctime", "request_id", "color_message"}  # uvicorn adds color_message

LOG_FORMATS = ("text", "json")


class RequestIdFilter(logging.Filter):
    """Gives every record written during a request that request's id (``request_id``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        request_id = REQUEST_ID.get()
        if request_id is not None and not hasattr(record, "request_id"):
            record.request_id = request_id
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or REQUEST_ID.get()
        if request_id:
            line["request_id"] = request_id
        line.update(fields_of(record))
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        # default=str: a field that is not JSON (a Path, a datetime) is still written.
        return json.dumps(line, ensure_ascii=False, default=str)


def fields_of(record: logging.LogRecord) -> dict[str, Any]:
    """The structured fields the caller passed in ``extra``."""
    return {key: value for key, value in record.__dict__.items() if key not in _STANDARD}


class AccessLogFilter(logging.Filter):
    """uvicorn's access lines as ``GET /path 200``: no query string, no client address."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        # uvicorn logs '%s - "%s %s HTTP/%s" %d' with (client, method, path, version, status)
        if isinstance(args, tuple) and len(args) == 5:
            _client, method, path, _version, status = args
            record.msg = "%s %s %s"
            record.args = (method, str(path).split("?", 1)[0], status)
        return True


def install_access_log_filter() -> None:
    """Filter uvicorn's access logger (once, however many apps a process makes)."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(known, AccessLogFilter) for known in access.filters):
        access.addFilter(AccessLogFilter())


def use_log_format(log_format: str) -> None:
    """Put the request id on the root handlers' records; write them as JSON if asked."""
    for handler in logging.getLogger().handlers:
        handler.addFilter(RequestIdFilter())
        if log_format == "json":
            handler.setFormatter(JsonFormatter())


FORMAT_VARIABLE = "CATALOGUE_SYNC_LOG_FORMAT"
LEVEL_VARIABLE = "CATALOGUE_SYNC_LOG_LEVEL"


def hand_down() -> None:
    """Put this process's log level and format in the environment, for the worker processes
    ``serve --workers`` starts: they are new interpreters, and set logging up from it."""
    root = logging.getLogger()
    json_lines = any(isinstance(handler.formatter, JsonFormatter) for handler in root.handlers)
    os.environ[LEVEL_VARIABLE] = logging.getLevelName(root.level)
    os.environ[FORMAT_VARIABLE] = "json" if json_lines else "text"


def set_up_from_environment() -> None:
    """In a worker process: logging as the command that started it had it (``hand_down``)."""
    from services.cli.output import setup_logging  # the command line's own setup

    setup_logging(os.environ.get(LEVEL_VARIABLE, "INFO"))
    use_log_format(os.environ.get(FORMAT_VARIABLE, "text"))
    install_access_log_filter()
