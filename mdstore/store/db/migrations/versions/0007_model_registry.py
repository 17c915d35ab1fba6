"""The model registry: registered models, policies, versions, alias changes,
deployments and annotations.

Frozen: names, columns and types are written out here, not read from schema.py.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 00:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TEXT = sa.Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb")
MYSQL = {"mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_bin"}


def _principal() -> sa.Column:
    return sa.Column("principal", sa.String(255), nullable=False, server_default="")


def _model_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["model_id"], ["registered_model.id"], name=op.f(f"fk_{table}_model_id_registered_model")
    )


def upgrade() -> None:
    op.create_table(
        "registered_model",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("context_id", ID, nullable=False),
        sa.Column("description", TEXT, nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        _principal(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registered_model")),
        sa.ForeignKeyConstraint(
            ["context_id"], ["context.id"], name=op.f("fk_registered_model_context_id_context")
        ),
        sa.UniqueConstraint("name", name=op.f("uq_registered_model_name")),
        sa.UniqueConstraint("context_id", name=op.f("uq_registered_model_context_id")),
        **MYSQL,
    )
    op.create_table(
        "model_policy",
        sa.Column("model_id", ID, nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("metric", sa.String(255), nullable=False),
        sa.Column("lower_is_better", sa.Boolean(), nullable=False),
        sa.Column("min_improvement", sa.Double(), nullable=False),
        sa.Column("schema_properties", TEXT, nullable=False),
        sa.Column("target_properties", TEXT, nullable=False),
        sa.Column("changed_at", sa.BigInteger(), nullable=False),
        _principal(),
        sa.Column("reason", TEXT, nullable=False),
        sa.PrimaryKeyConstraint("model_id", "sequence", name=op.f("pk_model_policy")),
        _model_fk("model_policy"),
        **MYSQL,
    )
    op.create_table(
        "model_version",
        sa.Column("model_id", ID, nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("major", sa.Integer(), nullable=False),
        sa.Column("minor", sa.Integer(), nullable=False),
        sa.Column("pipeline", sa.Integer(), nullable=False),
        sa.Column("artifact_id", ID, nullable=False),
        sa.Column("bump", sa.SmallInteger(), nullable=False),
        sa.Column("computed_bump", sa.SmallInteger(), nullable=False),
        sa.Column("reasons", TEXT, nullable=False),
        sa.Column("override_reason", TEXT, nullable=False),
        sa.Column("metric", sa.Double(), nullable=True),
        sa.Column("registered_at", sa.BigInteger(), nullable=False),
        _principal(),
        sa.PrimaryKeyConstraint("model_id", "sequence", name=op.f("pk_model_version")),
        _model_fk("model_version"),
        sa.ForeignKeyConstraint(
            ["artifact_id"], ["artifact.id"], name=op.f("fk_model_version_artifact_id_artifact")
        ),
        sa.UniqueConstraint(
            "model_id", "major", "minor", "pipeline",
            name=op.f("uq_model_version_model_id_major_minor_pipeline"),
        ),
        sa.UniqueConstraint(
            "model_id", "artifact_id", name=op.f("uq_model_version_model_id_artifact_id")
        ),
        **MYSQL,
    )  # fmt: skip
    op.create_table(
        "alias_change",
        sa.Column("model_id", ID, nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("alias", sa.String(63), nullable=False),
        sa.Column("from_version", sa.Integer(), nullable=True),
        sa.Column("to_version", sa.Integer(), nullable=True),
        sa.Column("changed_at", sa.BigInteger(), nullable=False),
        _principal(),
        sa.Column("reason", TEXT, nullable=False),
        sa.PrimaryKeyConstraint("model_id", "sequence", name=op.f("pk_alias_change")),
        _model_fk("alias_change"),
        **MYSQL,
    )
    op.create_index(
        op.f("ix_alias_change_model_id_alias_changed_at"),
        "alias_change",
        ["model_id", "alias", "changed_at"],
    )
    op.create_table(
        "deployment",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("model_id", ID, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("environment", sa.String(63), nullable=False),
        sa.Column("pattern", sa.SmallInteger(), nullable=False),
        sa.Column("traffic_percent", sa.Double(), nullable=True),
        sa.Column("started_at", sa.BigInteger(), nullable=False),
        sa.Column("stopped_at", sa.BigInteger(), nullable=True),
        _principal(),
        sa.Column("reason", TEXT, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deployment")),
        _model_fk("deployment"),
        **MYSQL,
    )
    op.create_index(
        op.f("ix_deployment_model_id_environment_started_at"),
        "deployment",
        ["model_id", "environment", "started_at"],
    )
    op.create_table(
        "annotation",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("model_id", ID, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("text", TEXT, nullable=False),
        sa.Column("url", TEXT, nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        _principal(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_annotation")),
        _model_fk("annotation"),
        **MYSQL,
    )
    op.create_index(op.f("ix_annotation_model_id_version"), "annotation", ["model_id", "version"])


def downgrade() -> None:
    # Dropping a table drops its indexes (MySQL refuses to drop one a foreign key uses).
    for table in ("annotation", "deployment", "alias_change", "model_version", "model_policy"):
        op.drop_table(table)
    op.drop_table("registered_model")
