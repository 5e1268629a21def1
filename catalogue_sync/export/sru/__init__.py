"""The SRU 1.2 and 2.0 server of the union catalogue, free of any web framework.

    request.py  the parameters checked (SruDiagnostic otherwise)
    explain.py  the ZeeRex explain record
    xml.py      explain and searchRetrieve answers, in either version
    service.py  SruService: parameters in, XML out, from the index and the store

CQL itself is parsed by ``catalogue_sync.cql``. The HTTP route (services/search/sru.py)
only reads the parameters of GET and POST requests and sends the answer back.
"""

from catalogue_sync.export.sru.service import SruService

__all__ = ["SruService"]
