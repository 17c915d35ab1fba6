"""The servicer and interceptor: routing of every method, and errors to statuses."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import grpc
import pytest

from mdstore.errors import exception_from_code
from mdstore.server.interceptors import INTERNAL_MESSAGE
from mdstore.wire import MLMD_SERVICE, mlmd, service_methods
from tests.server.conftest import FakeBackend, RunningServer, ServeBackend, status_of

METHOD_NAMES = [name for name, _, _ in service_methods(MLMD_SERVICE)]
ERROR_CODES = [code for code in grpc.StatusCode if code is not grpc.StatusCode.OK]


def _snake(name: str) -> str:
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


def test_every_rpc_has_a_test() -> None:
    assert len(METHOD_NAMES) == 52
    sources = "".join(p.read_text() for p in Path(__file__).parent.glob("test_*.py"))
    untested = [n for n in METHOD_NAMES if f"def test_{_snake(n)}(" not in sources]
    assert untested == []


def test_every_method_reaches_backend_call(serve_backend: ServeBackend) -> None:
    fake = FakeBackend()
    running: RunningServer = serve_backend(fake)
    for name, request_class, response_class in service_methods(MLMD_SERVICE):
        response = getattr(running.mlmd, name)(request_class())
        assert isinstance(response, response_class)
    assert [method for method, _ in fake.calls] == METHOD_NAMES


def test_request_is_passed_deserialized(serve_backend: ServeBackend) -> None:
    fake = FakeBackend(response=mlmd.PutArtifactsResponse(artifact_ids=[7, 8]))
    running: RunningServer = serve_backend(fake)
    request = mlmd.PutArtifactsRequest(artifacts=[mlmd.Artifact(type_id=3, uri="/x")])
    response = running.mlmd.PutArtifacts(request)
    assert list(response.artifact_ids) == [7, 8]
    [(method, received)] = fake.calls
    assert method == "PutArtifacts"
    assert received.SerializeToString() == request.SerializeToString()


@pytest.mark.parametrize("code", ERROR_CODES, ids=lambda c: c.name)
def test_domain_error_becomes_its_status(
    serve_backend: ServeBackend, code: grpc.StatusCode
) -> None:
    error = exception_from_code(code.name)(f"explained for {code.name}")
    running: RunningServer = serve_backend(FakeBackend(error=error))
    got_code, details = status_of(running.mlmd.GetArtifacts, mlmd.GetArtifactsRequest())
    assert got_code == code
    assert details == f"explained for {code.name}"


def test_unexpected_exception_is_internal_and_logged(
    serve_backend,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = FakeBackend(error=RuntimeError("secret: password=hunter2 at db.internal"))
    running: RunningServer = serve_backend(fake)
    with caplog.at_level(logging.ERROR, logger="mdstore.server.interceptors"):
        code, details = status_of(running.mlmd.PutArtifacts, mlmd.PutArtifactsRequest())
    assert code == grpc.StatusCode.INTERNAL
    assert details == INTERNAL_MESSAGE
    assert "hunter2" not in details
    [record] = [r for r in caplog.records if r.name == "mdstore.server.interceptors"]
    assert "PutArtifacts" in record.getMessage()
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], RuntimeError)


def test_unknown_method_is_unimplemented(running: RunningServer) -> None:
    call = running.channel.unary_unary(
        f"/{MLMD_SERVICE}/NoSuchMethod",
        request_serializer=mlmd.GetArtifactsRequest.SerializeToString,
        response_deserializer=mlmd.GetArtifactsResponse.FromString,
    )
    assert status_of(call, mlmd.GetArtifactsRequest())[0] == grpc.StatusCode.UNIMPLEMENTED


def test_real_backend_error_maps_through_interceptor(running: RunningServer) -> None:
    code, details = status_of(
        running.mlmd.GetArtifactType, mlmd.GetArtifactTypeRequest(type_name="Missing")
    )
    assert code == grpc.StatusCode.NOT_FOUND
    assert "Missing" in details
