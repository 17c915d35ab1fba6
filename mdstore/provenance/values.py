"""What the analyses read from a node's properties: parameters, digests, text.

One definition each, shared by the trace summary and the diff, so that what a
summary shows as a step's parameters is what a diff compares.
"""

from __future__ import annotations

from typing import Any, Final

from mdstore.wire import bookkeeping
from mdstore.wire.values import DIGEST_CUSTOM_PROPERTIES as DIGEST_CUSTOM_PROPERTIES
from mdstore.wire.values import DIGEST_PROPERTY as DIGEST_PROPERTY
from mdstore.wire.values import digest as digest
from mdstore.wire.values import text as text

BOOKKEEPING_PREFIX: Final = bookkeeping.PREFIX
"""mdstore's own custom properties (deletion state, reason...): never parameters."""

COLLISION_PREFIX: Final = "custom:"
"""Prefixes a custom property that has the name of one of the node's properties."""

_CUSTOM_DIGESTS: Final = frozenset(DIGEST_CUSTOM_PROPERTIES)
RUN_MEASUREMENTS: Final = frozenset({"duration_seconds"})
"""Custom properties measuring the run itself (mdstore_client records its wall
time): they differ on every run, like timestamps, so a diff does not compare them
(a trace still shows them)."""


def parameters(node: Any, *, skip_digests: bool = False) -> dict[str, Any]:
    """A node's properties and custom properties in one map of ``ml_metadata.Value``.

    Properties keep their names; custom properties too, except that one named
    like a property is kept as ``custom:<name>`` (both are kept, the typed
    property under the plain name). Custom properties starting with ``mdstore.``
    are mdstore's bookkeeping and left out.

    Args:
        node: an ``ml_metadata.Artifact`` or ``ml_metadata.Execution``.
        skip_digests: also leave out what ``digest()`` reads (custom properties
            ``sha256`` and ``digest``, property ``digest``).

    Returns:
        The values by name (the node's own messages, not copies).
    """
    # Keys and items one at a time: a map's items() goes through Python mixins.
    properties = node.properties
    merged: dict[str, Any] = {name: properties[name] for name in properties}
    if skip_digests:
        merged.pop(DIGEST_PROPERTY, None)
    custom = node.custom_properties
    for name in custom:
        if name.startswith(BOOKKEEPING_PREFIX) or (skip_digests and name in _CUSTOM_DIGESTS):
            continue
        merged[COLLISION_PREFIX + name if name in merged else name] = custom[name]
    return merged


def same_value(value: Any, other: Any) -> bool:
    """Whether two ``ml_metadata.Value`` messages hold the same value.

    Unequal messages are compared again as deterministic bytes, so that a NaN
    equals itself on every protobuf runtime.
    """
    if value == other:
        return True
    return bool(
        value.SerializeToString(deterministic=True) == other.SerializeToString(deterministic=True)
    )
