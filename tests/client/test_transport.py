"""The gRPC transport: errors by status code, retries, deadlines, TLS; and connect()."""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent import futures
from pathlib import Path
from typing import Any

import grpc
import pytest
from pydantic import ValidationError

from mdstore.errors import (
    AbortedError,
    DeadlineExceededError,
    MdstoreError,
    NotFoundError,
    UnavailableError,
)
from mdstore.server.interceptors import ErrorInterceptor
from mdstore.server.servicer import generic_handlers
from mdstore.wire import MLMD_SERVICE, mlmd, service_methods
from mdstore_client import RetryPolicy, TlsOptions, connect
from mdstore_client.client import Client
from mdstore_client.transport import EmbeddedTransport, GrpcTransport
from tests.helpers.clients import FAST_RETRY
from tests.helpers.grpc import Serve
from tests.helpers.processes import free_port


class ScriptedDispatcher:
    """A ``Dispatcher`` (what the gRPC servicer calls) that raises the scripted errors
    in turn, then answers (after ``delay``)."""

    def __init__(self, errors: list[Exception] | None = None, delay: float = 0.0) -> None:
        self.errors = list(errors or [])
        self.delay = delay
        self.calls = 0
        self._responses = {name: response for name, _, response in service_methods(MLMD_SERVICE)}

    def call_wire(self, method: str, request: Any, principal: str = "") -> Any:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        if self.delay:
            threading.Event().wait(self.delay)
        return self._responses[method.rsplit("/", 1)[-1]]()


def _grpc_client(port: int, sleeps: list[float], **options: Any) -> Client:
    options.setdefault("retry", FAST_RETRY)
    return Client(GrpcTransport(f"127.0.0.1:{port}", sleep=sleeps.append, **options))


def test_server_down_is_unavailable_after_bounded_retries() -> None:
    sleeps: list[float] = []
    port = free_port()  # nothing listens there
    client = _grpc_client(port, sleeps, timeout=5)
    with pytest.raises(UnavailableError, match=f"127.0.0.1:{port} is unavailable") as info:
        client.artifact_type("Dataset", properties={"rows": int})
    assert "gave up after 3 attempts" in str(info.value)
    assert info.value.code == "UNAVAILABLE"
    assert isinstance(info.value.__cause__, grpc.RpcError)
    assert len(sleeps) == 2
    assert all(0 < s <= FAST_RETRY.max_backoff for s in sleeps)


def test_server_down_with_real_backoff_returns_promptly() -> None:
    started = time.monotonic()
    client = connect(f"127.0.0.1:{free_port()}", retry=FAST_RETRY)
    with pytest.raises(UnavailableError):
        list(client.artifacts())
    assert time.monotonic() - started < 5


def test_deadline_exceeded(serve: Serve) -> None:
    slow = ScriptedDispatcher(delay=3.0)
    client = _grpc_client(serve(slow).port, [], timeout=0.2)
    started = time.monotonic()
    with pytest.raises(DeadlineExceededError, match=r"GetArtifacts got no answer .* within 0.2s"):
        list(client.artifacts())
    assert time.monotonic() - started < 2
    assert slow.calls == 1  # a deadline is not retried: the server may still be working


def test_aborted_is_retried_until_it_succeeds(serve: Serve) -> None:
    flaky = ScriptedDispatcher([AbortedError("deadlock"), AbortedError("deadlock")])
    sleeps: list[float] = []
    client = _grpc_client(serve(flaky).port, sleeps)
    assert list(client.artifacts()) == []
    assert flaky.calls == 3
    assert len(sleeps) == 2


def test_aborted_gives_up_after_max_attempts(serve: Serve) -> None:
    flaky = ScriptedDispatcher([AbortedError("deadlock")] * 5)
    client = _grpc_client(serve(flaky).port, [], retry=RetryPolicy(max_attempts=2))
    with pytest.raises(AbortedError, match="deadlock"):
        list(client.artifacts())
    assert flaky.calls == 2


