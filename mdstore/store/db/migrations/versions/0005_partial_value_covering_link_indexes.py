"""Partial property value indexes on SQLite; link indexes that carry the context id.

A property row sets one value column, yet SQLite's int, double and string value
indexes each held every row. They become partial (``WHERE <value> IS NOT NULL``),
same names and columns. PostgreSQL keeps its whole indexes (string filters find
their rows through the int one), and MySQL/MariaDB have no partial indexes.

On every backend, attribution's index on artifact_id becomes (artifact_id,
context_id) and association's on execution_id becomes (execution_id, context_id),
so finding a node's contexts reads the index alone (InnoDB's secondary indexes
carry the primary key, id, not context_id).

Frozen: names, columns and dialects are written out here, not read from schema.py.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 21:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

NODES = ("artifact", "execution", "context")
VALUES = ("int_value", "double_value", "string_value")
# (table, node column) of each link table.
LINKS = (("attribution", "artifact_id"), ("association", "execution_id"))


def upgrade() -> None:
    _value_indexes(partial=True)
    for table, node_id in LINKS:
        # The new index first: MySQL refuses to drop the one its foreign key uses.
        op.create_index(op.f(f"ix_{table}_{node_id}_context_id"), table, [node_id, "context_id"])
        op.drop_index(op.f(f"ix_{table}_{node_id}"), table_name=table)


def downgrade() -> None:
    for table, node_id in LINKS:
        op.create_index(op.f(f"ix_{table}_{node_id}"), table, [node_id])
        op.drop_index(op.f(f"ix_{table}_{node_id}_context_id"), table_name=table)
    _value_indexes(partial=False)


def _value_indexes(partial: bool) -> None:
    """Rebuilds SQLite's value indexes (as 0004 named them), partial or whole."""
    if op.get_bind().dialect.name != "sqlite":
        return
    for node in NODES:
        table = f"{node}_property"
        for value in VALUES:
            name = op.f(f"ix_{table}_name_{value}_{node}_id")
            where = sa.text(f"{value} IS NOT NULL") if partial else None
            op.drop_index(name, table_name=table)
            op.create_index(
                name, table, ["name", "is_custom_property", value, f"{node}_id"], sqlite_where=where
            )
