"""Times as the protocol carries them: milliseconds since the epoch, read from and
written as ISO 8601 where people type or read them (as-of times, token expiry)."""

from __future__ import annotations

from datetime import datetime, timezone


def from_iso(text: str) -> int:
    """Milliseconds since the epoch of an ISO 8601 time; no zone means UTC.

    Raises:
        ValueError: not ISO 8601.
    """
    when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return int(when.timestamp() * 1000)


def to_iso(millis: int) -> str:
    """``from_iso``'s inverse, in UTC to the second (``2027-03-01T00:00:00Z``)."""
    when = datetime.fromtimestamp(millis / 1000, timezone.utc)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")