def test_other_errors_are_mapped_by_code_and_not_retried(serve: Serve) -> None:
    dispatcher = ScriptedDispatcher([NotFoundError("no context with id 5")])
    client = _grpc_client(serve(dispatcher).port, [])
    with pytest.raises(NotFoundError, match="^no context with id 5$") as info:
        client.call("GetContextsByID", mlmd.GetContextsByIDRequest(context_ids=[5]))
    assert dispatcher.calls == 1
    cause = info.value.__cause__
    assert isinstance(cause, grpc.RpcError)
    assert cause.code() is grpc.StatusCode.NOT_FOUND  # type: ignore[attr-defined]


def test_unknown_method_is_unimplemented() -> None:
    client = Client(GrpcTransport("127.0.0.1:1"))
    with pytest.raises(MdstoreError, match="no RPC named 'Frobnicate'") as info:
        client.call("Frobnicate", mlmd.GetArtifactsRequest())
    assert info.value.code == "UNIMPLEMENTED"


def test_backoff_grows_with_jitter_and_is_capped() -> None:
    policy = RetryPolicy(initial_backoff=0.1, multiplier=2, max_backoff=0.5)
    assert policy.backoff(0, lambda: 0.0) == pytest.approx(0.05)
    assert policy.backoff(0, lambda: 1.0) == pytest.approx(0.1)
    assert policy.backoff(2, lambda: 1.0) == pytest.approx(0.4)
    assert policy.backoff(10, lambda: 1.0) == pytest.approx(0.5)
    with pytest.raises(ValidationError, match="max_attempts"):
        RetryPolicy(max_attempts=0)


def test_connect_chooses_the_transport(tmp_path: Path) -> None:
    grpc_client = connect("grpc://127.0.0.1:9")
    assert isinstance(grpc_client.transport, GrpcTransport)
    assert grpc_client.transport.target == "127.0.0.1:9"
    embedded = connect(f"sqlite:///{tmp_path / 'md.db'}")
    assert isinstance(embedded.transport, EmbeddedTransport)
    assert embedded.server_info().database_dialect == "sqlite"
    embedded.close()


# ------------------------------------------------------------------------- TLS


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, bytes]:
    """A self-signed certificate for 127.0.0.1 and localhost: (key PEM, cert PEM)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed: cannot make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    key, cert = folder / "key.pem", folder / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-keyout", str(key), "-out", str(cert), "-subj", "/CN=mdstore-test"]
        + ["-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True,
        capture_output=True,
    )
    return key.read_bytes(), cert.read_bytes()


@pytest.fixture
def tls_port(certificate: tuple[bytes, bytes]) -> Iterator[int]:
    """A TLS-only server of ``ml_metadata.MetadataStoreService`` on a fake dispatcher."""
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=4), interceptors=[ErrorInterceptor()]
    )
    server.add_generic_rpc_handlers(generic_handlers(ScriptedDispatcher()))
    credentials = grpc.ssl_server_credentials([certificate])
    port = server.add_secure_port("127.0.0.1:0", credentials)
    server.start()
    yield port
    server.stop(None).wait()


def test_tls_round_trip(tls_port: int, certificate: tuple[bytes, bytes], tmp_path: Path) -> None:
    (tmp_path / "ca.pem").write_bytes(certificate[1])
    tls = TlsOptions.from_files(ca=tmp_path / "ca.pem")
    with connect(f"127.0.0.1:{tls_port}", tls=tls, retry=FAST_RETRY) as client:
        assert list(client.artifacts()) == []
    with connect(f"localhost:{tls_port}", tls=tls, retry=FAST_RETRY) as client:
        assert list(client.contexts()) == []


def test_tls_with_untrusted_server_or_plaintext_fails(
    tls_port: int, certificate: tuple[bytes, bytes]
) -> None:
    with pytest.raises(UnavailableError):
        list(connect(f"grpcs://127.0.0.1:{tls_port}", retry=FAST_RETRY).artifacts())
    with pytest.raises(UnavailableError):
        list(connect(f"127.0.0.1:{tls_port}", retry=FAST_RETRY).artifacts())


def test_mutual_tls_needs_key_and_chain() -> None:
    with pytest.raises(ValidationError, match="both private_key and certificate_chain"):
        TlsOptions(private_key=b"key")
