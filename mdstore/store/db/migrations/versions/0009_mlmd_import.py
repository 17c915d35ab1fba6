"""Imports of ML Metadata databases: the source and progress of each.

Frozen: names, columns and types are written out here, not read from schema.py.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 03:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

MYSQL = {"mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_bin"}


def upgrade() -> None:
    op.create_table(
        "mlmd_import",
        sa.Column("id", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("source_fingerprint", sa.String(64), nullable=False),
        sa.Column("source", sa.String(255), nullable=False),
        sa.Column("started_at", sa.BigInteger(), nullable=False),
        sa.Column("finished_at", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mlmd_import")),
        **MYSQL,
    )


def downgrade() -> None:
    op.drop_table("mlmd_import")
