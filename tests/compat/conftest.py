"""Fixtures for the compat tests: the ml-metadata venv and a real `mdstore serve`."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
import sqlalchemy

from tests.compat import mlmd_venv

MDSTORE = mlmd_venv.REPO / ".venv" / "bin" / "mdstore"

# Env vars naming an admin URL per server backend; SQLite needs none.
BACKEND_ENV = {"mysql": "MDSTORE_TEST_MYSQL_URL", "postgres": "MDSTORE_TEST_POSTGRES_URL"}

SERVER_START_SECONDS = 30
SERVER_STOP_SECONDS = 15


@pytest.fixture(scope="session")
def mlmd_python() -> Path:
    """The python of .venv-mlmd (ml-metadata 1.17.1, protobuf 4.25, mdstore editable)."""
    try:
        return mlmd_venv.ensure_venv()
    except mlmd_venv.VenvUnavailable as e:
        pytest.skip(str(e))


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("mysql", marks=pytest.mark.mysql),
        pytest.param("postgres", marks=pytest.mark.postgres),
    ]
)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A URL to an empty database of the chosen backend, dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'mdstore.db'}"
        return
    admin_url = os.environ.get(BACKEND_ENV[backend])
    if not admin_url:
        pytest.skip(f"{BACKEND_ENV[backend]} is not set: no {backend} server to test against")
    with _scratch_database(admin_url) as url:
        yield url


@pytest.fixture
def server_log(tmp_path: Path) -> Path:
    """Where `mdstore_server` writes the output of `mdstore db upgrade` and `serve`."""
    return tmp_path / "mdstore-serve.log"


@pytest.fixture
def mdstore_server(database_url: str, server_log: Path) -> Iterator[tuple[str, int]]:
    """Runs `mdstore db upgrade` then `mdstore serve`; yields (host, port)."""
    if not MDSTORE.exists():
        pytest.fail(f"{MDSTORE} is missing: run `make install`")
    _run_upgrade(database_url, server_log)
    host, port = "127.0.0.1", _free_port()
    with server_log.open("a") as log:
        server = subprocess.Popen(
            [MDSTORE, "serve", "--db", database_url, "--host", host, "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_serving(server, host, port, server_log)
        yield host, port
    finally:
        _stop(server)


@contextlib.contextmanager
def _scratch_database(admin_url: str) -> Iterator[str]:
    """Creates a database of its own on the admin URL's server; yields its URL.

    Each server start gets a fresh database, so the suite's rows never meet another
    test's (everything else uses `test`) and concurrent runs cannot collide.
    """
    admin = sqlalchemy.make_url(admin_url)
    name = f"mdstore_compat_{uuid.uuid4().hex[:12]}"
    # CREATE/DROP DATABASE cannot run inside a PostgreSQL transaction.
    engine = sqlalchemy.create_engine(admin, isolation_level="AUTOCOMMIT")
    try:
        _execute(engine, f"CREATE DATABASE {name}")
        try:
            yield admin.set(database=name).render_as_string(hide_password=False)
        finally:
            _execute(engine, f"DROP DATABASE IF EXISTS {name}")
    finally:
        engine.dispose()


def _execute(engine: sqlalchemy.Engine, statement: str) -> None:
    with engine.connect() as connection:
        connection.execute(sqlalchemy.text(statement))


def _run_upgrade(database_url: str, log_path: Path) -> None:
    result = subprocess.run(
        [MDSTORE, "db", "upgrade", "--db", database_url],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    log_path.write_text(result.stdout + result.stderr)
    if result.returncode != 0:
        pytest.fail(f"mdstore db upgrade failed ({result.returncode}):\n{log_path.read_text()}")


def _free_port() -> int:
    # The port is released before the server binds it; a clash is unlikely and shows
    # up as a clear startup failure rather than a wrong result.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_serving(
    server: subprocess.Popen[bytes], host: str, port: int, log_path: Path
) -> None:
    """Returns once the port speaks gRPC; fails early if the server process dies."""
    deadline = time.monotonic() + SERVER_START_SECONDS
    with grpc.insecure_channel(f"{host}:{port}") as channel:
        ready = grpc.channel_ready_future(channel)
        while server.poll() is None and time.monotonic() < deadline:
            try:
                ready.result(timeout=0.5)
                return
            except grpc.FutureTimeoutError:
                continue
    code = server.poll()
    _stop(server)
    state = f"exited with {code}" if code is not None else f"not ready in {SERVER_START_SECONDS}s"
    pytest.fail(f"mdstore serve on {host}:{port} {state}; its output:\n{log_path.read_text()}")


def _stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is not None:
        return
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=SERVER_STOP_SECONDS)
    except subprocess.TimeoutExpired:
        server.kill()  # a server that ignores SIGTERM must not outlive the test run
        server.wait()
