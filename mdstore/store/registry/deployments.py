"""Deployments: a version serving an environment from its start until it stops."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import and_, insert, or_, select, update

from mdstore.store.audit.journal import touched
from mdstore.store.db import schema
from mdstore.store.db.transactions import Transaction

DEPLOYMENT = schema.deployment_table
MODEL = schema.registered_model_table


@dataclass(frozen=True)
class DeploymentRow:
    """A deployment as stored (``version``: the version's sequence; ``pattern``: the
    ``mdstore.v1.DeploymentPattern`` number; ``stopped_at`` None while it serves)."""

    id: int
    model_id: int
    version: int
    environment: str
    pattern: int
    traffic_percent: float | None
    started_at: int
    stopped_at: int | None
    principal: str
    reason: str


_COLUMNS = tuple(DeploymentRow.__dataclass_fields__)


def add_deployment(conn: Transaction, row: DeploymentRow) -> DeploymentRow:
    """Inserts a deployment (its ``id`` is ignored); returns it with its id."""
    values = {column: getattr(row, column) for column in _COLUMNS if column != "id"}
    key = conn.execute(insert(DEPLOYMENT).values(**values)).inserted_primary_key
    assert key is not None
    touched(conn, DEPLOYMENT.name, [(int(key[0]),)])
    return DeploymentRow(**{**values, "id": int(key[0])})


def stop(conn: Transaction, ids: Sequence[int], now: int) -> None:
    """Marks running deployments as stopped at ``now`` (stopped ones stay as they are)."""
    if ids:
        conn.execute(
            update(DEPLOYMENT)
            .where(DEPLOYMENT.c.id.in_(list(ids)), DEPLOYMENT.c.stopped_at.is_(None))
            .values(stopped_at=now)
        )
        touched(conn, DEPLOYMENT.name, [(i,) for i in ids])


def find_deployment(
    conn: Transaction, deployment_id: int, *, lock: bool = False
) -> DeploymentRow | None:
    """The deployment with that id, or None."""
    query = select(DEPLOYMENT).where(DEPLOYMENT.c.id == deployment_id)
    if lock:
        query = query.with_for_update()
    row = conn.execute(query).first()
    return None if row is None else DeploymentRow(**{c: getattr(row, c) for c in _COLUMNS})


def deployments(
    conn: Transaction,
    model_id: int | None = None,
    environment: str = "",
    serving_at: int | None = None,
) -> list[DeploymentRow]:
    """Deployments, oldest first: of a model, of an environment, serving at a time."""
    query = select(DEPLOYMENT).order_by(DEPLOYMENT.c.started_at, DEPLOYMENT.c.id)
    if model_id is not None:
        query = query.where(DEPLOYMENT.c.model_id == model_id)
    if environment:
        query = query.where(DEPLOYMENT.c.environment == environment)
    if serving_at is not None:
        query = query.where(
            DEPLOYMENT.c.started_at <= serving_at,
            or_(DEPLOYMENT.c.stopped_at.is_(None), DEPLOYMENT.c.stopped_at > serving_at),
        )
    return [DeploymentRow(**{c: getattr(row, c) for c in _COLUMNS}) for row in conn.execute(query)]


def running(conn: Transaction, model_id: int, environment: str) -> list[DeploymentRow]:
    """The model's deployments serving ``environment`` now."""
    query = select(DEPLOYMENT).where(
        and_(
            DEPLOYMENT.c.model_id == model_id,
            DEPLOYMENT.c.environment == environment,
            DEPLOYMENT.c.stopped_at.is_(None),
        )
    )
    return [DeploymentRow(**{c: getattr(row, c) for c in _COLUMNS}) for row in conn.execute(query)]
