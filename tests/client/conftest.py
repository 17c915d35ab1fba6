"""Clients for the client tests: the same tests run over gRPC and embedded.

``client`` is parametrized over the transport (``grpc``: a real in-process server on
``service``; ``embedded``: ``connect(db_url)``) and, through the root conftest's
``db_url``, over every database backend configured. ``calls`` records the methods a
client sends (tests/helpers/clients.py), to check atomicity and batching.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import mdstore_client
from mdstore.service.dispatch import Service
from mdstore_client.client import Client
from tests.helpers.clients import FAST_RETRY, RecordingTransport
from tests.helpers.grpc import Serve


@pytest.fixture(params=["grpc", "embedded"])
def client(
    request: pytest.FixtureRequest, db_url: str, service: Service, serve: Serve
) -> Iterator[Client]:
    """A client on an empty, migrated database, over gRPC or embedded."""
    if request.param == "embedded":
        made = mdstore_client.connect(db_url)
    else:
        made = mdstore_client.connect(serve(service).target, timeout=20, retry=FAST_RETRY)
    made.transport = RecordingTransport(made.transport)
    yield made
    made.close()


@pytest.fixture
def calls(client: Client) -> RecordingTransport:
    """The recording transport of ``client``."""
    transport = client.transport
    assert isinstance(transport, RecordingTransport)
    return transport


@pytest.fixture
def declared(client: Client) -> Client:
    """``client`` with Dataset, Model and Metrics artifact types declared."""
    client.artifact_type("Dataset", properties={"rows": int, "split": str})
    client.artifact_type("Model", properties={"auc": float, "framework": str})
    client.artifact_type("Metrics", properties={"accuracy": float, "details": dict})
    return client
