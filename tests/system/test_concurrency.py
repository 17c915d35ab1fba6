"""Two stateless ``mdstore serve`` replicas on one MariaDB / PostgreSQL, 16 writers.

The audit log must come out as one chain: an entry per acknowledged write,
numbered without gap or fork, and ``mdstore audit verify`` passing.

Every client thread registers the same types and the same contexts (the race every
pipeline run starts with) and then publishes its own executions with an input and
an output artifact. All uniqueness lives in the database, so afterwards there must
be exactly one row per type and per context, and every execution, artifact, event,
association and attribution must be there: no INTERNAL errors, no lost writes, no
duplicates. ABORTED / UNAVAILABLE are retried by the client (as MLMD's client does)
a bounded number of times and counted.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import grpc
import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.pool import NullPool

from mdstore.store.db import schema
from mdstore.wire import MLMD_SERVICE, mlmd
from tests.helpers.databases import SERVER_BACKENDS
from tests.helpers.processes import ServeProcess, run_mdstore

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("concurrency")]

SERVERS = 2
THREADS_PER_SERVER = 8
ITERATIONS = 25
MAX_ATTEMPTS = 6
RETRYABLE = {grpc.StatusCode.ABORTED, grpc.StatusCode.UNAVAILABLE}
CONTEXTS = (("Pipeline", "pipeline"), ("PipelineRun", "run-1"))


@dataclass
class Outcome:
    """What the client threads saw; shared by all of them (guarded by ``lock``)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    retries: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    type_ids: dict[str, set[int]] = field(default_factory=dict)
    context_ids: set[tuple[int, ...]] = field(default_factory=set)
    execution_ids: list[int] = field(default_factory=list)
    artifact_ids: list[int] = field(default_factory=list)


class Client:
    """Calls MetadataStoreService methods over one channel, retrying ABORTED/UNAVAILABLE."""

    def __init__(self, target: str, outcome: Outcome) -> None:
        self.channel = grpc.insecure_channel(target)
        self.outcome = outcome

    def call(self, method: str, request: Any) -> Any:
        response_class = getattr(mlmd, f"{method}Response")
        stub = self.channel.unary_unary(
            f"/{MLMD_SERVICE}/{method}",
            request_serializer=lambda m: m.SerializeToString(),
            response_deserializer=response_class.FromString,
        )
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                return stub(request, timeout=120)
            except grpc.RpcError as e:
                code = e.code()
                if code in RETRYABLE and attempt < MAX_ATTEMPTS:
                    with self.outcome.lock:
                        self.outcome.retries[f"{method} {code.name}"] += 1
                    time.sleep(random.uniform(0, 0.02 * 2**attempt))
                    continue
                raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.channel.close()


def _put_types(client: Client) -> dict[str, int]:
    artifact_type = mlmd.ArtifactType(name="Examples")
    artifact_type.properties["span"] = 1  # INT
    execution_type = mlmd.ExecutionType(name="Trainer")
    execution_type.properties["step"] = 1
    ids = {
        "Examples": client.call(
            "PutArtifactType", mlmd.PutArtifactTypeRequest(artifact_type=artifact_type)
        ).type_id,
        "Trainer": client.call(
            "PutExecutionType", mlmd.PutExecutionTypeRequest(execution_type=execution_type)
        ).type_id,
    }
    for type_name, _ in CONTEXTS:
        ids[type_name] = client.call(
            "PutContextType",
            mlmd.PutContextTypeRequest(context_type=mlmd.ContextType(name=type_name)),
        ).type_id
    return ids


def _put_execution(client: Client, type_ids: dict[str, int], worker: int, i: int) -> Any:
    execution = mlmd.Execution(
        type_id=type_ids["Trainer"],
        name=f"train-{worker}-{i}",
        last_known_state=mlmd.Execution.COMPLETE,
    )
    execution.properties["step"].int_value = i
    request = mlmd.PutExecutionRequest(
        execution=execution,
        contexts=[
            mlmd.Context(type_id=type_ids[type_name], name=name) for type_name, name in CONTEXTS
        ],
        options=mlmd.PutExecutionRequest.Options(reuse_context_if_already_exist=True),
    )
    for direction, kind in (("in", mlmd.Event.INPUT), ("out", mlmd.Event.OUTPUT)):
        artifact = mlmd.Artifact(
            type_id=type_ids["Examples"], uri=f"s3://bucket/{direction}/{worker}/{i}"
        )
        artifact.properties["span"].int_value = i
        event = mlmd.Event(type=kind)
        event.path.steps.add().key = direction
        request.artifact_event_pairs.add(artifact=artifact, event=event)
    return client.call("PutExecution", request)


