"""Concurrent clients for the benchmarks that drive a service from their own process."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


def in_threads(clients: int, client: Callable[[int], None]) -> float:
    """Run ``client(0)`` ... ``client(clients - 1)`` at once, each in its own thread; the
    seconds from the first start to the last end."""
    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.monotonic() - started
