"""The resource gateway's core: patrons sign in once, vendors learn only what they need.

    pseudonyms.py  keyed, versioned hashes: a patron's subject, a pseudonym per vendor
    sessions.py    sign-in sessions in Redis: idle and absolute limits, logout everywhere
    throttle.py    sign-in attempts counted per card and per client address, with lockouts
    signin.py      one sign-in: library, throttle, the ILS's verdict, the session
    signed_links.py  links signed for vendors without CAS
    cas.py         CAS 3.0: services matched by their parts, tickets, validation answers
    vendors.py     the vendors' API keys, entitlement checks, audit, usage events

The web side (pages, CAS, the vendors' API) is ``services/gateway``. Nothing here keeps a
card number, a PIN, a name or a birth date: a patron is a library, a category and a keyed
hash of the card (docs/gateway.md, "Privacy").
"""
