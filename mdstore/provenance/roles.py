"""Roles: a node's place in an artifact's upstream lineage, the same in every run.

A diff matches the nodes of two lineages by role, never by id. The root (the
artifact whose lineage it is) has the empty role. Walking upstream, each hop
adds a segment, joined by ``/``:

* artifact -> an execution that output it: the execution's type, plus ``#n``
  when it is the (n+1)-th producer of that type in recorded event order (a node
  whose message has no type name shows ``?``)
  (``Trainer``; ``Trainer#1`` for a second Trainer that output the same artifact);
* execution -> an artifact it read: the artifact's type, plus its event path in
  brackets when the event has one (steps joined by ``.``), plus ``#n`` when it is
  the (n+1)-th input of that type and path in recorded event order.

For a model trained on examples (event path ``examples``) made by a Transform
from an ExampleGen's output:

    Trainer                                    the step that made the model
    Trainer/Examples[examples]                 what it trained on
    Trainer/Examples[examples]/Transform       the step that made those
    Trainer/Schema#1                           its second path-less Schema input

A node reachable along several paths takes its smallest role: the one with the
fewest hops, then the smallest segment by segment from the root, a segment
ordered by type name, then path (indices before keys, indices by number, keys
by text), then rank. Roles are interned in a ``Roles`` table shared by both
sides of a diff, so matching is a dictionary lookup and a role's text is built
only when it is reported. Everything is computed layer by layer from ranks
within the previous layer, so a 10,000-hop lineage costs one pass, not a
comparison of 10,000-segment roles.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from mdstore.provenance.graph import ARTIFACT, EventPath, LineageGraph, NodeId

ROOT: Final = 0
"""The root's role."""
UNTYPED: Final = "?"
"""Stands for the type name in a role's text when the node's message has none."""

# (is an artifact, type name, event path, rank): one hop of a role.
Segment = tuple[bool, str, EventPath, int]
_PathOrder = tuple[tuple[int, int, str], ...]
# How candidate roles of one layer compare: (parent's rank in its layer, type, path, rank).
_Order = tuple[int, str, _PathOrder, int]


class Roles:
    """Interned roles: equal roles of different lineages get the same number."""

    def __init__(self) -> None:
        self._ids: dict[tuple[int, Segment], int] = {}
        # role -> (parent role, segment, hops from the root); the root has no parent.
        self._entries: list[tuple[int, Segment | None, int]] = [(ROOT, None, 0)]
        self._texts: dict[int, str] = {}  # only the reported roles' (a text is O(depth))

    def child(self, parent: int, segment: Segment) -> int:
        """The role one hop past ``parent`` through ``segment``."""
        key = (parent, segment)
        role = self._ids.get(key)
        if role is None:
            role = self._ids[key] = len(self._entries)
            self._entries.append((parent, segment, self._entries[parent][2] + 1))
        return role

    def depth(self, role: int) -> int:
        """Hops from the root."""
        return self._entries[role][2]

    def text(self, role: int) -> str:
        """The role as text, e.g. ``Trainer/Examples[examples]/Transform``."""
        found = self._texts.get(role)
        if found is None:
            parts = []
            parent, segment, _ = self._entries[role]
            while segment is not None:
                parts.append(_segment_text(segment))
                parent, segment, _ = self._entries[parent]
            found = self._texts[role] = "/".join(reversed(parts))
        return found

    def sort_key(self, role: int) -> tuple[int, str]:
        """Orders reported roles: nearest the root first, then by text."""
        return self.depth(role), self.text(role)


def _segment_text(segment: Segment) -> str:
    is_artifact, type_name, path, rank = segment
    text = type_name or UNTYPED
    if is_artifact and path:
        text += "[" + ".".join(str(step) for step in path) + "]"
    return f"{text}#{rank}" if rank else text


def assign(
    graph: LineageGraph, root: NodeId, table: Roles, type_of: Callable[[NodeId], str]
) -> dict[NodeId, int]:
    """Each node upstream of ``root`` (and the root) with its smallest role.

    Args:
        graph: the lineage.
        root: the artifact whose upstream lineage is given roles.
        table: where roles are interned (shared with the other lineage).
        type_of: a node's type name.
    """
    role_of = {root: ROOT}
    rank = {root: 0}
    layer = [root]
    while layer:
        best: dict[NodeId, tuple[_Order, int, Segment]] = {}
        for parent in layer:
            for child, segment in _segments(graph, parent, type_of):
                if child in role_of:
                    continue
                order = (rank[parent], segment[1], _path_order(segment[2]), segment[3])
                known = best.get(child)
                if known is None or order < known[0]:
                    best[child] = (order, role_of[parent], segment)
        layer = sorted(best, key=lambda node: best[node][0])
        rank = {}
        for position, child in enumerate(layer):
            _, parent_role, segment = best[child]
            role_of[child] = table.child(parent_role, segment)
            rank[child] = position
    return role_of


def _segments(
    graph: LineageGraph, node: NodeId, type_of: Callable[[NodeId], str]
) -> list[tuple[NodeId, Segment]]:
    """The nodes one hop upstream of ``node``, each with the segment leading to it."""
    is_artifact = node.kind == ARTIFACT
    links = graph.producers(node) if is_artifact else graph.inputs(node)
    # An artifact's producers are told apart by type alone, an execution's inputs by
    # type and event path; repeated events (DECLARED_OUTPUT then OUTPUT) count once.
    seen: set[tuple[NodeId, EventPath]] = set()
    counts: dict[tuple[str, EventPath], int] = {}
    found = []
    for link in links:
        path: EventPath = () if is_artifact else link.path
        if (link.node, path) in seen:
            continue
        seen.add((link.node, path))
        type_name = type_of(link.node)
        rank = counts.get((type_name, path), 0)
        counts[(type_name, path)] = rank + 1
        found.append((link.node, (not is_artifact, type_name, path, rank)))
    return found


def _path_order(path: EventPath) -> _PathOrder:
    return tuple((0, step, "") if isinstance(step, int) else (1, 0, step) for step in path)
