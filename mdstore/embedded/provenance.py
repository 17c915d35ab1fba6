"""The provenance methods of the embedded ``MetadataStore`` (mdstore's own, not
ml_metadata's): trace, impact, path, diff, delete and garbage collection.

They return ``mdstore.v1`` messages; Trace and Impact answers are the whole
answer (every page followed).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mdstore.embedded.base import StoreMethods
from mdstore.wire import v1
from mdstore.wire.pages import all_pages

_ARTIFACT = v1.NodeKind.values_by_name["ARTIFACT"].number
_EXECUTION = v1.NodeKind.values_by_name["EXECUTION"].number
_CONTEXT = v1.NodeKind.values_by_name["CONTEXT"].number


def _walk_options(
    max_hops: int | None,
    stop_at_artifacts: str,
    stop_at_executions: str,
    as_of: int | None,
    page_size: int,
) -> Any:
    options = v1.WalkOptions(
        stop_at_artifacts=stop_at_artifacts,
        stop_at_executions=stop_at_executions,
        page_size=page_size,
    )
    if max_hops is not None:
        options.max_hops = max_hops
    if as_of is not None:
        options.as_of_millis = as_of
    return options


def _ref(node_id: int, execution: bool) -> Any:
    return v1.NodeRef(kind=_EXECUTION if execution else _ARTIFACT, id=node_id)


class ProvenanceMethods(StoreMethods):
    """Provenance questions and deletion."""

    def trace(
        self,
        node_id: int,
        *,
        execution: bool = False,
        max_hops: int | None = None,
        stop_at_artifacts: str = "",
        stop_at_executions: str = "",
        as_of: int | None = None,
        page_size: int = 0,
    ) -> Any:
        """Everything an artifact (or execution) was made from, with a summary.

        Args:
            node_id: the artifact's id, or the execution's with ``execution``.
            execution: ``node_id`` names an execution.
            max_hops: how far to walk; None walks the whole lineage.
            stop_at_artifacts: a filter query; matching artifacts end the walk.
            stop_at_executions: likewise for executions.
            as_of: milliseconds since the epoch: the lineage as it was then.
            page_size: nodes fetched per call (0: the server's default).

        Returns:
            A ``v1.TraceResponse`` holding the whole answer.

        Raises:
            NotFoundError: no such node (at ``as_of``).
            InvalidArgumentError: a negative hop count or time, a bad filter.
        """
        request = v1.TraceRequest(
            node=_ref(node_id, execution),
            options=_walk_options(
                max_hops, stop_at_artifacts, stop_at_executions, as_of, page_size
            ),
        )
        return all_pages(self._call, "Trace", request)

    def impact(
        self,
        artifact_id: int,
        *,
        max_hops: int | None = None,
        stop_at_artifacts: str = "",
        stop_at_executions: str = "",
        as_of: int | None = None,
        page_size: int = 0,
    ) -> Any:
        """Everything made from an artifact, and its end products with their chains.

        Args and Raises are as for ``trace``.

        Returns:
            A ``v1.ImpactResponse`` holding the whole answer.
        """
        request = v1.ImpactRequest(
            artifact_id=artifact_id,
            options=_walk_options(
                max_hops, stop_at_artifacts, stop_at_executions, as_of, page_size
            ),
        )
        return all_pages(self._call, "Impact", request)

    def lineage_path(
        self,
        source_id: int,
        target_id: int,
        *,
        source_is_execution: bool = False,
        target_is_execution: bool = False,
        max_chains: int = 0,
        as_of: int | None = None,
    ) -> Any:
        """The chains of events between two nodes, shortest first (``v1.PathResponse``).

        Raises:
            NotFoundError: either node does not exist (at ``as_of``).
            InvalidArgumentError: a bad chain limit or time.
        """
        request = v1.PathRequest(
            source=_ref(source_id, source_is_execution),
            target=_ref(target_id, target_is_execution),
            max_chains=max_chains,
        )
        if as_of is not None:
            request.as_of_millis = as_of
        return self._call("Path", request)

    def lineage_diff(self, artifact_id: int, other_id: int, *, as_of: int | None = None) -> Any:
        """What differs between two artifacts' upstream lineage (``v1.DiffResponse``).

        Raises:
            NotFoundError: either artifact does not exist (at ``as_of``).
        """
        request = v1.DiffRequest(artifact_id=artifact_id, other_artifact_id=other_id)
        if as_of is not None:
            request.as_of_millis = as_of
        return self._call("Diff", request)

    def delete_artifacts(
        self, artifact_ids: Sequence[int], reason: str, *, purge: bool = False
    ) -> list[Any]:
        """Deletes artifacts as tombstones; returns their ``v1.Tombstone`` records.

        Deleting a deleted artifact changes nothing (and returns its tombstone);
        ``purge`` also erases the payload (uri, properties but the digest).

        Raises:
            NotFoundError: an unknown id (nothing is deleted).
            InvalidArgumentError: no ids or no reason.
        """
        return self._delete(_ARTIFACT, artifact_ids, reason, purge)

    def delete_executions(
        self, execution_ids: Sequence[int], reason: str, *, purge: bool = False
    ) -> list[Any]:
        """Deletes executions as tombstones (see ``delete_artifacts``)."""
        return self._delete(_EXECUTION, execution_ids, reason, purge)

    def delete_contexts(
        self, context_ids: Sequence[int], reason: str, *, purge: bool = False
    ) -> list[Any]:
        """Deletes contexts as tombstones (see ``delete_artifacts``)."""
        return self._delete(_CONTEXT, context_ids, reason, purge)

    def _delete(self, kind: int, ids: Sequence[int], reason: str, purge: bool) -> list[Any]:
        request = v1.DeleteRequest(kind=kind, ids=list(ids), reason=reason, purge=purge)
        return list(self._call("Delete", request).tombstones)

    def garbage_collect(self, deleted_before: int) -> list[Any]:
        """Purges every node deleted before a time (ms); returns their ``v1.NodeRef``."""
        request = v1.GarbageCollectRequest(deleted_before_millis=deleted_before)
        return list(self._call("GarbageCollect", request).purged)
