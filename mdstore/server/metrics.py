"""Prometheus metrics and the database health watch of ``mdstore serve``.

``/metrics`` on ``--metrics-port`` (prometheus_client's own HTTP server; HTTPS with
the gRPC port's certificate, and its client CA, when the server runs TLS) exposes:

* ``mdstore_requests_total{method, code}``: finished calls by gRPC status code;
* ``mdstore_request_duration_seconds{method}``: latency histogram;
* ``mdstore_requests_in_flight``: calls being served now;
* ``mdstore_db_pool_connections{state}``: pool connections checked out / idle;
* ``mdstore_db_retries_total``: transactions rerun after a conflict;
* ``mdstore_db_errors_total{error}``: database errors by the status they became.

The watch pings the database every few seconds and sets the gRPC health service
to NOT_SERVING while it does not answer, SERVING again once it does.
"""

from __future__ import annotations

import logging
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from mdstore.errors import InvalidArgumentError, UnavailableError
from mdstore.server.interceptors import Behaviour, WrappingInterceptor
from mdstore.server.tls import TlsFiles
from mdstore.store.db.transactions import STATS

log = logging.getLogger(__name__)

_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class Metrics:
    """The server's metrics, in a registry of their own (several servers per process
    in tests would collide in the global one)."""

    def __init__(self, engine: Any = None) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "mdstore_requests", "Finished calls", ["method", "code"], registry=self.registry
        )
        self.latency = Histogram(
            "mdstore_request_duration_seconds",
            "Call latency",
            ["method"],
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self.in_flight = Gauge(
            "mdstore_requests_in_flight", "Calls being served", registry=self.registry
        )
        self.registry.register(_DatabaseCollector(engine))

    def serve_http(self, host: str, port: int, tls: TlsFiles | None = None) -> int:
        """Serves /metrics on ``host:port`` (0 picks a port); returns the port.

        With ``tls``, over HTTPS, requiring a client certificate signed by its
        client CA when it names one.

        Raises:
            UnavailableError: the port cannot be bound.
            InvalidArgumentError: a TLS file cannot be used.
        """
        files: dict[str, Any] = {}
        if tls is not None:
            files = {"certfile": str(tls.cert), "keyfile": str(tls.key)}
            if tls.client_ca is not None:
                files.update(client_cafile=str(tls.client_ca), client_auth_required=True)
        try:
            server, _ = start_http_server(port, addr=host, registry=self.registry, **files)
        except ssl.SSLError as e:
            raise InvalidArgumentError(f"cannot serve metrics over TLS: {e}") from e
        except OSError as e:
            raise UnavailableError(f"cannot serve metrics on {host}:{port}: {e.strerror}") from e
        return int(server.server_port)


class _DatabaseCollector(Collector):
    """Pool use, retries and errors, read when scraped."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine

    def collect(self) -> Iterator[Any]:
        pool = GaugeMetricFamily(
            "mdstore_db_pool_connections", "Database connections", labels=["state"]
        )
        if self.engine is not None and hasattr(self.engine.pool, "checkedout"):
            pool.add_metric(["checked_out"], self.engine.pool.checkedout())
            pool.add_metric(["idle"], self.engine.pool.checkedin())
        yield pool
        yield CounterMetricFamily(
            "mdstore_db_retries", "Transactions rerun after a conflict", value=STATS["retry"]
        )
        errors = CounterMetricFamily(
            "mdstore_db_errors", "Database errors by the error they became", labels=["error"]
        )
        for key, count in sorted(STATS.items()):
            if key.startswith("error:"):
                errors.add_metric([key.removeprefix("error:")], count)
        yield errors


def _measured(behaviour: Behaviour, method: str, metrics: Metrics) -> Behaviour:
    latency = metrics.latency.labels(method)

    def measured(request: Any, context: grpc.ServicerContext) -> Any:
        metrics.in_flight.inc()
        start = time.perf_counter()
        code = "OK"
        try:
            return behaviour(request, context)
        except BaseException:
            found = context.code()  # type: ignore[attr-defined]
            code = found.name if found is not None else "UNKNOWN"
            raise
        finally:
            latency.observe(time.perf_counter() - start)
            metrics.requests.labels(method, code).inc()
            metrics.in_flight.dec()

    return measured


class MetricsInterceptor(WrappingInterceptor):
    """Counts and times every unary call (the outermost interceptor)."""

    def __init__(self, metrics: Metrics) -> None:
        super().__init__()
        self.metrics = metrics

    def wrap(self, behaviour: Behaviour, method: str) -> Behaviour:
        return _measured(behaviour, method, self.metrics)


def watch_database(
    ping: Callable[[], None],
    servicer: health.HealthServicer,
    services: tuple[str, ...],
    stop: threading.Event,
    interval: float = 2.0,
) -> threading.Thread:
    """Starts a thread setting ``services`` NOT_SERVING while ``ping`` fails."""

    def run() -> None:
        serving = True
        while not stop.wait(interval):
            try:
                ping()
                healthy = True
            except Exception:  # noqa: BLE001 - any failure to answer means not serving
                healthy = False
            if healthy != serving:
                serving = healthy
                status = (
                    health_pb2.HealthCheckResponse.SERVING
                    if healthy
                    else (health_pb2.HealthCheckResponse.NOT_SERVING)
                )
                log.warning("database %s", "answers again" if healthy else "does not answer")
                for name in services:
                    servicer.set(name, status)

    thread = threading.Thread(target=run, name="mdstore-db-watch", daemon=True)
    thread.start()
    return thread
