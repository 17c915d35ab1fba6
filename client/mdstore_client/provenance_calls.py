"""The client's provenance questions: one ``mdstore.v1`` call each (every page followed)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from mdstore.errors import InvalidArgumentError
from mdstore.wire import v1
from mdstore.wire.pages import all_pages
from mdstore_client.convert import ARTIFACT, CONTEXT, EXECUTION, Kind
from mdstore_client.models import Artifact, Context, Execution, Node
from mdstore_client.provenance import (
    KIND_NUMBERS,
    Impact,
    LineageDiff,
    LineagePath,
    NodeRef,
    Tombstone,
    Trace,
    diff_from_proto,
    impact_from_proto,
    path_from_proto,
    ref,
    tombstone,
    trace_from_proto,
    walk_options,
)

Time = int | datetime | None
_KINDS = {"artifact": ARTIFACT, "execution": EXECUTION, "context": CONTEXT}


def to_millis(when: Time) -> int | None:
    """Milliseconds since the epoch; a naive datetime is UTC."""
    if when is None or isinstance(when, int):
        return when
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return int(when.timestamp() * 1000)


class ProvenanceCalls:
    """Trace, impact, path, diff, delete and retention (mixed into ``Client``)."""

    if TYPE_CHECKING:  # provided by Client and Queries

        def call(self, method: str, request: Any) -> Any: ...

        def id_of(self, node: Node | int, kind: Kind) -> int: ...

    def trace(
        self,
        node: Artifact | Execution | int,
        *,
        execution: bool = False,
        max_hops: int | None = None,
        as_of: Time = None,
        stop_at_artifacts: str = "",
        stop_at_executions: str = "",
    ) -> Trace:
        """What a node was made from: every upstream node and event, and a summary.

        Args:
            node: an artifact, an execution, or an id (an execution's with ``execution``).
            max_hops: events to follow back (None: all, no cap).
            as_of: the lineage as the store held it then (ms since the epoch or a
                datetime; naive means UTC).
            stop_at_artifacts: a filter query; matching artifacts end the walk.
            stop_at_executions: likewise for executions.
        """
        is_execution = execution or isinstance(node, Execution)
        kind = EXECUTION if is_execution else ARTIFACT
        root = NodeRef(kind=kind.label, id=self.id_of(node, kind))
        request = v1.TraceRequest(
            node=v1.NodeRef(kind=KIND_NUMBERS[kind.label], id=root.id),
            options=walk_options(max_hops, to_millis(as_of), stop_at_artifacts, stop_at_executions),
        )
        return trace_from_proto(all_pages(self.call, "Trace", request), root)

    def impact(
        self, artifact: Artifact | int, *, max_hops: int | None = None, as_of: Time = None
    ) -> Impact:
        """Everything made from an artifact, and its end products with their chains."""
        root = NodeRef(kind="artifact", id=self.id_of(artifact, ARTIFACT))
        request = v1.ImpactRequest(
            artifact_id=root.id, options=walk_options(max_hops, to_millis(as_of), "", "")
        )
        return impact_from_proto(all_pages(self.call, "Impact", request), root)

    def lineage_path(
        self,
        source: Artifact | Execution | int,
        target: Artifact | Execution | int,
        *,
        source_is_execution: bool = False,
        target_is_execution: bool = False,
        max_chains: int = 0,
        as_of: Time = None,
    ) -> LineagePath:
        """The chains of events between two nodes, shortest first."""
        request = v1.PathRequest(
            source=self._ref(source, source_is_execution),
            target=self._ref(target, target_is_execution),
            max_chains=max_chains,
        )
        millis = to_millis(as_of)
        if millis is not None:
            request.as_of_millis = millis
        return path_from_proto(self.call("Path", request))

    def diff(
        self, artifact: Artifact | int, other: Artifact | int, *, as_of: Time = None
    ) -> LineageDiff:
        """What differs between two artifacts' upstream lineage (e.g. two models)."""
        request = v1.DiffRequest(
            artifact_id=self.id_of(artifact, ARTIFACT),
            other_artifact_id=self.id_of(other, ARTIFACT),
        )
        millis = to_millis(as_of)
        if millis is not None:
            request.as_of_millis = millis
        return diff_from_proto(self.call("Diff", request))

    def delete(
        self,
        kind: str,
        ids: Sequence[Artifact | Execution | Context | int],
        *,
        reason: str,
        purge: bool = False,
    ) -> list[Tombstone]:
        """Deletes nodes as tombstones (idempotent); ``purge`` also erases their payload.

        Args:
            kind: "artifact", "execution" or "context".
            ids: the nodes, or their ids.
            reason: why (recorded in the tombstone; required).
        """
        node_kind = _KINDS.get(kind)
        if node_kind is None:
            raise InvalidArgumentError(f"delete an artifact, execution or context, not {kind!r}")
        request = v1.DeleteRequest(
            kind=KIND_NUMBERS[kind],
            ids=[self.id_of(node, node_kind) for node in ids],
            reason=reason,
            purge=purge,
        )
        return [tombstone(t) for t in self.call("Delete", request).tombstones]

    def garbage_collect(self, deleted_before: int | datetime) -> list[NodeRef]:
        """Purges every node deleted before a time; returns what it purged."""
        millis = to_millis(deleted_before) or 0
        request = v1.GarbageCollectRequest(deleted_before_millis=millis)
        return [ref(r) for r in self.call("GarbageCollect", request).purged]

    def _ref(self, node: Artifact | Execution | int, is_execution: bool) -> Any:
        kind = EXECUTION if is_execution or isinstance(node, Execution) else ARTIFACT
        return v1.NodeRef(kind=KIND_NUMBERS[kind.label], id=self.id_of(node, kind))
