"""The custom properties mdstore itself writes on nodes (visible to every MLMD client).

All start with ``mdstore.``: a deleted node's state, when and why it was deleted
(and, with the model registry, a version's number). They are bookkeeping, not
parameters: provenance never reports them as a change, and a purge keeps them.
"""

from __future__ import annotations

from typing import Final

PREFIX: Final = "mdstore."
STATE: Final = "mdstore.state"
"""``"DELETED"`` on a deleted node (MLMD's executions and contexts have no such state)."""
DELETED_AT: Final = "mdstore.deleted_at"
"""When the node was deleted, milliseconds since the epoch."""
DELETION_REASON: Final = "mdstore.deletion_reason"
DELETED: Final = "DELETED"
VERSION: Final = "mdstore.version"
"""A registered model version's number on its artifact, e.g. ``"1.1.0"``."""


def is_bookkeeping(name: str) -> bool:
    """Whether a custom property is one of mdstore's own."""
    return name.startswith(PREFIX)
