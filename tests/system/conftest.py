"""Fixtures that run the real ``mdstore`` command in subprocesses."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest

REPO = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 60
SHUTDOWN_SECONDS = 30


def mdstore_command() -> list[str]:
    """The installed ``mdstore`` entry point of the repo's venv (or of this interpreter)."""
    for candidate in (REPO / ".venv" / "bin" / "mdstore", Path(sys.executable).parent / "mdstore"):
        if candidate.exists():
            return [str(candidate)]
    return [sys.executable, "-m", "mdstore.cli"]


def run_mdstore(*args: str) -> subprocess.CompletedProcess[str]:
    """Runs one ``mdstore`` command to completion; fails the test if it fails."""
    done = subprocess.run(
        [*mdstore_command(), *args], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, f"mdstore {' '.join(args[:2])} failed:\n{done.stderr}"
    return done


# The startup line of `mdstore serve`, which names the port it bound.
SERVING = re.compile(r"mdstore serving .* on 127\.0\.0\.1:(\d+)")


@dataclass
class Server:
    """A running ``mdstore serve`` subprocess."""

    process: subprocess.Popen[bytes]
    log: Path
    port: int = 0

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")[-5000:]

    def stop(self) -> int:
        """SIGTERM, then wait for a graceful exit; returns the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=SHUTDOWN_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def _wait_until_serving(server: Server) -> None:
    """Waits for the startup line (it names the port), then for the port to answer."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while not server.port:
        if server.process.poll() is not None:
            pytest.fail(
                f"mdstore serve exited with {server.process.returncode}:\n{server.log_text()}"
            )
        if time.monotonic() > deadline:
            pytest.fail(f"mdstore serve did not start:\n{server.log_text()}")
        found = SERVING.search(server.log.read_text(errors="replace"))
        if found:
            server.port = int(found.group(1))
        else:
            time.sleep(0.05)
    with grpc.insecure_channel(server.target) as channel:
        remaining = max(1.0, deadline - time.monotonic())
        grpc.channel_ready_future(channel).result(timeout=remaining)


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[Callable[[str], Server]]:
    """``start_server(db_url) -> Server``: an ``mdstore serve`` ready for requests.

    Servers still running when the test ends are stopped with SIGTERM (then killed).
    """
    servers: list[Server] = []

    def start(db_url: str) -> Server:
        log = tmp_path / f"server-{len(servers)}.log"
        with log.open("wb") as out:
            # Port 0: the server picks a free port and names it in its startup line,
            # so parallel test runs can never race for a port.
            process = subprocess.Popen(
                [*mdstore_command(), "serve", "--db", db_url, "--host", "127.0.0.1",
                 "--port", "0"],
                stdout=out,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        server = Server(process, log)
        servers.append(server)
        _wait_until_serving(server)
        return server

    yield start
    for server in servers:
        server.stop()
