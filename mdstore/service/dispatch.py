"""``Service``: runs any served method on one database, one transaction per call.

``Service(url).call("PutArtifacts", request)`` looks the method's handler up in the
registry, checks the request, runs the handler in one transaction (retrying
deadlocks and unique-key races) and returns the response message. The gRPC
servicers, the embedded ``MetadataStore`` and the client's embedded transport all
call through here, so a method is written once.
"""

from __future__ import annotations

from typing import Any

from mdstore.errors import InvalidArgumentError
from mdstore.service.registry import Handler, resolve
from mdstore.store import Database, Transaction
from mdstore.store.audit import chain
from mdstore.store.audit.digests import sha256_hex
from mdstore.store.db.transactions import set_principal
from mdstore.wire.encoding import Encoded
from mdstore.wire.utf8 import check_utf8


class Service:
    """Every method mdstore serves, on one database.

    Args:
        database: a ``Database``, or the SQLAlchemy URL to open one on:
            ``sqlite:///path.db``, ``mysql+pymysql://…``, ``postgresql+psycopg://…``.
        create_if_empty: create the schema when the database has none (URL only).
        pool_size: connections kept open (URL only).
        audit_log: append an audit entry for every write (store/audit). Off only
            to measure what it costs: writes made without it are reported by
            ``mdstore audit verify`` as covered by no entry.

    Raises:
        FailedPreconditionError: the schema is stale; run ``mdstore db upgrade``.
    """

    def __init__(
        self,
        database: Database | str,
        *,
        create_if_empty: bool = True,
        pool_size: int = 10,
        audit_log: bool = True,
    ) -> None:
        if isinstance(database, str):
            database = Database(database, create_if_empty=create_if_empty, pool_size=pool_size)
        self.database = database
        self.audit_log = audit_log

    @property
    def masked_url(self) -> str:
        """The database URL without its password."""
        return self.database.masked_url

    @property
    def dialect(self) -> str:
        """The database kind: "sqlite", "mysql" or "postgresql"."""
        return self.database.dialect

    @property
    def schema_version(self) -> str:
        """The schema revision the database is at."""
        return self.database.schema_version

    def call(self, method: str, request: Any, principal: str = "") -> Any:
        """Runs one method in one transaction; returns its response message.

        Args:
            method: ``"<service>/<method>"`` or the bare method name.
            request: the method's request message.
            principal: who asks (recorded with every write; empty without auth).

        Raises:
            MdstoreError: a subclass naming the gRPC status for the failure.
        """
        response = self.call_wire(method, request, principal)
        return response.parse() if isinstance(response, Encoded) else response

    def call_wire(self, method: str, request: Any, principal: str = "") -> Any:
        """``call``, except that a response assembled in wire form stays ``Encoded``
        (what the gRPC servicer sends as it is)."""
        name, handler = resolve(method)
        check_utf8(request)
        if handler.read_only:
            work = lambda conn: handler.function(conn, request)  # noqa: E731
        else:
            work = _writing(handler, name, request, principal, self.audit_log)
        try:
            return self.database.run(work, read_only=handler.read_only)
        except UnicodeDecodeError as e:
            # proto2 does not check UTF-8 on the wire; a bad string surfaces here.
            raise InvalidArgumentError(f"a string field is not valid UTF-8: {e.reason}") from e

    def close(self) -> None:
        """Closes all pooled connections."""
        self.database.close()


def _writing(handler: Handler, method: str, request: Any, principal: str, audit: bool) -> Any:
    """The transaction's work for a handler that may write: the handler, knowing who
    asks, then (for a write, with the audit log on) its audit entry."""
    audited = audit and handler.audited
    request_digest = sha256_hex(request.SerializeToString(deterministic=True)) if audited else ""

    def work(conn: Transaction) -> Any:
        set_principal(conn, principal)
        try:
            if not audited:
                return handler.function(conn, request)
            return chain.recorded(
                conn,
                lambda: handler.function(conn, request),
                method=method,
                request_digest=request_digest,
                principal=principal,
            )
        finally:
            set_principal(conn, None)

    return work
