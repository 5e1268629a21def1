"""The search service: the search API, the web catalogue, SRU and the OAI-PMH provider.

One FastAPI app (``app.create_app``) over the core: routers stay thin, everything they need
comes from the ``SearchContext`` the app is built with, and errors become HTTP answers in
``services.http`` alone.
"""
