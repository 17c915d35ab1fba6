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


def _applies() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    if not _applies():
        return
    for node in NODES:
        table = f"{node}_property"
        for value in VALUES:
            op.create_index(
                op.f(f"ix_{table}_name_{value}_{node}_id"),
                table,
                ["name", "is_custom_property", value, f"{node}_id"],
            )
            op.drop_index(op.f(f"ix_{table}_name_is_custom_property_{value}"), table_name=table)


def downgrade() -> None:
    if not _applies():
        return
    for node in NODES:
        table = f"{node}_property"
        for value in VALUES:
            op.create_index(
                op.f(f"ix_{table}_name_is_custom_property_{value}"),
                table,
                ["name", "is_custom_property", value],
            )
            op.drop_index(op.f(f"ix_{table}_name_{value}_{node}_id"), table_name=table)
