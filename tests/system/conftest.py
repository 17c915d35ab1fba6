"""Fixtures that run the real ``mdstore`` command in subprocesses."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.helpers.processes import ServeProcess, start_serve


@pytest.fixture
def serve_subprocess(tmp_path: Path) -> Iterator[Callable[[str], ServeProcess]]:
    """``serve_subprocess(db_url) -> ServeProcess``: an ``mdstore serve`` ready for
    requests. Servers still running when the test ends are stopped with SIGTERM (then
    killed)."""
    servers: list[ServeProcess] = []

    def start(db_url: str) -> ServeProcess:
        server = start_serve(db_url, tmp_path / f"server-{len(servers)}.log")
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
