"""How each audited table's rows are keyed and digested.

A key names one row for good: ``artifact:12``, ``event:40``,
``attribution:3:12`` (context, artifact), ``model_version:1:2`` (the primary
key's values). Artifacts, executions, contexts and events are digested by their
stored message (``digests.blob_digest`` / ``event_digest``), together with
their property or path rows, which ``audit verify`` checks against it. Every
other table is digested by the columns a ``RowSpec`` lists; a type's digest
also covers its property rows.

Link rows (attribution, association) leave out their surrogate id, which is
never served: the pair is their identity.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, select, tuple_

from mdstore.store.audit.digests import row_digest
from mdstore.store.db import schema
from mdstore.store.db.transactions import Transaction
from mdstore.store.driver import batches


@dataclass(frozen=True)
class RowSpec:
    """An audited table other than the node and event tables."""

    table: Table
    key: tuple[str, ...]  # the columns whose values make the row's key
    values: tuple[str, ...]  # the columns digested, in this order

    @property
    def name(self) -> str:
        return self.table.name

    def key_of(self, key_values: Sequence[Any]) -> str:
        return ":".join([self.name, *(str(v) for v in key_values)])


def _all_columns(table: Table, leave_out: tuple[str, ...] = ()) -> tuple[str, ...]:
    return tuple(c.name for c in table.columns if c.name not in leave_out)


def _spec(table: Table, key: tuple[str, ...], leave_out: tuple[str, ...] = ()) -> RowSpec:
    return RowSpec(table, key, _all_columns(table, leave_out))


SPECS: dict[str, RowSpec] = {
    s.name: s
    for s in (
        _spec(schema.type_table, ("id",)),
        _spec(schema.attribution_table, ("context_id", "artifact_id"), ("id",)),
        _spec(schema.association_table, ("context_id", "execution_id"), ("id",)),
        _spec(schema.parent_context_table, ("context_id", "parent_context_id")),
        _spec(schema.node_history_table, ("id",)),
        _spec(schema.tombstone_table, ("kind", "node_id")),
        _spec(schema.registered_model_table, ("id",)),
        _spec(schema.model_policy_table, ("model_id", "sequence")),
        _spec(schema.model_version_table, ("model_id", "sequence")),
        _spec(schema.alias_change_table, ("model_id", "sequence")),
        _spec(schema.deployment_table, ("id",)),
        _spec(schema.annotation_table, ("id",)),
        _spec(schema.mlmd_import_table, ("id",)),
    )
}
"""Audited tables digested by their columns, by table name."""

TP = schema.type_property_table


def spec_digests(
    conn: Transaction, spec: RowSpec, keys: Sequence[tuple[Any, ...]] | None = None
) -> Iterator[tuple[str, str]]:
    """``(key, digest)`` of the rows of ``spec``'s table: those with these key
    values, or every row when ``keys`` is None."""
    table = spec.table
    columns = [table.c[c] for c in (*spec.key, *spec.values)]
    width = len(spec.key)
    for rows in _row_batches(conn, spec, columns, keys):
        properties = _type_properties(conn, [r[0] for r in rows]) if spec.name == "type" else {}
        for row in rows:
            values = list(row[width:])
            if spec.name == "type":
                values.append(properties.get(row[0], []))
            yield spec.key_of(row[:width]), row_digest(values)


def _row_batches(
    conn: Transaction, spec: RowSpec, columns: list[Any], keys: Sequence[tuple[Any, ...]] | None
) -> Iterator[list[Any]]:
    table = spec.table
    order = [table.c[c] for c in spec.key]
    if keys is None:
        result = conn.execute(select(*columns).order_by(*order)).partitions(500)
        yield from ([tuple(r) for r in part] for part in result)
        return
    for batch in batches(sorted(set(keys)), 200):
        if len(spec.key) == 1:
            where = table.c[spec.key[0]].in_([k[0] for k in batch])
        else:
            where = tuple_(*order).in_(batch)
        yield [tuple(r) for r in conn.execute(select(*columns).where(where))]


def _type_properties(conn: Transaction, type_ids: list[int]) -> dict[int, list[list[Any]]]:
    found: dict[int, list[list[Any]]] = {}
    for batch in batches(sorted(set(type_ids))):
        query = select(TP.c.type_id, TP.c.name, TP.c.data_type).where(TP.c.type_id.in_(batch))
        for type_id, name, data_type in conn.execute(query):
            found.setdefault(type_id, []).append([name, data_type])
    return {k: sorted(v) for k, v in found.items()}
