"""The model registry's tables (see ``schema``, which imports this module).

A registered model is also a context (type mdstore.RegisteredModel) that its
versions' artifacts are attributed to; these rows hold what MLMD has no place
for. Versions, policy changes, alias changes and annotations are append-only: no
code path updates or deletes them.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Double,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    UniqueConstraint,
)

from mdstore.store.db.schema import MYSQL_TABLE, NAME_LENGTH, Id, LongText, metadata

ALIAS_LENGTH: int = 63

registered_model_table: Table = Table(
    "registered_model",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(NAME_LENGTH), nullable=False),
    Column("context_id", Id, ForeignKey("context.id"), nullable=False),
    Column("description", LongText, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("principal", String(NAME_LENGTH), nullable=False, server_default=""),
    UniqueConstraint("name"),
    UniqueConstraint("context_id"),
    **MYSQL_TABLE,
)

# Every policy a model had; the highest sequence is in force.
model_policy_table: Table = Table(
    "model_policy",
    metadata,
    Column("model_id", Id, ForeignKey("registered_model.id"), nullable=False),
    Column("sequence", Integer, nullable=False),
    Column("metric", String(NAME_LENGTH), nullable=False),
    Column("lower_is_better", Boolean, nullable=False),
    Column("min_improvement", Double, nullable=False),
    Column("schema_properties", LongText, nullable=False),  # JSON list of names
    Column("target_properties", LongText, nullable=False),  # JSON list of names
    Column("changed_at", BigInteger, nullable=False),
    Column("principal", String(NAME_LENGTH), nullable=False, server_default=""),
    Column("reason", LongText, nullable=False),
    PrimaryKeyConstraint("model_id", "sequence"),
    **MYSQL_TABLE,
)

# A model's versions. (model, sequence) orders registrations; the unique
# (model, major, minor, pipeline) is what keeps two concurrent registrations
# from ever sharing a version, whichever server runs them.
model_version_table: Table = Table(
    "model_version",
    metadata,
    Column("model_id", Id, ForeignKey("registered_model.id"), nullable=False),
    Column("sequence", Integer, nullable=False),
    Column("major", Integer, nullable=False),
    Column("minor", Integer, nullable=False),
    Column("pipeline", Integer, nullable=False),
    Column("artifact_id", Id, ForeignKey("artifact.id"), nullable=False),
    Column("bump", SmallInteger, nullable=False),  # mdstore.v1.Bump numbers
    Column("computed_bump", SmallInteger, nullable=False),
    Column("reasons", LongText, nullable=False),  # JSON [[rule, text], ...]
    Column("override_reason", LongText, nullable=False),
    Column("metric", Double, nullable=True),
    Column("registered_at", BigInteger, nullable=False),
    Column("principal", String(NAME_LENGTH), nullable=False, server_default=""),
    PrimaryKeyConstraint("model_id", "sequence"),
    UniqueConstraint("model_id", "major", "minor", "pipeline"),
    UniqueConstraint("model_id", "artifact_id"),
    **MYSQL_TABLE,
)

# Every change of every alias: from and to a version's sequence (NULL: unset).
alias_change_table: Table = Table(
    "alias_change",
    metadata,
    Column("model_id", Id, ForeignKey("registered_model.id"), nullable=False),
    Column("sequence", Integer, nullable=False),
    Column("alias", String(ALIAS_LENGTH), nullable=False),
    Column("from_version", Integer, nullable=True),
    Column("to_version", Integer, nullable=True),
    Column("changed_at", BigInteger, nullable=False),
    Column("principal", String(NAME_LENGTH), nullable=False, server_default=""),
    Column("reason", LongText, nullable=False),
    PrimaryKeyConstraint("model_id", "sequence"),
    Index(None, "model_id", "alias", "changed_at"),
    **MYSQL_TABLE,
)

# Deployments: a version serving an environment from started_at until
# stopped_at (NULL while it serves).
deployment_table: Table = Table(
    "deployment",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("model_id", Id, ForeignKey("registered_model.id"), nullable=False),
    Column("version", Integer, nullable=False),  # the version's sequence
    Column("environment", String(ALIAS_LENGTH), nullable=False),
    Column("pattern", SmallInteger, nullable=False),  # mdstore.v1.DeploymentPattern
    Column("traffic_percent", Double, nullable=True),
    Column("started_at", BigInteger, nullable=False),
    Column("stopped_at", BigInteger, nullable=True),
    Column("principal", String(NAME_LENGTH), nullable=False, server_default=""),
    Column("reason", LongText, nullable=False),
    Index(None, "model_id", "environment", "started_at"),
    **MYSQL_TABLE,
)

# Notes and links on versions, append-only.
annotation_table: Table = Table(
    "annotation",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("model_id", Id, ForeignKey("registered_model.id"), nullable=False),
    Column("version", Integer, nullable=False),  # the version's sequence
    Column("text", LongText, nullable=False),
    Column("url", LongText, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("principal", String(NAME_LENGTH), nullable=False, server_default=""),
    Index(None, "model_id", "version"),
    **MYSQL_TABLE,
)
