"""The resource gateway: patrons sign in once with card and PIN and open the network's
e-resources; vendors check entitlements (CAS 3.0 under /cas, signed links, /api/v1).

    app.py        the FastAPI app and its routers
    context.py    what the routers share: network, Redis, keys, sessions, sign-in
    web.py        the patron's pages: /connexion, /ressources, opening a resource
    cookies.py    the session cookie and the sign-in form's CSRF token
    pages.py      rendering (Jinja2), bilingual like the web catalogue
    translations.py  every word of the pages, French and English
"""
