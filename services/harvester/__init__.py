"""The harvester service: harvest, merge and index jobs on a Redis queue, run by workers on
any number of machines (``catalogue-sync serve harvester``)."""
