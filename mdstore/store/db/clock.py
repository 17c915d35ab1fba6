"""The server's clock: every time the store records comes from ``now_ms``.

One place, so tests can move time (as-of lineage, retention) by patching it.
"""

from __future__ import annotations

import time


def now_ms() -> int:
    """The server's clock in milliseconds since the epoch."""
    return time.time_ns() // 1_000_000
