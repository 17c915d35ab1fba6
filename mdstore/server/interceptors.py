"""The error interceptor: the one place where errors become gRPC statuses.

``MdstoreError`` subclasses carry the canonical code name of their status, so a
domain error is aborted with that code and its (user-facing) message. Anything
else is a bug: its traceback is logged here on the server, and the client gets
INTERNAL with a generic message that leaks no SQL, URL or stack.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import grpc

from mdstore.errors import MdstoreError

log = logging.getLogger(__name__)

INTERNAL_MESSAGE = "internal server error; see the server log"

Behaviour = Callable[[Any, grpc.ServicerContext], Any]


def _status_code(error: MdstoreError) -> grpc.StatusCode:
    code = getattr(grpc.StatusCode, error.code, None)
    return code if isinstance(code, grpc.StatusCode) else grpc.StatusCode.UNKNOWN


def _guarded(behaviour: Behaviour, method: str) -> Behaviour:
    def guarded(request: Any, context: grpc.ServicerContext) -> Any:
        try:
            return behaviour(request, context)
        except MdstoreError as e:
            context.abort(_status_code(e), e.message)
        except Exception:
            # grpcio's ServicerContext has code() (experimental API); types-grpcio lacks it.
            if context.code() is not None:  # type: ignore[attr-defined]
                raise  # the behaviour already aborted with its own status
            log.exception("unexpected error in %s", method)
            context.abort(grpc.StatusCode.INTERNAL, INTERNAL_MESSAGE)

    return guarded


class ErrorInterceptor(grpc.ServerInterceptor):
    """Wraps every unary-unary handler so errors map to statuses (Feast style).

    gRPC asks the interceptor for the handler of every call; each handler is
    wrapped once and the wrapper is reused, so a call costs a dictionary lookup.
    """

    def __init__(self) -> None:
        # method -> (the handler as found, its wrapper). Written by gRPC's one
        # dispatch thread; a lost race would only wrap a handler twice.
        self._wrapped: dict[
            str, tuple[grpc.RpcMethodHandler[Any, Any], grpc.RpcMethodHandler[Any, Any]]
        ] = {}

    def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], grpc.RpcMethodHandler[Any, Any] | None],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        handler = continuation(handler_call_details)
        if handler is None or handler.unary_unary is None:
            return handler  # unknown method, or streaming (health Watch, reflection)
        method = handler_call_details.method
        cached = self._wrapped.get(method)
        if cached is not None and cached[0] is handler:
            return cached[1]
        wrapped = grpc.unary_unary_rpc_method_handler(
            _guarded(handler.unary_unary, method),
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )
        self._wrapped[method] = (handler, wrapped)
        return wrapped
