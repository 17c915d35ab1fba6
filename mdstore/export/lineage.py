"""What an export draws: the nodes, events and context links of one answer.

Built from ``mdstore.v1.LineageNodes`` (a trace, an impact, or both merged), so
every writer sees the same graph; labels and the facts shown on a node come from
here too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from mdstore.wire import bookkeeping
from mdstore.wire.event_types import INPUT_EVENTS, OUTPUT_EVENTS
from mdstore.wire.values import value_text

_ARTIFACT, _EXECUTION = 1, 2  # mdstore.v1.NodeKind numbers


@dataclass
class Lineage:
    """One lineage to export.

    Attributes:
        root: ``("artifact", id)``: the node the export is about.
        artifacts, executions, contexts: messages by id (with ``type`` names).
        events: the events among them, in recorded order.
        members: context id -> the artifact and execution node keys it holds.
        deleted: node keys with a tombstone, to their deletion reason.
        model, versions, alias_changes: when a model was exported, its name, its
            versions (``mdstore.v1.ModelVersion``) and every move of its aliases
            (``mdstore.v1.AliasChange``), oldest first.
    """

    root: tuple[str, int]
    artifacts: dict[int, Any] = field(default_factory=dict)
    executions: dict[int, Any] = field(default_factory=dict)
    contexts: dict[int, Any] = field(default_factory=dict)
    events: list[Any] = field(default_factory=list)
    members: dict[int, list[tuple[str, int]]] = field(default_factory=dict)
    deleted: dict[tuple[str, int], str] = field(default_factory=dict)
    model: str = ""
    versions: list[Any] = field(default_factory=list)
    alias_changes: list[Any] = field(default_factory=list)

    def add(self, nodes: Any) -> None:
        """Merges a ``mdstore.v1.LineageNodes`` (events and links kept once)."""
        self.artifacts.update((a.id, a) for a in nodes.artifacts)
        self.executions.update((e.id, e) for e in nodes.executions)
        self.contexts.update((c.id, c) for c in nodes.contexts)
        seen = {_event_key(e) for e in self.events}
        self.events += [e for e in nodes.events if _event_key(e) not in seen]
        links = [(a.context_id, ("artifact", a.artifact_id)) for a in nodes.attributions]
        links += [(a.context_id, ("execution", a.execution_id)) for a in nodes.associations]
        for context_id, node in links:
            held = self.members.setdefault(context_id, [])
            if node not in held:
                held.append(node)
        kinds = {_ARTIFACT: "artifact", _EXECUTION: "execution"}
        for stone in nodes.tombstones:
            if stone.kind in kinds:
                self.deleted[(kinds[stone.kind], stone.id)] = stone.reason

    def edges(self) -> Iterable[tuple[tuple[str, int], tuple[str, int], Any]]:
        """(source, target, event) along the data: input artifact -> execution -> output."""
        for event in self.events:
            artifact, execution = ("artifact", event.artifact_id), ("execution", event.execution_id)
            if event.type in INPUT_EVENTS:
                yield artifact, execution, event
            elif event.type in OUTPUT_EVENTS:
                yield execution, artifact, event

    def node_count(self) -> int:
        return len(self.artifacts) + len(self.executions)


def _event_key(event: Any) -> tuple[int, int, int]:
    return event.artifact_id, event.execution_id, event.type


def version(artifact: Any) -> str:
    """The model version the registry gave the artifact ("" when none)."""
    if bookkeeping.VERSION in artifact.custom_properties:
        return value_text(artifact.custom_properties[bookkeeping.VERSION])
    return ""


def properties(node: Any) -> dict[str, str]:
    """A node's properties and custom properties as text (mdstore's bookkeeping left out)."""
    found = {name: value_text(node.properties[name]) for name in node.properties}
    for name in node.custom_properties:
        if not bookkeeping.is_bookkeeping(name):
            key = f"custom:{name}" if name in found else name
            found[key] = value_text(node.custom_properties[name])
    return found
