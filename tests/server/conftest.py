"""Fixtures of the server tests.

The server itself is tested here: the app (health, reflection, stopping), the
servicer and the interceptor, serialized responses, fuzzed requests. What the
methods do is the contract suite's business (tests/service), which runs every case
over gRPC too. ``serve`` (tests/conftest.py) starts a server on a fake dispatcher
(tests/helpers/fakes.py) when a test needs no database.
"""

from __future__ import annotations

import pytest

from mdstore.service.dispatch import Service
from tests.helpers.grpc import RunningServer, Serve


@pytest.fixture
def running(service: Service, serve: Serve) -> RunningServer:
    """A server on the real ``service`` over a migrated, empty database."""
    return serve(service)
