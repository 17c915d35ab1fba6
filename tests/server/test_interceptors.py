"""The error interceptor: each handler wrapped once, errors mapped on every call.

The interceptor is asked for a handler on every call; it wraps each handler once
and hands the same wrapper back, so error mapping costs nothing per call. These
tests pin that down and check the wrapper is still the one that maps errors.
"""

from __future__ import annotations

from typing import Any

import grpc
import pytest

from mdstore.errors import NotFoundError
from mdstore.server.interceptors import ErrorInterceptor
from mdstore.wire import MDSTORE_SERVICE, mlmd, v1
from tests.helpers.fakes import FakeDispatcher
from tests.helpers.grpc import RunningServer, Serve, status_of


class _Details:
    def __init__(self, method: str) -> None:
        self.method = method
        self.invocation_metadata = ()


class _Aborted(Exception):
    pass


class _Context:
    """Just what the guarded behaviour touches on a ServicerContext."""

    def __init__(self) -> None:
        self.aborted: tuple[grpc.StatusCode, str] | None = None

    def abort(self, code: grpc.StatusCode, details: str) -> None:
        self.aborted = (code, details)
        raise _Aborted

    def code(self) -> grpc.StatusCode | None:
        return self.aborted[0] if self.aborted else None


def _handler(behaviour: Any) -> grpc.RpcMethodHandler:
    return grpc.unary_unary_rpc_method_handler(behaviour)


def test_each_handler_is_wrapped_once() -> None:
    interceptor = ErrorInterceptor()
    handler = _handler(lambda request, _context: request * 2)

    first = interceptor.intercept_service(lambda _d: handler, _Details("/s/M"))
    again = interceptor.intercept_service(lambda _d: handler, _Details("/s/M"))

    assert first is again
    assert first is not handler
    assert first.unary_unary(21, _Context()) == 42


def test_a_new_handler_for_a_method_gets_a_new_wrapper() -> None:
    interceptor = ErrorInterceptor()
    old = _handler(lambda _request, _context: "old")
    new = _handler(lambda _request, _context: "new")

    wrapped_old = interceptor.intercept_service(lambda _d: old, _Details("/s/M"))
    wrapped_new = interceptor.intercept_service(lambda _d: new, _Details("/s/M"))

    assert wrapped_old.unary_unary(None, _Context()) == "old"
    assert wrapped_new.unary_unary(None, _Context()) == "new"


def test_the_reused_wrapper_maps_errors_every_time() -> None:
    interceptor = ErrorInterceptor()

    def behaviour(request: Any, _context: Any) -> Any:
        if request == "missing":
            raise NotFoundError("no such thing")
        return "found"

    handler = _handler(behaviour)
    for request in ("missing", "present", "missing"):
        wrapped = interceptor.intercept_service(lambda _d: handler, _Details("/s/Get"))
        context = _Context()
        if request == "missing":
            with pytest.raises(_Aborted):
                wrapped.unary_unary(request, context)
            assert context.aborted == (grpc.StatusCode.NOT_FOUND, "no such thing")
        else:
            assert wrapped.unary_unary(request, context) == "found"
            assert context.aborted is None


def test_unknown_and_streaming_handlers_pass_through() -> None:
    interceptor = ErrorInterceptor()
    stream = grpc.unary_stream_rpc_method_handler(lambda _request, _context: iter(()))

    assert interceptor.intercept_service(lambda _d: None, _Details("/s/Nope")) is None
    assert interceptor.intercept_service(lambda _d: stream, _Details("/s/Watch")) is stream


def test_errors_and_successes_alternate_on_one_server(serve: Serve) -> None:
    fake = FakeDispatcher()
    running: RunningServer = serve(fake)
    for attempt in range(3):
        fake.error = NotFoundError(f"gone {attempt}")
        assert status_of(running.mlmd.GetArtifacts, mlmd.GetArtifactsRequest()) == (
            grpc.StatusCode.NOT_FOUND,
            f"gone {attempt}",
        )
        fake.error = None
        assert isinstance(
            running.mlmd.GetArtifacts(mlmd.GetArtifactsRequest()), mlmd.GetArtifactsResponse
        )
    fake.response = v1.GetServerInfoResponse(schema_version="fake-revision")
    assert running.v1.GetServerInfo(v1.GetServerInfoRequest()).schema_version == "fake-revision"
    assert fake.calls[-1][0] == f"{MDSTORE_SERVICE}/GetServerInfo"
