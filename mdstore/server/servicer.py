"""The servicers: thin adapters from gRPC methods to the service's handlers.

Every method of ``ml_metadata.MetadataStoreService`` and ``mdstore.v1.MdstoreService``
is registered from its service descriptor, so no method has hand-copied code: the
behaviour of ``Service/Method`` is ``dispatcher.call_wire("Service/Method", request,
principal)`` (the caller ``server.auth`` identified, "" without authentication),
and mdstore.service.registry names the function behind it. Errors are left to the
interceptor (``mdstore.server.interceptors``), the only place they become statuses.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import grpc

from mdstore.server.auth import current_principal
from mdstore.wire import MDSTORE_SERVICE, MLMD_SERVICE, service_methods
from mdstore.wire.encoding import Encoded

SERVED_SERVICES = (MLMD_SERVICE, MDSTORE_SERVICE)


class Dispatcher(Protocol):
    """What the servicers need: ``mdstore.service.dispatch.Service`` is one."""

    def call_wire(self, method: str, request: Any, principal: str = "") -> Any:
        """Runs ``"<service>/<method>"`` for ``principal``; returns its response
        message, or the response already ``Encoded``."""


def _serializer(response_class: Any) -> Callable[[Any], bytes]:
    serialize = response_class.SerializeToString

    def serializer(response: Any) -> bytes:
        # Responses assembled from stored blobs arrive encoded already.
        return response.data if type(response) is Encoded else serialize(response)

    return serializer


def _behaviour(dispatcher: Dispatcher, path: str) -> Callable[[Any, grpc.ServicerContext], Any]:
    def behaviour(request: Any, _context: grpc.ServicerContext) -> Any:
        return dispatcher.call_wire(path, request, current_principal())

    behaviour.__name__ = path.rsplit("/", 1)[-1]
    return behaviour


def method_handlers(
    dispatcher: Dispatcher, service: str
) -> dict[str, grpc.RpcMethodHandler[Any, Any]]:
    """One gRPC handler per method of ``service``, by method name."""
    return {
        name: grpc.unary_unary_rpc_method_handler(
            _behaviour(dispatcher, f"{service}/{name}"),
            request_deserializer=request_class.FromString,
            response_serializer=_serializer(response_class),
        )
        for name, request_class, response_class in service_methods(service)
    }


def generic_handlers(dispatcher: Dispatcher) -> list[grpc.GenericRpcHandler]:
    """A generic handler per served service, every method forwarded to ``dispatcher``."""
    return [
        grpc.method_handlers_generic_handler(service, method_handlers(dispatcher, service))
        for service in SERVED_SERVICES
    ]
