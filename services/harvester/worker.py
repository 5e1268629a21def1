"""A harvester worker process, and the supervisor of several (``serve harvester``).

A worker consumes the queue with dramatiq, one job at a time, and runs two threads beside:
the heartbeat, which tells the broker the worker is alive even while a long harvest holds
its only slot (dramatiq's consumer is silent then, and a worker silent for
``heartbeat_seconds`` has its jobs given to others), and the scheduler.

SIGTERM or SIGINT stops a worker cleanly: a running harvest stops after its last stored
page and its job goes back to the queue, to be resumed by whichever worker takes it.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import socket
import threading
import time
from pathlib import Path
from types import FrameType

import dramatiq
import redis
from dramatiq.errors import BrokerConnectionError

from catalogue_sync.config import load_network
from connectors import registry
from services.harvester import jobs
from services.harvester.queue import QUEUE, JobQueue
from services.harvester.scheduler import Scheduler
from services.logs import hand_down, set_up_from_environment

log = logging.getLogger(__name__)

STOP_SECONDS = 30
"""How long a stopping worker waits for its job to reach a stored page."""
RESTART_SECONDS = 5
"""How long the supervisor waits before it replaces a worker that died."""


def work(config: Path, *, tick: float = 15.0, alive_file: Path | None = None,
         from_supervisor: bool = False) -> None:
    """Run one worker until SIGTERM or SIGINT."""
    if from_supervisor:
        set_up_from_environment()
    network = load_network(config)
    registry.validate(network)
    name = f"{socket.gethostname()}:{os.getpid()}"
    queue = JobQueue.of(network)
    runtime = jobs.Runtime.open(network, queue, name)
    jobs.install(runtime)
    jobs.catch_up(runtime)  # after an upgrade: stored data behind the code
    stop = threading.Event()
    _on_signals(lambda: stop.set())
    worker = dramatiq.Worker(queue.broker, worker_threads=1, worker_timeout=1000)
    # One job at a time, none held in reserve: a waiting job goes to the first free worker.
    worker.queue_prefetch = 1
    worker.start()
    scheduler = Scheduler(network, runtime.store, queue, name, tick=tick)
    beat = (queue, network.harvester.heartbeat_seconds, alive_file, stop)
    threads = [threading.Thread(target=_heartbeat, args=beat,
                                name="heartbeat", daemon=True),
               threading.Thread(target=scheduler.run, args=(stop,), name="scheduler",
                                daemon=True)]
    for thread in threads:
        thread.start()
    log.info("harvester worker ready", extra={"worker": name, "queue": QUEUE})
    stop.wait()
    log.info("harvester worker stopping", extra={"worker": name})
    runtime.stopping.set()
    worker.stop(timeout=STOP_SECONDS * 1000)
    for thread in threads:
        thread.join(timeout=5)
    runtime.close()
    queue.close()


def _heartbeat(queue: JobQueue, timeout: int, alive_file: Path | None,
               stop: threading.Event) -> None:
    """Call the broker a few times per heartbeat timeout: each call is a heartbeat. Each
    one that succeeds touches ``alive_file``, for a container's health check."""
    every = max(0.5, min(5.0, timeout / 4))
    reachable = True
    while not stop.wait(every):
        try:
            queue.depth()
        except (redis.RedisError, BrokerConnectionError) as exc:
            if reachable:  # said once, not every beat: the worker waits for it
                log.warning("cannot reach Redis, waiting for it: %s", exc)
            reachable = False
            continue
        if not reachable:
            log.info("Redis answers again")
        reachable = True
        if alive_file is not None:
            alive_file.touch()


def _on_signals(stop: object) -> None:
    def handle(signum: int, frame: FrameType | None) -> None:
        assert callable(stop)
        stop()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)


def serve(config: Path, *, concurrency: int = 1, tick: float = 15.0,
          alive_file: Path | None = None) -> None:
    """``concurrency`` worker processes (this one alone when 1), each replaced if it dies."""
    if concurrency == 1:
        work(config, tick=tick, alive_file=alive_file)
        return
    hand_down()
    spawn = multiprocessing.get_context("spawn")
    stop = threading.Event()
    _on_signals(lambda: stop.set())

    def start() -> multiprocessing.process.BaseProcess:
        process = spawn.Process(target=work, args=(config,), kwargs={
            "tick": tick, "alive_file": alive_file, "from_supervisor": True})
        process.start()
        return process

    processes = [start() for _ in range(concurrency)]
    while not stop.wait(1):
        for index, process in enumerate(processes):
            if not process.is_alive():
                log.error("harvester worker %s died (exit %s); starting another in %s s",
                          process.pid, process.exitcode, RESTART_SECONDS)
                time.sleep(RESTART_SECONDS)
                processes[index] = start()
    for process in processes:
        if process.pid is not None and process.is_alive():
            os.kill(process.pid, signal.SIGTERM)
    for process in processes:
        process.join()
