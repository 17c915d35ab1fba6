"""Creating and updating artifacts, executions and contexts (PutArtifacts & co).

A node without an id is created; a node with an id updates the stored one. An
update without an update_mask replaces every field the request can carry (unset
fields are cleared), except the name, which is kept when unset; with a mask only
the listed fields change (``properties.k`` / ``custom_properties.k`` for one key,
unknown paths are ignored, as in MLMD). An update that changes nothing leaves
last_update_time_since_epoch alone. Unlike MLMD, a changed name is stored (MLMD
silently ignores renames); uniqueness still holds.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from mdstore.errors import (
    AlreadyExistsError,
    FailedPreconditionError,
    InvalidArgumentError,
    NotFoundError,
)
from mdstore.store.audit.journal import wrote_nodes
from mdstore.store.db import clock
from mdstore.store.db.transactions import Transaction
from mdstore.store.driver import (
    batches,
    execute,
    execute_many,
    fetch_chunked,
    fetch_pairs,
    insert_ids,
    insert_sql,
)
from mdstore.store.history.versions import keep_versions
from mdstore.store.records.blobs import node_blob, parse_nodes
from mdstore.store.records.kinds import CONTEXT, NodeKind
from mdstore.store.records.nodes import property_columns, property_rows
from mdstore.store.records.types import types_by_id
from mdstore.store.records.validation import check_names, require
from mdstore.store.records.values import check_properties


def put_nodes(
    conn: Transaction,
    kind: NodeKind,
    nodes: Sequence[Any],
    mask_paths: Sequence[str] = (),
    abort_if_latest_updated_time_changed: bool = False,
    force_update_time: bool = False,
) -> list[int]:
    """Creates or updates nodes in request order; returns their ids.

    ``force_update_time`` moves last_update_time_since_epoch of updated nodes even
    when nothing else changed (PutExecution's option of that name).

    Raises:
        InvalidArgumentError: missing type_id, unknown update id, type change, bad
            properties, over-long names, an empty context name.
        NotFoundError: a type_id that does not exist.
        AlreadyExistsError: a name already used within the type, or an external id
            already used by another node of this kind.
        FailedPreconditionError: abort_if_latest_updated_time_changed and the stored
            node changed since the caller read it.
    """
    for node in nodes:
        check_names(node, kind.label)
    stored = _stored_for_update(conn, kind, [n.id for n in nodes if n.HasField("id")])
    targets = [
        _merge(kind, stored, node, mask_paths, abort_if_latest_updated_time_changed)
        if node.HasField("id")
        else node
        for node in nodes
    ]
    type_names = _check_types_and_properties(conn, kind, targets)
    _check_unique(conn, kind, targets, stored)
    now = clock.now_ms()
    changed = [
        t for t in targets if t.HasField("id") and (force_update_time or _differs(t, stored[t.id]))
    ]
    keep_versions(conn, kind, [stored[t.id] for t in changed], now)
    _update(conn, kind, changed, now, type_names)
    new_ids = _insert(conn, kind, [t for t in targets if not t.HasField("id")], now, type_names)
    ids, created = [], iter(new_ids)
    for t in targets:
        ids.append(t.id if t.HasField("id") else next(created))
    return ids


def _stored_for_update(conn: Transaction, kind: NodeKind, ids: list[int]) -> dict[int, Any]:
    if not ids:
        return {}
    # Lock the rows on MySQL/PostgreSQL so abort_if_latest_updated_time_changed is exact.
    lock = "" if conn.dialect.name == "sqlite" else " FOR UPDATE"
    template = f"SELECT id, proto FROM {kind.table.name} WHERE id IN ({{}}){lock}"
    stored = {m.id: m for m in parse_nodes(kind, fetch_chunked(conn, template, sorted(set(ids))))}
    for i in ids:
        if i not in stored:
            raise InvalidArgumentError(f"cannot update {kind.label} {i}: no such {kind.label}")
    return stored


def _merge(
    kind: NodeKind, stored: dict[int, Any], node: Any, paths: Sequence[str], abort_if_changed: bool
) -> Any:
    """The node as it will be stored after applying ``node`` (and the mask)."""
    old = stored[node.id]
    if node.HasField("type_id") and node.type_id != old.type_id:
        raise InvalidArgumentError(
            f"{kind.label} {node.id} has type_id {old.type_id}; an update cannot change it "
            f"to {node.type_id}"
        )
    if abort_if_changed and node.last_update_time_since_epoch != old.last_update_time_since_epoch:
        raise FailedPreconditionError(
            f"{kind.label} {node.id} was updated at {old.last_update_time_since_epoch}, after "
            f"the given last_update_time_since_epoch {node.last_update_time_since_epoch}"
        )
    merged = kind.message()
    merged.CopyFrom(old)
    if paths:
        for path in paths:
            _apply_path(kind, merged, node, path)
    else:
        for field in (*kind.fields, "external_id", "properties", "custom_properties"):
            _copy_field(merged, node, field)
        if node.HasField("name"):
            merged.name = node.name
    return merged


def _copy_field(target: Any, source: Any, field: str) -> None:
    target.ClearField(field)
    if field in ("properties", "custom_properties"):
        for key, value in getattr(source, field).items():
            getattr(target, field)[key].CopyFrom(value)
    elif source.HasField(field):
        setattr(target, field, getattr(source, field))


def _apply_path(kind: NodeKind, merged: Any, node: Any, path: str) -> None:
    head, _, key = path.partition(".")
    if head in ("properties", "custom_properties"):
        if not key:
            _copy_field(merged, node, head)
            return
        source, target = getattr(node, head), getattr(merged, head)
        if key in source:
            target[key].CopyFrom(source[key])
        elif key in target:
            del target[key]
    elif path in (*kind.fields, "name", "external_id"):
        _copy_field(merged, node, path)
    # Other paths (id, type_id, times, unknown names) are ignored, as MLMD does.


def _check_types_and_properties(
    conn: Transaction, kind: NodeKind, nodes: Sequence[Any]
) -> dict[int, str]:
    """Checks each node's type exists and its properties fit; returns type names by id."""
    for node in nodes:
        require(node.HasField("type_id"), f"{kind.label} type_id is missing")
        if kind is CONTEXT:
            require(bool(node.name), "context name must not be empty")
    types = types_by_id(conn, kind.type_kind, [n.type_id for n in nodes])
    for node in nodes:
        node_type = types.get(node.type_id)
        if node_type is None:
            raise NotFoundError(f"no {kind.label} type with id {node.type_id}")
        what = f"{kind.label} {node.id}" if node.HasField("id") else f"new {kind.label}"
        check_properties(node, node_type.properties, what)
    return {type_id: t.name for type_id, t in types.items()}


def _check_unique(
    conn: Transaction, kind: NodeKind, nodes: Sequence[Any], stored: dict[int, Any]
) -> None:
    """Names unique within a type and external ids unique within the kind."""
    names = [(n.type_id, n.name) for n in nodes if n.HasField("name")]
    externals = [n.external_id for n in nodes if n.HasField("external_id")]
    for key, count in (Counter(names) + Counter(externals)).items():
        if count > 1:
            raise AlreadyExistsError(f"the request gives two {kind.plural} the same {_what(key)}")
    owner = {(n.type_id, n.name): n.id for n in nodes if n.HasField("name")}
    owner.update({n.external_id: n.id for n in nodes if n.HasField("external_id")})
    table = kind.table.name
    select_names = f"SELECT id, type_id, name FROM {table}"
    for holder, type_id, name in fetch_pairs(conn, select_names, ("type_id", "name"), names):
        _reject_taken(kind, owner.get((type_id, name)), holder, f"name {name!r} in its type")
    select_externals = f"SELECT id, external_id FROM {table} WHERE external_id IN ({{}})"
    for holder, external_id in fetch_chunked(conn, select_externals, externals):
        _reject_taken(kind, owner.get(external_id), holder, f"external_id {external_id!r}")


def _reject_taken(kind: NodeKind, requester_id: int | None, holder_id: int, what: str) -> None:
    if requester_id != holder_id:
        raise AlreadyExistsError(f"another {kind.label} (id {holder_id}) already has {what}")


def _what(key: Any) -> str:
    return f"name {key[1]!r}" if isinstance(key, tuple) else f"external_id {key!r}"


def _differs(new: Any, old: Any) -> bool:
    return bool(
        new.SerializeToString(deterministic=True) != old.SerializeToString(deterministic=True)
    )


def node_columns(kind: NodeKind) -> tuple[str, ...]:
    return ("type_id", "name", "external_id", *kind.fields)


def column_values(kind: NodeKind, node: Any) -> tuple[Any, ...]:
    """The node's values for ``node_columns(kind)``."""
    return (
        node.type_id,
        *(
            getattr(node, f) if node.HasField(f) else None
            for f in ("name", "external_id", *kind.fields)
        ),
    )


# Written after _node_columns: the times, then the serialized node.
_STAMPS = ("create_time_since_epoch", "last_update_time_since_epoch", "proto")


def _insert(
    conn: Transaction, kind: NodeKind, nodes: Sequence[Any], now: int, type_names: dict[int, str]
) -> list[int]:
    if not nodes:
        return []
    rows = [_stored_row(kind, n, type_names[n.type_id], now, now) for n in nodes]
    ids = insert_ids(conn, kind.table.name, (*node_columns(kind), *_STAMPS), rows)
    wrote_nodes(conn, kind.label, ids, [row[-1] for row in rows])
    props = [
        p for node_id, n in zip(ids, nodes, strict=True) for p in property_rows(kind, node_id, n)
    ]
    _insert_properties(conn, kind, props)
    return ids


def insert_with_ids(
    conn: Transaction, kind: NodeKind, nodes: Sequence[Any], type_names: dict[int, str]
) -> None:
    """Inserts nodes that bring their own ids and times (an import), stored as
    ``put_nodes`` stores new ones."""
    rows = [
        (
            n.id,
            *_stored_row(
                kind, n, type_names[n.type_id], n.create_time_since_epoch,
                n.last_update_time_since_epoch,
            ),
        )
        for n in nodes
    ]  # fmt: skip
    execute_many(conn, insert_sql(kind.table.name, ("id", *node_columns(kind), *_STAMPS)), rows)
    wrote_nodes(conn, kind.label, [row[0] for row in rows], [row[-1] for row in rows])
    _insert_properties(conn, kind, [p for n in nodes for p in property_rows(kind, n.id, n)])


def _stored_row(
    kind: NodeKind, node: Any, type_name: str, created: int, updated: int
) -> tuple[Any, ...]:
    """A new node's values for ``(*node_columns(kind), *_STAMPS)``."""
    blob = node_blob(kind, node, type_name, created, updated)
    return (*column_values(kind, node), created, updated, blob)


def _insert_properties(conn: Transaction, kind: NodeKind, rows: list[tuple[Any, ...]]) -> None:
    execute_many(conn, insert_sql(kind.properties.name, property_columns(kind)), rows)


def _update(
    conn: Transaction, kind: NodeKind, nodes: Sequence[Any], now: int, type_names: dict[int, str]
) -> None:
    if not nodes:
        return
    rows = [
        (
            *column_values(kind, n),
            now,
            node_blob(kind, n, type_names[n.type_id], n.create_time_since_epoch, now),
            n.id,
        )
        for n in nodes
    ]
    sets = ", ".join(f"{c} = {{}}" for c in (*node_columns(kind), *_STAMPS[1:]))
    execute_many(conn, f"UPDATE {kind.table.name} SET {sets} WHERE id = {{}}", rows)
    wrote_nodes(conn, kind.label, [row[-1] for row in rows], [row[-2] for row in rows])
    for chunk in batches([n.id for n in nodes]):
        execute(conn, f"DELETE FROM {kind.properties.name} WHERE {kind.label}_id IN ({{}})", chunk)
    _insert_properties(conn, kind, [p for n in nodes for p in property_rows(kind, n.id, n)])
