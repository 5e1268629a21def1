"""The resource gateway: patrons sign in once with card and PIN and open the network's
e-resources; vendors check entitlements (CAS 3.0 under /cas, signed links, /api/v1).

    app.py        the FastAPI app and its routers
    context.py    what the routers share: network, Redis, keys, sessions, sign-in
    web.py        the patron's pages: /connexion, /ressources, opening a resource
    access.py     where opening a resource leads, by the vendor's method
    cas.py        CAS 3.0 for vendors (/cas; the protocol is catalogue_sync.gateway.cas)
    api.py        the vendors' entitlement API (/api/v1; catalogue_sync.gateway.vendors)
    cookies.py    the session cookie and the sign-in form's CSRF token
    pages.py      rendering (Jinja2), bilingual like the web catalogue
    translations.py  every word of the pages, French and English
"""
