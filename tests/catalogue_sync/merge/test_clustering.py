"""The pure parts of the merge: clusters from edges, stable ids, the display record."""

from __future__ import annotations

from catalogue_sync.merge.display import best_member, display_record
from catalogue_sync.merge.graph import Edge, components, refine, spanning_tree
from catalogue_sync.merge.identity import assign_ids, new_id
from catalogue_sync.models import Format, Item, NormalizedRecord

A, B, C, D, E = (("fm", "1"), ("fm", "2"), ("niort", "1"), ("niort", "2"), ("parth", "1"))


def edge(a: tuple[str, str], b: tuple[str, str], rule: str = "shared-isbn") -> Edge:
    return Edge(a, b, rule, f"{rule} {a} {b}")


def nobody_conflicts(a: tuple[str, str], b: tuple[str, str]) -> bool:
    return False


def test_components_do_not_depend_on_edge_order() -> None:
    edges = [edge(A, C), edge(C, E), edge(B, D)]
    assert components([A, B, C, D, E], edges) == [[A, C, E], [B, D]]
    assert components([E, D, C, B, A], list(reversed(edges))) == [[A, C, E], [B, D]]


def test_refine_keeps_records_that_differ_apart_and_prefers_strong_edges() -> None:
    # C has no ISBN and matches A and E by title; A and E have different ISBNs.
    def conflict(a: tuple[str, str], b: tuple[str, str]) -> bool:
        return {a, b} == {A, E}

    edges = [edge(A, C, "title-author-year"), edge(C, E, "title-author-year"),
             edge(E, D, "shared-isbn")]
    # D-E first (a shared number); C could be A's or E's: it is neither's.
    assert refine([A, C, D, E], edges, conflict) == [[D, E], [A], [C]]
    assert refine([A, C, D], edges[:1], conflict) == [[A, C], [D]]
    assert refine([A, C, D, E], edges, nobody_conflicts) == [[A, C, D, E]]


def test_refine_never_undoes_a_librarians_join() -> None:
    found = refine([A, E], [edge(A, E, "join")], lambda a, b: True)
    assert found == [[A, E]]


def test_the_spanning_tree_names_the_edge_that_reached_each_member() -> None:
    links = spanning_tree(C, [A, C, E], [edge(A, C), edge(C, E, "title-author-year")])
    assert links[C].rule == "best" and links[C].linked is None
    assert (links[A].rule, links[A].linked) == ("shared-isbn", C)
    assert (links[E].rule, links[E].linked) == ("title-author-year", C)


def test_a_cluster_inherits_the_id_it_shares_most_records_with() -> None:
    old = {A: "m-old1", B: "m-old1", C: "m-old2"}
    result = assign_ids([[A, B, C], [D]], old, taken=lambda ids: set())
    assert result.ids == ["m-old1", new_id(D)] and result.inherited == [True, False]
    assert result.tombstones == {"m-old2": "m-old1"}  # links to m-old2 lead to m-old1


def test_an_old_id_goes_to_one_cluster_only_the_biggest_first() -> None:
    old = {A: "m-x", B: "m-x", C: "m-x"}
    result = assign_ids([[A, B], [C]], old, taken=lambda ids: set())
    assert result.ids[0] == "m-x" and result.ids[1] == new_id(C)
    assert result.tombstones == {}


def test_a_record_moving_between_clusters_leaves_both_their_ids() -> None:
    # A leaves {A, B} ("m-a") for {C} ("m-b"): B keeps m-a, {A, C} keeps m-b.
    old = {A: "m-a", B: "m-a", C: "m-b"}
    result = assign_ids([[A, C], [B]], old, taken=lambda ids: set())
    assert result.ids == ["m-b", "m-a"] and result.tombstones == {}


def test_ties_go_to_the_smaller_id_and_gone_records_leave_a_dead_end() -> None:
    old = {A: "m-b", B: "m-a", C: "m-c"}
    result = assign_ids([[A, B]], old, taken=lambda ids: set())
    assert result.ids == ["m-a"]
    assert result.tombstones == {"m-b": "m-a", "m-c": None}


def test_a_new_id_taken_elsewhere_gets_a_suffix() -> None:
    base = new_id(A)
    result = assign_ids([[A], [B]], {}, taken=lambda ids: {base} & set(ids))
    assert result.ids[0] == f"{base}-2" and result.ids[0] != result.ids[1]
    assert base.startswith("m") and len(base) == 13


def record(local_id: str, **fields: object) -> NormalizedRecord:
    return NormalizedRecord(local_id=local_id, **fields)  # type: ignore[arg-type]


def test_the_best_member_is_the_most_complete_then_the_preferred_library() -> None:
    full = record("1", title="Vendredi", authors=["Tournier, Michel"], year=1967,
                  format=Format.BOOK)
    sparse = record("2", title="Vendredi", format=Format.BOOK)
    assert best_member({A: sparse, C: full}, priority=[]) == C
    assert best_member({A: full, C: full}, priority=[]) == A  # then by library, record
    assert best_member({A: full, C: full}, priority=["niort"]) == C


def test_the_display_record_unites_numbers_subjects_and_holdings() -> None:
    first = record("1", title="Vendredi", isbns=["2-07-036002-4", "bad"],
                   subjects=["Robinsonnades"], items=[Item(barcode="111")], format=Format.BOOK)
    second = record("2", title="Vendredi ou les limbes", isbns=["9782070360024", "978207"],
                    subjects=["Robinsonnades", "Îles"], items=[Item(barcode="222")],
                    format=Format.BOOK)
    shown = display_record({A: first, C: second}, A)
    assert shown["title"] == "Vendredi" and shown["format"] == "book"
    assert shown["isbns"] == ["9782070360024", "bad", "978207"]
    assert shown["subjects"] == ["Robinsonnades", "Îles"]
    assert [(h["library"], h["record"], [i["barcode"] for i in h["items"]])
            for h in shown["holdings"]] == [("fm", "1", ["111"]), ("niort", "1", ["222"])]
