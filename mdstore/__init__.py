"""mdstore: an ML Metadata (MLMD) compatible metadata and lineage store.

``mdstore.MetadataStore``, ``mdstore.ListOptions`` and ``mdstore.OrderByField`` are
loaded on first use, so that ``import mdstore.wire`` (all a gRPC client needs) does
not pull in SQLAlchemy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from mdstore.embedded.list_options import ListOptions, OrderByField
    from mdstore.embedded.store import MetadataStore

_LAZY = {
    "MetadataStore": "mdstore.embedded.store",
    "ListOptions": "mdstore.embedded.list_options",
    "OrderByField": "mdstore.embedded.list_options",
}

__all__ = ["ListOptions", "MetadataStore", "OrderByField", "__version__"]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'mdstore' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
