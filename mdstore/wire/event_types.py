"""Which way an artifact flows through each ``ml_metadata.Event.Type``.

The one definition of event direction: the store's lineage walks and the client
both read it.
"""

from __future__ import annotations

from mdstore.wire.messages import mlmd

INPUT_NAMES = ("DECLARED_INPUT", "INPUT", "INTERNAL_INPUT")
"""Events where an execution read the artifact."""
OUTPUT_NAMES = ("DECLARED_OUTPUT", "OUTPUT", "INTERNAL_OUTPUT", "PENDING_OUTPUT")
"""Events where an execution wrote (or will write) the artifact."""

INPUT_EVENTS = frozenset(mlmd.Event.Type.Value(name) for name in INPUT_NAMES)
OUTPUT_EVENTS = frozenset(mlmd.Event.Type.Value(name) for name in OUTPUT_NAMES)
