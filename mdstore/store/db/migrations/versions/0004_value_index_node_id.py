"""End SQLite's property value indexes with the node id.

Replaces each property table's (name, is_custom_property, <value>) indexes with
(name, is_custom_property, <value>, <node>_id) on SQLite, whose indexes point at the
rowid: a filter's semi-join then reads only the index, and after an equality it
seeks straight to the nodes past a page's start instead of reading every match on
every page. MySQL/MariaDB are left alone (InnoDB indexes already end with the
primary key, node id first), and so is PostgreSQL (its planner chose the longer
index over a faster merge on the primary key).

Frozen: names and dialects are written out here, not read from schema.py.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 19:30:00
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

NODES = ("artifact", "execution", "context")
VALUES = ("int_value", "double_value", "string_value")


def upgrade() -> None:
    _swap(with_node_id=True)


def downgrade() -> None:
    _swap(with_node_id=False)


def _swap(with_node_id: bool) -> None:
    """Creates each value index in its new form, then drops the old form."""
    if op.get_bind().dialect.name != "sqlite":
        return
    for node in NODES:
        table = f"{node}_property"
        for value in VALUES:
            long_name = f"ix_{table}_name_{value}_{node}_id"
            short_name = f"ix_{table}_name_is_custom_property_{value}"
            columns = ["name", "is_custom_property", value]
            if with_node_id:
                op.create_index(op.f(long_name), table, [*columns, f"{node}_id"])
                op.drop_index(op.f(short_name), table_name=table)
            else:
                op.create_index(op.f(short_name), table, columns)
                op.drop_index(op.f(long_name), table_name=table)
