"""Running ``mdstore`` commands in-process: the two ways a command reaches a store."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from mdstore.cli import main
from mdstore.service.dispatch import Service
from tests.helpers.grpc import start_server

WAYS = ("db", "server")


@contextmanager
def reaching(url: str, way: str) -> Iterator[list[str]]:
    """``--db URL``, or ``--server HOST:PORT`` of an in-process server on the same database."""
    if way == "db":
        yield ["--db", url]
        return
    service = Service(url)
    running = start_server(service, max_workers=4)
    try:
        yield ["--server", running.target]
    finally:
        running.close()
        service.close()


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Runs one command; its exit status, stdout and stderr."""
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err
