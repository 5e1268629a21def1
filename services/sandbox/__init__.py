"""The sandbox network: simulated member-library ILSs over real HTTP on loopback.

A deterministic generator of French public-library catalogues (``generator``), served per
library as OAI-PMH 2.0 and MARC dumps (``app``, ``oai``) with fault injection (``faults``).
Run it with ``python -m services.sandbox``; in tests, use ``testing.run_sandbox``.
"""

from services.sandbox.generator import SandboxNetwork, SandboxRecord, TickResult, Truth
from services.sandbox.libraries import CataloguingStyle, SandboxLibrary, default_libraries

__all__ = [
    "CataloguingStyle",
    "SandboxLibrary",
    "SandboxNetwork",
    "SandboxRecord",
    "TickResult",
    "Truth",
    "default_libraries",
]
