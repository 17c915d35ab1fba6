"""The benchmark's processes: the ml-metadata interpreter, servers, workload runs."""

from __future__ import annotations

import collections
import contextlib
import json
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
SERVER_START_SECONDS = 60
SERVER_STOP_SECONDS = 15


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def mlmd_python() -> Path:
    """The .venv-mlmd interpreter, built (or reused) by the compat tests' helper."""
    from tests.compat.mlmd_venv import ensure_venv

    log("ensuring .venv-mlmd (Python 3.11, ml-metadata 1.17.1)")
    return ensure_venv()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for_port(port: int, proc: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}: {_tail(log_path)}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.1)
    raise RuntimeError(f"server not listening after {SERVER_START_SECONDS}s: {_tail(log_path)}")


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


@contextlib.contextmanager
def server(command: list[str], port: int, log_path: Path) -> Iterator[None]:
    """Runs a server until the block ends, then stops it with SIGTERM (SIGKILL if stuck)."""
    with log_path.open("wb") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=log_path.parent)
    try:
        _wait_for_port(port, proc, log_path)
        yield
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(SERVER_STOP_SECONDS)
            except subprocess.TimeoutExpired:
                log(f"server {proc.pid} ignored SIGTERM; killing it")
                proc.kill()
                proc.wait()


def run_workload(
    python: Path | str, kind: str, target: str, out: Path, timeout: float, extra: list[str]
) -> dict[str, Any]:
    """Runs bench/workload.py in its own process; returns its JSON results."""
    command = [str(python), str(BENCH / "workload.py"), "--kind", kind, "--target", target]
    command += ["--out", str(out), *extra]
    started = time.perf_counter()
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=out.parent
    )
    tail: collections.deque[str] = collections.deque(maxlen=8)
    reader = threading.Thread(target=_relay, args=(proc, tail), daemon=True)
    reader.start()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        # A scale run leaves the checkpoints it finished; report those.
        partial = json.loads(out.read_text()) if out.exists() else {}
        return {**partial, "error": f"timed out after {timeout:.0f}s"}
    finally:
        reader.join(5)
    if proc.returncode != 0 or not out.exists():
        return {"error": f"workload exited with {proc.returncode}: " + " | ".join(tail)}
    result: dict[str, Any] = json.loads(out.read_text())
    result["wall_seconds"] = time.perf_counter() - started
    return result


def _relay(proc: subprocess.Popen[bytes], tail: collections.deque[str]) -> None:
    """Echoes the workload's progress lines; keeps the last lines for error messages."""
    assert proc.stdout is not None
    for raw in proc.stdout:
        line = raw.decode(errors="replace").rstrip()
        tail.append(line)
        if line.startswith("["):
            log(f"  {line}")


def run_until_signalled(server: Any) -> None:
    """Keeps a started ``grpc.Server`` serving until SIGTERM or SIGINT, then stops it
    (the bench's stand-in servers end this way)."""
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    while not stop.wait(1.0):
        pass
    server.stop(grace=5).wait()
