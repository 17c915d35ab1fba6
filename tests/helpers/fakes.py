"""Stand-ins for the real service, to test the server without a database."""

from __future__ import annotations

import threading
from typing import Any

from mdstore.wire import MDSTORE_SERVICE, MLMD_SERVICE, service_methods


class FakeDispatcher:
    """Implements the ``Dispatcher`` protocol of mdstore.server.servicer (what the
    servicers call), without a database.

    ``call_wire`` records the call in ``calls``, then raises ``error`` when set, else waits
    ``delay`` seconds and returns ``response`` (default: the method's empty
    response message).
    """

    def __init__(
        self, error: BaseException | None = None, delay: float = 0.0, response: Any = None
    ) -> None:
        self.error = error
        self.delay = delay
        self.response = response
        self.calls: list[tuple[str, Any]] = []
        self.principals: list[str] = []
        self.entered = threading.Event()
        self.finished = threading.Event()
        self._responses = {
            f"{service_name}/{name}": response
            for service_name in (MLMD_SERVICE, MDSTORE_SERVICE)
            for name, _, response in service_methods(service_name)
        }

    def call_wire(self, method: str, request: Any, principal: str = "") -> Any:
        """Records the call (``"<service>/<method>"``, request); answers as configured."""
        self.calls.append((method, request))
        self.principals.append(principal)
        self.entered.set()
        try:
            if self.error is not None:
                raise self.error
            if self.delay:
                threading.Event().wait(self.delay)
            return self.response if self.response is not None else self._responses[method]()
        finally:
            self.finished.set()
