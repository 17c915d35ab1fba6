"""Prometheus metrics, read back by prometheus_client's own text parser, and the
health service following the database: NOT_SERVING while it cannot be reached."""

from __future__ import annotations

import http.client
import os
import re
import socket
import ssl
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.engine import make_url

import mdstore_client
from mdstore.server.app import create_server
from mdstore.server.metrics import Metrics
from mdstore.service.dispatch import Service
from mdstore.wire import mlmd
from tests.helpers.databases import admin_url, create_database, drop_database
from tests.helpers.processes import mdstore_command, run_mdstore, start_serve
from tests.helpers.proxy import Proxy


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_calls_are_counted_timed_and_coded(service: Service) -> None:
    metrics = Metrics(service.database.engine)
    server, port = create_server(service, "127.0.0.1:0", 4, metrics=metrics)
    server.start()
    try:
        retry = mdstore_client.RetryPolicy(max_attempts=1)
        with mdstore_client.connect(f"127.0.0.1:{port}", retry=retry) as client:
            for _ in range(3):
                client.call("GetArtifacts", mlmd.GetArtifactsRequest())
            with pytest.raises(mdstore_client.MdstoreError):
                client.call("GetArtifactType", mlmd.GetArtifactTypeRequest(type_name="none"))
            with pytest.raises(mdstore_client.MdstoreError):
                client.call("PutArtifacts", mlmd.PutArtifactsRequest(artifacts=[mlmd.Artifact()]))
    finally:
        server.stop(None)
    samples = _samples(generate_latest(metrics.registry).decode())
    get = "ml_metadata.MetadataStoreService/GetArtifacts"
    put = "ml_metadata.MetadataStoreService/PutArtifacts"
    assert samples[("mdstore_requests_total", (("code", "OK"), ("method", get)))] == 3
    assert samples[("mdstore_requests_total", (("code", "INVALID_ARGUMENT"), ("method", put)))] == 1
    assert samples[("mdstore_request_duration_seconds_count", (("method", get),))] == 3
    missing = (
        ("code", "NOT_FOUND"),
        ("method", "ml_metadata.MetadataStoreService/GetArtifactType"),
    )
    assert samples[("mdstore_requests_total", missing)] == 1
    assert samples[("mdstore_requests_in_flight", ())] == 0
    assert ("mdstore_db_pool_connections", (("state", "checked_out"),)) in samples
    assert ("mdstore_db_retries_total", ()) in samples


def test_serve_exposes_metrics_over_http(tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    server = start_serve(f"sqlite:///{tmp_path}/m.db", log, "--metrics-port", "0")
    try:
        with mdstore_client.connect(server.target) as client:
            client.artifact_type("Data")
        found = re.search(r"metrics on http://([\d.]+:\d+)/metrics", server.log_text())
        assert found, server.log_text()
        with urllib.request.urlopen(f"http://{found.group(1)}/metrics", timeout=10) as answer:
            text = answer.read().decode()
    finally:
        assert server.stop() == 0
    samples = _samples(text)
    method = "ml_metadata.MetadataStoreService/PutArtifactType"
    assert samples[("mdstore_requests_total", (("code", "OK"), ("method", method)))] == 1


def test_metrics_take_the_servers_mutual_tls(tmp_path: Path) -> None:
    tls = tmp_path / "tls"
    run_mdstore("tls", "generate", "--out", str(tls), "--client", "scraper")
    log = tmp_path / "serve.log"
    server = start_serve(
        f"sqlite:///{tmp_path}/m.db",
        log,
        *("--tls-cert", str(tls / "server.pem"), "--tls-key", str(tls / "server.key")),
        *("--tls-client-ca", str(tls / "ca.pem"), "--metrics-port", "0"),
    )
    try:
        found = re.search(r"metrics on https://[\d.]+:(\d+)/metrics", server.log_text())
        assert found, server.log_text()
        url = f"https://localhost:{found.group(1)}/metrics"
        scraper = ssl.create_default_context(cafile=str(tls / "ca.pem"))
        scraper.load_cert_chain(str(tls / "client.pem"), str(tls / "client.key"))
        with urllib.request.urlopen(url, timeout=10, context=scraper) as answer:
            assert "mdstore_requests_in_flight" in answer.read().decode()
        # Without a client certificate, or in plaintext, the metrics stay closed.
        anonymous = ssl.create_default_context(cafile=str(tls / "ca.pem"))
        for attempt, context in ((url, anonymous), (url.replace("https", "http"), None)):
            with pytest.raises((OSError, http.client.HTTPException)):
                urllib.request.urlopen(attempt, timeout=10, context=context).read()
    finally:
        assert server.stop() == 0


def test_a_metrics_port_in_use_is_a_one_line_error(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        result = subprocess.run(
            [*mdstore_command(), "serve", "--db", f"sqlite:///{tmp_path}/m.db"]
            + ["--port", "0", "--metrics-port", port],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode != 0
    assert "cannot serve metrics on 127.0.0.1:" in result.stderr
    assert "Traceback" not in result.stderr


def _health(channel: grpc.Channel) -> Any:
    stub = health_pb2_grpc.HealthStub(channel)
    return stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=5).status


def _wait_for(channel: grpc.Channel, status: Any, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if _health(channel) == status:
            return True
        time.sleep(0.2)
    return False


def test_health_follows_the_database(tmp_path: Path) -> None:
    admin = admin_url("postgres")
    name = f"mdstore_health_{os.getpid()}"
    url = create_database(admin, name)
    parsed = make_url(url)
    proxy = Proxy((parsed.host or "127.0.0.1", parsed.port or 5432))
    proxied = parsed.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    run_mdstore("db", "upgrade", "--db", proxied)
    server = start_serve(proxied, tmp_path / "serve.log")
    try:
        with grpc.insecure_channel(server.target) as channel:
            assert _health(channel) == health_pb2.HealthCheckResponse.SERVING
            proxy.cut()
            assert _wait_for(channel, health_pb2.HealthCheckResponse.NOT_SERVING)
            proxy.mend()
            assert _wait_for(channel, health_pb2.HealthCheckResponse.SERVING)
        with mdstore_client.connect(server.target) as client:
            client.artifact_type("Data")  # the pool recovered too
    finally:
        server.stop()
        proxy.close()
        drop_database(admin, name)
    assert "database does not answer" in server.log_text()
