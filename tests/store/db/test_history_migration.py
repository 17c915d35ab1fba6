"""Migration 0006 (node history, tombstones, recorded_at) on a store with rows:
existing events and context links get the best time there is, so as-of lineage
over old rows answers, on every backend."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, text

from mdstore.embedded.store import MetadataStore
from mdstore.service.dispatch import Service
from mdstore.store.db.engine import create_db_engine
from mdstore.store.db.migrate import alembic_config, upgrade
from mdstore.wire import mlmd


@pytest.fixture
def engine(backend_name: str, fresh_database: Callable[[str, str], str]) -> Iterator[Engine]:
    made = create_db_engine(fresh_database(backend_name, "history"), pool_size=2)
    yield made
    made.dispose()


def _downgrade(engine: Engine, revision: str) -> None:
    with engine.begin() as conn:
        config = alembic_config(engine)
        config.attributes["connection"] = conn
        command.downgrade(config, revision)


def _write_lineage(engine: Engine) -> int:
    """A context, an execution reading one artifact and writing another; the output's id."""
    service = Service(engine.url.render_as_string(hide_password=False), pool_size=1)
    try:
        call = service.call
        data = call(
            "PutArtifactType",
            mlmd.PutArtifactTypeRequest(artifact_type=mlmd.ArtifactType(name="D")),
        ).type_id
        step = call(
            "PutExecutionType",
            mlmd.PutExecutionTypeRequest(execution_type=mlmd.ExecutionType(name="S")),
        ).type_id
        run = call(
            "PutContextType", mlmd.PutContextTypeRequest(context_type=mlmd.ContextType(name="R"))
        ).type_id
        [source] = call(
            "PutArtifacts",
            mlmd.PutArtifactsRequest(artifacts=[mlmd.Artifact(type_id=data, uri="s3://in")]),
        ).artifact_ids
        request = mlmd.PutExecutionRequest(execution=mlmd.Execution(type_id=step))
        request.artifact_event_pairs.add(
            artifact=mlmd.Artifact(id=source, type_id=data, uri="s3://in"),
            event=mlmd.Event(type=mlmd.Event.INPUT),
        )
        request.artifact_event_pairs.add(
            artifact=mlmd.Artifact(type_id=data, uri="s3://out"),
            event=mlmd.Event(type=mlmd.Event.OUTPUT),
        )
        request.contexts.add(type_id=run, name="r1")
        return int(call("PutExecution", request).artifact_ids[1])
    finally:
        service.close()


def test_upgrade_to_0006_backfills_when_rows_were_recorded(engine: Engine) -> None:
    upgrade(engine)
    output = _write_lineage(engine)
    _downgrade(engine, "0005")
    columns = {c["name"] for c in inspect(engine).get_columns("event")}
    assert "recorded_at" not in columns, "0005 has no recorded_at"

    upgrade(engine)

    with engine.connect() as conn:
        events = conn.execute(text("SELECT recorded_at, milliseconds_since_epoch FROM event")).all()
        links = conn.execute(
            text(
                "SELECT a.recorded_at, n.create_time_since_epoch, c.create_time_since_epoch"
                " FROM attribution a JOIN artifact n ON n.id = a.artifact_id"
                " JOIN context c ON c.id = a.context_id"
            )
        ).all()
    assert len(events) == 2
    assert all(recorded == at for recorded, at in events)
    assert len(links) == 2
    assert all(recorded == max(node, context) for recorded, node, context in links)
    # Old rows answer as-of questions at their recorded times.
    service = Service(engine.url.render_as_string(hide_password=False), pool_size=1)
    try:
        store = MetadataStore(service)
        latest = max(at for _, at in events)
        assert store.trace(output, as_of=latest).total_nodes == 3
    finally:
        service.close()
