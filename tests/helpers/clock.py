"""The store's clock: milliseconds since the epoch, and waiting for the next one."""

from __future__ import annotations

import time


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def next_millisecond(after: int) -> None:
    """Waits until the wall clock has passed ``after`` (so a new timestamp differs)."""
    while now_ms() <= after:
        time.sleep(0.001)
