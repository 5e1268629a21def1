"""Built-in source connectors, one module per source type, behind ``connectors.registry``."""
