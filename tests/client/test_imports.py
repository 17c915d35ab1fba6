"""A gRPC-only client never loads the store, the server or SQLAlchemy."""

from __future__ import annotations

import subprocess
import sys

CHECK = r"""
import sys
import mdstore_client
client = mdstore_client.connect("127.0.0.1:1")
assert client.artifacts is not None
forbidden = ("sqlalchemy", "alembic", "mdstore.store", "mdstore.server")
loaded = sorted(m for m in sys.modules if m.startswith(forbidden))
assert not loaded, loaded
from google.protobuf import descriptor_pool
try:
    descriptor_pool.Default().FindMessageTypeByName("ml_metadata.Artifact")
except KeyError:
    print("clean")
"""


def test_grpc_client_imports_no_store_code() -> None:
    result = subprocess.run(
        [sys.executable, "-c", CHECK], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "clean"
