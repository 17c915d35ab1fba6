"""Subprocesses: the real ``mdstore`` command (``serve``, ``db upgrade``) and the
example scripts."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
STARTUP_SECONDS = 60
SHUTDOWN_SECONDS = 30
SCRIPT_SECONDS = 240

# The startup line of `mdstore serve`, which names the port it bound.
SERVING = re.compile(r"mdstore serving .* on 127\.0\.0\.1:(\d+)")


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


@dataclass
class ServeProcess:
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
        """SIGTERM, then wait for a graceful exit (else kill); returns the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=SHUTDOWN_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()  # a server that ignores SIGTERM must not outlive the run
                self.process.wait()
        return self.process.returncode


def start_serve(db_url: str, log: Path, *extra: str) -> ServeProcess:
    """Starts ``mdstore serve`` on ``db_url`` (with ``extra`` options), its output
    appended to ``log``; returns once it answers. The caller stops it.

    Port 0: the server picks a free port and names it in its startup line, so
    parallel test runs can never race for a port.
    """
    with log.open("ab") as out:
        process = subprocess.Popen(
            [
                *mdstore_command(),
                *("serve", "--db", db_url, "--host", "127.0.0.1", "--port", "0", *extra),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = ServeProcess(process, log)
    try:
        _wait_until_serving(server, plaintext="--tls-cert" not in extra)
    except BaseException:
        server.stop()
        raise
    return server


def _wait_until_serving(server: ServeProcess, plaintext: bool = True) -> None:
    """Waits for the startup line (it names the port), then for a plaintext port to
    answer (the line comes once the server is started)."""
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
    if not plaintext:
        return
    with grpc.insecure_channel(server.target) as channel:
        remaining = max(1.0, deadline - time.monotonic())
        grpc.channel_ready_future(channel).result(timeout=remaining)


@contextlib.contextmanager
def serving(db_url: str, log: Path) -> Iterator[ServeProcess]:
    """``mdstore db upgrade`` then ``mdstore serve`` on ``db_url`` (both writing to
    ``log``), as a real deployment starts; stopped on leaving."""
    upgrade = subprocess.run(
        [*mdstore_command(), "db", "upgrade", "--db", db_url],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    log.write_text(upgrade.stdout + upgrade.stderr)
    if upgrade.returncode != 0:
        pytest.fail(f"mdstore db upgrade failed ({upgrade.returncode}):\n{log.read_text()}")
    server = start_serve(db_url, log)
    try:
        yield server
    finally:
        server.stop()


def run_example(
    script: str, *args: str, python: str | Path = sys.executable, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Runs ``examples/<script>`` to completion; returns it (output captured as text)."""
    return subprocess.run(
        [str(python), str(EXAMPLES / script), *args],
        capture_output=True,
        text=True,
        timeout=SCRIPT_SECONDS,
        cwd=cwd,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        check=False,
    )


def free_port() -> int:
    """A port free now (another process may take it before it is used)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
