"""The OAI-PMH 2.0 provider of the union catalogue, free of any web framework.

    arguments.py  a request's arguments checked as the protocol says (OaiError otherwise)
    tokens.py     stateless resumption tokens
    xml.py        the answers as OAI-PMH XML
    provider.py   OaiProvider: arguments in, XML out, from the store

The HTTP route (services/search/oai.py) only reads the arguments of GET and POST requests
and sends the answer back.
"""

from catalogue_sync.export.oai.provider import FORMATS, PAGE_SIZE, OaiProvider, RetryLater

__all__ = ["FORMATS", "PAGE_SIZE", "OaiProvider", "RetryLater"]
