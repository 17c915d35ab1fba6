"""``Session``: the part of a client that a run and the upstream walk work through.

``Run`` and ``walk_upstream`` are made by ``Client`` and need a few of its
operations back. They take them as this protocol rather than as ``Client``, so
neither imports ``mdstore_client.client``: the client depends on them, never the
other way round. ``Client`` satisfies it structurally; a test double can too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from mdstore_client.convert import Kind
from mdstore_client.models import Artifact, Node
from mdstore_client.type_registry import TypeRegistry


class Session(Protocol):
    """What ``Run`` and ``walk_upstream`` use of a client, and nothing more."""

    @property
    def types(self) -> TypeRegistry:
        """The client's type cache: ``Run`` declares and looks up its types there."""

    def call(self, method: str, request: Any) -> Any:
        """Runs a MetadataStoreService method with a wire request.

        Args:
            method: the RPC name, e.g. ``"PutExecution"``.
            request: the wire request message.

        Returns:
            The wire response message.
        """

    def artifact(self, key: int, /) -> Artifact:
        """The stored artifact with id ``key``.

        Raises:
            NotFoundError: there is no such artifact.
        """

    def by_ids(self, kind: Kind, ids: Sequence[int]) -> list[Any]:
        """Nodes of ``kind`` by id in one call, in the order of ``ids``; missing ids left out."""

    def to_proto(self, kind: Kind, node: Node) -> Any:
        """The wire message for a node, checked against its type as stored.

        Raises:
            NotFoundError: the node's type is not declared.
            InvalidArgumentError: a property the type does not declare, or of the
                wrong kind.
        """
