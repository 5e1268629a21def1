"""The services of catalogue-sync: search, gateway, harvester and the sandbox network."""
