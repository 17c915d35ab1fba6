"""Helpers for the example smoke tests: run a script, find a free port, open its store.

The ml-metadata example needs the compat fixtures (the `.venv-mlmd` interpreter and a
real `mdstore serve`); they are imported from tests/compat, with the database pinned
to SQLite: the example proves wire compatibility, not the database backends.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.compat import mlmd_venv
from tests.compat.conftest import (  # noqa: F401  (fixtures used by test_mlmd_client_pipeline)
    database_url,
    mdstore_server,
    mlmd_python,
    server_log,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SCRIPT_SECONDS = 240


@pytest.fixture
def backend() -> str:
    """The database behind `mdstore_server` here: SQLite."""
    return "sqlite"


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
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def mlmd_python_with_sklearn(mlmd_python: Path) -> Path:  # noqa: F811
    """The ml-metadata venv's python, with scikit-learn installed for the pipeline steps."""
    probe = [str(mlmd_python), "-c", "import sklearn, joblib"]
    if subprocess.run(probe, capture_output=True, check=False).returncode != 0:
        with mlmd_venv._lock():  # the lock that guards building the venv
            install = [str(mlmd_python), "-m", "pip", "install", "-q", "scikit-learn>=1.4"]
            result = subprocess.run(install, capture_output=True, text=True, timeout=600)
            if result.returncode != 0:
                pytest.fail(f"cannot install scikit-learn in {mlmd_python}:\n{result.stderr}")
    return mlmd_python
