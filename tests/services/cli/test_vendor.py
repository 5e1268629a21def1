"""``catalogue-sync vendor``: a key shown once, listed without its secret, revoked; the API
audit purged after ``[gateway] audit_days``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from catalogue_sync.config import load_network
from catalogue_sync.gateway import vendors
from catalogue_sync.offer import GatewaySettings
from catalogue_sync.stats.retention import purge_expired_audit
from catalogue_sync.store import Store
from catalogue_sync.store.schema import vendor_api_audit, vendor_keys
from catalogue_sync.store.vendors import add_audit
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


def add_audit_days_ago(store: Store, *days: int) -> None:
    now = datetime.now(UTC)
    with store.transaction("adding audit rows", writes=True) as connection:
        add_audit(connection, [{"vendor": "filmo", "key_id": "0123456789ab",
                                "endpoint": "/api/v1/resources", "status": 200,
                                "outcome": "ok", "at": now - timedelta(days=age)}
                               for age in days])


def audit_ages(store: Store) -> list[int]:
    now = datetime.now(UTC)
    with store.transaction("reading the audit") as connection:
        moments = connection.execute(sa.select(vendor_api_audit.c.at)).scalars().all()
    return sorted((now - moment).days for moment in moments)


def test_the_api_audit_is_purged_after_the_network_s_audit_days(
        cli: Run, tmp_path: Path, store_url: str) -> None:
    config = tmp_path / "network.toml"
    config.write_text("[gateway]\naudit_days = 30\n" + NETWORK.format(url=store_url))
    store = Store(load_network(config).database_url())
    store.create_schema()
    add_audit_days_ago(store, 400, 31, 29, 1)
    code, out, _ = cli("--config", str(config), "vendor", "purge-audit")
    assert code == 0 and "Deleted 2 audit rows" in out
    assert audit_ages(store) == [1, 29]
    code, out, _ = cli("--config", str(config), "vendor", "purge-audit", "--days", "7")
    assert code == 0 and "Deleted 1 audit rows" in out
    assert audit_ages(store) == [1]
    store.close()


def test_the_scheduled_purge_keeps_180_days_of_audit_by_default(store: Store) -> None:
    add_audit_days_ago(store, 181, 179)
    assert purge_expired_audit(store, GatewaySettings()) == 1
    assert audit_ages(store) == [179]
