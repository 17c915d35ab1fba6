"""``kill -9`` of ``mdstore serve`` in the middle of a stream of writes loses none
that were acknowledged, on SQLite, MariaDB and PostgreSQL; the audit log of what
survived still verifies (a write either committed with its entry or not at all)."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable

import pytest

import mdstore_client
from mdstore.service.dispatch import Service
from mdstore.wire import mlmd, v1
from tests.helpers.databases import BACKENDS
from tests.helpers.processes import ServeProcess, run_mdstore

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("concurrency")]

WRITERS = 4


@pytest.mark.parametrize("backend_name", BACKENDS)
def test_acknowledged_writes_survive_kill_9(
    backend_name: str,
    fresh_database: Callable[[str, str], str],
    serve_subprocess: Callable[[str], ServeProcess],
) -> None:
    db_url = fresh_database(backend_name, "kill")
    run_mdstore("db", "upgrade", "--db", db_url)
    server = serve_subprocess(db_url)
    acknowledged: list[int] = []
    lock = threading.Lock()
    with mdstore_client.connect(server.target) as client:
        type_id = client.artifact_type("Data").id

    def write(worker: int) -> None:
        retry = mdstore_client.RetryPolicy(max_attempts=1)
        with mdstore_client.connect(server.target, retry=retry, timeout=10) as client:
            for i in range(100_000):
                artifact = mlmd.Artifact(type_id=type_id, uri=f"s3://{worker}/{i}")
                try:
                    response = client.call(
                        "PutArtifacts", mlmd.PutArtifactsRequest(artifacts=[artifact])
                    )
                except mdstore_client.MdstoreError:
                    return  # the server is gone
                with lock:
                    acknowledged.extend(response.artifact_ids)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(WRITERS)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 30
    while len(acknowledged) < 200 and time.monotonic() < deadline:
        time.sleep(0.05)
    server.process.send_signal(signal.SIGKILL)
    server.process.wait()
    for thread in threads:
        thread.join()
    assert len(acknowledged) >= 200

    service = Service(db_url, create_if_empty=False)
    try:
        stored = service.call(
            "GetArtifactsByID", mlmd.GetArtifactsByIDRequest(artifact_ids=acknowledged)
        )
        assert {a.id for a in stored.artifacts} == set(acknowledged)
        verified = service.call("VerifyAuditLog", v1.VerifyAuditLogRequest())
        assert verified.ok, [p.message for p in verified.problems]
        assert verified.entries >= len(acknowledged) + 1  # every write, and the type
    finally:
        service.close()
