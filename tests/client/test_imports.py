"""Import hygiene: a gRPC-only client never loads the store, the server or SQLAlchemy,
and only the package itself imports ``mdstore_client.client``."""

from __future__ import annotations

import subprocess
import sys

import grimp

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


def test_only_the_package_imports_the_client_module() -> None:
    """``Client`` depends on ``run``, ``upstream``... and none of them on it.

    They reach the client through ``mdstore_client.session.Session``; an import of
    ``mdstore_client.client`` from any of them, direct or through another module,
    and even under ``TYPE_CHECKING``, would close an import cycle again.
    """
    graph = grimp.build_graph("mdstore_client", exclude_type_checking_imports=False, cache_dir=None)
    importers = graph.find_downstream_modules("mdstore_client.client")  # direct or indirect
    assert importers == {"mdstore_client"}, {
        module: graph.find_shortest_chain(importer=module, imported="mdstore_client.client")
        for module in sorted(importers - {"mdstore_client"})
    }
