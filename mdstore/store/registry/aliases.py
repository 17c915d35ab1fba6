"""Alias changes: the only record of aliases. An alias points where its latest change
(by then, for as-of reads) left it; no change is ever updated or deleted."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, insert, select

from mdstore.store.audit.journal import touched
from mdstore.store.db import schema
from mdstore.store.db.transactions import Transaction

CHANGE = schema.alias_change_table


@dataclass(frozen=True)
class AliasChangeRow:
    """One change: the versions (by sequence; None: unset) before and after."""

    model_id: int
    sequence: int
    alias: str
    from_version: int | None
    to_version: int | None
    changed_at: int
    principal: str
    reason: str


def add_change(
    conn: Transaction,
    model_id: int,
    alias: str,
    to_version: int | None,
    now: int,
    principal: str,
    reason: str,
) -> AliasChangeRow:
    """Appends a change from wherever the alias points now; returns it."""
    last = conn.execute(
        select(func.max(CHANGE.c.sequence)).where(CHANGE.c.model_id == model_id)
    ).scalar()
    change = AliasChangeRow(
        model_id=model_id,
        sequence=(last or 0) + 1,
        alias=alias,
        from_version=alias_target(conn, model_id, alias),
        to_version=to_version,
        changed_at=now,
        principal=principal,
        reason=reason,
    )
    conn.execute(insert(CHANGE).values(**change.__dict__))
    touched(conn, CHANGE.name, [(model_id, change.sequence)])
    return change


def alias_target(
    conn: Transaction, model_id: int, alias: str, as_of: int | None = None
) -> int | None:
    """The version (sequence) the alias points at, now or at ``as_of``; None: unset."""
    query = (
        select(CHANGE.c.to_version)
        .where(CHANGE.c.model_id == model_id, CHANGE.c.alias == alias)
        .order_by(CHANGE.c.sequence.desc())
        .limit(1)
    )
    if as_of is not None:
        query = query.where(CHANGE.c.changed_at <= as_of)
    found = conn.execute(query).first()
    return None if found is None else found.to_version


def changes_of(conn: Transaction, model_id: int, alias: str = "") -> list[AliasChangeRow]:
    """A model's alias changes (one alias's when given), oldest first."""
    query = select(CHANGE).where(CHANGE.c.model_id == model_id).order_by(CHANGE.c.sequence)
    if alias:
        query = query.where(CHANGE.c.alias == alias)
    return [
        AliasChangeRow(**{column: getattr(row, column) for column in _COLUMNS})
        for row in conn.execute(query)
    ]


_COLUMNS = tuple(AliasChangeRow.__dataclass_fields__)
