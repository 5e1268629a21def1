"""The union catalogue in the formats other systems read: MARC 21 and Dublin Core.

    marc.py   a merged record as a MARC 21 bibliographic record with its holdings (852),
              serialized as MARCXML or ISO 2709
    dc.py     a merged record as simple Dublin Core (oai_dc), for OAI-PMH and SRU
    oai/      the OAI-PMH 2.0 provider's protocol logic (arguments, tokens, lists, XML)
    sru/      the SRU 1.2 and 2.0 server's (parameters, explain, searchRetrieve, XML)

Everything here reads a merged record's display JSON (``catalogue_sync.merge.display``), so
each format shows what the catalogue shows.
"""
