"""Two ``mdstore serve`` replicas on one MariaDB / PostgreSQL, eight writers each,
registering versions of one model at once: every registration gets its own
version, in order, with no gap and no error.

Each model artifact differs from every other in one parameter, so each
registration is a PIPELINE bump over whichever version is latest when it runs:
the versions must come out 1.0.0, 1.0.1, ... 1.0.(n-1), one per artifact.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

import mdstore_client
from mdstore.embedded.store import MetadataStore
from mdstore.wire import v1
from tests.helpers.databases import SERVER_BACKENDS
from tests.helpers.processes import ServeProcess, run_mdstore
from tests.helpers.training import train

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("concurrency")]

SERVERS = 2
THREADS_PER_SERVER = 8
PER_THREAD = 3
MODEL = "contended"


def _register_all(servers: list[ServeProcess], artifacts: list[int]) -> tuple[list[str], list[str]]:
    """Every thread registers its share of ``artifacts``; (versions got, failures)."""
    versions: list[str] = []
    failures: list[str] = []
    lock = threading.Lock()
    threads = SERVERS * THREADS_PER_SERVER
    start = threading.Barrier(threads)

    def work(worker: int) -> None:
        mine = artifacts[worker::threads]
        with mdstore_client.connect(servers[worker % SERVERS].target) as client:
            start.wait()
            for artifact_id in mine:
                request = v1.RegisterModelVersionRequest(name=MODEL, artifact_id=artifact_id)
                try:
                    got = client.call("RegisterModelVersion", request).version.version
                except Exception as e:  # every failure is reported, none may happen
                    with lock:
                        failures.append(f"{artifact_id}: {type(e).__name__}: {e}")
                    continue
                with lock:
                    versions.append(got)

    pool = [threading.Thread(target=work, args=(worker,)) for worker in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return versions, failures


@pytest.mark.parametrize("backend_name", SERVER_BACKENDS)
def test_two_replicas_sixteen_writers_one_model(
    backend_name: str,
    fresh_database: Callable[[str, str], str],
    serve_subprocess: Callable[[str], ServeProcess],
) -> None:
    db_url = fresh_database(backend_name, "models")
    run_mdstore("db", "upgrade", "--db", db_url)
    count = SERVERS * THREADS_PER_SERVER * PER_THREAD
    with MetadataStore(db_url) as store:
        store.create_registered_model(MODEL, v1.ModelPolicy(metric="accuracy"))
        artifacts = [train(store, lr=f"0.{i:03d}") for i in range(count)]
    servers = [serve_subprocess(db_url) for _ in range(SERVERS)]

    versions, failures = _register_all(servers, artifacts)

    assert failures == [], "\n".join([*failures, *(s.log_text() for s in servers)])
    assert sorted(versions, key=lambda v: int(v.split(".")[2])) == [
        f"1.0.{n}" for n in range(count)
    ]
    with MetadataStore(db_url) as store:
        listed = store.get_model_versions(MODEL)
    assert [v.sequence for v in listed] == list(range(1, count + 1))
    assert [v.version for v in listed] == [f"1.0.{n}" for n in range(count)]
    assert sorted(v.artifact_id for v in listed) == sorted(artifacts)
    assert [s.stop() for s in servers] == [0] * SERVERS
