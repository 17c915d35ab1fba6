"""As-of lineage, deletion as tombstones, purge and retention, on every backend and
both access paths.

Time is the server's clock (``mdstore.store.db.clock.now_ms``), moved by the
tests: the in-process gRPC server runs on the same ``Service``, so one patch
moves both paths.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from mdstore.embedded.store import MetadataStore
from mdstore.errors import InvalidArgumentError, NotFoundError
from mdstore.service.dispatch import Service
from mdstore.store.db import clock, schema
from mdstore.wire import mlmd
from tests.helpers.databases import count_rows
from tests.helpers.types import INT, STRING

T0 = 1_800_000_000_000  # the patched clock starts here (ms)


class Clock:
    """The server's clock, set by the test."""

    def __init__(self) -> None:
        self.now = T0

    def at(self, step: int) -> None:
        self.now = T0 + 1000 * step


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> Clock:
    moved = Clock()
    monkeypatch.setattr(clock, "now_ms", lambda: moved.now)
    return moved


# ------------------------------------------------------------------- as of


class Pipeline:
    """A small pipeline written and rewritten step by step; nodes found by name."""

    def __init__(self, store: MetadataStore) -> None:
        self.store = store
        data = mlmd.ArtifactType(name="HistData")
        data.properties["rows"] = INT
        step = mlmd.ExecutionType(name="HistStep")
        step.properties["lr"] = STRING
        self.data = store.put_artifact_type(data)
        self.step = store.put_execution_type(step)
        self.run = store.put_context_type(mlmd.ContextType(name="HistRun"))
        self.ids: dict[str, int] = {}

    def source(self) -> None:
        source = mlmd.Artifact(type_id=self.data, name="source", uri="s3://raw/v1")
        source.properties["rows"].int_value = 1
        [self.ids["source"]] = self.store.put_artifacts([source])

    def execute(self, name: str, reads: str, writes: str) -> None:
        execution = mlmd.Execution(
            type_id=self.step, name=name, last_known_state=mlmd.Execution.RUNNING
        )
        execution.properties["lr"].string_value = "0.1"
        pairs = [
            # put_execution upserts its artifacts: pass the input whole.
            (self.store.get_artifacts_by_id([self.ids[reads]])[0], mlmd.Event(type=3)),
            (
                mlmd.Artifact(type_id=self.data, name=writes, uri=f"s3://{writes}"),
                mlmd.Event(type=4),
            ),
        ]
        context = mlmd.Context(type_id=self.run, name="hist-run")
        eid, aids, _ = self.store.put_execution(
            execution, pairs, [context], reuse_context_if_already_exist=True
        )
        self.ids[name], self.ids[writes] = eid, list(aids)[1]

    def set_rows(self, name: str, rows: int) -> None:
        [artifact] = self.store.get_artifacts_by_id([self.ids[name]])
        artifact.properties["rows"].int_value = rows
        self.store.put_artifacts([artifact])

    def finish(self, name: str, lr: str) -> None:
        [execution] = self.store.get_executions_by_id([self.ids[name]])
        execution.properties["lr"].string_value = lr
        execution.last_known_state = mlmd.Execution.COMPLETE
        self.store.put_executions([execution])

    def delete(self, name: str) -> None:
        self.store.delete_artifacts([self.ids[name]], reason="bad data")


STEPS: list[Callable[[Pipeline], None]] = [
    Pipeline.source,
    lambda p: p.execute("clean", "source", "clean-data"),
    lambda p: p.set_rows("source", 2),
    lambda p: p.finish("clean", "0.2"),
    lambda p: p.execute("train", "clean-data", "model"),
    lambda p: p.set_rows("clean-data", 7),
    lambda p: p.delete("source"),
]


def canonical(answer: Any) -> dict[str, Any]:
    """A trace answer by node names, without ids (which differ between stores)."""
    names = {("a", a.id): a.name for a in answer.nodes.artifacts}
    names |= {("e", e.id): e.name for e in answer.nodes.executions}

    def node(message: Any) -> tuple[Any, ...]:
        return (
            message.name,
            message.uri if hasattr(message, "uri") else "",
            message.state if hasattr(message, "state") else message.last_known_state,
            sorted((k, str(v)) for k, v in message.properties.items()),
            sorted((k, str(v)) for k, v in message.custom_properties.items()),
            message.create_time_since_epoch,
            message.last_update_time_since_epoch,
        )

    return {
        "artifacts": sorted(node(a) for a in answer.nodes.artifacts),
        "executions": sorted(node(e) for e in answer.nodes.executions),
        "events": sorted(
            (names[("a", e.artifact_id)], names[("e", e.execution_id)], e.type)
            for e in answer.nodes.events
        ),
        "contexts": sorted(c.name for c in answer.nodes.contexts),
        "deleted": len(answer.nodes.tombstones),
    }


