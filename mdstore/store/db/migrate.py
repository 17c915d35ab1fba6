"""Schema versions: upgrade to head, read the current revision, refuse a stale schema."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Connection, Engine, inspect
from sqlalchemy.exc import OperationalError

from mdstore.errors import FailedPreconditionError, UnavailableError


def alembic_config(engine: Engine | None = None) -> Config:
    """An alembic Config built in code, pointing at the packaged migrations."""
    config = Config()
    config.set_main_option(
        "script_location", str(resources.files("mdstore.store.db") / "migrations")
    )
    config.attributes["engine"] = engine
    return config


def head_revision() -> str:
    """The newest revision this version of mdstore knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for a database mdstore never touched.

    Raises:
        UnavailableError: the database cannot be reached.
    """
    with _reachable(), engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Creates or upgrades the schema; safe to run again.

    Raises:
        UnavailableError: the database cannot be reached.
        FailedPreconditionError: the database is at a revision this mdstore does not
            know (written by a newer mdstore).
    """
    config = alembic_config(engine)
    with _reachable(), engine.begin() as conn:
        config.attributes["connection"] = conn
        try:
            command.upgrade(config, revision)
        except CommandError as e:
            raise FailedPreconditionError(
                f"cannot upgrade the schema: {e}; was it written by a newer mdstore?"
            ) from e


@contextmanager
def _reachable() -> Iterator[None]:
    """Turns a failed connection into UnavailableError (no URL in the message)."""
    try:
        yield
    except OperationalError as e:
        raise UnavailableError(
            "cannot connect to the database; check the --db URL and that the server is up"
        ) from e


def ensure_current(engine: Engine, *, create_if_empty: bool) -> str:
    """Checks the schema is at head; creates it on an empty database if allowed.

    Returns:
        The schema revision.

    Raises:
        FailedPreconditionError: the schema is older or newer than this mdstore,
            or the database is empty and ``create_if_empty`` is False.
    """
    current = current_revision(engine)
    head = head_revision()
    if current == head:
        return head
    if current is None and create_if_empty and not _has_foreign_tables(engine):
        upgrade(engine)
        return head
    found = current or "no mdstore schema"
    raise FailedPreconditionError(
        f"database schema is at {found!r} but this mdstore needs {head!r}: "
        "run `mdstore db upgrade --db URL` first"
    )


def _has_foreign_tables(engine: Engine) -> bool:
    """True when the database already holds tables mdstore did not create."""
    return bool(set(inspect(engine).get_table_names()) - {"alembic_version"})


def database_info(conn: Connection) -> tuple[str, str]:
    """``(dialect name, schema revision)`` of the transaction's database."""
    revision = MigrationContext.configure(conn).get_current_revision()
    return conn.dialect.name, revision or ""
