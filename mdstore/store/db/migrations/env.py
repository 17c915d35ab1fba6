"""Alembic environment: runs on the connection ``mdstore.store.migrate`` passes in."""

from typing import Any

from alembic import context

from mdstore.store.db.schema import created_on, metadata


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Leaves out of autogenerate the indexes schema.py does not create on this dialect."""
    if type_ == "index" and not reflected:
        return created_on(obj, context.get_bind().dialect.name)
    return True


def _run() -> None:
    connection = context.config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


_run()
