"""``mdstore.v1`` GetServerInfo: which server and database answer."""

from __future__ import annotations

from importlib import metadata
from typing import Any

from mdstore.store import Transaction
from mdstore.store.db.migrate import database_info
from mdstore.wire import v1


def server_version() -> str:
    """The installed mdstore package's version ("unknown" when run from a bare tree)."""
    try:
        return metadata.version("mdstore")
    except metadata.PackageNotFoundError:
        return "unknown"


def get_server_info(conn: Transaction, request: Any) -> Any:
    """GetServerInfo: the package version, the schema revision and the database kind."""
    dialect, revision = database_info(conn)
    return v1.GetServerInfoResponse(
        server_version=server_version(), schema_version=revision, database_dialect=dialect
    )
