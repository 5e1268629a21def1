"""Clusters from the match graph, and why each member is in one.

Records are nodes; an edge joins two records the rules merge, or that a librarian joined.
Matching is not transitive: a record without an ISBN may match two editions by title, or
one library's two records may each match a third. So a connected component is split
(``refine``) where its members carry evidence that they differ: conflicting numbers,
formats, titles, or two records of one library. Edges are taken strongest first (a
librarian's join, a shared number, then title and author), and two groups are united only
if no member of one conflicts with a member of the other.

A group whose only evidence (title and author) points to two groups that conflict with
each other could belong to either: it joins neither, since a false merge is worse than a
missed one.

Both steps are functions of the component alone, never of the order records were met in:
that is what makes a full rebuild equal to the sum of incremental runs.
"""

from __future__ import annotations

import itertools
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from catalogue_sync.store.matching import RecordKey


@dataclass(frozen=True, slots=True)
class Edge:
    """Two records that are one manifestation, by ``rule`` (a rule's name, or "join")."""

    a: RecordKey
    b: RecordKey
    rule: str
    reason: str


@dataclass(frozen=True, slots=True)
class Link:
    """How a member joined its cluster: the edge to the member it matched (None: the root)."""

    rule: str
    reason: str
    linked: RecordKey | None


ROOT = Link("best", "the most complete record, shown for the whole cluster", None)


class UnionFind:
    """Disjoint sets of records, with path halving and union by size; a record not met yet
    is a set of its own."""

    def __init__(self, nodes: Iterable[RecordKey]) -> None:
        self.parent = {node: node for node in nodes}
        self.size = dict.fromkeys(self.parent, 1)

    def find(self, node: RecordKey) -> RecordKey:
        parent = self.parent
        if node not in parent:
            parent[node] = node
            self.size[node] = 1
            return node
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    def same(self, a: RecordKey, b: RecordKey) -> bool:
        return a in self.parent and b in self.parent and self.find(a) == self.find(b)

    def union(self, a: RecordKey, b: RecordKey) -> None:
        root_a, root_b = self.find(a), self.find(b)
        if root_a == root_b:
            return
        if self.size[root_a] < self.size[root_b]:
            root_a, root_b = root_b, root_a
        self.parent[root_b] = root_a
        self.size[root_a] += self.size[root_b]


def components(nodes: Iterable[RecordKey], edges: Iterable[Edge]) -> list[list[RecordKey]]:
    """The connected components, each sorted; biggest first, then by first member."""
    sets = UnionFind(nodes)
    for edge in edges:
        sets.union(edge.a, edge.b)
    grouped: dict[RecordKey, list[RecordKey]] = defaultdict(list)
    for node in sets.parent:
        grouped[sets.find(node)].append(node)
    found = [sorted(members) for members in grouped.values()]
    return sorted(found, key=lambda members: (-len(members), members[0]))


def group_edges(groups: list[list[RecordKey]], edges: Iterable[Edge]
                ) -> list[tuple[list[RecordKey], list[Edge]]]:
    """Each group with the edges between two of its members."""
    where = {member: number for number, group in enumerate(groups) for member in group}
    inside: list[list[Edge]] = [[] for _ in groups]
    for edge in edges:
        number = where.get(edge.a)
        if number is not None and where.get(edge.b) == number:
            inside[number].append(edge)
    return list(zip(groups, inside, strict=True))


def _rank(edge: Edge) -> int:
    """0: a librarian's join, 1: a shared number, 2: title and author only."""
    return 0 if edge.rule == "join" else 1 if edge.rule.startswith("shared-") else 2


Conflict = Callable[[RecordKey, RecordKey], bool]


class _Groups:
    """Groups of records united edge by edge, never across a conflict (joins excepted)."""

    def __init__(self, members: list[RecordKey], conflict: Conflict) -> None:
        self.sets = UnionFind(members)
        self.members: dict[RecordKey, list[RecordKey]] = {m: [m] for m in members}
        self.conflict = conflict

    def find(self, record: RecordKey) -> RecordKey:
        return self.sets.find(record)

    def clash(self, first: RecordKey, second: RecordKey) -> bool:
        """Does any member of one group conflict with any member of the other?"""
        return any(self.conflict(a, b) for a in self.members[first]
                   for b in self.members[second])

    def unite(self, edge: Edge) -> None:
        first, second = self.find(edge.a), self.find(edge.b)
        if first == second or (_rank(edge) and self.clash(first, second)):
            return
        self.sets.union(first, second)
        root, other = (first, second) if self.find(first) == first else (second, first)
        self.members[root] = self.members[root] + self.members.pop(other)

    def ambiguous(self, weak: list[Edge]) -> set[RecordKey]:
        """Groups whose title-only matches lead to groups that conflict with each other:
        they could belong to either, so they join neither."""
        targets: dict[RecordKey, set[RecordKey]] = defaultdict(set)
        for edge in weak:
            first, second = self.find(edge.a), self.find(edge.b)
            if first != second:
                targets[first].add(second)
                targets[second].add(first)
        return {group for group, found in targets.items()
                if any(self.clash(a, b) for a, b in itertools.combinations(sorted(found), 2))}


def refine(members: list[RecordKey], edges: Iterable[Edge],
           conflict: Conflict) -> list[list[RecordKey]]:
    """Split one component where members conflict; a librarian's join always holds.

    Joins and shared numbers are taken first, in a fixed order; then title-only matches,
    except those of a group that matches two groups which conflict with each other. Without
    conflicts the whole component is one cluster. Clusters come sorted, biggest first.
    """
    ordered = sorted(edges, key=lambda edge: (_rank(edge), edge.a, edge.b))
    groups = _Groups(members, conflict)
    for edge in ordered:
        if _rank(edge) < 2:
            groups.unite(edge)
    weak = [edge for edge in ordered if _rank(edge) == 2]
    doubtful = groups.ambiguous(weak)
    for edge in weak:
        if groups.find(edge.a) not in doubtful and groups.find(edge.b) not in doubtful:
            groups.unite(edge)
    found = [sorted(group) for group in groups.members.values()]
    return sorted(found, key=lambda group: (-len(group), group[0]))


def spanning_tree(root: RecordKey, members: Iterable[RecordKey],
                  edges: Iterable[Edge]) -> dict[RecordKey, Link]:
    """For each member, the edge by which a breadth-first walk from ``root`` reached it.

    The walk is deterministic (neighbours in record order), so ``explain`` names the same
    link on every run while the cluster is unchanged.
    """
    wanted = set(members)
    neighbours: dict[RecordKey, list[tuple[RecordKey, Edge]]] = defaultdict(list)
    for edge in edges:
        if edge.a in wanted and edge.b in wanted:
            neighbours[edge.a].append((edge.b, edge))
            neighbours[edge.b].append((edge.a, edge))
    links = {root: ROOT}
    queue = deque([root])
    while queue:
        node = queue.popleft()
        for other, edge in sorted(neighbours[node], key=lambda pair: pair[0]):
            if other not in links:
                links[other] = Link(edge.rule, edge.reason, node)
                queue.append(other)
    return links
