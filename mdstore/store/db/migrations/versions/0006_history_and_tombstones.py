"""Node history and tombstones; when events and context links were recorded.

Adds ``node_history`` (every earlier version of a node, for as-of lineage) and
``tombstone`` (deleted nodes: who, when, why, when purged), and ``recorded_at``
(the server's clock when the row was stored) to event, attribution and
association. Existing rows get the best time there is: an event its
milliseconds_since_epoch, a link the later creation time of its two nodes.

Frozen: names, columns and types are written out here, not read from schema.py.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 09:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
BLOB = sa.LargeBinary().with_variant(mysql.LONGBLOB(), "mysql", "mariadb")
TEXT = sa.Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb")
MYSQL = {"mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_bin"}
# (link table, its node table, the node column)
LINKS = (("attribution", "artifact", "artifact_id"), ("association", "execution", "execution_id"))


def upgrade() -> None:
    op.create_table(
        "node_history",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.SmallInteger(), nullable=False),
        sa.Column("node_id", ID, nullable=False),
        sa.Column("valid_from", sa.BigInteger(), nullable=False),
        sa.Column("valid_to", sa.BigInteger(), nullable=False),
        sa.Column("proto", BLOB, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_node_history")),
        **MYSQL,
    )
    op.create_index(
        op.f("ix_node_history_kind_node_id_valid_to"),
        "node_history",
        ["kind", "node_id", "valid_to"],
    )
    op.create_table(
        "tombstone",
        sa.Column("kind", sa.SmallInteger(), nullable=False),
        sa.Column("node_id", ID, nullable=False),
        sa.Column("deleted_at", sa.BigInteger(), nullable=False),
        sa.Column("principal", sa.String(255), nullable=False, server_default=""),
        sa.Column("reason", TEXT, nullable=False),
        sa.Column("purged_at", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("kind", "node_id", name=op.f("pk_tombstone")),
        **MYSQL,
    )
    op.create_index(op.f("ix_tombstone_deleted_at"), "tombstone", ["deleted_at"])
    for table in ("event", "attribution", "association"):
        op.add_column(table, sa.Column("recorded_at", sa.BigInteger(), nullable=True))
    op.execute("UPDATE event SET recorded_at = milliseconds_since_epoch")
    for table, node, column in LINKS:
        op.execute(
            f"UPDATE {table} SET recorded_at = (SELECT CASE WHEN n.create_time_since_epoch"
            " > c.create_time_since_epoch THEN n.create_time_since_epoch"
            " ELSE c.create_time_since_epoch END"
            f" FROM {node} n, context c WHERE n.id = {table}.{column}"
            f" AND c.id = {table}.context_id)"
        )


def downgrade() -> None:
    for table in ("association", "attribution", "event"):
        op.drop_column(table, "recorded_at")
    op.drop_index(op.f("ix_tombstone_deleted_at"), table_name="tombstone")
    op.drop_table("tombstone")
    op.drop_index(op.f("ix_node_history_kind_node_id_valid_to"), table_name="node_history")
    op.drop_table("node_history")
