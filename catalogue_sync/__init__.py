"""catalogue-sync core: models, MARC normalization, record store and harvest pipeline.

The core imports nothing from ``connectors`` or ``services``.
"""

__version__ = "0.1.0"
