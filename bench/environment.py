"""What the report says about the run's surroundings: machine, versions, disk.

Standard library only; the versions come from each interpreter in a subprocess.
"""

from __future__ import annotations

import contextlib
import os
import platform
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def _memory() -> str:
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB"
    return "?"


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def machine() -> dict[str, Any]:
    return {
        "nproc": os.cpu_count(),
        "cpu": _cpu_model(),
        "memory": _memory(),
        "kernel": platform.release(),
        "load_before": load_average(),
    }


_VERSIONS_MLMD = (
    "import sys, sqlite3, grpc, google.protobuf as p, ml_metadata as m;"
    "print(m.__version__, p.__version__, grpc.__version__, sys.version.split()[0])"
)
_VERSIONS_MAIN = (
    "import sys, sqlite3, grpc, sqlalchemy, google.protobuf as p, mdstore;"
    "print(mdstore.__version__, p.__version__, grpc.__version__, sqlalchemy.__version__,"
    " sqlite3.sqlite_version, sys.version.split()[0])"
)


def versions(mlmd_py: Path | None) -> dict[str, str]:
    out: dict[str, str] = {}
    main = subprocess.run(
        [sys.executable, "-c", _VERSIONS_MAIN],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if main.returncode == 0:
        v, pb, grpc, sa, sqlite, py = main.stdout.split()
        commit = _git("rev-parse", "--short", "HEAD")
        dirty = (
            " + uncommitted changes"
            # The report a previous run wrote is not a change to what is measured.
            if _git(
                "status", "--porcelain", "--untracked-files=no", "--", ".", ":!docs/benchmarks.md"
            )
            else ""
        )
        out["mdstore"] = (
            f"{v} (git {commit}{dirty}); Python {py}, protobuf {pb}, grpcio {grpc}, "
            f"SQLAlchemy {sa}, SQLite {sqlite}"
        )
    if mlmd_py is not None:
        mlmd = subprocess.run(
            [str(mlmd_py), "-c", _VERSIONS_MLMD],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if mlmd.returncode == 0:
            v, pb, grpc, py = mlmd.stdout.split()
            out["ml-metadata"] = (
                f"{v} (its bundled SQLite); Python {py}, protobuf {pb}, grpcio {grpc}"
            )
    return out


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=False)
    return done.stdout.strip() if done.returncode == 0 else "?"


def commit_cost_note(tmp: Path, mdstore_synchronous: str = "full", commits: int = 200) -> str:
    """How much one SQLite commit costs on this disk under each store's journal settings.

    ml-metadata's SQLite files use the rollback journal (SQLite's default, with
    synchronous=FULL: fsyncs on every commit); mdstore uses WAL, with
    synchronous=FULL by default (an fsync of the WAL per commit) or NORMAL when
    the run opts out. Write rates depend on this as much as on the code, so the
    report states it.
    """
    settings = (("DELETE", "FULL"), ("WAL", mdstore_synchronous.upper()))
    costs = [_commit_ms(tmp, journal, sync, commits) for journal, sync in settings]
    return (
        f"One SQLite commit on this disk costs {costs[0]:.2f} ms with a rollback journal and "
        f"synchronous=FULL (ml-metadata's SQLite files) and {costs[1]:.2f} ms with WAL and "
        f"synchronous={settings[1][1]} (mdstore's settings in this run). Write rows (ingest, "
        "put_execution) include one commit per call in every configuration."
    )


def _commit_ms(tmp: Path, journal: str, sync: str, commits: int) -> float:
    path = tmp / f"commit-{journal}-{sync}.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute(f"PRAGMA journal_mode={journal}")
        conn.execute(f"PRAGMA synchronous={sync}")
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        started = time.perf_counter()
        for _ in range(commits):
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO t (v) VALUES (?)", ("x" * 100,))
            conn.execute("COMMIT")
        return (time.perf_counter() - started) / commits * 1000
    finally:
        conn.close()
