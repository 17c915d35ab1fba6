"""Rows of artifact, execution and context types: upsert and lookups.

Upsert rule (MLMD's): a type is identified by (name, version). Putting a type that
does not exist creates it. Putting an existing one checks its properties:
a property the request lacks is allowed only with ``can_omit_fields``, a new one
only with ``can_add_fields`` (then it is added), and a property whose data type
differs is ALREADY_EXISTS. base_type, external_id and description are updated when
the request sets them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, insert, select, true, update

from mdstore.errors import AlreadyExistsError
from mdstore.store.audit.journal import touched
from mdstore.store.db import schema
from mdstore.store.db.transactions import Transaction
from mdstore.store.driver import fetch, fetch_chunked
from mdstore.store.records.blobs import as_bytes
from mdstore.store.records.kinds import CONTEXT_TYPE, TYPE_KINDS, TypeKind
from mdstore.store.records.validation import check_names, require

T = schema.type_table
TP = schema.type_property_table


# ---------------------------------------------------------------- reading
#
# A type and its properties come back in one statement: the type table LEFT JOINed
# to its properties, one row per property (or one row with NULL property columns
# for a type without properties), ordered by type id then property name. The by-id
# and by-name reads every node write and node read run are driver-level SQL
# (store/raw_sql.py); the rarer whole-table and external-id reads stay in Core.

# The columns _messages reads, in order: the type's, then its property's.
_TYPE_COLUMNS = (
    "id", "name", "version", "description", "external_id", "base_type", "input_type", "output_type"
)  # fmt: skip
_PROPERTY_COLUMNS = ("name", "data_type")
_PROPERTY_AT = len(_TYPE_COLUMNS)  # where a joined row's property columns start
_JOINED_SQL = (
    "SELECT "
    + ", ".join([*(f"t.{c}" for c in _TYPE_COLUMNS), *(f"p.{c}" for c in _PROPERTY_COLUMNS)])
    + f" FROM {T.name} t LEFT JOIN {TP.name} p ON p.type_id = t.id"
)
# The kind is a constant of this module, so it is written into the text: that
# leaves the id list as the only slot, as raw_sql.fetch_chunked wants.
_BY_ID_SQL = {
    k: f"{_JOINED_SQL} WHERE t.kind = {k} AND t.id IN ({{}}) ORDER BY t.id, p.name"
    for k in TYPE_KINDS
}
_BY_NAME_SQL = {
    k: f"{_JOINED_SQL} WHERE t.kind = {k} AND t.name = {{}} AND t.version = {{}} ORDER BY p.name"
    for k in TYPE_KINDS
}
_JOINED = (
    select(*(T.c[c] for c in _TYPE_COLUMNS), *(TP.c[c] for c in _PROPERTY_COLUMNS))
    .select_from(T.outerjoin(TP, TP.c.type_id == T.c.id))
    .order_by(T.c.id, TP.c.name)
)


def _load_types(conn: Transaction, kind: TypeKind, where: ColumnElement[bool]) -> list[Any]:
    """Types of one kind matching ``where``, ordered by id, with their properties."""
    rows = conn.execute(_JOINED.where(T.c.kind == kind.kind, where)).all()
    return _messages(kind, rows)


def all_types(conn: Transaction, kind: TypeKind) -> list[Any]:
    """Every type of one kind, ordered by id."""
    return _load_types(conn, kind, true())


def types_by_external_id(conn: Transaction, kind: TypeKind, external_ids: list[str]) -> list[Any]:
    """The types of one kind whose external_id is one of ``external_ids``, by id."""
    return _load_types(conn, kind, T.c.external_id.in_(external_ids))


def types_by_id(conn: Transaction, kind: TypeKind, ids: Iterable[int]) -> dict[int, Any]:
    """Type id -> type message, for the ids that exist and are of ``kind``, by id."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    # Chunks are consecutive runs of the sorted ids, each ordered by id, so the
    # rows stay in id order across chunks.
    rows = fetch_chunked(conn, _BY_ID_SQL[kind.kind], wanted)
    return {t.id: t for t in _messages(kind, rows)}


def find_type(conn: Transaction, kind: TypeKind, name: str, version: str) -> Any | None:
    """The type with this name and version ('' = no version), or None."""
    found = _messages(kind, fetch(conn, _BY_NAME_SQL[kind.kind], [name], [version]))
    return found[0] if found else None


def _messages(kind: TypeKind, rows: Sequence[Sequence[Any]]) -> list[Any]:
    """Joined type/property rows, grouped by type id -> one message per type."""
    messages: list[Any] = []
    current_id = None
    for row in rows:
        if row[0] != current_id:
            current_id = row[0]
            messages.append(type_message(kind, row))
        property_name, data_type = row[_PROPERTY_AT:]
        if property_name is not None:  # NULL: the type has no properties
            # In property-name order, as the separate properties query gave them:
            # a map, so only for the same construction, not for equality.
            messages[-1].properties[property_name] = data_type
    return messages


