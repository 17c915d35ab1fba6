"""Composition root of the server: build the gRPC server, run it until a signal.

``create_server(service)`` wires the servicers, the error interceptor, the health
service and reflection onto a thread-pool server and binds it; ``serve(url, …)``
is what ``mdstore serve`` runs.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import signal
import threading
from collections.abc import Iterable, Iterator
from concurrent import futures
from types import FrameType
from typing import Any

import grpc
from google.protobuf import descriptor_pool
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection, reflection_pb2

from mdstore import wire
from mdstore.errors import InvalidArgumentError, UnavailableError
from mdstore.server.auth import AuthInterceptor, Credentials
from mdstore.server.interceptors import ErrorInterceptor
from mdstore.server.metrics import Metrics, MetricsInterceptor, watch_database
from mdstore.server.servicer import SERVED_SERVICES, Dispatcher, generic_handlers
from mdstore.server.tls import TlsFiles as TlsFiles
from mdstore.service.dispatch import Service
from mdstore.service.roles import required_role
from mdstore.wire.messages import copy_pool

log = logging.getLogger(__name__)

DEFAULT_WORKERS = 16
DEFAULT_GRACE_SECONDS = 10.0
# MLMD batches (PutExecution with many artifacts, GetArtifacts without paging) get large.
MAX_MESSAGE_BYTES = 256 * 1024 * 1024


class MdstoreServer(grpc.Server):
    """A ``grpc.Server`` that reports NOT_SERVING on health checks once stopping."""

    def __init__(self, server: grpc.Server, health_servicer: health.HealthServicer) -> None:
        self._server = server
        self.health = health_servicer
        self.stopping = threading.Event()  # set first thing in stop(): watchers end

    def start(self) -> None:
        self._server.start()

    def stop(self, grace: float | None) -> threading.Event:
        """Marks every service NOT_SERVING, then stops; in-flight calls get ``grace``."""
        self.stopping.set()
        self.health.enter_graceful_shutdown()
        return self._server.stop(grace)

    def wait_for_termination(self, timeout: float | None = None) -> bool:
        return self._server.wait_for_termination(timeout)

    def add_generic_rpc_handlers(self, generic_rpc_handlers: Iterable[Any]) -> None:
        self._server.add_generic_rpc_handlers(generic_rpc_handlers)

    def add_insecure_port(self, address: str) -> int:
        return self._server.add_insecure_port(address)

    def add_secure_port(self, address: str, server_credentials: Any) -> int:
        return self._server.add_secure_port(address, server_credentials)

    def add_registered_method_handlers(self, service_name: str, method_handlers: Any) -> None:
        # grpc.Server's default silently does nothing; generated add_*_to_server calls it.
        self._server.add_registered_method_handlers(service_name, method_handlers)


def create_server(
    dispatcher: Dispatcher,
    address: str = "127.0.0.1:0",
    max_workers: int = DEFAULT_WORKERS,
    *,
    tls: TlsFiles | None = None,
    credentials: Credentials | None = None,
    metrics: Metrics | None = None,
) -> tuple[MdstoreServer, int]:
    """Builds a server for ``dispatcher`` bound to ``address``; the caller starts it.

    Args:
        dispatcher: runs every RPC (``Service``, or a fake with its ``call_wire``).
        address: ``host:port``; port 0 picks a free port.
        max_workers: threads serving requests concurrently.
        tls: serve TLS (mutual TLS with ``client_ca``) instead of plaintext.
        credentials: require these principals (``server.auth``); None: anyone.
        metrics: count and time every call into these (``server.metrics``).

    Returns:
        The (not yet started) server and the port it is bound to.

    Raises:
        UnavailableError: the address cannot be bound (e.g. the port is in use).
    """
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="mdstore-rpc"),
        interceptors=[
            *([MetricsInterceptor(metrics)] if metrics else []),
            *([AuthInterceptor(credentials, required_role)] if credentials else []),
            ErrorInterceptor(),
        ],
        options=[
            ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
            ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
            # Refuse a port another server already holds instead of sharing it silently.
            ("grpc.so_reuseport", 0),
        ],
    )
    # Generic handlers: grpcio's newer registered-method API gave no measurable
    # latency gain, and a CI run lost a server process without a trace while it
    # was in use.
    server.add_generic_rpc_handlers(generic_handlers(dispatcher))
    health_servicer = _add_health(server)
    names = (*SERVED_SERVICES, health.SERVICE_NAME, reflection.SERVICE_NAME)
    reflection.enable_server_reflection(names, server, pool=_reflection_pool())
    port = _bind(server, address, tls)
    return MdstoreServer(server, health_servicer), port


def _add_health(server: grpc.Server) -> health.HealthServicer:
    servicer = health.HealthServicer()
    for name in ("", *SERVED_SERVICES):
        servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
    return servicer


def _bind(server: grpc.Server, address: str, tls: TlsFiles | None) -> int:
    try:
        if tls is None:
            port = server.add_insecure_port(address)
        else:
            port = server.add_secure_port(address, tls.credentials())
    except RuntimeError as e:  # newer grpc raises; older returns 0
        raise UnavailableError(f"cannot listen on {address}: {e}") from e
    if port == 0:
        raise UnavailableError(f"cannot listen on {address}: is the port in use?")
    return port


def _reflection_pool() -> descriptor_pool.DescriptorPool:
    """One pool holding our services (kept in a private pool) and health/reflection."""
    ours = [wire.POOL.FindServiceByName(name).file for name in SERVED_SERVICES]
    return copy_pool([*ours, health_pb2.DESCRIPTOR, reflection_pb2.DESCRIPTOR])


def serve(
    url: str,
    host: str = "127.0.0.1",
    port: int = 8080,
    *,
    max_workers: int = DEFAULT_WORKERS,
    grace_seconds: float = DEFAULT_GRACE_SECONDS,
    audit_log: bool = True,
    tls: TlsFiles | None = None,
    credentials: Credentials | None = None,
    metrics_port: int | None = None,
) -> None:
    """Serves the database at ``url`` until SIGTERM or SIGINT, then stops gracefully.

    In-flight requests get ``grace_seconds`` to finish; a second signal stops at once.
    ``audit_log=False`` appends no audit entries (to measure their cost). ``tls``
    and ``credentials`` as for ``create_server``. ``metrics_port``: serve Prometheus
    metrics at ``http://host:port/metrics`` (https, with the same certificate and
    client CA, under ``tls``). While the database does not answer,
    the health service reports NOT_SERVING.

    Raises:
        FailedPreconditionError: the schema is stale; run ``mdstore db upgrade``.
        UnavailableError: the address cannot be bound.
    """
    # A connection for every worker thread.
    service = Service(url, pool_size=max_workers, audit_log=audit_log)
    if not audit_log:
        log.warning("the audit log is off: writes get no entry and `audit verify` will say so")
    try:
        metrics = Metrics(service.database.engine) if metrics_port is not None else None
        server, bound_port = create_server(
            service,
            _address(host, port),
            max_workers,
            tls=tls,
            credentials=credentials,
            metrics=metrics,
        )
        server.start()
        # What is loaded by now lives as long as the process: keep it out of the
        # collector's full passes, which a large answer's many objects set off.
        gc.freeze()
        watch_database(
            service.database.ping, server.health, ("", *SERVED_SERVICES), server.stopping
        )
        if metrics is not None and metrics_port is not None:
            bound = metrics.serve_http(host, metrics_port, tls)
            scheme = "http" if tls is None else "https"
            log.info("metrics on %s://%s/metrics", scheme, _address(host, bound))
        log.info(
            "mdstore serving %s (dialect %s, schema %s) on %s (%s, %s)",
            service.masked_url,
            service.dialect,
            service.schema_version,
            _address(host, bound_port),
            "plaintext" if tls is None else "mutual TLS" if tls.client_ca else "TLS",
            "authentication off" if credentials is None else "authentication on",
        )
        if credentials is not None and tls is None:
            log.warning("bearer tokens travel in plaintext: serve with --tls-cert and --tls-key")
        with _reloading_on_hangup(credentials):
            _wait_for_signal(server, grace_seconds)
    finally:
        service.close()


@contextlib.contextmanager
def _reloading_on_hangup(credentials: Credentials | None) -> Iterator[None]:
    """While serving with credentials, SIGHUP re-reads the tokens file."""
    hangup = getattr(signal, "SIGHUP", None)  # not on Windows
    if credentials is None or hangup is None:
        yield
        return

    def on_hangup(_signum: int, _frame: FrameType | None) -> None:
        try:
            count = credentials.reload()
        except InvalidArgumentError as e:
            log.error("tokens not reloaded, the previous ones stay: %s", e)
            return
        log.info("tokens reloaded from %s: %d principals", credentials.source, count)

    previous = signal.signal(hangup, on_hangup)
    try:
        yield
    finally:
        signal.signal(hangup, previous)


def _address(host: str, port: int) -> str:
    """``host:port``, bracketing an IPv6 host (``[::]:8080``)."""
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"{host}:{port}"


def _wait_for_signal(server: MdstoreServer, grace_seconds: float) -> None:
    requested = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        if requested.is_set():
            server.stop(0)  # a second signal: stop now
            return
        requested.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        while not requested.wait(timeout=1.0):
            pass
        log.info("mdstore stopping: in-flight requests get %.1fs to finish", grace_seconds)
        server.stop(grace_seconds).wait()
        log.info("mdstore stopped")
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
