"""Reading artifacts, executions and contexts.

Reads parse each node's stored message (records/blobs.py): one query, whatever
the number of nodes, and no property-table join.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, select, tuple_

from mdstore.errors import InvalidArgumentError
from mdstore.store.db.transactions import Transaction
from mdstore.store.driver import batches, fetch_chunked
from mdstore.store.records.blobs import parse_nodes
from mdstore.store.records.kinds import CONTEXT, MEMBER_LINKS, NODE_KINDS, NodeKind
from mdstore.store.records.values import VALUE_COLUMNS, to_row


def node_query(kind: NodeKind) -> Select[Any]:
    """SELECT of what a node read needs: the id and blob first (``parse_nodes``),
    then the columns pages are ordered by (``listing``)."""
    t = kind.table
    return select(t.c.id, t.c.proto, t.c.create_time_since_epoch, t.c.last_update_time_since_epoch)


def _load_nodes(conn: Transaction, kind: NodeKind, where: ColumnElement[bool]) -> list[Any]:
    """Nodes matching ``where``, ordered by id, as messages with properties."""
    rows = conn.execute(node_query(kind).where(where).order_by(kind.table.c.id)).all()
    return parse_nodes(kind, rows)


def _load_in(conn: Transaction, kind: NodeKind, column: Any, keys: Iterable[Any]) -> list[Any]:
    """Nodes whose ``column`` is one of ``keys``, ordered by id."""
    found: list[Any] = []
    for batch in batches(sorted(set(keys))):
        found.extend(_load_nodes(conn, kind, column.in_(batch)))
    return sorted(found, key=lambda node: node.id)


# Driver-level SQL (store/driver.py): the read every Get*ByID and lineage graph runs.
_BY_ID_SQL = {
    k.label: f"SELECT id, proto, type_id FROM {k.table.name} WHERE id IN ({{}})" for k in NODE_KINDS
}


def node_rows(conn: Transaction, kind: NodeKind, ids: Iterable[int]) -> list[tuple[Any, ...]]:
    """``(id, proto, type_id)`` of the nodes with these ids that exist, ordered by id."""
    wanted = sorted(set(ids))
    if not wanted:
        return []
    rows = fetch_chunked(conn, _BY_ID_SQL[kind.label], wanted)
    rows.sort(key=lambda row: row[0])
    return rows


def nodes_by_id(conn: Transaction, kind: NodeKind, ids: Iterable[int]) -> list[Any]:
    """The nodes with these ids that exist, ordered by id."""
    return parse_nodes(kind, node_rows(conn, kind, ids))


def nodes_by_external_id(conn: Transaction, kind: NodeKind, external_ids: list[str]) -> list[Any]:
    """The nodes whose external_id is one of ``external_ids``, ordered by id."""
    return _load_in(conn, kind, kind.table.c.external_id, external_ids)


def artifacts_by_uri(conn: Transaction, kind: NodeKind, uris: Iterable[str]) -> list[Any]:
    """The artifacts whose uri is one of ``uris``, ordered by id."""
    return _load_in(conn, kind, kind.table.c.uri, uris)


def node_by_type_and_name(conn: Transaction, kind: NodeKind, type_id: int, name: str) -> Any:
    """The node of this type with this name, or None."""
    t = kind.table
    found = _load_nodes(conn, kind, and_(t.c.type_id == type_id, t.c.name == name))
    return found[0] if found else None


def contexts_of(conn: Transaction, kind: NodeKind, node_id: int) -> list[Any]:
    """The contexts an artifact (or execution) is attributed (associated) to, by id."""
    link = MEMBER_LINKS[kind.label]
    linked = select(link.c.context_id).where(link.c[f"{kind.label}_id"] == node_id)
    return _load_nodes(conn, CONTEXT, CONTEXT.table.c.id.in_(linked))


def missing_ids(conn: Transaction, kind: NodeKind, ids: Iterable[int]) -> list[int]:
    """The ids among ``ids`` with no row of this node kind."""
    wanted = set(ids)
    found: set[int] = set()
    for batch in batches(sorted(wanted)):
        found.update(
            conn.execute(select(kind.table.c.id).where(kind.table.c.id.in_(batch))).scalars()
        )
    return sorted(wanted - found)


def require_exist(conn: Transaction, kind: NodeKind, ids: Iterable[int]) -> None:
    """Raises INVALID_ARGUMENT naming the first of ``ids`` with no node of ``kind``."""
    missing = missing_ids(conn, kind, ids)
    if missing:
        raise InvalidArgumentError(f"no {kind.label} with id {missing[0]}")


def ids_by_external_id(
    conn: Transaction, kind: NodeKind, external_ids: list[str]
) -> dict[str, int]:
    """External id -> node id, for the external ids that are stored."""
    if not external_ids:
        return {}
    t = kind.table
    query = select(t.c.external_id, t.c.id).where(t.c.external_id.in_(external_ids))
    return {row.external_id: row.id for row in conn.execute(query)}


def ids_by_name(
    conn: Transaction, kind: NodeKind, keys: Sequence[tuple[int, str]]
) -> dict[tuple[int, str], int]:
    """(type id, name) -> node id, for the keys that are stored."""
    if not keys:
        return {}
    t = kind.table
    rows = conn.execute(
        select(t.c.type_id, t.c.name, t.c.id).where(tuple_(t.c.type_id, t.c.name).in_(keys))
    )
    return {(r.type_id, r.name): r.id for r in rows}


def property_columns(kind: NodeKind) -> tuple[str, ...]:
    """The property table's columns, in the order ``property_rows`` gives them."""
    return (f"{kind.label}_id", "name", "is_custom_property", *VALUE_COLUMNS)


def property_rows(kind: NodeKind, node_id: int, node: Any) -> list[tuple[Any, ...]]:
    """The property-table rows (``property_columns`` order) for a node's properties
    and custom properties."""
    return [
        (node_id, name, is_custom, *to_row(value))
        for is_custom, props in ((False, node.properties), (True, node.custom_properties))
        for name, value in props.items()
    ]