def _client_thread(target: str, worker: int, outcome: Outcome, start: threading.Barrier) -> None:
    client = Client(target, outcome)
    try:
        start.wait()
        for i in range(ITERATIONS):
            type_ids = _put_types(client)
            response = _put_execution(client, type_ids, worker, i)
            with outcome.lock:
                for name, type_id in type_ids.items():
                    outcome.type_ids.setdefault(name, set()).add(type_id)
                outcome.context_ids.add(tuple(response.context_ids))
                outcome.execution_ids.append(response.execution_id)
                outcome.artifact_ids.extend(response.artifact_ids)
    except grpc.RpcError as e:
        with outcome.lock:
            outcome.failures.append(f"worker {worker}: {e.code().name}: {e.details()}")
    except Exception as e:  # noqa: BLE001 - reported through the outcome, not lost in a thread
        with outcome.lock:
            outcome.failures.append(f"worker {worker}: {type(e).__name__}: {e}")
    finally:
        client.close()


def _run_clients(servers: list[ServeProcess]) -> Outcome:
    outcome = Outcome()
    total = len(servers) * THREADS_PER_SERVER
    start = threading.Barrier(total)
    threads = [
        threading.Thread(
            target=_client_thread,
            args=(servers[n % len(servers)].target, n, outcome, start),
            daemon=True,
        )
        for n in range(total)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcome


def _row_counts(db_url: str) -> dict[str, int]:
    engine = create_engine(db_url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return {
                table.name: int(conn.execute(select(func.count()).select_from(table)).scalar_one())
                for table in schema.metadata.sorted_tables
            }
    finally:
        engine.dispose()


def _per_context_links(db_url: str) -> dict[str, tuple[int, int]]:
    """context name -> (associated executions, attributed artifacts)."""
    context, assoc, attr = schema.context_table, schema.association_table, schema.attribution_table
    engine = create_engine(db_url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            names = dict(conn.execute(select(context.c.id, context.c.name)).all())
            executions = dict(
                conn.execute(
                    select(
                        assoc.c.context_id, func.count(func.distinct(assoc.c.execution_id))
                    ).group_by(assoc.c.context_id)
                ).all()
            )
            artifacts = dict(
                conn.execute(
                    select(
                        attr.c.context_id, func.count(func.distinct(attr.c.artifact_id))
                    ).group_by(attr.c.context_id)
                ).all()
            )
    finally:
        engine.dispose()
    return {names[i]: (executions.get(i, 0), artifacts.get(i, 0)) for i in names}


@pytest.mark.parametrize("backend_name", SERVER_BACKENDS)
def test_two_servers_sixteen_writers(
    backend_name: str,
    fresh_database: Callable[[str, str], str],
    serve_subprocess: Callable[[str], ServeProcess],
) -> None:
    db_url = fresh_database(backend_name, "concurrency")
    run_mdstore("db", "upgrade", "--db", db_url)
    servers = [serve_subprocess(db_url) for _ in range(SERVERS)]

    outcome = _run_clients(servers)

    exit_codes = [server.stop() for server in servers]
    print(f"{backend_name}: client retries {dict(outcome.retries) or 'none'}")
    assert outcome.failures == [], "\n".join([*outcome.failures, *(s.log_text() for s in servers)])
    assert exit_codes == [0] * SERVERS, [s.log_text() for s in servers]

    writers = SERVERS * THREADS_PER_SERVER
    executions = writers * ITERATIONS
    # Every thread saw the same id for each type and the same pair of contexts.
    assert {name: len(ids) for name, ids in outcome.type_ids.items()} == {
        "Examples": 1, "Trainer": 1, "Pipeline": 1, "PipelineRun": 1,
    }  # fmt: skip
    assert len(outcome.context_ids) == 1
    assert len(set(outcome.execution_ids)) == executions
    assert len(set(outcome.artifact_ids)) == 2 * executions

    counts = _row_counts(db_url)
    assert counts["type"] == 4
    assert counts["type_property"] == 2
    assert counts["context"] == len(CONTEXTS)
    assert counts["execution"] == executions
    assert counts["execution_property"] == executions
    assert counts["artifact"] == 2 * executions
    assert counts["artifact_property"] == 2 * executions
    assert counts["event"] == 2 * executions
    assert counts["event_path"] == 2 * executions
    assert counts["association"] == len(CONTEXTS) * executions
    assert counts["attribution"] == len(CONTEXTS) * 2 * executions
    assert counts["parent_context"] == 0
    assert _per_context_links(db_url) == {
        name: (executions, 2 * executions) for _, name in CONTEXTS
    }
    # One audit entry per write call (4 type puts and a PutExecution per iteration),
    # in one chain: verify checks the numbering has no gap and each entry links to
    # the one before it; a fork would have put two entries on one number.
    writes = writers * ITERATIONS * 5
    assert counts["audit_entry"] == writes
    verified = run_mdstore("audit", "verify", "--db", db_url)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert f"{writes:,} entries" in verified.stdout
    assert f"head #{writes} " in verified.stdout
