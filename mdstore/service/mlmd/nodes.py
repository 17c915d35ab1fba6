"""Handlers of the artifact, execution and context methods: puts and lookups.

Lookups by id, URI or external id return the nodes that exist and skip the rest;
by-type lookups return nothing for an unknown type; by-type-and-name lookups return
an empty response when there is no match. These match MLMD, which clients rely on.
Node upsert rules are in store/records/node_writes.py.
"""

from __future__ import annotations

from typing import Any

from mdstore.errors import NotFoundError
from mdstore.store import Transaction
from mdstore.store.records import listing
from mdstore.store.records.kinds import ARTIFACT, CONTEXT, EXECUTION, NodeKind
from mdstore.store.records.node_writes import put_nodes
from mdstore.store.records.nodes import (
    artifacts_by_uri,
    node_by_type_and_name,
    node_rows,
    nodes_by_external_id,
)
from mdstore.store.records.types import find_type, types_by_id
from mdstore.store.records.validation import check_external_ids
from mdstore.wire import encoding, mlmd
from mdstore.wire.encoding import Encoded


def nodes_response(
    response_class: Any, kind: NodeKind, rows: Any, token: str = "", types: Any = ()
) -> Encoded:
    """A response holding the nodes of ``(id, proto, ...)`` rows, then a page token
    or (artifacts by id) their types, in wire form."""
    fields = response_class.DESCRIPTOR.fields_by_name
    data = encoding.nodes(fields[kind.plural].number, rows)
    if token:
        data += encoding.field(fields["next_page_token"].number, token.encode())
    if types:
        type_field = fields[f"{kind.label}_types"].number
        data += encoding.repeated(type_field, (t.SerializeToString() for t in types))
    return Encoded(response_class, data)


def _page(response_class: Any, page: listing.NodePage, kind: NodeKind) -> Encoded:
    return nodes_response(response_class, kind, page.rows, page.next_page_token)


def _options(request: Any) -> Any:
    return request.options if request.HasField("options") else None


# ---------------------------------------------------------------- puts


def put_artifacts(conn: Transaction, request: Any) -> Any:
    """PutArtifacts: creates or updates artifacts; ids in request order."""
    abort = _options(request) is not None and request.options.abort_if_latest_updated_time_changed
    paths = list(request.update_mask.paths)
    ids = put_nodes(conn, ARTIFACT, request.artifacts, paths, abort)
    return mlmd.PutArtifactsResponse(artifact_ids=ids)


def put_executions(conn: Transaction, request: Any) -> Any:
    """PutExecutions: creates or updates executions; ids in request order."""
    ids = put_nodes(conn, EXECUTION, request.executions, list(request.update_mask.paths))
    return mlmd.PutExecutionsResponse(execution_ids=ids)


def put_contexts(conn: Transaction, request: Any) -> Any:
    """PutContexts: creates or updates contexts; ids in request order."""
    ids = put_nodes(conn, CONTEXT, request.contexts, list(request.update_mask.paths))
    return mlmd.PutContextsResponse(context_ids=ids)


# ---------------------------------------------------------------- pages of all nodes


def get_artifacts(conn: Transaction, request: Any) -> Any:
    """GetArtifacts: a page of artifacts."""
    page = listing.list_page(conn, ARTIFACT, _options(request))
    return _page(mlmd.GetArtifactsResponse, page, ARTIFACT)


def get_executions(conn: Transaction, request: Any) -> Any:
    """GetExecutions: a page of executions."""
    page = listing.list_page(conn, EXECUTION, _options(request))
    return _page(mlmd.GetExecutionsResponse, page, EXECUTION)


def get_contexts(conn: Transaction, request: Any) -> Any:
    """GetContexts: a page of contexts."""
    page = listing.list_page(conn, CONTEXT, _options(request))
    return _page(mlmd.GetContextsResponse, page, CONTEXT)


# ---------------------------------------------------------------- by id


def get_artifacts_by_id(conn: Transaction, request: Any) -> Any:
    """GetArtifactsByID: the artifacts with these ids, with their types if asked."""
    rows = node_rows(conn, ARTIFACT, request.artifact_ids)
    types: Any = ()
    if request.populate_artifact_types:
        types = types_by_id(conn, ARTIFACT.type_kind, [row[2] for row in rows]).values()
    return nodes_response(mlmd.GetArtifactsByIDResponse, ARTIFACT, rows, types=types)


def get_executions_by_id(conn: Transaction, request: Any) -> Any:
    """GetExecutionsByID: the executions with these ids."""
    rows = node_rows(conn, EXECUTION, request.execution_ids)
    return nodes_response(mlmd.GetExecutionsByIDResponse, EXECUTION, rows)


def get_contexts_by_id(conn: Transaction, request: Any) -> Any:
    """GetContextsByID: the contexts with these ids."""
    rows = node_rows(conn, CONTEXT, request.context_ids)
    return nodes_response(mlmd.GetContextsByIDResponse, CONTEXT, rows)


