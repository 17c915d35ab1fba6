"""Notes and links on model versions, append-only."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import insert, select

from mdstore.store.audit.journal import touched
from mdstore.store.db import schema
from mdstore.store.db.transactions import Transaction

ANNOTATION = schema.annotation_table


@dataclass(frozen=True)
class AnnotationRow:
    """A note on a version (``version``: its sequence)."""

    model_id: int
    version: int
    text: str
    url: str
    created_at: int
    principal: str


_COLUMNS = tuple(AnnotationRow.__dataclass_fields__)


def add_annotation(conn: Transaction, row: AnnotationRow) -> None:
    """Appends a note."""
    values = {c: getattr(row, c) for c in _COLUMNS}
    key = conn.execute(insert(ANNOTATION).values(**values)).inserted_primary_key
    assert key is not None
    touched(conn, ANNOTATION.name, [(int(key[0]),)])


def annotations_of(
    conn: Transaction, model_id: int, version: int | None = None
) -> list[AnnotationRow]:
    """A model's notes (one version's when given), oldest first."""
    query = select(ANNOTATION).where(ANNOTATION.c.model_id == model_id).order_by(ANNOTATION.c.id)
    if version is not None:
        query = query.where(ANNOTATION.c.version == version)
    return [AnnotationRow(**{c: getattr(row, c) for c in _COLUMNS}) for row in conn.execute(query)]