def _newest(pipeline: Pipeline) -> int:
    for name in ("model", "clean-data", "source"):
        if name in pipeline.ids:
            return pipeline.ids[name]
    raise AssertionError("nothing written")


def test_as_of_equals_a_replay_of_the_writes_up_to_then(
    store: MetadataStore, frozen: Clock, tmp_path: Path
) -> None:
    pipeline = Pipeline(store)
    for step, write in enumerate(STEPS):
        frozen.at(step)
        write(pipeline)
    for cut in range(len(STEPS)):
        frozen.at(len(STEPS))
        names = dict(pipeline.ids)
        replay = MetadataStore(f"sqlite:///{tmp_path}/replay-{cut}.db")
        try:
            replayed = Pipeline(replay)
            for step, write in enumerate(STEPS[: cut + 1]):
                frozen.at(step)
                write(replayed)
            frozen.at(len(STEPS) + 1)
            newest = _newest(replayed)
            name = next(k for k, v in replayed.ids.items() if v == newest and k in names)
            expected = canonical(replay.trace(newest))
        finally:
            replay.close()
        as_of = T0 + 1000 * cut + 500
        got = canonical(store.trace(names[name], as_of=as_of))
        assert got == expected, f"as of step {cut}"
    # Not a tautology: the past differs from now.
    assert canonical(store.trace(pipeline.ids["clean-data"], as_of=T0 + 1500)) != canonical(
        store.trace(pipeline.ids["clean-data"])
    )


def test_a_node_created_later_is_not_found_as_of_before(
    store: MetadataStore, frozen: Clock
) -> None:
    pipeline = Pipeline(store)
    frozen.at(0)
    pipeline.source()
    frozen.at(5)
    pipeline.execute("clean", "source", "clean-data")
    with pytest.raises(NotFoundError):
        store.trace(pipeline.ids["clean-data"], as_of=T0 + 1000)
    assert store.impact(pipeline.ids["source"], as_of=T0 + 1000).total_nodes == 1


# --------------------------------------------------------------- deletion


@pytest.fixture
def pipeline(store: MetadataStore, frozen: Clock) -> Pipeline:
    built = Pipeline(store)
    for step, write in enumerate(STEPS[:5]):
        frozen.at(step)
        write(built)
    frozen.at(10)
    return built


def test_delete_is_a_tombstone_ml_metadata_reads_as_deleted(
    store: MetadataStore, pipeline: Pipeline, service: Service
) -> None:
    before = count_rows(service.database.engine, "event")
    [stone] = store.delete_artifacts([pipeline.ids["clean-data"]], reason="leaked labels")
    assert (stone.deleted_at_millis, stone.reason) == (T0 + 10_000, "leaked labels")
    [artifact] = store.get_artifacts_by_id([pipeline.ids["clean-data"]])
    assert artifact.state == mlmd.Artifact.DELETED
    assert artifact.custom_properties["mdstore.state"].string_value == "DELETED"
    assert artifact.custom_properties["mdstore.deletion_reason"].string_value == "leaked labels"
    assert artifact.uri == "s3://clean-data", "a tombstone keeps the payload until purged"
    assert count_rows(service.database.engine, "event") == before, "events stay"
    # Lineage through it still answers, and marks it.
    answer = store.trace(pipeline.ids["model"])
    assert {t.id for t in answer.nodes.tombstones} == {pipeline.ids["clean-data"]}
    assert [s.name for s in answer.summary.steps] == ["train", "clean"]


def test_deleting_twice_changes_nothing(
    store: MetadataStore, pipeline: Pipeline, frozen: Clock
) -> None:
    first = store.delete_executions([pipeline.ids["clean"]], reason="wrong code")
    [execution] = store.get_executions_by_id([pipeline.ids["clean"]])
    frozen.at(20)
    again = store.delete_executions([pipeline.ids["clean"]], reason="another reason")
    assert list(again) == list(first)
    assert store.get_executions_by_id([pipeline.ids["clean"]]) == [execution]
    step = next(s for s in store.trace(pipeline.ids["model"]).summary.steps if s.name == "clean")
    assert step.state == "DELETED"


