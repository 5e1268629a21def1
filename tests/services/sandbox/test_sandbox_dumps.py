"""Full dumps for the marc-file connector: every live record, ISO 2709 or MARCXML."""

from __future__ import annotations

import io

import httpx
import pymarc
import pytest

from services.sandbox import SandboxNetwork
from services.sandbox.testing import run_sandbox


@pytest.mark.parametrize("library", ["reseau-agglo", "departementale"])
def test_dumps_hold_every_live_record_and_no_deleted_one(library: str) -> None:
    network = SandboxNetwork(seed=21, total_records=1000)
    live = [r.local_id for r in network.records(library) if not r.deleted]
    with run_sandbox(network) as sandbox:
        iso = httpx.get(sandbox.dump_url(library, "mrc"), timeout=30)
        xml = httpx.get(sandbox.dump_url(library, "xml"), timeout=30)
    assert iso.headers["content-type"] == "application/marc"
    from_iso = list(pymarc.MARCReader(iso.content, to_unicode=True, force_utf8=True))
    from_xml = pymarc.parse_xml_to_array(io.BytesIO(xml.content))
    assert [r["001"].data for r in from_iso if r] == live
    assert [r["001"].data for r in from_xml] == live
    assert len(live) < network.catalogue(library).count  # some were deleted


def test_a_dump_follows_ticks() -> None:
    network = SandboxNetwork(seed=22, total_records=300)
    with run_sandbox(network) as sandbox:
        result = network.tick("ludotheque", changed=2, deleted=3)
        dump = httpx.get(sandbox.dump_url("ludotheque", "xml"), timeout=30).content
    ids = {r["001"].data for r in pymarc.parse_xml_to_array(io.BytesIO(dump))}
    assert ids and not ids & set(result.deleted)
    assert set(result.changed) <= ids
