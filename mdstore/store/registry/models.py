"""Registered models and the policies they had."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select

from mdstore.errors import NotFoundError
from mdstore.store.audit.journal import touched
from mdstore.store.db import schema
from mdstore.store.db.transactions import Transaction

MODEL = schema.registered_model_table
POLICY = schema.model_policy_table


@dataclass(frozen=True)
class PolicyRow:
    """A policy as stored (names as lists; ``sequence`` orders a model's policies)."""

    metric: str
    lower_is_better: bool
    min_improvement: float
    schema_properties: tuple[str, ...]
    target_properties: tuple[str, ...]
    changed_at: int = 0
    principal: str = ""
    reason: str = ""
    sequence: int = 0


def create_model(
    conn: Transaction, name: str, context_id: int, description: str, now: int, principal: str
) -> int:
    """Inserts a registered model; returns its id (AlreadyExists on a taken name)."""
    row = {
        "name": name,
        "context_id": context_id,
        "description": description,
        "created_at": now,
        "principal": principal,
    }
    key = conn.execute(insert(MODEL).values(**row)).inserted_primary_key
    assert key is not None
    touched(conn, MODEL.name, [(int(key[0]),)], [f"context:{context_id}"])
    return int(key[0])


def find_model(conn: Transaction, name: str, *, lock: bool = False) -> Any:
    """The model row named ``name``.

    ``lock`` takes the row's write lock (SELECT ... FOR UPDATE on MySQL and
    PostgreSQL; SQLite's write transaction already holds the database), so a
    model's registrations and alias moves run one after another across servers.
    Call it first in the transaction: on MySQL the later reads then see every
    change committed before the lock was granted.

    Raises:
        NotFoundError: no model has that name.
    """
    query = select(MODEL).where(MODEL.c.name == name)
    if lock:
        query = query.with_for_update()
    found = conn.execute(query).first()
    if found is None:
        raise NotFoundError(f"no registered model named {name!r}")
    return found


def all_models(conn: Transaction) -> list[Any]:
    """Every model row, by name."""
    return list(conn.execute(select(MODEL).order_by(MODEL.c.name)))


def add_policy(conn: Transaction, model_id: int, policy: PolicyRow) -> None:
    """Appends a policy; the model's latest policy is the one in force."""
    last = conn.execute(
        select(func.max(POLICY.c.sequence)).where(POLICY.c.model_id == model_id)
    ).scalar()
    row = {
        "model_id": model_id,
        "sequence": (last or 0) + 1,
        "metric": policy.metric,
        "lower_is_better": policy.lower_is_better,
        "min_improvement": policy.min_improvement,
        "schema_properties": json.dumps(list(policy.schema_properties)),
        "target_properties": json.dumps(list(policy.target_properties)),
        "changed_at": policy.changed_at,
        "principal": policy.principal,
        "reason": policy.reason,
    }
    conn.execute(insert(POLICY).values(**row))
    touched(conn, POLICY.name, [(model_id, row["sequence"])])


def policies_of(conn: Transaction, model_ids: Sequence[int]) -> dict[int, list[PolicyRow]]:
    """Each model's policies, oldest first."""
    rows = conn.execute(
        select(POLICY)
        .where(POLICY.c.model_id.in_(list(model_ids)))
        .order_by(POLICY.c.model_id, POLICY.c.sequence)
    )
    found: dict[int, list[PolicyRow]] = {model_id: [] for model_id in model_ids}
    for row in rows:
        found[row.model_id].append(
            PolicyRow(
                metric=row.metric,
                lower_is_better=bool(row.lower_is_better),
                min_improvement=float(row.min_improvement),
                schema_properties=tuple(json.loads(row.schema_properties)),
                target_properties=tuple(json.loads(row.target_properties)),
                changed_at=row.changed_at,
                principal=row.principal,
                reason=row.reason,
                sequence=row.sequence,
            )
        )
    return found


def model_by_id(conn: Transaction, model_id: int) -> Any:
    """The model row with that id (NotFound when there is none)."""
    found = conn.execute(select(MODEL).where(MODEL.c.id == model_id)).first()
    if found is None:
        raise NotFoundError(f"no registered model with id {model_id}")
    return found
