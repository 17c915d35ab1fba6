"""Servicers: thin adapters from gRPC methods to a backend.

Every ``ml_metadata.MetadataStoreService`` method is registered from the service
descriptor, so no method has hand-copied code: the behaviour of method ``M`` is
``backend.call_wire("M", request)``. Errors are left to the interceptor
(``mdstore.server.interceptors``), the only place they become gRPC statuses.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import grpc

import mdstore
from mdstore.wire import MDSTORE_SERVICE, MLMD_SERVICE, service_methods, v1

_FALLBACK_VERSION = "0.1.0"


class MetadataBackend(Protocol):
    """What the servicers need from a store; ``mdstore.store.backend.Backend`` is one."""

    schema_version: str
    dialect: str

    def call_wire(self, method: str, request: Any) -> Any:
        """Runs one MetadataStoreService method; returns its response message, or
        the response already serialized (``bytes``)."""


def _unary(
    behaviour: Callable[[Any, grpc.ServicerContext], Any], request_class: Any, response_class: Any
) -> grpc.RpcMethodHandler[Any, Any]:
    serialize = response_class.SerializeToString

    def serializer(response: Any) -> bytes:
        # Handlers that assemble a response from stored blobs hand over its bytes
        # (rpc.Serialized). gRPC's core takes exact bytes only: a bytes subclass
        # leaves the call unanswered, hence the (memcpy) conversion.
        return bytes(response) if isinstance(response, bytes) else serialize(response)

    return grpc.unary_unary_rpc_method_handler(
        behaviour,
        request_deserializer=request_class.FromString,
        response_serializer=serializer,
    )


class MetadataStoreServicer:
    """``ml_metadata.MetadataStoreService``: each method forwards to ``backend.call``.

    Args:
        backend: the store that runs each method in one transaction.
    """

    def __init__(self, backend: MetadataBackend) -> None:
        self._backend = backend

    def _behaviour(self, method: str) -> Callable[[Any, grpc.ServicerContext], Any]:
        def behaviour(request: Any, _context: grpc.ServicerContext) -> Any:
            return self._backend.call_wire(method, request)

        behaviour.__name__ = method
        return behaviour

    def method_handlers(self) -> dict[str, grpc.RpcMethodHandler[Any, Any]]:
        """One handler per method of the service (all 52), by method name."""
        return {
            name: _unary(self._behaviour(name), request_class, response_class)
            for name, request_class, response_class in service_methods(MLMD_SERVICE)
        }

    def generic_handler(self) -> grpc.GenericRpcHandler:
        """A handler serving all 52 methods of the service."""
        return grpc.method_handlers_generic_handler(MLMD_SERVICE, self.method_handlers())


class MdstoreServicer:
    """``mdstore.v1.MdstoreService``: mdstore's own extensions.

    Args:
        backend: the store whose schema version and dialect are reported.
    """

    def __init__(self, backend: MetadataBackend) -> None:
        self._backend = backend

    def GetServerInfo(self, request: Any, context: grpc.ServicerContext) -> Any:  # noqa: N802
        """Returns the package version, schema revision and database dialect."""
        return v1.GetServerInfoResponse(
            server_version=getattr(mdstore, "__version__", None) or _FALLBACK_VERSION,
            schema_version=self._backend.schema_version,
            database_dialect=self._backend.dialect,
        )

    def method_handlers(self) -> dict[str, grpc.RpcMethodHandler[Any, Any]]:
        """One handler per method of ``mdstore.v1.MdstoreService``, by method name."""
        return {
            name: _unary(getattr(self, name), request_class, response_class)
            for name, request_class, response_class in service_methods(MDSTORE_SERVICE)
        }

    def generic_handler(self) -> grpc.GenericRpcHandler:
        """A handler serving every method of ``mdstore.v1.MdstoreService``."""
        return grpc.method_handlers_generic_handler(MDSTORE_SERVICE, self.method_handlers())
