"""The registry of request handlers: one function per MetadataStoreService RPC.

A handler takes the transaction's connection and the request message and returns the
response message. Handlers live in the modules named for what they handle
(``type_ops``, ``node_ops``, ``link_ops``, ``execution_ops``) and register here with
``@rpc("PutArtifacts")``; ``Backend.call`` runs each in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from mdstore.wire import mlmd

Handler = Callable[[Connection, Any], Any]


class Serialized(bytes):
    """A response a handler assembled in wire form (pages, nodes by id, lineage).

    ``Backend.call`` parses it into the response message; the gRPC servicer sends
    the bytes as they are, sparing a parse and a re-serialization per call.
    """


@dataclass(frozen=True)
class RegisteredHandler:
    handler: Handler
    read_only: bool


HANDLERS: dict[str, RegisteredHandler] = {}


def rpc(method: str, *, read_only: bool = False) -> Callable[[Handler], Handler]:
    """Registers a handler for the MetadataStoreService method ``method``."""

    def register(handler: Handler) -> Handler:
        if method in HANDLERS:
            raise RuntimeError(f"two handlers for {method}")
        HANDLERS[method] = RegisteredHandler(handler, read_only)
        return handler

    return register


_response_classes: dict[type, Any] = {}


def response_class(request: Any) -> Any:
    """The response message class paired with a request (``XRequest`` -> ``XResponse``)."""
    found = _response_classes.get(type(request))
    if found is None:
        name = request.DESCRIPTOR.name.removesuffix("Request") + "Response"
        found = _response_classes[type(request)] = getattr(mlmd, name)
    return found


def response_for(request: Any, **fields: Any) -> Any:
    """The response message paired with a request, with ``fields`` set."""
    return response_class(request)(**fields)
