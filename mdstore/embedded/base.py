"""Plumbing shared by the method groups that make up the embedded ``MetadataStore``.

The embedded API is split by subject (``types``, ``nodes``, ``links`` and the
writes in ``store``); each group subclasses ``StoreMethods`` and sends requests
through ``_call``, which ``MetadataStore`` implements on top of a ``Caller``:
``mdstore.service.dispatch.Service`` in process, or anything else that runs a
method by name (the contract tests pass a gRPC transport).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from mdstore.embedded.list_options import ListOptions, list_all


class Caller(Protocol):
    """Runs one method by name: ``Service``, or a transport to a server."""

    def call(self, method: str, request: Any) -> Any:
        """Returns the response of ``method`` to ``request``; raises MdstoreError."""


class StoreMethods:
    """Base of the method groups: one request in, one response out."""

    def _call(self, method: str, request: Any) -> Any:
        """Runs the MetadataStoreService method ``method``; returns its response."""
        raise NotImplementedError

    def _list(
        self,
        method: str,
        field: str,
        request: Any,
        list_options: ListOptions | None = None,
    ) -> list[Any]:
        """Runs a listing method, following ``next_page_token`` to the end or limit."""
        return list_all(self._call, method, field, request, list_options)


def adopt(cls: Any, message: Any) -> Any:
    """Returns ``message`` as an instance of the wire class ``cls``.

    mdstore's message classes live in a private descriptor pool, so a message
    built with ``ml_metadata.proto`` classes is a different Python type with the
    same wire format; it is re-read from its bytes.

    Raises:
        TypeError: ``message`` is not a ``cls`` message of either origin.
    """
    if message is None or isinstance(message, cls):
        return message
    full_name = getattr(getattr(message, "DESCRIPTOR", None), "full_name", None)
    if full_name != cls.DESCRIPTOR.full_name:
        raise TypeError(f"expected a {cls.DESCRIPTOR.full_name} message, got {type(message)!r}")
    return cls.FromString(message.SerializeToString())


def adopt_all(cls: Any, messages: Iterable[Any] | None) -> list[Any]:
    """Applies ``adopt`` to every message of an iterable (``None`` gives ``[]``)."""
    return [adopt(cls, message) for message in messages or ()]
