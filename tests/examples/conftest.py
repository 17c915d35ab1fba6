"""Fixtures for the example smoke tests.

The ml-metadata example needs the `.venv-mlmd` interpreter and a real `mdstore serve`,
as the compat tests do; the database is SQLite here: the example proves wire
compatibility, not the database backends.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.compat import mlmd_venv
from tests.helpers.processes import serving


@pytest.fixture
def mlmd_python_with_sklearn(mlmd_python: Path) -> Path:
    """The ml-metadata venv's python, with scikit-learn installed for the pipeline steps."""
    probe = [str(mlmd_python), "-c", "import sklearn, joblib"]
    if subprocess.run(probe, capture_output=True, check=False).returncode != 0:
        with mlmd_venv._lock():  # the lock that guards building the venv
            install = [str(mlmd_python), "-m", "pip", "install", "-q", "scikit-learn>=1.4"]
            result = subprocess.run(install, capture_output=True, text=True, timeout=600)
            if result.returncode != 0:
                pytest.fail(f"cannot install scikit-learn in {mlmd_python}:\n{result.stderr}")
    return mlmd_python


@pytest.fixture
def mdstore_server(tmp_path: Path) -> Iterator[tuple[str, int]]:
    """`mdstore db upgrade` then `mdstore serve` on a SQLite file; yields (host, port)."""
    with serving(f"sqlite:///{tmp_path / 'mdstore.db'}", tmp_path / "mdstore-serve.log") as server:
        yield "127.0.0.1", server.port
