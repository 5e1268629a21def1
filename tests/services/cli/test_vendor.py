"""``catalogue-sync vendor``: a key shown once, listed without its secret, revoked."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from catalogue_sync.config import load_network
from catalogue_sync.gateway import vendors
from catalogue_sync.store import Store
from catalogue_sync.store.schema import vendor_keys
from tests.services.cli.conftest import Run

NETWORK = '''
[storage]
url = "{url}"

[vendors.filmo]
name = "Filmo"
access = "api"

[resources.films]
vendor = "filmo"
name = "Films"
kind = "video"
url = "https://filmo.example/reseau"
'''


def test_a_vendor_key_is_printed_once_listed_and_revoked(cli: Run, tmp_path: Path,
                                                         store_url: str) -> None:
    config = tmp_path / "network.toml"
    config.write_text(NETWORK.format(url=store_url))
    code, out, err = cli("--config", str(config), "vendor", "add-key", "filmo",
                         "--label", "production")
    assert code == 0 and "shown only now" in err
    key = out.strip()
    assert vendors.KEY_PATTERN.match(key)
    key_id = key.split("_")[1]
    code, listed, _ = cli("--config", str(config), "vendor", "keys", "filmo")
    assert code == 0 and key_id in listed and "production" in listed
    assert key.split("_", 2)[2] not in listed
    store = Store(load_network(config).database_url())
    with store.transaction("reading keys") as connection:
        assert key.split("_", 2)[2] not in str(connection.execute(
            sa.select(vendor_keys)).all())
    assert vendors.authenticate(store, key).vendor == "filmo"
    assert cli("--config", str(config), "vendor", "revoke-key", key_id)[0] == 0
    code, _, err = cli("--config", str(config), "vendor", "revoke-key", key_id)
    assert code == 1 and "not revoked already" in err
    code, _, err = cli("--config", str(config), "vendor", "add-key", "nobody")
    assert code == 1 and "no vendor 'nobody'" in err
    store.close()
