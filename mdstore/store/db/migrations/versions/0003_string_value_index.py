"""Index property string values for filters (not on PostgreSQL).

Adds (name, is_custom_property, string_value) to each property table on SQLite and
MySQL/MariaDB (a 255-character prefix there), so "custom_properties.owner.string_value
= 'x'" looks rows up instead of scanning every node. PostgreSQL is left alone: a btree
entry cannot hold a long string (see schema._property_table).

Frozen: names and dialects are written out here, not read from schema.py
(schema.STRING_INDEX_DIALECTS when this revision was written).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 16:30:00
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

PROPERTY_TABLES = ("artifact_property", "execution_property", "context_property")
# The dialects that get the index: every one but PostgreSQL.
DIALECTS = ("sqlite", "mysql", "mariadb")


def _applies() -> bool:
    """Whether this database gets the string value index."""
    return op.get_bind().dialect.name in DIALECTS


def upgrade() -> None:
    if not _applies():
        return
    for table in PROPERTY_TABLES:
        op.create_index(
            op.f(f"ix_{table}_name_is_custom_property_string_value"),
            table,
            ["name", "is_custom_property", "string_value"],
            mysql_length={"string_value": 255},
        )


def downgrade() -> None:
    if not _applies():
        return
    for table in PROPERTY_TABLES:
        op.drop_index(op.f(f"ix_{table}_name_is_custom_property_string_value"), table_name=table)
