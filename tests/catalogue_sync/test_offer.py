"""The digital offer in network.toml: vendors, resources, the gateway, and who is entitled."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from catalogue_sync.config import load_network
from catalogue_sync.errors import ConfigError
from catalogue_sync.offer import entitled

LIBRARIES = '''
[libraries.fm]
name = "Médiathèque François-Mitterrand"
flavour = "marc21"
connector = { type = "oai-pmh", url = "https://fm.example/oai" }

[libraries.fm.patrons]
type = "sip2"
host = "127.0.0.1"
port = 6001
card_prefixes = ["2900"]
categories = { A = "adult", J = "youth" }

[libraries.bdp]
name = "Bibliothèque départementale"
flavour = "unimarc"
connector = { type = "oai-pmh", url = "https://bdp.example/oai" }
'''

OFFER = '''
[gateway]
base_url = "http://127.0.0.1:8001/"
cookie_secure = false

[vendors.cafeyn]
name = "Cafeyn"
access = "cas"
services = ["https://sso.cafeyn.example/reseau/"]

[vendors.tout-apprendre]
name = "Tout apprendre"
access = "signed-url"
secret_env = "TOUT_APPRENDRE_KEY"

[resources.presse]
vendor = "cafeyn"
name = "Presse en ligne"
kind = "press"
url = "https://sso.cafeyn.example/reseau/login"

[resources.autoformation]
vendor = "tout-apprendre"
name = "Autoformation"
kind = "training"
url = "https://www.toutapprendre.example/reseau"
libraries = ["fm"]
categories = ["adult"]
starts = 2026-01-01
ends = 2026-12-31
'''


def network_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "network.toml"
    path.write_text(LIBRARIES + text, encoding="utf-8")
    return path


def test_vendors_resources_and_patron_directories_are_read(tmp_path: Path) -> None:
    network = load_network(network_file(tmp_path, OFFER))
    assert network.gateway.base_url == "http://127.0.0.1:8001"
    assert network.vendors["cafeyn"].release == ["pseudonym", "library", "resource", "category"]
    training = network.resources["autoformation"]
    assert (training.vendor, training.kind, training.libraries) == (
        "tout-apprendre", "training", ["fm"])
    patrons = network.libraries["fm"].patrons
    assert patrons is not None and patrons.type == "sip2"
    assert patrons.categories == {"A": "adult", "J": "youth"} and patrons.options["port"] == 6001


def test_who_is_entitled_follows_libraries_categories_and_dates(tmp_path: Path) -> None:
    network = load_network(network_file(tmp_path, OFFER))
    press, training = network.resources["presse"], network.resources["autoformation"]
    june = date(2026, 6, 1)
    assert entitled(press, "bdp", "youth", june)  # the whole network, every category
    assert entitled(training, "fm", "adult", june)
    assert not entitled(training, "bdp", "adult", june)
    assert not entitled(training, "fm", "youth", june)
    assert not entitled(training, "fm", "adult", date(2027, 1, 1))
    assert not entitled(training, "fm", "adult", date(2025, 12, 31))


@pytest.mark.parametrize(("change", "message"), [
    (("name = \"Cafeyn\"", "name = \"Cafeyn\"\nsecret_env = \"lower\""),
     "secret_env names an environment variable"),
    (("services = [\"https://sso.cafeyn.example/reseau/\"]", "services = []"),
     "CAS vendor lists its service URL prefixes"),
    (("services = [\"https://sso.cafeyn.example/reseau/\"]",
      "services = [\"https://sso.cafeyn.example/reseau\"]"), "ends with '/'"),
    (("vendor = \"cafeyn\"", "vendor = \"nobody\""), "no vendor 'nobody'"),
    (("libraries = [\"fm\"]", "libraries = [\"fm\", \"ailleurs\"]"), "unknown libraries: ailleurs"),
    (("starts = 2026-01-01", "starts = 2027-01-01"), "is after ends"),
    (("kind = \"press\"", "kind = \"newspaper\""), "kind"),
    (("base_url = \"http://127.0.0.1:8001/\"", "base_url = \"ftp://x\""), "base_url"),
])
def test_a_wrong_offer_is_refused_with_what_is_wrong(
        tmp_path: Path, change: tuple[str, str], message: str) -> None:
    old, new = change
    assert old in OFFER
    with pytest.raises(ConfigError, match=message):
        load_network(network_file(tmp_path, OFFER.replace(old, new, 1)))
