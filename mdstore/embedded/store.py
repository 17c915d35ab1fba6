"""``MetadataStore``: the embedded API, ml_metadata's Python client without a server.

Moving from ml_metadata takes a changed import and a database URL::

    from mdstore import MetadataStore, ListOptions
    from mdstore.wire import mlmd

    with MetadataStore("sqlite:///md.db") as store:
        type_id = store.put_artifact_type(mlmd.ArtifactType(name="Dataset"))
        [dataset_id] = store.put_artifacts([mlmd.Artifact(type_id=type_id, uri="s3://d")])

Method names, argument names, defaults and return shapes are ml_metadata's. Messages
built with ``ml_metadata.proto`` classes are accepted too; results are always
``mdstore.wire.mlmd`` messages. Errors are ``mdstore.errors`` classes, one per gRPC
status code, as ml_metadata raises its own ``errors`` classes. Each call runs in one
database transaction; deadlocks and unique-key races are retried inside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType
from typing import Any

from mdstore.embedded.base import Caller, adopt, adopt_all
from mdstore.embedded.links import LinkReadMethods
from mdstore.embedded.models import ModelMethods
from mdstore.embedded.provenance import ProvenanceMethods
from mdstore.service.dispatch import Service
from mdstore.wire import mlmd


class MetadataStore(LinkReadMethods, ProvenanceMethods, ModelMethods):
    """A metadata store on a database, with the operations of ml_metadata's client.

    Node upsert semantics (``put_artifacts``, ``put_executions``, ``put_contexts``
    and the nodes of ``put_execution`` / ``put_lineage_subgraph``):

    * A node without ``id`` is inserted; its ``type_id`` is required.
    * A node with ``id`` updates the stored node, which must exist; its ``type_id``
      must be unset or unchanged. Without a field mask the stored node is replaced
      as a whole: properties missing from the request are deleted. With
      ``field_mask_paths`` (e.g. ``["properties.accuracy", "uri"]``) only those
      fields change; the mask is ignored for inserted nodes.
    * ``name`` is unique within a node type; contexts must have one.
    * Timestamps are set by the store; nodes written by one call need not share
      ``create_time_since_epoch`` or ``last_update_time_since_epoch``.

    Args:
        url: SQLAlchemy URL (``sqlite:///md.db``, ``mysql+pymysql://…``,
            ``postgresql+psycopg://…``), or an open ``Service`` (or any other
            ``Caller``) to share.
        create_if_empty: create the schema when the database has none.
        audit_log: append an audit entry for every write (URL only; off only to
            measure its cost).

    Raises:
        FailedPreconditionError: the schema is stale; run ``mdstore db upgrade``.
    """

    def __init__(
        self, url: str | Caller, *, create_if_empty: bool = True, audit_log: bool = True
    ) -> None:
        """Opens the store; see the class docstring for the arguments."""
        self._owned: Service | None = None
        if isinstance(url, str):
            url = self._owned = Service(url, create_if_empty=create_if_empty, audit_log=audit_log)
        self._caller: Caller = url

    def __repr__(self) -> str:
        """Names the database (without its password) or the server."""
        where = getattr(self._caller, "masked_url", None) or getattr(self._caller, "target", "")
        return f"MetadataStore({where!r})"

    def __enter__(self) -> MetadataStore:
        """Returns the store itself; leaving the block closes it."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Closes the store (see ``close``)."""
        self.close()

    def close(self) -> None:
        """Closes the database connections, unless the ``Service`` was passed in."""
        if self._owned is not None:
            self._owned.close()

    @property
    def pipeline_asset(self) -> None:
        """Always ``None``, as in open-source ml_metadata."""
        return None

    def _call(self, method: str, request: Any) -> Any:
        return self._caller.call(method, request)

    def put_artifacts(
        self,
        artifacts: Sequence[Any],
        field_mask_paths: Sequence[str] | None = None,
        extra_options: Any = None,
    ) -> list[int]:
        """Inserts or updates artifacts (see the class docstring for the rules).

        Args:
            artifacts: ``Artifact`` messages; those with an ``id`` are updates.
            field_mask_paths: the fields to update on existing artifacts;
                ``None`` or empty replaces them as a whole.
            extra_options: ignored; accepted for ml_metadata compatibility.

        Returns:
            The artifact ids, index-aligned with ``artifacts``.

        Raises:
            AlreadyExistsError: a name or external id is taken within the type.
            InvalidArgumentError: an unknown ``id``, a missing or changed type, or a
                property that the type lacks or of the wrong value type.
            NotFoundError: a ``type_id`` that does not exist.
        """
        request = mlmd.PutArtifactsRequest(artifacts=adopt_all(mlmd.Artifact, artifacts))
        request.update_mask.paths.extend(field_mask_paths or ())
        return list(self._call("PutArtifacts", request).artifact_ids)

    def put_executions(
        self,
        executions: Sequence[Any],
        field_mask_paths: Sequence[str] | None = None,
        extra_options: Any = None,
    ) -> list[int]:
        """Inserts or updates executions (see the class docstring for the rules).

        Args:
            executions: ``Execution`` messages; those with an ``id`` are updates.
            field_mask_paths: the fields to update on existing executions;
                ``None`` or empty replaces them as a whole.
            extra_options: ignored; accepted for ml_metadata compatibility.

        Returns:
            The execution ids, index-aligned with ``executions``.

        Raises:
            AlreadyExistsError: a name or external id is taken within the type.
            InvalidArgumentError: an unknown ``id``, a missing or changed type, or a
                property that the type lacks or of the wrong value type.
            NotFoundError: a ``type_id`` that does not exist.
        """
        request = mlmd.PutExecutionsRequest(executions=adopt_all(mlmd.Execution, executions))
        request.update_mask.paths.extend(field_mask_paths or ())
        return list(self._call("PutExecutions", request).execution_ids)

    def put_contexts(
        self,
        contexts: Sequence[Any],
        field_mask_paths: Sequence[str] | None = None,
        extra_options: Any = None,
    ) -> list[int]:
        """Inserts or updates contexts (see the class docstring for the rules).

        Args:
            contexts: ``Context`` messages, each with a ``name``; those with an
                ``id`` are updates.
            field_mask_paths: the fields to update on existing contexts;
                ``None`` or empty replaces them as a whole.
            extra_options: ignored; accepted for ml_metadata compatibility.

        Returns:
            The context ids, index-aligned with ``contexts``.

        Raises:
            AlreadyExistsError: a name or external id is taken within the type.
            InvalidArgumentError: an empty name, an unknown ``id``, a missing or
                changed type, or a property the type lacks or of the wrong value type.
            NotFoundError: a ``type_id`` that does not exist.
        """
        request = mlmd.PutContextsRequest(contexts=adopt_all(mlmd.Context, contexts))
        request.update_mask.paths.extend(field_mask_paths or ())
        return list(self._call("PutContexts", request).context_ids)

    def put_events(self, events: Sequence[Any], extra_options: Any = None) -> None:
        """Inserts events; events are never updated.

        Args:
            events: ``Event`` messages naming a stored ``execution_id`` and
                ``artifact_id`` and a ``type``; the store sets the timestamp when
                ``milliseconds_since_epoch`` is unset.
            extra_options: ignored; accepted for ml_metadata compatibility.

        Raises:
            InvalidArgumentError: an event lacks a field or names an unknown node.
            AlreadyExistsError: the same event is already stored.
        """
        request = mlmd.PutEventsRequest(events=adopt_all(mlmd.Event, events))
        self._call("PutEvents", request)

    def put_execution(
        self,
        execution: Any,
        artifact_and_events: Sequence[tuple[Any, Any | None]],
        contexts: Sequence[Any] | None,
        reuse_context_if_already_exist: bool = False,
        reuse_artifact_if_already_exist_by_external_id: bool = False,
        force_reuse_context: bool = False,
        force_update_time: bool = False,
        extra_options: Any = None,
    ) -> tuple[int, list[int], list[int]]:
        """Writes an execution with its artifacts, events and contexts in one transaction.

        The execution, artifacts and contexts are upserted by the node rules (see
        the class docstring); each event is inserted with the ids filled in; the
        execution is associated with every context and every artifact attributed
        to every context (existing links are kept, not duplicated).

        Args:
            execution: the ``Execution`` to insert or update.
            artifact_and_events: ``(Artifact, Event or None)`` pairs; an event's
                ids may be unset, and must match the pair's nodes when set.
            contexts: ``Context`` messages to upsert and link, or ``None``.
            reuse_context_if_already_exist: a new context whose (type, name) is
                already stored reuses the stored one instead of failing.
            reuse_artifact_if_already_exist_by_external_id: an artifact without id
                whose ``external_id`` is stored updates the stored one.
            force_reuse_context: contexts with an ``id`` are only linked, never
                updated.
            force_update_time: bump ``last_update_time_since_epoch`` of the
                execution even when nothing else changed.
            extra_options: ignored; accepted for ml_metadata compatibility.

        Returns:
            ``(execution_id, artifact_ids, context_ids)``, the lists index-aligned
            with ``artifact_and_events`` and ``contexts``.

        Raises:
            AlreadyExistsError: a new node's name or external id is taken.
            InvalidArgumentError: ids that do not match the store or each other.
        """
        options = mlmd.PutExecutionRequest.Options(
            reuse_context_if_already_exist=reuse_context_if_already_exist,
            reuse_artifact_if_already_exist_by_external_id=(
                reuse_artifact_if_already_exist_by_external_id
            ),
            force_reuse_context=force_reuse_context,
            force_update_time=force_update_time,
        )
        request = mlmd.PutExecutionRequest(
            execution=adopt(mlmd.Execution, execution),
            contexts=adopt_all(mlmd.Context, contexts),
            options=options,
        )
        for pair in artifact_and_events:
            if pair:
                request.artifact_event_pairs.add(
                    artifact=adopt(mlmd.Artifact, pair[0]),
                    event=adopt(mlmd.Event, pair[1]) if len(pair) == 2 else None,
                )
        response = self._call("PutExecution", request)
        return response.execution_id, list(response.artifact_ids), list(response.context_ids)

    def put_lineage_subgraph(
        self,
        executions: Sequence[Any],
        artifacts: Sequence[Any],
        contexts: Sequence[Any],
        event_edges: Sequence[tuple[int | None, int | None, Any]],
        reuse_context_if_already_exist: bool = False,
        reuse_artifact_if_already_exist_by_external_id: bool = False,
        extra_options: Any = None,
    ) -> tuple[list[int], list[int], list[int]]:
        """Writes executions, artifacts, contexts and events in one transaction.

        Nodes are upserted by the node rules (see the class docstring); every
        execution is associated with, and every artifact attributed to, every
        context; each event edge inserts one event.

        Args:
            executions: ``Execution`` messages to insert or update.
            artifacts: ``Artifact`` messages to insert or update.
            contexts: ``Context`` messages to insert, update or reuse.
            event_edges: ``(execution_index, artifact_index, Event)``: an index
                points into ``executions`` / ``artifacts`` and may be ``None`` when
                the event names a stored node's id instead; when both are given
                they must agree.
            reuse_context_if_already_exist: a new context whose (type, name) is
                already stored reuses the stored one instead of failing.
            reuse_artifact_if_already_exist_by_external_id: an artifact without id
                whose ``external_id`` is stored updates the stored one.
            extra_options: ignored; accepted for ml_metadata compatibility.

        Returns:
            ``(execution_ids, artifact_ids, context_ids)``, index-aligned with the
            inputs.

        Raises:
            AlreadyExistsError: a new node's name or external id is taken.
            InvalidArgumentError: ids that do not match the store or each other.
            OutOfRangeError: an event edge index is outside its list.
        """
        options = mlmd.PutLineageSubgraphRequest.Options(
            reuse_context_if_already_exist=reuse_context_if_already_exist,
            reuse_artifact_if_already_exist_by_external_id=(
                reuse_artifact_if_already_exist_by_external_id
            ),
        )
        request = mlmd.PutLineageSubgraphRequest(
            executions=adopt_all(mlmd.Execution, executions),
            artifacts=adopt_all(mlmd.Artifact, artifacts),
            contexts=adopt_all(mlmd.Context, contexts),
            options=options,
        )
        for execution_index, artifact_index, event in event_edges:
            request.event_edges.add(
                execution_index=execution_index,
                artifact_index=artifact_index,
                event=adopt(mlmd.Event, event),
            )
        response = self._call("PutLineageSubgraph", request)
        return (
            list(response.execution_ids),
            list(response.artifact_ids),
            list(response.context_ids),
        )

    def put_attributions_and_associations(
        self,
        attributions: Sequence[Any],
        associations: Sequence[Any],
        extra_options: Any = None,
    ) -> None:
        """Links artifacts (attributions) and executions (associations) to contexts.

        Links that already exist are left as they are, so the call is idempotent.

        Args:
            attributions: ``Attribution(artifact_id, context_id)`` messages.
            associations: ``Association(execution_id, context_id)`` messages.
            extra_options: ignored; accepted for ml_metadata compatibility.

        Raises:
            InvalidArgumentError: a link names a node that does not exist.
        """
        request = mlmd.PutAttributionsAndAssociationsRequest(
            attributions=adopt_all(mlmd.Attribution, attributions),
            associations=adopt_all(mlmd.Association, associations),
        )
        self._call("PutAttributionsAndAssociations", request)

    def put_parent_contexts(
        self, parent_contexts: Sequence[Any], extra_options: Any = None
    ) -> None:
        """Makes contexts children of other contexts.

        Args:
            parent_contexts: ``ParentContext(child_id, parent_id)`` messages
                naming stored contexts.
            extra_options: ignored; accepted for ml_metadata compatibility.

        Raises:
            InvalidArgumentError: a child or parent context does not exist, or
                the link would make a cycle.
            AlreadyExistsError: the link is already stored.
        """
        request = mlmd.PutParentContextsRequest(
            parent_contexts=adopt_all(mlmd.ParentContext, parent_contexts)
        )
        self._call("PutParentContexts", request)