# ---------------------------------------------------------------- by type


def _type_id(conn: Transaction, kind: NodeKind, request: Any) -> int | None:
    found = find_type(conn, kind.type_kind, request.type_name, request.type_version)
    return None if found is None else int(found.id)


def _of_type(conn: Transaction, kind: NodeKind, request: Any, response_class: Any) -> Any:
    type_id = _type_id(conn, kind, request)
    if type_id is None:
        return response_class()
    page = listing.list_page(conn, kind, _options(request), type_id=type_id)
    return _page(response_class, page, kind)


def get_artifacts_by_type(conn: Transaction, request: Any) -> Any:
    """GetArtifactsByType: a page of the artifacts of a type (none for an unknown type)."""
    return _of_type(conn, ARTIFACT, request, mlmd.GetArtifactsByTypeResponse)


def get_executions_by_type(conn: Transaction, request: Any) -> Any:
    """GetExecutionsByType: a page of the executions of a type."""
    return _of_type(conn, EXECUTION, request, mlmd.GetExecutionsByTypeResponse)


def get_contexts_by_type(conn: Transaction, request: Any) -> Any:
    """GetContextsByType: a page of the contexts of a type."""
    return _of_type(conn, CONTEXT, request, mlmd.GetContextsByTypeResponse)


# ---------------------------------------------------------------- by type and name


def _named(conn: Transaction, kind: NodeKind, request: Any, name: str) -> Any:
    type_id = _type_id(conn, kind, request)
    return None if type_id is None else node_by_type_and_name(conn, kind, type_id, name)


def get_artifact_by_type_and_name(conn: Transaction, request: Any) -> Any:
    """GetArtifactByTypeAndName: the artifact, or an empty response."""
    found = _named(conn, ARTIFACT, request, request.artifact_name)
    return mlmd.GetArtifactByTypeAndNameResponse(artifact=found)


def get_execution_by_type_and_name(conn: Transaction, request: Any) -> Any:
    """GetExecutionByTypeAndName: the execution, or an empty response."""
    found = _named(conn, EXECUTION, request, request.execution_name)
    return mlmd.GetExecutionByTypeAndNameResponse(execution=found)


def get_context_by_type_and_name(conn: Transaction, request: Any) -> Any:
    """GetContextByTypeAndName: the context, or an empty response."""
    found = _named(conn, CONTEXT, request, request.context_name)
    return mlmd.GetContextByTypeAndNameResponse(context=found)


# ---------------------------------------------------------------- by external id and uri


def _by_external_id(conn: Transaction, kind: NodeKind, request: Any) -> list[Any]:
    externals = check_external_ids(request.external_ids)
    found = nodes_by_external_id(conn, kind, externals)
    if externals and not found:
        # MLMD answers NOT_FOUND only when none of the external ids matched.
        raise NotFoundError(f"no {kind.plural} found for the given external_ids")
    return found


def get_artifacts_by_external_ids(conn: Transaction, request: Any) -> Any:
    """GetArtifactsByExternalIds: the artifacts with these external ids."""
    found = _by_external_id(conn, ARTIFACT, request)
    return mlmd.GetArtifactsByExternalIdsResponse(artifacts=found)


def get_executions_by_external_ids(conn: Transaction, request: Any) -> Any:
    """GetExecutionsByExternalIds: the executions with these external ids."""
    found = _by_external_id(conn, EXECUTION, request)
    return mlmd.GetExecutionsByExternalIdsResponse(executions=found)


def get_contexts_by_external_ids(conn: Transaction, request: Any) -> Any:
    """GetContextsByExternalIds: the contexts with these external ids."""
    found = _by_external_id(conn, CONTEXT, request)
    return mlmd.GetContextsByExternalIdsResponse(contexts=found)


def get_artifacts_by_uri(conn: Transaction, request: Any) -> Any:
    """GetArtifactsByURI: the artifacts whose uri is one of ``uris``."""
    found = artifacts_by_uri(conn, ARTIFACT, request.uris)
    return mlmd.GetArtifactsByURIResponse(artifacts=found)


# ---------------------------------------------------------------- members of a context


def get_artifacts_by_context(conn: Transaction, request: Any) -> Any:
    """GetArtifactsByContext: a page of the artifacts attributed to a context."""
    page = listing.list_page(conn, ARTIFACT, _options(request), context_id=request.context_id)
    return _page(mlmd.GetArtifactsByContextResponse, page, ARTIFACT)


def get_executions_by_context(conn: Transaction, request: Any) -> Any:
    """GetExecutionsByContext: a page of the executions associated with a context."""
    page = listing.list_page(conn, EXECUTION, _options(request), context_id=request.context_id)
    return _page(mlmd.GetExecutionsByContextResponse, page, EXECUTION)
