"""Live availability: where each copy of a merged record is now, asked of the home ILSs.

    provider.py   the interface of a live item-status provider (``koha-rest`` in connectors/)
                  and the statuses it reports
    cache.py      each ILS's answers kept a short time in Redis (the service's ResponseCache)
    service.py    ``Availability``: every holding library asked at once within a deadline;
                  the harvested statuses, with their date, for any that cannot answer

Configured in network.toml: ``[availability]`` for the network (deadline, cache_ttl,
retry_after), ``[libraries.ID.availability]`` for each library that offers live status.
"""
