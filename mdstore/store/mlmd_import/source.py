"""Reading an ML Metadata database (schema version 10), read-only.

The database is opened so that it cannot be written: SQLite in read-only mode,
MySQL and PostgreSQL in read-only sessions. MLMD names its tables ``Artifact``,
``EventPath``… on SQLite and MySQL; on PostgreSQL they fold to lower case, so
tables are looked up by name without regard to case.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Engine, column, create_engine, event, func, inspect, select, table
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from mdstore.errors import FailedPreconditionError, InvalidArgumentError, UnavailableError

SUPPORTED_SCHEMA = 10
_TABLES = (
    "Type", "TypeProperty", "ParentType", "Artifact", "ArtifactProperty", "Execution",
    "ExecutionProperty", "Context", "ContextProperty", "ParentContext", "Event", "EventPath",
    "Attribution", "Association", "MLMDEnv",
)  # fmt: skip
PROPERTY_COLUMNS = (
    "name", "is_custom_property", "int_value", "double_value", "string_value", "byte_value",
    "proto_value", "bool_value",
)  # fmt: skip


class Source:
    """An ML Metadata database, opened read-only."""

    def __init__(self, url: str) -> None:
        self.engine = _read_only_engine(url)
        try:
            found = {name.lower(): name for name in inspect(self.engine).get_table_names()}
        except SQLAlchemyError as e:
            self.engine.dispose()
            cause = str(getattr(e, "orig", None) or e).splitlines()[0]
            raise UnavailableError(f"cannot read the ML Metadata database: {cause}") from e
        missing = [t for t in _TABLES if t.lower() not in found]
        if missing:
            self.engine.dispose()
            raise FailedPreconditionError(
                "not an ML Metadata database: no table "
                + ", ".join(missing[:3])
                + (" …" if len(missing) > 3 else "")
            )
        self.names = {t: found[t.lower()] for t in _TABLES}
        version = self.scalar("MLMDEnv", "schema_version")
        if version != SUPPORTED_SCHEMA:
            self.engine.dispose()
            raise FailedPreconditionError(
                f"the ML Metadata schema is version {version}; import-mlmd reads version "
                f"{SUPPORTED_SCHEMA} (ml-metadata 1.14 to 1.17): upgrade the source with "
                "ml-metadata first"
            )

    def close(self) -> None:
        self.engine.dispose()

    def _table(self, name: str, columns: Sequence[str]) -> Any:
        return table(self.names[name], *(column(c) for c in columns))

    def scalar(self, name: str, col: str) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(select(self._table(name, [col]).c[col])).scalar()

    def count(self, name: str) -> int:
        t = self._table(name, [])
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(t)).scalar_one())

    def all_rows(self, name: str, columns: Sequence[str]) -> list[tuple[Any, ...]]:
        t = self._table(name, columns)
        with self.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(select(*t.c))]

    def batches(
        self, name: str, columns: Sequence[str], after: int, size: int
    ) -> Iterator[list[tuple[Any, ...]]]:
        """Rows of an id-keyed table with id > ``after``, in id order, ``size`` at a time
        (``columns`` starts with ``id``)."""
        t = self._table(name, columns)
        while True:
            query = select(*t.c).where(t.c.id > after).order_by(t.c.id).limit(size)
            with self.engine.connect() as conn:
                rows = [tuple(r) for r in conn.execute(query)]
            if not rows:
                return
            yield rows
            after = rows[-1][0]

    def owned(
        self, name: str, owner: str, columns: Sequence[str], ids: Sequence[int]
    ) -> list[tuple[Any, ...]]:
        """Rows of ``name`` whose ``owner`` column is one of ``ids``, ``owner`` first,
        in the order the database returns them (EventPath has no other order)."""
        t = self._table(name, [owner, *columns])
        with self.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(select(*t.c).where(t.c[owner].in_(ids)))]


def _read_only_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except Exception as e:  # noqa: BLE001 - any unparsable URL
        raise InvalidArgumentError(f"--from is not a database URL: {url!r}") from e
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        path = parsed.database or ""
        return create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    if backend in ("mysql", "mariadb"):
        engine = create_engine(parsed, pool_pre_ping=True)

        @event.listens_for(engine, "connect")
        def _read_only(dbapi_conn: Any, _record: Any) -> None:
            with dbapi_conn.cursor() as cursor:
                cursor.execute("SET SESSION TRANSACTION READ ONLY")

        return engine
    if backend == "postgresql":
        return create_engine(
            parsed, connect_args={"options": "-c default_transaction_read_only=on"}
        )
    raise InvalidArgumentError(f"unsupported source database {backend!r}")
