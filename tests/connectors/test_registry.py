"""The connector registry: built-ins, third-party entry points, and friendly errors."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from catalogue_sync.config import ConnectorConfig, LibraryConfig, NetworkConfig
from catalogue_sync.errors import ConfigError
from catalogue_sync.models import Flavour
from connectors import registry

TESTS = Path(__file__).parent


def test_every_builtin_connector_has_its_own_test_module() -> None:
    for name, target in registry.BUILTIN.items():
        module = target.split(":")[0].rsplit(".", 1)[-1]
        assert (TESTS / f"test_{module}.py").exists(), f"connector {name} has no tests"


def test_builtin_connectors_load() -> None:
    for name in registry.BUILTIN:
        assert registry.connector_class(name).__name__.endswith("Connector")


def test_an_unknown_connector_lists_the_available_ones() -> None:
    with pytest.raises(ConfigError) as caught:
        registry.connector_class("orphee-soap")
    assert "unknown connector 'orphee-soap'" in str(caught.value)
    assert "marc-file, oai-pmh" in str(caught.value)


def test_a_pip_installed_connector_is_found_by_its_entry_point(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A real installed distribution on sys.path, as pip would leave it.
    (tmp_path / "my_ils.py").write_text(
        "from connectors.oai_pmh import OaiPmhConnector\n"
        "class MyIlsConnector(OaiPmhConnector):\n    pass\n")
    dist = tmp_path / "my_ils-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: my-ils\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[catalogue_sync.connectors]\nmy-ils = my_ils:MyIlsConnector\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert registry.available()["my-ils"] == "my_ils:MyIlsConnector"
    assert registry.connector_class("my-ils").__name__ == "MyIlsConnector"
    monkeypatch.delitem(sys.modules, "my_ils", raising=False)


def test_validate_names_the_file_library_and_option() -> None:
    library = LibraryConfig(id="bdp", name="Médiathèque départementale", flavour=Flavour.MARC21,
                            connector=ConnectorConfig(type="oai-pmh"))
    network = NetworkConfig(path=Path("network.toml"), libraries={"bdp": library})
    with pytest.raises(ConfigError) as caught:
        registry.validate(network)
    assert "network.toml: libraries.bdp.connector.url: Field required" in str(caught.value)


def test_every_builtin_availability_provider_has_its_own_test_module() -> None:
    for name, target in registry.BUILTIN_PROVIDERS.items():
        module = target.split(":")[0].rsplit(".", 1)[-1]
        assert (TESTS / f"test_{module}.py").exists(), f"provider {name} has no tests"
        assert registry.provider_class(name).__name__.endswith("Provider")


def test_an_unknown_availability_provider_lists_the_available_ones() -> None:
    with pytest.raises(ConfigError) as caught:
        registry.provider_class("orphee-soap")
    assert ("unknown availability provider 'orphee-soap'; available availability providers: "
            "koha-rest") in str(caught.value)


def test_validate_checks_the_connector_and_the_availability_provider_together() -> None:
    library = LibraryConfig.model_validate({
        "id": "bdp", "name": "Médiathèque départementale", "flavour": Flavour.MARC21,
        "connector": {"type": "oai-pmh"},
        "availability": {"type": "koha-rest", "url": "https://koha.example/api/v1",
                         "user": "catalogue"}})
    network = NetworkConfig(path=Path("network.toml"), libraries={"bdp": library})
    with pytest.raises(ConfigError) as caught:
        registry.validate(network)
    assert str(caught.value).splitlines() == [
        "network.toml: libraries.bdp.connector.url: Field required",
        "network.toml: libraries.bdp.availability: user and password_env go together "
        "(HTTP Basic)",
    ]