def type_message(kind: TypeKind, row: Sequence[Any]) -> Any:
    """The message of a type row, without its properties."""
    type_id, name, version, description, external_id, base_type, input_type, output_type, *_ = row
    msg = kind.message(id=type_id, name=name)
    if version:
        msg.version = version
    if description is not None:
        msg.description = description
    if external_id is not None:
        msg.external_id = external_id
    if base_type is not None and kind is not CONTEXT_TYPE:
        msg.base_type = base_type
    if kind.has_struct_types:
        if input_type is not None:
            msg.input_type.ParseFromString(as_bytes(input_type))
        if output_type is not None:
            msg.output_type.ParseFromString(as_bytes(output_type))
    return msg


# ---------------------------------------------------------------- writing


def put_type(
    conn: Transaction, kind: TypeKind, msg: Any, can_add_fields: bool, can_omit_fields: bool
) -> int:
    """Creates or updates one type (see the module docstring); returns its id."""
    _validate(kind, msg)
    stored = find_type(conn, kind, msg.name, msg.version)
    if stored is None:
        return _insert_type(conn, kind, msg)
    new_properties = _merge_properties(stored, msg, can_add_fields, can_omit_fields)
    _update_type(conn, kind, stored, msg, new_properties)
    return int(stored.id)


def _validate(kind: TypeKind, msg: Any) -> None:
    require(bool(msg.name), f"no {kind.label} type name is specified")
    check_names(msg, f"{kind.label} type")
    for name, data_type in msg.properties.items():
        require(data_type != 0, f"{kind.label} type property {name!r} has type UNKNOWN")


def _merge_properties(
    stored: Any, msg: Any, can_add_fields: bool, can_omit_fields: bool
) -> dict[str, int]:
    """The properties to add, after checking the request fits the stored type."""
    added: dict[str, int] = {}
    for name, data_type in msg.properties.items():
        if name not in stored.properties:
            if not can_add_fields:
                raise AlreadyExistsError(
                    f"type {msg.name!r} already exists without property {name!r}; "
                    "set can_add_fields to add it"
                )
            added[name] = data_type
        elif stored.properties[name] != data_type:
            raise AlreadyExistsError(
                f"type {msg.name!r} already exists with property {name!r} of another data type"
            )
    if not can_omit_fields:
        missing = sorted(set(stored.properties) - set(msg.properties))
        if missing:
            raise AlreadyExistsError(
                f"type {msg.name!r} already exists with properties {missing} that the request "
                "omits; set can_omit_fields to allow that"
            )
    return added


def _columns(kind: TypeKind, msg: Any) -> dict[str, Any]:
    cols: dict[str, Any] = {}
    if msg.HasField("description"):
        cols["description"] = msg.description
    if msg.HasField("external_id"):
        cols["external_id"] = msg.external_id
    if msg.HasField("base_type") and kind is not CONTEXT_TYPE:
        cols["base_type"] = msg.base_type
    if kind.has_struct_types:
        for field in ("input_type", "output_type"):
            if msg.HasField(field):
                cols[field] = getattr(msg, field).SerializeToString(deterministic=True)
    return cols


def _check_external_id_free(conn: Transaction, kind: TypeKind, msg: Any, own_id: int) -> None:
    if not msg.HasField("external_id"):
        return
    taken = conn.execute(
        select(T.c.id).where(T.c.kind == kind.kind, T.c.external_id == msg.external_id)
    ).first()
    if taken is not None and taken.id != own_id:
        raise AlreadyExistsError(
            f"another {kind.label} type already has external_id {msg.external_id!r}"
        )


def type_row(kind: TypeKind, msg: Any) -> dict[str, Any]:
    """The type table's row for a type message (without its id)."""
    return {"kind": kind.kind, "name": msg.name, "version": msg.version, **_columns(kind, msg)}


def _insert_type(conn: Transaction, kind: TypeKind, msg: Any) -> int:
    _check_external_id_free(conn, kind, msg, own_id=-1)
    row = type_row(kind, msg)
    key = conn.execute(insert(T).values(row)).inserted_primary_key
    assert key is not None  # None only for multi-row inserts
    type_id = int(key[0])
    _insert_properties(conn, type_id, dict(msg.properties))
    touched(conn, T.name, [(type_id,)])
    return type_id


def _update_type(
    conn: Transaction, kind: TypeKind, stored: Any, msg: Any, added: dict[str, int]
) -> None:
    _check_external_id_free(conn, kind, msg, own_id=stored.id)
    cols = _columns(kind, msg)
    if cols:
        conn.execute(update(T).where(T.c.id == stored.id).values(cols))
    _insert_properties(conn, stored.id, added)
    touched(conn, T.name, [(stored.id,)])


def _insert_properties(conn: Transaction, type_id: int, properties: dict[str, int]) -> None:
    if properties:
        conn.execute(
            insert(TP),
            [{"type_id": type_id, "name": n, "data_type": t} for n, t in properties.items()],
        )