def test_deleting_an_unknown_id_deletes_nothing(
    store: MetadataStore, pipeline: Pipeline, service: Service
) -> None:
    with pytest.raises(NotFoundError):
        store.delete_artifacts([pipeline.ids["source"], 987_654], reason="cleanup")
    assert count_rows(service.database.engine, "tombstone") == 0
    [source] = store.get_artifacts_by_id([pipeline.ids["source"]])
    assert source.state != mlmd.Artifact.DELETED


def test_delete_needs_ids_and_a_reason(store: MetadataStore, pipeline: Pipeline) -> None:
    with pytest.raises(InvalidArgumentError):
        store.delete_artifacts([], reason="why")
    with pytest.raises(InvalidArgumentError):
        store.delete_contexts([1], reason="  ")
    with pytest.raises(InvalidArgumentError):
        store.garbage_collect(0)


def test_contexts_can_be_deleted(store: MetadataStore, pipeline: Pipeline) -> None:
    [context] = store.get_contexts_by_type("HistRun")
    [stone] = store.delete_contexts([context.id], reason="retired run")
    assert stone.id == context.id
    [again] = store.get_contexts_by_id([context.id])
    assert again.custom_properties["mdstore.state"].string_value == "DELETED"


# ------------------------------------------------------------------ purge

MARKER = "SECRET-9f3c"


def _tables_holding(service: Service, marker: str) -> list[str]:
    """Every (table.column) whose text or bytes contain ``marker``."""
    found = []
    with service.database.engine.connect() as conn:
        for table in schema.metadata.sorted_tables:
            for row in conn.execute(select(table)):
                for column, value in zip(table.columns, row, strict=True):
                    if isinstance(value, memoryview):  # PostgreSQL's bytea
                        value = bytes(value)
                    text = value.decode("latin-1") if isinstance(value, bytes) else value
                    if isinstance(text, str) and marker in text:
                        found.append(f"{table.name}.{column.name}")
    return found


def test_purge_leaves_no_payload_in_any_table(
    store: MetadataStore, pipeline: Pipeline, service: Service, frozen: Clock
) -> None:
    [artifact] = store.get_artifacts_by_id([pipeline.ids["clean-data"]])
    artifact.uri = f"s3://{MARKER}/data"
    artifact.properties["rows"].int_value = 5
    artifact.custom_properties["owner"].string_value = f"{MARKER}@example.com"
    artifact.custom_properties["sha256"].string_value = "ab" * 32
    store.put_artifacts([artifact])  # the old version goes to node_history
    frozen.at(11)
    artifact.custom_properties["note"].string_value = MARKER
    store.put_artifacts([artifact])
    assert _tables_holding(service, MARKER), "the scan finds the marker before the purge"

    store.delete_artifacts([artifact.id], reason="GDPR request", purge=True)

    assert _tables_holding(service, MARKER) == []
    [purged] = store.get_artifacts_by_id([artifact.id])
    assert purged.name == "clean-data"
    assert purged.uri == ""
    assert purged.custom_properties["sha256"].string_value == "ab" * 32
    assert "rows" not in purged.properties
    # Lineage stays intact.
    answer = store.trace(pipeline.ids["model"])
    assert pipeline.ids["clean-data"] in {a.id for a in answer.nodes.artifacts}
    [stone] = [t for t in answer.nodes.tombstones if t.id == artifact.id]
    assert stone.purged_at_millis == T0 + 11_000


def test_garbage_collect_purges_only_what_was_deleted_before(
    store: MetadataStore, pipeline: Pipeline, frozen: Clock
) -> None:
    store.delete_artifacts([pipeline.ids["source"]], reason="old")
    frozen.at(30)
    store.delete_artifacts([pipeline.ids["model"]], reason="newer")
    frozen.at(40)
    purged = store.garbage_collect(T0 + 20_000)
    assert [(ref.kind, ref.id) for ref in purged] == [(1, pipeline.ids["source"])]
    [source, model] = store.get_artifacts_by_id([pipeline.ids["source"], pipeline.ids["model"]])
    assert (source.uri, model.uri) == ("", "s3://model")
    assert store.garbage_collect(T0 + 20_000) == [], "a purge is done once"
