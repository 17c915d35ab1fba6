"""The access paths of the contract suite are what they claim (tests/service/conftest.py)."""

from __future__ import annotations

from typing import Any

import pytest

from mdstore.embedded.store import MetadataStore
from mdstore.service.dispatch import Service
from mdstore_client import GrpcTransport


def test_the_store_calls_through_the_path_under_test(
    access: str, caller: Any, service: Service, store: MetadataStore
) -> None:
    if access == "embedded":
        assert caller is service
    else:
        assert isinstance(caller, GrpcTransport)
        assert caller.target.startswith("127.0.0.1:")
    assert store._caller is caller  # the store under test sends through it
    assert store.get_artifact_types() == []


@pytest.mark.embedded_only("checks the marker itself")
def test_an_embedded_only_test_runs_on_the_embedded_path_alone(access: str) -> None:
    assert access == "embedded"
