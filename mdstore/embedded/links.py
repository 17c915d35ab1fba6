"""The edge and lineage reads of the embedded ``MetadataStore``.

Events link executions to artifacts, attributions link artifacts to contexts,
associations link executions to contexts, and parent contexts link contexts.
Every method takes an ``extra_options`` argument that is accepted for ml_metadata
compatibility and ignored.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from mdstore.embedded.base import adopt
from mdstore.embedded.list_options import ListOptions, OrderByField
from mdstore.embedded.nodes import NodeReadMethods
from mdstore.embedded.types import TypeMethods
from mdstore.wire import mlmd

# The LineageGraph fields that hold nodes (what a GetLineageSubgraph read_mask dehydrates).
_NODE_FIELDS = {"artifacts", "executions", "contexts"}


class LinkReadMethods(NodeReadMethods, TypeMethods):
    """Follows edges from nodes to nodes, and extracts lineage subgraphs."""

    def get_contexts_by_artifact(self, artifact_id: int, extra_options: Any = None) -> list[Any]:
        """Gets the contexts an artifact is attributed to.

        Args:
            artifact_id: the artifact's id.
            extra_options: ignored; accepted for ml_metadata compatibility.

        Returns:
            A list of ``Context``.
        """
        request = mlmd.GetContextsByArtifactRequest(artifact_id=artifact_id)
        return list(self._call("GetContextsByArtifact", request).contexts)

    def get_contexts_by_execution(self, execution_id: int, extra_options: Any = None) -> list[Any]:
        """Gets the contexts an execution is associated with.

        Args:
            execution_id: the execution's id.
            extra_options: ignored; accepted for ml_metadata compatibility.

        Returns:
            A list of ``Context``.
        """
        request = mlmd.GetContextsByExecutionRequest(execution_id=execution_id)
        return list(self._call("GetContextsByExecution", request).contexts)

    def get_artifacts_by_context(
        self,
        context_id: int,
        list_options: ListOptions | None = None,
        extra_options: Any = None,
    ) -> list[Any]:
        """Gets the artifacts attributed to a context (directly, not via child contexts).

        Args:
            context_id: the context's id.
            list_options: filter, order and limit; ``None`` returns all of them.
            extra_options: ignored; accepted for ml_metadata compatibility.

        Returns:
            A list of ``Artifact``.

        Raises:
            InvalidArgumentError: ``list_options`` is invalid.
        """
        request = mlmd.GetArtifactsByContextRequest(context_id=context_id)
        return self._list("GetArtifactsByContext", "artifacts", request, list_options)

    def get_executions_by_context(
        self,
        context_id: int,
        list_options: ListOptions | None = None,
        extra_options: Any = None,
    ) -> list[Any]:
        """Gets the executions associated with a context (directly).

        Args:
            context_id: the context's id.
            list_options: filter, order and limit; ``None`` returns all of them,
                newest first (by creation time), as ml_metadata does.
            extra_options: ignored; accepted for ml_metadata compatibility.

        Returns:
            A list of ``Execution``.

        Raises:
            InvalidArgumentError: ``list_options`` is invalid.
        """
        if list_options is None:
            list_options = ListOptions(order_by=OrderByField.CREATE_TIME, is_asc=False)
        request = mlmd.GetExecutionsByContextRequest(context_id=context_id)
        return self._list("GetExecutionsByContext", "executions", request, list_options)

    def get_events_by_execution_ids(
        self, execution_ids: Iterable[int], extra_options: Any = None
    ) -> list[Any]:
        """Gets the events of some executions.

        Args:
            execution_ids: execution ids; unknown ones are skipped.
            extra_options: ignored; accepted for ml_metadata compatibility.

        Returns:
            A list of ``Event``.
        """
        request = mlmd.GetEventsByExecutionIDsRequest(execution_ids=list(execution_ids))
        return list(self._call("GetEventsByExecutionIDs", request).events)

    def get_events_by_artifact_ids(
        self, artifact_ids: Iterable[int], extra_options: Any = None
    ) -> list[Any]:
        """Gets the events of some artifacts.

        Args:
            artifact_ids: artifact ids; unknown ones are skipped.
            extra_options: ignored; accepted for ml_metadata compatibility.

        Returns:
            A list of ``Event``.
        """
        request = mlmd.GetEventsByArtifactIDsRequest(artifact_ids=list(artifact_ids))
        return list(self._call("GetEventsByArtifactIDs", request).events)

    def get_parent_contexts_by_context(
        self, context_id: int, extra_options: Any = None
    ) -> list[Any]:
        """Gets the direct parents of a context.

        Args:
            context_id: the child context's id.
            extra_options: ignored; accepted for ml_metadata compatibility.

        Returns:
            A list of ``Context``.
        """
        request = mlmd.GetParentContextsByContextRequest(context_id=context_id)
        return list(self._call("GetParentContextsByContext", request).contexts)

    def get_children_contexts_by_context(
        self, context_id: int, extra_options: Any = None
    ) -> list[Any]:
        """Gets the direct children of a context.

        Args:
            context_id: the parent context's id.
            extra_options: ignored; accepted for ml_metadata compatibility.

        Returns:
            A list of ``Context``.
        """
        request = mlmd.GetChildrenContextsByContextRequest(context_id=context_id)
        return list(self._call("GetChildrenContextsByContext", request).contexts)

    def get_lineage_graph(self, query_options: Any = None, extra_options: Any = None) -> Any:
        """Gets the lineage graph around the artifacts a filter selects.

        An mdstore addition: ml_metadata's client has no such method and its
        server answers ``GetLineageGraph`` with UNIMPLEMENTED.

        Args:
            query_options: a ``LineageGraphQueryOptions`` (starting artifacts,
                stop conditions, hop and node limits); ``None`` sends defaults.
            extra_options: ignored; accepted for symmetry with the other methods.

        Returns:
            A ``LineageGraph`` with nodes, their types and the edges between them.

        Raises:
            InvalidArgumentError: the options are invalid, e.g. a bad filter query.
        """
        request = mlmd.GetLineageGraphRequest(
            options=adopt(mlmd.LineageGraphQueryOptions, query_options)
        )
        return self._call("GetLineageGraph", request).subgraph

    def get_lineage_subgraph(
        self,
        query_options: Any,
        field_mask_paths: Sequence[str] | None = None,
        extra_options: Any = None,
    ) -> Any:
        """Gets the lineage subgraph reachable from some starting nodes.

        ml_metadata's client asks for the subgraph's skeleton and then reads node
        details and types with further calls; mdstore's GetLineageSubgraph without
        a read_mask returns them all, so this is one call and one consistent
        snapshot (fields not asked for are dropped here).

        Args:
            query_options: a ``LineageSubgraphQueryOptions``: starting artifacts or
                executions, ``max_num_hops`` and ``direction``.
            field_mask_paths: the ``LineageGraph`` fields to fill, e.g.
                ``["artifacts", "events"]``; ``None`` or empty fills all of them.
                ``*_types`` paths bring the types of the returned nodes.
            extra_options: ignored; accepted for ml_metadata compatibility.

        Returns:
            A ``LineageGraph``.

        Raises:
            InvalidArgumentError: the query options are invalid.
        """
        request = mlmd.GetLineageSubgraphRequest(
            lineage_subgraph_query_options=adopt(mlmd.LineageSubgraphQueryOptions, query_options)
        )
        wanted = set(field_mask_paths or ())
        if not wanted & _NODE_FIELDS:
            # Events, links or types only: the server fills just those.
            request.read_mask.paths.extend(sorted(wanted))
            return self._call("GetLineageSubgraph", request).lineage_subgraph
        # A read_mask naming node fields gets nodes with ids only (MLMD's contract),
        # so ask for the whole graph, with full nodes, and drop what was not wanted.
        graph = self._call("GetLineageSubgraph", request).lineage_subgraph
        for field in mlmd.LineageGraph.DESCRIPTOR.fields:
            if field.name not in wanted:
                graph.ClearField(field.name)
        return graph
