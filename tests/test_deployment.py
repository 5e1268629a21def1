"""docker-compose.yml and the Dockerfile stay correct, though no Docker engine runs here."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import yaml
from typer.main import get_command

from services.cli import app
from services.harvester.worker import STOP_SECONDS

ROOT = Path(__file__).parent.parent


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return data


def cli_commands() -> set[str]:
    return set(get_command(app).commands)  # type: ignore[attr-defined]


def named_commands(service: dict[str, Any]) -> list[str]:
    """The catalogue-sync subcommands a service runs."""
    command = service.get("command", [])
    words = command if isinstance(command, list) else shlex.split(command)
    if service.get("entrypoint"):  # a shell loop: find 'catalogue-sync X' in its script
        return re.findall(r"catalogue-sync (\w[\w-]*)", " ".join(words))
    return words[:1]


def test_every_service_has_an_image_or_a_build() -> None:
    for name, service in compose()["services"].items():
        assert "image" in service or "build" in service, name


def test_every_command_a_service_names_exists() -> None:
    known = cli_commands()
    built = [s for s in compose()["services"].values() if "build" in s]
    assert built
    for service in built:
        for command in named_commands(service):
            assert command in known, f"docker-compose names unknown command {command!r}"


def test_dependencies_name_defined_services() -> None:
    services = compose()["services"]
    for name, service in services.items():
        for dependency in service.get("depends_on", {}):
            assert dependency in services, f"{name} depends on undefined {dependency}"


def test_the_dockerfile_copies_what_exists_and_runs_the_console_script() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    for line in dockerfile.splitlines():
        if line.startswith("COPY "):
            for source in line.split()[1:-1]:
                assert (ROOT / source).exists(), f"Dockerfile copies missing {source}"
    assert 'ENTRYPOINT ["catalogue-sync"]' in dockerfile
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'catalogue-sync = "services.cli:main"' in pyproject


def test_the_search_service_shares_the_harvester_s_index_and_listens_on_all_addresses(
        ) -> None:
    services = compose()["services"]
    search, harvester = services["search"], services["harvester"]
    assert named_commands(search) == ["serve"]
    command = search["command"]
    assert command[command.index("--host") + 1] == "0.0.0.0"  # reachable from outside
    assert any(port.endswith(":" + command[command.index("--port") + 1])
               for port in search["ports"])
    path = search["environment"]["CATALOGUE_SYNC_INDEX_PATH"]
    assert harvester["environment"]["CATALOGUE_SYNC_INDEX_PATH"] == path
    mounted = {volume.split(":")[1]: volume.split(":")[0] for volume in search["volumes"]}
    assert mounted[path] in compose()["volumes"]
    assert search["volumes"] == harvester["volumes"]
    assert search["environment"]["CATALOGUE_SYNC_REDIS_URL"].startswith("redis://redis:")


def test_the_gateway_service_needs_its_pseudonym_keys_and_shares_redis() -> None:
    services = compose()["services"]
    gateway = services["gateway"]
    assert named_commands(gateway) == ["serve"] and gateway["command"][1] == "gateway"
    environment = gateway["environment"]
    assert ":?" in environment["CATALOGUE_SYNC_PSEUDONYM_KEYS"], "no default key, ever"
    assert environment["CATALOGUE_SYNC_REDIS_URL"].startswith("redis://redis:")
    assert "redis" in gateway["depends_on"]


def test_two_harvester_workers_consume_the_queue_and_say_they_are_alive() -> None:
    services = compose()["services"]
    harvester = services["harvester"]
    assert harvester["command"][:2] == ["serve", "harvester"]
    assert harvester["deploy"]["replicas"] == 2
    alive = harvester["command"][harvester["command"].index("--alive-file") + 1]
    assert alive in " ".join(harvester["healthcheck"]["test"])
    assert harvester["environment"]["CATALOGUE_SYNC_REDIS_URL"].startswith("redis://redis:")
    # A stopping worker stores its page and hands its job back within its grace period.
    grace = int(harvester["stop_grace_period"].rstrip("s"))
    assert grace > STOP_SECONDS


def test_redis_keeps_the_queue_across_a_restart() -> None:
    services = compose()
    redis_service = services["services"]["redis"]
    command = redis_service["command"]
    assert command[command.index("--appendonly") + 1] == "yes"
    volume = redis_service["volumes"][0].split(":")[0]
    assert volume in services["volumes"]
