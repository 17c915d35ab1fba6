"""The servicer: every method of both services routed to the dispatcher by its
full name, requests passed deserialized, errors turned into statuses (through the
interceptor), on fakes and on the real service."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import grpc
import pytest

from mdstore.errors import exception_from_code
from mdstore.server.interceptors import INTERNAL_MESSAGE
from mdstore.server.servicer import SERVED_SERVICES, generic_handlers
from mdstore.wire import MDSTORE_SERVICE, MLMD_SERVICE, mlmd, service_methods
from tests.helpers.fakes import FakeDispatcher
from tests.helpers.grpc import RunningServer, Serve, status_of

ERROR_CODES = [code for code in grpc.StatusCode if code is not grpc.StatusCode.OK]


def test_both_services_are_served_by_generic_handlers() -> None:
    handlers = generic_handlers(FakeDispatcher())

    assert SERVED_SERVICES == (MLMD_SERVICE, MDSTORE_SERVICE)
    assert len(handlers) == 2
    for service_name, handler in zip(SERVED_SERVICES, handlers, strict=True):
        for name, _, _ in service_methods(service_name):
            found = handler.service(SimpleNamespace(method=f"/{service_name}/{name}"))
            assert found is not None, name
            assert found.unary_unary is not None


def test_every_method_reaches_the_dispatcher_by_its_full_name(serve: Serve) -> None:
    fake = FakeDispatcher()
    running: RunningServer = serve(fake)
    expected = []
    for service_name, stub in ((MLMD_SERVICE, running.mlmd), (MDSTORE_SERVICE, running.v1)):
        for name, request_class, response_class in service_methods(service_name):
            response = getattr(stub, name)(request_class())
            assert isinstance(response, response_class), name
            expected.append(f"{service_name}/{name}")
    assert len([m for m in expected if m.startswith(MLMD_SERVICE)]) == 52
    assert [method for method, _ in fake.calls] == expected


def test_request_is_passed_deserialized(serve: Serve) -> None:
    fake = FakeDispatcher(response=mlmd.PutArtifactsResponse(artifact_ids=[7, 8]))
    running: RunningServer = serve(fake)
    request = mlmd.PutArtifactsRequest(artifacts=[mlmd.Artifact(type_id=3, uri="/x")])
    response = running.mlmd.PutArtifacts(request)
    assert list(response.artifact_ids) == [7, 8]
    [(method, received)] = fake.calls
    assert method == f"{MLMD_SERVICE}/PutArtifacts"
    assert received.SerializeToString() == request.SerializeToString()


@pytest.mark.parametrize("code", ERROR_CODES, ids=lambda c: c.name)
def test_domain_error_becomes_its_status(serve: Serve, code: grpc.StatusCode) -> None:
    error = exception_from_code(code.name)(f"explained for {code.name}")
    running: RunningServer = serve(FakeDispatcher(error=error))
    got_code, details = status_of(running.mlmd.GetArtifacts, mlmd.GetArtifactsRequest())
    assert got_code == code
    assert details == f"explained for {code.name}"


def test_unexpected_exception_is_internal_and_logged(
    serve: Serve, caplog: pytest.LogCaptureFixture
) -> None:
    fake = FakeDispatcher(error=RuntimeError("secret: password=hunter2 at db.internal"))
    running: RunningServer = serve(fake)
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


def test_a_real_service_error_maps_through_the_interceptor(running: RunningServer) -> None:
    code, details = status_of(
        running.mlmd.GetArtifactType, mlmd.GetArtifactTypeRequest(type_name="Missing")
    )
    assert code == grpc.StatusCode.NOT_FOUND
    assert "Missing" in details
