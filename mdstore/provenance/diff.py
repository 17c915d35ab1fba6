"""Diff: what differs between the upstream lineages of two artifacts (two model versions).

Nodes are matched by role (``roles``), never by id, so two runs of one pipeline
match node for node. Reported:

* ``sources`` (artifacts upstream that no execution produced): a matched source
  whose ``uri`` or ``digest`` differs (one change per field), or a source on one
  side only (``added``: only in the other lineage, with its uri as new value;
  ``removed``: only in the first, with its uri as old value). A role that is a
  source on one side and produced on the other is a source removed or added
  (and its producer a step added or removed).
* ``steps``: executions on one side only. A matched role whose type differs is
  no match (types are part of roles): the step is removed and another added.
* ``parameters``: properties and custom properties of matched steps that differ
  (merged as in the trace summary, ``values.parameters``).
* ``properties``: the same for matched intermediate artifacts (neither root nor
  source), e.g. a schema fingerprint.

Never compared: ids, names (of executions, artifacts and contexts), the uris and
digests of intermediate artifacts, times, states, custom properties starting
with ``mdstore.``, a run's own measurements (``values.RUN_MEASUREMENTS``), and
the two roots' own fields. So the same lineage twice, or
two runs of one pipeline that differ only in those, give an empty diff. Each
list is ordered by role (nearest the root first, then by role text), then by
field or property name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from mdstore.provenance.graph import ARTIFACT, LineageGraph, NodeId
from mdstore.provenance.roles import ROOT, Roles, assign
from mdstore.provenance.values import RUN_MEASUREMENTS, digest, parameters, same_value
from mdstore.wire import mlmd, v1

CHANGED: Final = "changed"
ADDED: Final = "added"
REMOVED: Final = "removed"
URI: Final = "uri"
DIGEST: Final = "digest"


@dataclass
class Subgraph:
    """An artifact's upstream lineage, as the store extracts it.

    Attributes:
        root: the artifact's id.
        artifacts: ``ml_metadata.Artifact`` messages by id, with ``type`` filled.
        executions: ``ml_metadata.Execution`` messages by id, with ``type`` filled.
        events: the ``ml_metadata.Event`` messages among them, in recorded order
            (the order tells same-type inputs without event paths apart).
        tombstones: ``mdstore.v1.Tombstone`` of deleted nodes; a deleted node is
            still compared like any other (states are not compared).
    """

    root: int
    artifacts: dict[int, Any]
    executions: dict[int, Any]
    events: list[Any]
    tombstones: dict[NodeId, Any] = field(default_factory=dict)


class _Side:
    """One lineage with its roles: which node has which role, and its message."""

    def __init__(self, subgraph: Subgraph, table: Roles) -> None:
        self.subgraph = subgraph
        root = NodeId(ARTIFACT, subgraph.root)
        self.graph = LineageGraph.from_events(subgraph.events, nodes=[root])
        role_of = assign(self.graph, root, table, lambda node: self.message(node).type)
        self.by_role = {role: node for node, role in role_of.items()}

    def message(self, node: NodeId) -> Any:
        if node.kind == ARTIFACT:
            found = self.subgraph.artifacts.get(node.id)
            return mlmd.Artifact() if found is None else found
        found = self.subgraph.executions.get(node.id)
        return mlmd.Execution() if found is None else found

    def is_source(self, role: int) -> bool:
        node = self.by_role[role]
        return node.kind == ARTIFACT and role != ROOT and not self.graph.in_degree(node)


def diff(first: Subgraph, other: Subgraph) -> Any:
    """Compares the upstream lineages of two artifacts.

    Args:
        first: the lineage compared from (its values are the old ones).
        other: the lineage compared to (its values are the new ones).

    Returns:
        A ``mdstore.v1.DiffResponse`` (see the module doc for what it reports);
        empty when the lineages match.
    """
    table = Roles()
    old, new = _Side(first, table), _Side(other, table)
    changes = _Changes(table)
    for role in old.by_role.keys() | new.by_role.keys():
        if role == ROOT:
            continue
        if role not in new.by_role:
            changes.one_sided(role, old, REMOVED)
        elif role not in old.by_role:
            changes.one_sided(role, new, ADDED)
        else:
            changes.matched(role, old, new)
    return changes.response()


class _Changes:
    """The changes found so far, each with its sort key (role, then name)."""

    def __init__(self, table: Roles) -> None:
        self.table = table
        self.sources: list[tuple[tuple[int, str], str, Any]] = []
        self.steps: list[tuple[tuple[int, str], str, Any]] = []
        self.parameters: list[tuple[tuple[int, str], str, Any]] = []
        self.properties: list[tuple[tuple[int, str], str, Any]] = []

    def one_sided(self, role: int, side: _Side, change: str) -> None:
        """A role only ``side`` has: a step or source added or removed."""
        node = side.by_role[role]
        if node.kind != ARTIFACT:
            step = v1.StepChange(
                role=self.table.text(role),
                type=side.message(node).type,
                execution_id=node.id,
                change=change,
            )
            self.steps.append((self.table.sort_key(role), "", step))
        elif side.is_source(role):
            self._source_only(role, side, change)

    def _source_only(self, role: int, side: _Side, change: str) -> None:
        node = side.by_role[role]
        uri = side.message(node).uri
        ids = {"other_artifact_id": node.id} if change == ADDED else {"artifact_id": node.id}
        values = {"new_value": uri} if change == ADDED else {"old_value": uri}
        source = v1.SourceChange(
            role=self.table.text(role), field=URI, change=change, **ids, **values
        )
        self.sources.append((self.table.sort_key(role), change, source))

    def matched(self, role: int, old: _Side, new: _Side) -> None:
        """A role both sides have: compare what the diff compares."""
        if old.by_role[role].kind != ARTIFACT:
            self._values(self.parameters, role, old, new, skip_digests=False)
            return
        old_source, new_source = old.is_source(role), new.is_source(role)
        if old_source and new_source:
            self._source_fields(role, old, new)
        elif old_source or new_source:
            self._source_only(role, old if old_source else new, REMOVED if old_source else ADDED)
        else:
            self._values(self.properties, role, old, new, skip_digests=True)

    def _source_fields(self, role: int, old: _Side, new: _Side) -> None:
        before, after = old.by_role[role], new.by_role[role]
        old_message, new_message = old.message(before), new.message(after)
        for name, old_value, new_value in (
            (DIGEST, digest(old_message), digest(new_message)),
            (URI, old_message.uri, new_message.uri),
        ):
            if old_value != new_value:
                change = v1.SourceChange(
                    role=self.table.text(role),
                    artifact_id=before.id,
                    other_artifact_id=after.id,
                    field=name,
                    old_value=old_value,
                    new_value=new_value,
                    change=CHANGED,
                )
                self.sources.append((self.table.sort_key(role), name, change))

    def _values(
        self,
        found: list[tuple[tuple[int, str], str, Any]],
        role: int,
        old: _Side,
        new: _Side,
        *,
        skip_digests: bool,
    ) -> None:
        before, after = old.by_role[role], new.by_role[role]
        old_message = old.message(before)
        old_values = parameters(old_message, skip_digests=skip_digests)
        new_values = parameters(new.message(after), skip_digests=skip_digests)
        for name in (old_values.keys() | new_values.keys()) - RUN_MEASUREMENTS:
            old_value, new_value = old_values.get(name), new_values.get(name)
            both = old_value is not None and new_value is not None
            if both and same_value(old_value, new_value):
                continue
            change = v1.ValueChange(
                role=self.table.text(role),
                type=old_message.type,
                node_id=before.id,
                other_node_id=after.id,
                name=name,
                old_value=old_value,
                new_value=new_value,
            )
            found.append((self.table.sort_key(role), name, change))

    def response(self) -> Any:
        """The ``DiffResponse``, each list in order."""
        response = v1.DiffResponse()
        for target, found in (
            (response.sources, self.sources),
            (response.steps, self.steps),
            (response.parameters, self.parameters),
            (response.properties, self.properties),
        ):
            found.sort(key=lambda item: (item[0], item[1]))
            target.extend(change for _, _, change in found)
        return response
