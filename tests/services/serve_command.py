"""``catalogue-sync serve SERVICE`` in a process of its own, as an operator starts it, for
tests that need the real server (uvicorn as the command configures it)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from services.serving import free_port, wait_until_up

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def serve_command(config: Path, service: str, environment: Mapping[str, str]
                  ) -> Iterator[str]:
    """Run ``catalogue-sync --config CONFIG serve SERVICE`` on a free port of 127.0.0.1 with
    ``environment`` added to this one's; its URL once ``/health`` answers."""
    port = free_port()
    command = [sys.executable, "-c", "from services.cli import main; main()", "--config",
               str(config), "serve", service, "--port", str(port)]
    env = {**os.environ, **environment, "PYTHONPATH": os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")]))}
    process = subprocess.Popen(command, cwd=config.parent, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True, env=env)
    try:
        base_url = f"http://127.0.0.1:{port}"
        wait_until_up(f"{base_url}/health", lambda: process.poll() is None, service)
        yield base_url
    finally:
        process.terminate()
        _, logged = process.communicate(timeout=20)
        if process.returncode not in (0, -15):
            print(logged[-3000:], file=sys.stderr)
