"""For the client tests: a transport that records what the client sends, fast retries."""

from __future__ import annotations

from typing import Any

from mdstore_client import RetryPolicy

# Tests must not wait seconds for a retry.
FAST_RETRY = RetryPolicy(max_attempts=3, initial_backoff=0.01, max_backoff=0.05)


class RecordingTransport:
    """Wraps a transport and records (method, request) of every call."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.target = inner.target
        self.calls: list[tuple[str, Any]] = []

    def call(self, method: str, request: Any) -> Any:
        copy = type(request)()
        copy.CopyFrom(request)  # the client reuses request objects between pages
        self.calls.append((method, copy))
        return self.inner.call(method, request)

    def close(self) -> None:
        self.inner.close()

    def methods(self) -> list[str]:
        return [method for method, _ in self.calls]

    def writes(self) -> list[str]:
        return [m for m in self.methods() if m.startswith("Put")]

    def clear(self) -> None:
        self.calls.clear()
