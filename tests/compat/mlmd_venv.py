"""Builds the separate virtualenv that holds the real ml-metadata client.

ml-metadata 1.17.1 pins protobuf<5 and ships wheels for Python <= 3.11 only, so it
cannot live in the project's own .venv (newest protobuf). It gets its own venv,
`<repo>/.venv-mlmd`, and the compat tests talk to it through subprocesses.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
VENV = REPO / ".venv-mlmd"
MARKER = VENV / ".mdstore-compat.json"

# ml-metadata brings protobuf 4.25 and grpcio; pytest and absl-py run its bundled
# test suite; pydantic and grpcio are what mdstore itself needs to import there.
REQUIREMENTS = ("ml-metadata==1.17.1", "pytest>=8", "absl-py", "pydantic>=2.6", "grpcio>=1.60")

# What a script run with ``run_python(script, host, port, ...)`` starts with: the
# unchanged ml-metadata client connected to the mdstore server under test, as ``store``.
CLIENT_PREAMBLE = r"""
import sys
from ml_metadata.metadata_store import metadata_store
from ml_metadata.proto import metadata_store_pb2 as pb
host, port = sys.argv[1], int(sys.argv[2])
store = metadata_store.MetadataStore(pb.MetadataStoreClientConfig(host=host, port=port))
"""

# Both halves of the venv: the real client and the editable install of this repo.
_PROBE = "import ml_metadata, importlib.util as u; assert u.find_spec('mdstore')"

# Building means downloading wheels; give it room but never hang forever.
PIP_TIMEOUT_SECONDS = 600


class VenvUnavailable(Exception):
    """The environment cannot host ml-metadata (reason in the message)."""


def venv_python() -> Path:
    return VENV / "bin" / "python"


def find_python311() -> str:
    """Returns a Python 3.11 interpreter, the newest one ml-metadata 1.17.1 supports."""
    if sys.version_info[:2] == (3, 11):
        return sys.executable
    found = shutil.which("python3.11")
    if found is None:
        raise VenvUnavailable("ml-metadata 1.17.1 needs Python 3.11: no python3.11 on PATH")
    return found


def ensure_venv() -> Path:
    """Creates (or reuses) .venv-mlmd and returns its python.

    Serialized with a file lock, so pytest-xdist workers never build it twice at once.
    """
    with _lock():
        if not _is_current():
            _build()
    return venv_python()


@contextlib.contextmanager
def _lock() -> Iterator[None]:
    # Kept outside the repository, so the lock file never shows up in `git status`.
    digest = hashlib.sha256(str(VENV).encode()).hexdigest()[:16]
    path = Path(tempfile.gettempdir()) / f"mdstore-venv-mlmd-{digest}.lock"
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _marker_content() -> dict[str, object]:
    """What the venv was built from; any change means rebuild.

    The editable install maps the package directories that existed when it ran, so
    a changed pyproject.toml or a newly added package (mdstore_client) needs a new one.
    """
    pyproject = hashlib.sha256((REPO / "pyproject.toml").read_bytes()).hexdigest()
    packages = [
        p for p in ("mdstore", "client/mdstore_client") if (REPO / p / "__init__.py").is_file()
    ]
    return {
        "requirements": list(REQUIREMENTS),
        "repo": str(REPO),
        "pyproject": pyproject,
        "packages": packages,
    }


def _is_current() -> bool:
    """True when the venv was built from the same pins and ml_metadata still imports."""
    if not MARKER.is_file() or json.loads(MARKER.read_text()) != _marker_content():
        return False
    probe = subprocess.run(
        [venv_python(), "-c", _PROBE],
        capture_output=True,
        check=False,
    )
    return probe.returncode == 0


def _build() -> None:
    if VENV.exists():
        shutil.rmtree(VENV)
    _run([find_python311(), "-m", "venv", str(VENV)])
    pip = [str(venv_python()), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    _run([*pip, *REQUIREMENTS])
    # --no-deps: the repo's own pins (protobuf>=4.25, sqlalchemy, ...) are not needed to
    # import mdstore.wire, and must not drag protobuf past what ml-metadata allows.
    _run([*pip, "--no-deps", "-e", str(REPO)])
    MARKER.write_text(json.dumps(_marker_content()))


def _run(command: list[str]) -> None:
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=PIP_TIMEOUT_SECONDS, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}{result.stderr}"
        )


def run_python(
    code: str, *args: str, python: Path | str | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Runs `python -c code args...` (default: the venv's python) and returns it finished.

    The working directory is outside the repository, so `import mdstore` proves the
    installed package resolves, not just the checkout next to the script.
    """
    return subprocess.run(
        [str(python or venv_python()), "-c", code, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=tempfile.gettempdir(),
        check=False,
    )
