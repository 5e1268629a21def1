"""A package's KBART list as online records of the union catalogue, imported again and again."""

from __future__ import annotations

from pathlib import Path

import pytest
from pymarc import Field, Indicators, Record, Subfield

from catalogue_sync.config import (
    HoldingsMapping,
    LibraryConfig,
    NetworkConfig,
    StorageConfig,
)
from catalogue_sync.errors import ConfigError, DumpRefused
from catalogue_sync.export.marc import to_marcxml
from catalogue_sync.kbart import COLUMNS, read_kbart
from catalogue_sync.marc import normalize
from catalogue_sync.merge.catalogue import merge, merged_for
from catalogue_sync.models import Flavour, Format, RawFormat
from catalogue_sync.offer import ResourceConfig, VendorConfig
from catalogue_sync.online import import_titles, package_source
from catalogue_sync.store import IncomingRecord, Store

FIXTURES = Path(__file__).parents[1] / "fixtures" / "kbart"
ROMANS = FIXTURES / "lirenligne_romans.txt"


def network(store: Store) -> NetworkConfig:
    library = LibraryConfig(id="niort", name="Médiathèque de Niort", flavour=Flavour.MARC21,
                            connector={"type": "marc-file", "path": "dump.mrc"})
    return NetworkConfig(
        storage=StorageConfig(url=store.url), libraries={"niort": library},
        vendors={"lirenligne": VendorConfig(id="lirenligne", name="Lire en ligne",
                                            access="api")},
        resources={"livres": ResourceConfig(id="livres", vendor="lirenligne",
                                            name="Livres numériques", kind="e-book",
                                            url="https://lirenligne.example/",
                                            packages=["romans"])})


def kbart(*rows: dict[str, str]) -> bytes:
    lines = ["\t".join(COLUMNS)] + ["\t".join(row.get(c, "") for c in COLUMNS) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def title(title_id: str, name: str, **more: str) -> dict[str, str]:
    return {"title_id": title_id, "publication_title": name, "publication_type": "monograph",
            "title_url": f"https://lirenligne.example/{title_id}", **more}


def run(store: Store, data: bytes, name: str = "list.txt") -> tuple[int, int, int, int, int]:
    source = package_source(network(store), "lirenligne", "romans")
    counts = import_titles(store, source, read_kbart(data, name), name).counts
    return counts.added, counts.updated, counts.deleted, counts.unchanged, counts.quarantined


def test_reimports_add_update_delete_and_leave_unchanged_titles_alone(store: Store) -> None:
    first = kbart(title("A", "Un"), title("B", "Deux"), title("C", "Trois"))
    assert run(store, first) == (3, 0, 0, 0, 0)
    seq = store.get_record("lirenligne.romans", "A").change_seq  # type: ignore[union-attr]

    assert run(store, first) == (0, 0, 0, 3, 0)
    unchanged = store.get_record("lirenligne.romans", "A")
    assert unchanged is not None and unchanged.change_seq == seq

    changed = kbart(title("A", "Un"), title("B", "Deux, revu"), title("D", "Quatre"))
    assert run(store, changed) == (1, 1, 1, 1, 0)
    gone = store.get_record("lirenligne.romans", "C")
    assert gone is not None and gone.deleted
    revised = store.get_record("lirenligne.romans", "B")
    assert revised is not None and revised.normalized.title == "Deux, revu"


def test_bad_rows_are_quarantined_with_their_line_and_replaced_on_reimport(store: Store
                                                                          ) -> None:
    assert run(store, ROMANS.read_bytes(), "romans.txt") == (3, 0, 0, 0, 2)
    entries = store.quarantine_list("lirenligne.romans")
    assert sorted(entry.origin for entry in entries) == ["romans.txt line 5", "romans.txt line 6"]
    assert {entry.format for entry in entries} == {RawFormat.KBART}
    assert any(entry.reason == "line 5: title_url is empty (required)" for entry in entries)

    run(store, ROMANS.read_bytes(), "romans.txt")
    assert len(store.quarantine_list("lirenligne.romans")) == 2  # not four


def test_a_list_without_a_usable_title_deletes_nothing(store: Store) -> None:
    run(store, kbart(title("A", "Un")))
    with pytest.raises(DumpRefused, match="no usable title"):
        run(store, kbart(title("B", "Sans adresse", title_url="")))
    kept = store.get_record("lirenligne.romans", "A")
    assert kept is not None and not kept.deleted
    assert store.quarantine_list("lirenligne.romans")[0].local_id == "B"


def test_a_package_no_resource_names_is_a_configuration_error(store: Store) -> None:
    with pytest.raises(ConfigError, match=r"no resource of vendor 'lirenligne' names package "
                       r"'polars' \(its packages: romans\)"):
        package_source(network(store), "lirenligne", "polars")
    with pytest.raises(ConfigError, match=r"no vendor 'cafeyn' \(vendors: lirenligne\)"):
        package_source(network(store), "cafeyn", "presse")


def print_etranger() -> IncomingRecord:
    """The print edition of L'Étranger in a library, as its ILS catalogues it."""
    record = Record(leader="00000nam a2200000 i 4500", force_utf8=True)
    record.fields.extend([
        Field("001", data="niort-42"),
        Field("008", data="000000s1972    fr            000 1 fre d"),
        Field("020", Indicators(" ", " "), [Subfield("a", "2-07-036002-4")]),
        Field("100", Indicators("1", " "), [Subfield("a", "Camus, Albert")]),
        Field("245", Indicators("1", "3"), [Subfield("a", "L'étranger")]),
        Field("852", Indicators(" ", " "), [Subfield("a", "niort"), Subfield("p", "B1")]),
    ])
    normalized = normalize(record, Flavour.MARC21, HoldingsMapping().resolved(Flavour.MARC21))
    return IncomingRecord("niort-42", None, False, to_marcxml(record), RawFormat.MARCXML,
                          normalized)


def test_an_online_edition_links_with_the_print_one_and_never_merges_with_it(store: Store
                                                                            ) -> None:
    run_id = store.start_run("niort", "full")
    store.store_page("niort", run_id, [print_etranger()], [], None)
    run(store, ROMANS.read_bytes(), "romans.txt")
    merge(store, network(store))

    printed = merged_for(store, "niort", "niort-42")
    online = merged_for(store, "lirenligne.romans", "LEL-0001")
    assert printed is not None and online is not None
    assert printed.id != online.id  # two formats, two merged records...
    assert printed.work == online.work  # ...of one work: "other editions and formats"
    assert online.display is not None and online.display["format"] == Format.EBOOK
    assert "9782070360024" in online.display["isbns"]  # the print ISBN finds it too
    assert online.display["holdings"] == [
        {"library": "lirenligne.romans", "record": "LEL-0001", "items": []}]
