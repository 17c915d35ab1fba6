"""Request handlers for artifacts, executions and contexts (puts and lookups).

Lookups by id, URI or external id return the nodes that exist and skip the rest;
by-type lookups return nothing for an unknown type; by-type-and-name lookups return
an empty response when there is no match. These match MLMD, which clients rely on.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, select, true

from mdstore.errors import NotFoundError
from mdstore.store import paging, schema
from mdstore.store.filter_query import AFTER_ID, compile_filter
from mdstore.store.node_blobs import repeated_nodes
from mdstore.store.node_writes import put_nodes
from mdstore.store.nodes import (
    ARTIFACT,
    EXECUTION,
    NODE_KINDS,
    NodeKind,
    chunks,
    load_nodes,
    node_query,
    node_rows,
)
from mdstore.store.rpc import Serialized, response_class, response_for, rpc
from mdstore.store.type_ops import find_type, types_by_id
from mdstore.store.validation import check_external_ids
from mdstore.store.wire_bytes import field as wire_field
from mdstore.store.wire_bytes import repeated
from mdstore.wire import mlmd


def list_nodes(
    conn: Connection,
    kind: NodeKind,
    where: ColumnElement[bool],
    request: Any,
) -> Any:
    """One page of nodes matching ``where`` as the request's response message."""
    options = request.options if request.HasField("options") else None
    page = paging.parse(options, kind.table)
    keyset = paging.id_keyset(page)
    params = {} if keyset is None else {AFTER_ID: keyset[1]}
    if options is not None and options.filter_query:
        after = None if keyset is None else keyset[0]
        where = and_(where, compile_filter(options.filter_query, kind, after))
    rows = conn.execute(paging.apply(node_query(kind).where(where), page), params).all()
    rows, token = paging.finish(list(rows), page, lambda r: r._mapping[page.order_column])
    return nodes_response(request, kind, rows, next_page_token=token)


def nodes_response(request: Any, kind: NodeKind, rows: Any, **extra: Any) -> Serialized:
    """The request's response holding the nodes of ``(id, proto, ...)`` rows, plus
    ``extra`` fields (strings or lists of messages), as wire bytes.

    Assembled from the stored blobs: cheaper than parsing each node and copying it
    into a response, and the gRPC servicer sends the bytes without a re-serialization.
    """
    fields = response_class(request).DESCRIPTOR.fields_by_name
    parts = [repeated_nodes(fields[kind.plural].number, rows)]
    for name, value in extra.items():
        if isinstance(value, str):
            parts.append(wire_field(fields[name].number, value.encode()) if value else b"")
        else:
            parts.append(repeated(fields[name].number, (m.SerializeToString() for m in value)))
    return Serialized(b"".join(parts))


def _put(kind: NodeKind):  # type: ignore[no-untyped-def]
    def handler(conn: Connection, request: Any) -> Any:
        # Only PutArtifactsRequest carries options (abort_if_latest_updated_time_changed).
        has_options = "options" in request.DESCRIPTOR.fields_by_name and request.HasField("options")
        abort = has_options and request.options.abort_if_latest_updated_time_changed
        ids = put_nodes(
            conn, kind, getattr(request, kind.plural), list(request.update_mask.paths), abort
        )
        return response_for(request, **{f"{kind.label}_ids": ids})

    return handler


def _get_all(kind: NodeKind):  # type: ignore[no-untyped-def]
    def handler(conn: Connection, request: Any) -> Any:
        return list_nodes(conn, kind, true(), request)

    return handler


def _get_by_id(kind: NodeKind):  # type: ignore[no-untyped-def]
    def handler(conn: Connection, request: Any) -> Any:
        rows = node_rows(conn, kind, getattr(request, f"{kind.label}_ids"))
        extra: dict[str, Any] = {}
        if kind is ARTIFACT and request.populate_artifact_types:
            types = types_by_id(conn, kind.type_kind, [row[2] for row in rows])
            extra["artifact_types"] = list(types.values())
        return nodes_response(request, kind, rows, **extra)

    return handler


def _get_by_type(kind: NodeKind):  # type: ignore[no-untyped-def]
    def handler(conn: Connection, request: Any) -> Any:
        node_type = find_type(conn, kind.type_kind, request.type_name, request.type_version)
        if node_type is None:
            return response_for(request)
        return list_nodes(conn, kind, kind.table.c.type_id == node_type.id, request)

    return handler


def _get_by_type_and_name(kind: NodeKind):  # type: ignore[no-untyped-def]
    def handler(conn: Connection, request: Any) -> Any:
        node_type = find_type(conn, kind.type_kind, request.type_name, request.type_version)
        if node_type is None:
            return response_for(request)
        name = getattr(request, f"{kind.label}_name")
        found = load_nodes(
            conn, kind, and_(kind.table.c.type_id == node_type.id, kind.table.c.name == name)
        )
        return response_for(request, **({kind.label: found[0]} if found else {}))

    return handler


def _get_by_external_ids(kind: NodeKind):  # type: ignore[no-untyped-def]
    def handler(conn: Connection, request: Any) -> Any:
        externals = check_external_ids(request.external_ids)
        nodes = []
        for chunk in chunks(externals):
            nodes.extend(load_nodes(conn, kind, kind.table.c.external_id.in_(chunk)))
        if externals and not nodes:
            # MLMD answers NOT_FOUND only when none of the external ids matched.
            raise NotFoundError(f"no {kind.plural} found for the given external_ids")
        return response_for(request, **{kind.plural: sorted(nodes, key=lambda n: n.id)})

    return handler


for _kind in NODE_KINDS:
    _t = _kind.title
    rpc(f"Put{_t}s")(_put(_kind))
    rpc(f"Get{_t}s", read_only=True)(_get_all(_kind))
    rpc(f"Get{_t}sByID", read_only=True)(_get_by_id(_kind))
    rpc(f"Get{_t}sByType", read_only=True)(_get_by_type(_kind))
    rpc(f"Get{_t}ByTypeAndName", read_only=True)(_get_by_type_and_name(_kind))
    rpc(f"Get{_t}sByExternalIds", read_only=True)(_get_by_external_ids(_kind))


@rpc("GetArtifactsByURI", read_only=True)
def get_artifacts_by_uri(conn: Connection, request: Any) -> Any:
    """GetArtifactsByURI: the artifacts whose uri is one of ``uris``."""
    nodes = []
    for chunk in chunks(sorted(set(request.uris))):
        nodes.extend(load_nodes(conn, ARTIFACT, ARTIFACT.table.c.uri.in_(chunk)))
    return mlmd.GetArtifactsByURIResponse(artifacts=sorted(nodes, key=lambda n: n.id))


def _members(kind: NodeKind, link: Any, node_column: str):  # type: ignore[no-untyped-def]
    """Handler for Get{Artifacts,Executions}ByContext: a context's members, paged."""

    def handler(conn: Connection, request: Any) -> Any:
        member_ids = select(link.c[node_column]).where(link.c.context_id == request.context_id)
        return list_nodes(conn, kind, kind.table.c.id.in_(member_ids), request)

    return handler


rpc("GetArtifactsByContext", read_only=True)(
    _members(ARTIFACT, schema.attribution_table, "artifact_id")
)
rpc("GetExecutionsByContext", read_only=True)(
    _members(EXECUTION, schema.association_table, "execution_id")
)
