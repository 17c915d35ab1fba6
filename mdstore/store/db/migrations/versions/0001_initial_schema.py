"""Initial schema: types, artifacts, executions, contexts, properties, events, links.

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-23 09:12:09.549140
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "type",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("kind", sa.SmallInteger(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("version", sa.String(length=255), server_default="", nullable=False),
        sa.Column(
            "description",
            sa.Text()
            .with_variant(mysql.LONGTEXT(), "mariadb")
            .with_variant(mysql.LONGTEXT(), "mysql"),
            nullable=True,
        ),
        sa.Column("external_id", sa.String(length=255), nullable=True),
        sa.Column("base_type", sa.Integer(), nullable=True),
        sa.Column(
            "input_type",
            sa.LargeBinary()
            .with_variant(mysql.LONGBLOB(), "mariadb")
            .with_variant(mysql.LONGBLOB(), "mysql"),
            nullable=True,
        ),
        sa.Column(
            "output_type",
            sa.LargeBinary()
            .with_variant(mysql.LONGBLOB(), "mariadb")
            .with_variant(mysql.LONGBLOB(), "mysql"),
            nullable=True,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_type")),
        sa.UniqueConstraint("kind", "external_id", name=op.f("uq_type_kind_external_id")),
        sa.UniqueConstraint("kind", "name", "version", name=op.f("uq_type_kind_name_version")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )
    op.create_table(
        "artifact",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("type_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("external_id", sa.String(length=255), nullable=True),
        sa.Column(
            "uri",
            sa.Text()
            .with_variant(mysql.LONGTEXT(), "mariadb")
            .with_variant(mysql.LONGTEXT(), "mysql"),
            nullable=True,
        ),
        sa.Column("state", sa.SmallInteger(), nullable=True),
        sa.Column("create_time_since_epoch", sa.BigInteger(), nullable=False),
        sa.Column("last_update_time_since_epoch", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["type_id"], ["type.id"], name=op.f("fk_artifact_type_id_type")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_artifact")),
        sa.UniqueConstraint("external_id", name=op.f("uq_artifact_external_id")),
        sa.UniqueConstraint("type_id", "name", name=op.f("uq_artifact_type_id_name")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )
    with op.batch_alter_table("artifact", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_artifact_create_time_since_epoch"),
            ["create_time_since_epoch"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_artifact_last_update_time_since_epoch"),
            ["last_update_time_since_epoch"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_artifact_uri"),
            ["uri"],
            unique=False,
            mysql_length=255,
            postgresql_using="hash",
        )

    op.create_table(
        "context",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("type_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("external_id", sa.String(length=255), nullable=True),
        sa.Column("create_time_since_epoch", sa.BigInteger(), nullable=False),
        sa.Column("last_update_time_since_epoch", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["type_id"], ["type.id"], name=op.f("fk_context_type_id_type")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_context")),
        sa.UniqueConstraint("external_id", name=op.f("uq_context_external_id")),
        sa.UniqueConstraint("type_id", "name", name=op.f("uq_context_type_id_name")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )
    with op.batch_alter_table("context", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_context_create_time_since_epoch"),
            ["create_time_since_epoch"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_context_last_update_time_since_epoch"),
            ["last_update_time_since_epoch"],
            unique=False,
        )

    op.create_table(
        "execution",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("type_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("external_id", sa.String(length=255), nullable=True),
        sa.Column("last_known_state", sa.SmallInteger(), nullable=True),
        sa.Column("create_time_since_epoch", sa.BigInteger(), nullable=False),
        sa.Column("last_update_time_since_epoch", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["type_id"], ["type.id"], name=op.f("fk_execution_type_id_type")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_execution")),
        sa.UniqueConstraint("external_id", name=op.f("uq_execution_external_id")),
        sa.UniqueConstraint("type_id", "name", name=op.f("uq_execution_type_id_name")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )
    with op.batch_alter_table("execution", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_execution_create_time_since_epoch"),
            ["create_time_since_epoch"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_execution_last_update_time_since_epoch"),
            ["last_update_time_since_epoch"],
            unique=False,
        )

    op.create_table(
        "type_property",
        sa.Column("type_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("data_type", sa.SmallInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["type_id"], ["type.id"], name=op.f("fk_type_property_type_id_type")
        ),
        sa.PrimaryKeyConstraint("type_id", "name", name=op.f("pk_type_property")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )
    op.create_table(
        "artifact_property",
        sa.Column(
            "artifact_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("is_custom_property", sa.Boolean(), nullable=False),
        sa.Column("value_kind", sa.SmallInteger(), nullable=False),
        sa.Column("int_value", sa.BigInteger(), nullable=True),
        sa.Column("double_value", sa.Double(), nullable=True),
        sa.Column(
            "string_value",
            sa.Text()
            .with_variant(mysql.LONGTEXT(), "mariadb")
            .with_variant(mysql.LONGTEXT(), "mysql"),
            nullable=True,
        ),
        sa.Column("bool_value", sa.Boolean(), nullable=True),
        sa.Column(
            "byte_value",
            sa.LargeBinary()
            .with_variant(mysql.LONGBLOB(), "mariadb")
            .with_variant(mysql.LONGBLOB(), "mysql"),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["artifact_id"], ["artifact.id"], name=op.f("fk_artifact_property_artifact_id_artifact")
        ),
        sa.PrimaryKeyConstraint(
            "artifact_id", "name", "is_custom_property", name=op.f("pk_artifact_property")
        ),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )
    with op.batch_alter_table("artifact_property", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_artifact_property_name_is_custom_property"),
            ["name", "is_custom_property"],
            unique=False,
        )

    op.create_table(
        "association",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "context_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "execution_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["context_id"], ["context.id"], name=op.f("fk_association_context_id_context")
        ),
        sa.ForeignKeyConstraint(
            ["execution_id"], ["execution.id"], name=op.f("fk_association_execution_id_execution")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_association")),
        sa.UniqueConstraint(
            "context_id", "execution_id", name=op.f("uq_association_context_id_execution_id")
        ),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )
    with op.batch_alter_table("association", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_association_execution_id"), ["execution_id"], unique=False
        )

    op.create_table(
        "attribution",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "context_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "artifact_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["artifact_id"], ["artifact.id"], name=op.f("fk_attribution_artifact_id_artifact")
        ),
        sa.ForeignKeyConstraint(
            ["context_id"], ["context.id"], name=op.f("fk_attribution_context_id_context")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attribution")),
        sa.UniqueConstraint(
            "context_id", "artifact_id", name=op.f("uq_attribution_context_id_artifact_id")
        ),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )
    with op.batch_alter_table("attribution", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_attribution_artifact_id"), ["artifact_id"], unique=False
        )

    op.create_table(
        "context_property",
        sa.Column(
            "context_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("is_custom_property", sa.Boolean(), nullable=False),
        sa.Column("value_kind", sa.SmallInteger(), nullable=False),
        sa.Column("int_value", sa.BigInteger(), nullable=True),
        sa.Column("double_value", sa.Double(), nullable=True),
        sa.Column(
            "string_value",
            sa.Text()
            .with_variant(mysql.LONGTEXT(), "mariadb")
            .with_variant(mysql.LONGTEXT(), "mysql"),
            nullable=True,
        ),
        sa.Column("bool_value", sa.Boolean(), nullable=True),
        sa.Column(
            "byte_value",
            sa.LargeBinary()
            .with_variant(mysql.LONGBLOB(), "mariadb")
            .with_variant(mysql.LONGBLOB(), "mysql"),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["context_id"], ["context.id"], name=op.f("fk_context_property_context_id_context")
        ),
        sa.PrimaryKeyConstraint(
            "context_id", "name", "is_custom_property", name=op.f("pk_context_property")
        ),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )
    with op.batch_alter_table("context_property", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_context_property_name_is_custom_property"),
            ["name", "is_custom_property"],
            unique=False,
        )

    op.create_table(
        "event",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "artifact_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "execution_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("type", sa.SmallInteger(), nullable=False),
        sa.Column("milliseconds_since_epoch", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["artifact_id"], ["artifact.id"], name=op.f("fk_event_artifact_id_artifact")
        ),
        sa.ForeignKeyConstraint(
            ["execution_id"], ["execution.id"], name=op.f("fk_event_execution_id_execution")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event")),
        sa.UniqueConstraint(
            "artifact_id",
            "execution_id",
            "type",
            name=op.f("uq_event_artifact_id_execution_id_type"),
        ),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_execution_id"), ["execution_id"], unique=False)

    op.create_table(
        "execution_property",
        sa.Column(
            "execution_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("is_custom_property", sa.Boolean(), nullable=False),
        sa.Column("value_kind", sa.SmallInteger(), nullable=False),
        sa.Column("int_value", sa.BigInteger(), nullable=True),
        sa.Column("double_value", sa.Double(), nullable=True),
        sa.Column(
            "string_value",
            sa.Text()
            .with_variant(mysql.LONGTEXT(), "mariadb")
            .with_variant(mysql.LONGTEXT(), "mysql"),
            nullable=True,
        ),
        sa.Column("bool_value", sa.Boolean(), nullable=True),
        sa.Column(
            "byte_value",
            sa.LargeBinary()
            .with_variant(mysql.LONGBLOB(), "mariadb")
            .with_variant(mysql.LONGBLOB(), "mysql"),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["execution_id"],
            ["execution.id"],
            name=op.f("fk_execution_property_execution_id_execution"),
        ),
        sa.PrimaryKeyConstraint(
            "execution_id", "name", "is_custom_property", name=op.f("pk_execution_property")
        ),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )
    with op.batch_alter_table("execution_property", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_execution_property_name_is_custom_property"),
            ["name", "is_custom_property"],
            unique=False,
        )

    op.create_table(
        "parent_context",
        sa.Column(
            "context_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "parent_context_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["context_id"], ["context.id"], name=op.f("fk_parent_context_context_id_context")
        ),
        sa.ForeignKeyConstraint(
            ["parent_context_id"],
            ["context.id"],
            name=op.f("fk_parent_context_parent_context_id_context"),
        ),
        sa.PrimaryKeyConstraint("context_id", "parent_context_id", name=op.f("pk_parent_context")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )
    with op.batch_alter_table("parent_context", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_parent_context_parent_context_id"), ["parent_context_id"], unique=False
        )

    op.create_table(
        "event_path",
        sa.Column("event_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("is_index_step", sa.Boolean(), nullable=False),
        sa.Column("step_index", sa.BigInteger(), nullable=True),
        sa.Column(
            "step_key",
            sa.Text()
            .with_variant(mysql.LONGTEXT(), "mariadb")
            .with_variant(mysql.LONGTEXT(), "mysql"),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["event.id"], name=op.f("fk_event_path_event_id_event")
        ),
        sa.PrimaryKeyConstraint("event_id", "position", name=op.f("pk_event_path")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )


def downgrade() -> None:

    op.drop_table("event_path")
    with op.batch_alter_table("parent_context", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_parent_context_parent_context_id"))

    op.drop_table("parent_context")
    with op.batch_alter_table("execution_property", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_execution_property_name_is_custom_property"))

    op.drop_table("execution_property")
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_execution_id"))

    op.drop_table("event")
    with op.batch_alter_table("context_property", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_context_property_name_is_custom_property"))

    op.drop_table("context_property")
    with op.batch_alter_table("attribution", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attribution_artifact_id"))

    op.drop_table("attribution")
    with op.batch_alter_table("association", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_association_execution_id"))

    op.drop_table("association")
    with op.batch_alter_table("artifact_property", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_artifact_property_name_is_custom_property"))

    op.drop_table("artifact_property")
    op.drop_table("type_property")
    with op.batch_alter_table("execution", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_execution_last_update_time_since_epoch"))
        batch_op.drop_index(batch_op.f("ix_execution_create_time_since_epoch"))

    op.drop_table("execution")
    with op.batch_alter_table("context", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_context_last_update_time_since_epoch"))
        batch_op.drop_index(batch_op.f("ix_context_create_time_since_epoch"))

    op.drop_table("context")
    with op.batch_alter_table("artifact", schema=None) as batch_op:
        batch_op.drop_index(
            batch_op.f("ix_artifact_uri"), mysql_length=255, postgresql_using="hash"
        )
        batch_op.drop_index(batch_op.f("ix_artifact_last_update_time_since_epoch"))
        batch_op.drop_index(batch_op.f("ix_artifact_create_time_since_epoch"))

    op.drop_table("artifact")
    op.drop_table("type")
