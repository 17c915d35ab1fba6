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


class WrappingInterceptor(grpc.ServerInterceptor):
    """Wraps every unary-unary handler with ``wrap(behaviour, method)`` (Feast style).

    gRPC asks the interceptor for the handler of every call; each handler is
    wrapped once and the wrapper is reused, so a call costs a dictionary lookup.
    Streaming handlers (health Watch, reflection) pass through unwrapped, and so
    does a handler for which ``wrap`` returns None.
    """

    def __init__(self) -> None:
        # method -> (the handler as found, what to return for it). Written by gRPC's
        # one dispatch thread; a lost race would only wrap a handler twice.
        self._wrapped: dict[str, tuple[Any, Any]] = {}

    def wrap(self, behaviour: Behaviour, method: str) -> Behaviour | None:
        """The behaviour to run instead, for ``"<service>/<method>"``."""
        raise NotImplementedError

    def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], grpc.RpcMethodHandler[Any, Any] | None],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        handler = continuation(handler_call_details)
        if handler is None or handler.unary_unary is None:
            return handler
        method = handler_call_details.method.lstrip("/")
        cached = self._wrapped.get(method)
        if cached is not None and cached[0] is handler:
            return cached[1]  # type: ignore[no-any-return]
        behaviour = self.wrap(handler.unary_unary, method)
        wrapped = (
            handler
            if behaviour is None
            else grpc.unary_unary_rpc_method_handler(
                behaviour,
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        )
        self._wrapped[method] = (handler, wrapped)
        return wrapped


class ErrorInterceptor(WrappingInterceptor):
    """Maps every error of a handler to its gRPC status (see the module docstring)."""

    def wrap(self, behaviour: Behaviour, method: str) -> Behaviour:
        return _guarded(behaviour, method)
