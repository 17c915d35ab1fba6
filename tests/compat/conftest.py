"""Fixtures for the compat tests: a real `mdstore serve` (``mlmd_python``, the
ml-metadata venv, is in tests/conftest.py).

``backend_name`` (tests/conftest.py) picks the database behind ``mdstore_server``;
tests about imports rather than databases pin it to SQLite.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.helpers.processes import serving


@pytest.fixture
def database_url(backend_name: str, fresh_database: Callable[[str, str], str]) -> str:
    """A URL to an empty database of its own on ``backend_name``, dropped afterwards.

    Each server start gets a fresh database, so the suite's rows never meet another
    test's and its ids start at 1, as ml-metadata's do.
    """
    return fresh_database(backend_name, "compat")


@pytest.fixture
def server_log(tmp_path: Path) -> Path:
    """Where `mdstore_server` writes the output of `mdstore db upgrade` and `serve`."""
    return tmp_path / "mdstore-serve.log"


@pytest.fixture
def mdstore_server(database_url: str, server_log: Path) -> Iterator[tuple[str, int]]:
    """Runs `mdstore db upgrade` then `mdstore serve`; yields (host, port)."""
    with serving(database_url, server_log) as server:
        yield "127.0.0.1", server.port
