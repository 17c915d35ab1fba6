"""Revision 0002 fills the serialized-node column for stores written at 0001.

A store is built at revision 0001 with plain SQL (as an mdstore of that version
wrote it), upgraded to head, and read back through the service: every field,
property and event path must come back as it was written.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from alembic import command
from sqlalchemy import text

from mdstore.service.dispatch import Service
from mdstore.store.db.engine import create_db_engine
from mdstore.store.db.migrate import alembic_config, current_revision, head_revision, upgrade
from mdstore.wire import mlmd

ROWS_AT_0001 = [
    "INSERT INTO type (id, kind, name, version) VALUES (1, 1, 'Dataset', '')",
    "INSERT INTO type (id, kind, name, version) VALUES (2, 0, 'Trainer', '')",
    "INSERT INTO type (id, kind, name, version) VALUES (3, 2, 'Run', '')",
    "INSERT INTO artifact (id, type_id, name, external_id, uri, state, create_time_since_epoch,"
    " last_update_time_since_epoch) VALUES (7, 1, 'd1', 'ext-7', 'gs://a', 2, 100, 200)",
    "INSERT INTO artifact (id, type_id, uri, create_time_since_epoch,"
    " last_update_time_since_epoch) VALUES (8, 1, 'gs://b', 300, 300)",
    "INSERT INTO artifact_property (artifact_id, name, is_custom_property, value_kind,"
    " int_value) VALUES (7, 'size', false, 1, 42)",
    "INSERT INTO artifact_property (artifact_id, name, is_custom_property, value_kind,"
    " string_value) VALUES (7, 'owner', true, 3, 'team-1')",
    "INSERT INTO artifact_property (artifact_id, name, is_custom_property, value_kind,"
    " double_value) VALUES (8, 'score', false, 2, 0.25)",
    "INSERT INTO execution (id, type_id, last_known_state, create_time_since_epoch,"
    " last_update_time_since_epoch) VALUES (5, 2, 3, 400, 500)",
    "INSERT INTO context (id, type_id, name, create_time_since_epoch,"
    " last_update_time_since_epoch) VALUES (9, 3, 'run-1', 600, 600)",
    "INSERT INTO context_property (context_id, name, is_custom_property, value_kind,"
    " bool_value) VALUES (9, 'ok', true, 6, true)",
    "INSERT INTO event (id, artifact_id, execution_id, type, milliseconds_since_epoch)"
    " VALUES (1, 7, 5, 3, 700)",
    "INSERT INTO event (id, artifact_id, execution_id, type, milliseconds_since_epoch)"
    " VALUES (2, 8, 5, 4, 800)",
    "INSERT INTO event_path (event_id, position, is_index_step, step_index, step_key)"
    " VALUES (1, 0, false, NULL, 'examples')",
    "INSERT INTO event_path (event_id, position, is_index_step, step_index, step_key)"
    " VALUES (1, 1, true, 3, NULL)",
]


@pytest.fixture
def url_at_0001(backend_name: str, fresh_database: Callable[[str, str], str]) -> str:
    url = fresh_database(backend_name, "blobs")
    engine = create_db_engine(url, pool_size=1)
    try:
        upgrade(engine, "0001")
        with engine.begin() as conn:
            for statement in ROWS_AT_0001:
                conn.execute(text(statement))
    finally:
        engine.dispose()
    return url


def _expected_artifacts() -> list[object]:
    first = mlmd.Artifact(
        id=7, type_id=1, type="Dataset", name="d1", external_id="ext-7", uri="gs://a",
        state=mlmd.Artifact.LIVE, create_time_since_epoch=100, last_update_time_since_epoch=200,
    )  # fmt: skip
    first.properties["size"].int_value = 42
    first.custom_properties["owner"].string_value = "team-1"
    second = mlmd.Artifact(
        id=8, type_id=1, type="Dataset", uri="gs://b",
        create_time_since_epoch=300, last_update_time_since_epoch=300,
    )  # fmt: skip
    second.properties["score"].double_value = 0.25
    return [first, second]


def _upgrade(url: str) -> None:
    engine = create_db_engine(url, pool_size=1)
    try:
        upgrade(engine)
    finally:
        engine.dispose()


def test_upgrade_fills_nodes_and_events_written_at_0001(url_at_0001: str) -> None:
    _upgrade(url_at_0001)
    service = Service(url_at_0001, create_if_empty=False)
    try:
        assert current_revision(service.database.engine) == head_revision()
        got = service.call("GetArtifactsByID", mlmd.GetArtifactsByIDRequest(artifact_ids=[7, 8]))
        assert list(got.artifacts) == _expected_artifacts()

        execution = service.call(
            "GetExecutionsByID", mlmd.GetExecutionsByIDRequest(execution_ids=[5])
        ).executions[0]
        assert (execution.type, execution.last_known_state) == ("Trainer", mlmd.Execution.COMPLETE)
        context = service.call(
            "GetContextsByID", mlmd.GetContextsByIDRequest(context_ids=[9])
        ).contexts[0]
        assert (context.name, context.custom_properties["ok"].bool_value) == ("run-1", True)

        events = service.call(
            "GetEventsByExecutionIDs", mlmd.GetEventsByExecutionIDsRequest(execution_ids=[5])
        ).events
        by_artifact = {e.artifact_id: e for e in events}
        steps = [s.WhichOneof("value") for s in by_artifact[7].path.steps]
        assert steps == ["key", "index"]
        assert (by_artifact[7].path.steps[0].key, by_artifact[7].path.steps[1].index) == (
            "examples",
            3,
        )
        assert not by_artifact[8].HasField("path")
        assert by_artifact[8].milliseconds_since_epoch == 800
    finally:
        service.close()


def test_downgrade_to_0001_and_back(url_at_0001: str) -> None:
    engine = create_db_engine(url_at_0001, pool_size=1)
    try:
        upgrade(engine)
        with engine.begin() as conn:
            config = alembic_config(engine)
            config.attributes["connection"] = conn
            command.downgrade(config, "0001")
        assert current_revision(engine) == "0001"
        upgrade(engine)
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()
