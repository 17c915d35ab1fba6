"""A model's versions: one row per registration, never changed afterwards."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select

from mdstore.store.audit.journal import touched
from mdstore.store.db import schema
from mdstore.store.db.transactions import Transaction

VERSION = schema.model_version_table


@dataclass(frozen=True)
class VersionRow:
    """A registered version as stored.

    Attributes:
        number: (major, minor, pipeline).
        bump, computed_bump: ``mdstore.v1.Bump`` numbers.
        reasons: (rule, text) pairs, the deciding one first.
    """

    model_id: int
    sequence: int
    number: tuple[int, int, int]
    artifact_id: int
    bump: int
    computed_bump: int
    reasons: tuple[tuple[str, str], ...]
    override_reason: str
    metric: float | None
    registered_at: int
    principal: str

    @property
    def text(self) -> str:
        """``"MAJOR.MINOR.PIPELINE"``."""
        return ".".join(str(part) for part in self.number)


def add_version(conn: Transaction, version: VersionRow) -> None:
    """Inserts a version (a unique key refuses a number or artifact the model has)."""
    major, minor, pipeline = version.number
    row = {
        "model_id": version.model_id,
        "sequence": version.sequence,
        "major": major,
        "minor": minor,
        "pipeline": pipeline,
        "artifact_id": version.artifact_id,
        "bump": version.bump,
        "computed_bump": version.computed_bump,
        "reasons": json.dumps([list(reason) for reason in version.reasons]),
        "override_reason": version.override_reason,
        "metric": version.metric,
        "registered_at": version.registered_at,
        "principal": version.principal,
    }
    conn.execute(insert(VERSION).values(**row))
    keys = [(version.model_id, version.sequence)]
    touched(conn, VERSION.name, keys, [f"artifact:{version.artifact_id}"])


def versions_of(conn: Transaction, model_id: int) -> list[VersionRow]:
    """A model's versions in registration order."""
    query = select(VERSION).where(VERSION.c.model_id == model_id).order_by(VERSION.c.sequence)
    return [_row(row) for row in conn.execute(query)]


def version_texts(conn: Transaction, model_id: int) -> dict[int, str]:
    """A model's version numbers (``"1.2.0"``) by sequence: what alias changes,
    deployments and notes, which store sequences, show."""
    return {row.sequence: row.text for row in versions_of(conn, model_id)}


def latest_versions(conn: Transaction, model_ids: Sequence[int]) -> dict[int, VersionRow]:
    """Each model's latest version (models without one are left out)."""
    if not model_ids:
        return {}
    query = select(VERSION).where(VERSION.c.model_id.in_(list(model_ids)))
    latest: dict[int, VersionRow] = {}
    for found in (_row(row) for row in conn.execute(query)):
        known = latest.get(found.model_id)
        if known is None or found.sequence > known.sequence:
            latest[found.model_id] = found
    return latest


def find_version(
    conn: Transaction,
    model_id: int,
    *,
    number: tuple[int, int, int] | None = None,
    sequence: int | None = None,
    artifact_id: int | None = None,
) -> VersionRow | None:
    """The model's version with that number, sequence or artifact; None when it has none."""
    query = select(VERSION).where(VERSION.c.model_id == model_id)
    if number is not None:
        major, minor, pipeline = number
        query = query.where(
            VERSION.c.major == major, VERSION.c.minor == minor, VERSION.c.pipeline == pipeline
        )
    if sequence is not None:
        query = query.where(VERSION.c.sequence == sequence)
    if artifact_id is not None:
        query = query.where(VERSION.c.artifact_id == artifact_id)
    row = conn.execute(query).first()
    return None if row is None else _row(row)


def _row(row: Any) -> VersionRow:
    return VersionRow(
        model_id=row.model_id,
        sequence=row.sequence,
        number=(row.major, row.minor, row.pipeline),
        artifact_id=row.artifact_id,
        bump=row.bump,
        computed_bump=row.computed_bump,
        reasons=tuple((rule, text) for rule, text in json.loads(row.reasons)),
        override_reason=row.override_reason,
        metric=row.metric,
        registered_at=row.registered_at,
        principal=row.principal,
    )
