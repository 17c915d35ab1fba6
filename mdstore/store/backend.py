"""Backend: one database behind the MetadataStoreService operations.

``Backend(url).call("PutArtifacts", request)`` runs the method's handler in one
transaction (retrying deadlocks and unique-key races) and returns the response
message. The gRPC servicer and the embedded ``MetadataStore`` both sit on this.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from mdstore.errors import InvalidArgumentError, UnimplementedError
from mdstore.store import (  # noqa: F401  (importing registers the handlers)
    execution_ops,
    lineage_ops,
    link_ops,
    node_ops,
    parent_context_ops,
    type_ops,
)
from mdstore.store.engine import create_db_engine, mask_url, run_in_transaction
from mdstore.store.migrate import ensure_current
from mdstore.store.rpc import HANDLERS, Serialized, response_class
from mdstore.store.validation import check_utf8


class Backend:
    """A database holding MLMD metadata, checked to be at the current schema.

    Args:
        url: SQLAlchemy URL: ``sqlite:///path.db``, ``mysql+pymysql://…``,
            ``postgresql+psycopg://…``.
        create_if_empty: create the schema when the database has none.
        pool_size: connections kept open (MySQL/PostgreSQL).

    Raises:
        FailedPreconditionError: the schema is stale; run ``mdstore db upgrade``.
    """

    def __init__(self, url: str, *, create_if_empty: bool = True, pool_size: int = 10) -> None:
        self.engine: Engine = create_db_engine(url, pool_size=pool_size)
        self.masked_url = mask_url(url)
        self.dialect = self.engine.dialect.name
        self.schema_version = ensure_current(self.engine, create_if_empty=create_if_empty)

    def call(self, method: str, request: Any) -> Any:
        """Runs one MetadataStoreService method in one transaction; returns its response.

        Raises:
            MdstoreError: a subclass naming the gRPC status for the failure.
        """
        response = self.call_wire(method, request)
        if isinstance(response, Serialized):
            return response_class(request).FromString(response)
        return response

    def call_wire(self, method: str, request: Any) -> Any:
        """``call``, except that a response the handler assembled as bytes stays bytes
        (``rpc.Serialized``): what the gRPC servicer sends."""
        registered = HANDLERS.get(method)
        if registered is None:
            raise UnimplementedError(f"{method} is not implemented yet")
        check_utf8(request)
        try:
            return run_in_transaction(
                self.engine,
                lambda conn: registered.handler(conn, request),
                read_only=registered.read_only,
            )
        except UnicodeDecodeError as e:
            # proto2 does not check UTF-8 on the wire; a bad string surfaces here.
            raise InvalidArgumentError(f"a string field is not valid UTF-8: {e.reason}") from e

    def close(self) -> None:
        """Closes all pooled connections."""
        self.engine.dispose()
