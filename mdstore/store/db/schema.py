"""Tables, unique constraints and indexes.

The model follows MLMD's (types, three node kinds with typed properties, events with
paths, attributions, associations, parent contexts) but puts every uniqueness rule
in the database, so several stateless servers can share one MySQL or PostgreSQL:

* a type is unique by (kind, name, version); "no version" is stored as '' because
  NULLs never collide in a unique index;
* a node name is unique within its type, an external id within its kind;
* an event is unique by (artifact, execution, type); attribution, association and
  parent-context pairs are unique.

Timestamps are milliseconds since the epoch (BIGINT), as on the wire.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Double,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects import mysql

# Stable constraint names on every dialect (alembic autogenerate and migrations rely on it).
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# Column limits, enforced with INVALID_ARGUMENT before any write (store/validation.py).
NAME_LENGTH = 255
EXTERNAL_ID_LENGTH = 255

# Kinds of types, as stored in type.kind.
EXECUTION_TYPE, ARTIFACT_TYPE, CONTEXT_TYPE = 0, 1, 2

# Which oneof of ml_metadata.Value a property row holds (property tables' value_kind).
INT, DOUBLE, STRING, STRUCT, PROTO, BOOL = 1, 2, 3, 4, 5, 6

# MySQL's TEXT and BLOB stop at 64 KiB; MLMD stores larger strings and protos.
LongText = Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb")
LongBlob = LargeBinary().with_variant(mysql.LONGBLOB(), "mysql", "mariadb")
Id = BigInteger().with_variant(Integer(), "sqlite")
# MySQL/MariaDB compare text case- and accent-insensitively by default, which would
# make names "a" and "A" collide under the unique keys; MLMD's names are exact.
MYSQL_TABLE: dict[str, Any] = {
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_bin",
}  # SQLite only autoincrements INTEGER

type_table = Table(
    "type",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("kind", SmallInteger, nullable=False),
    Column("name", String(NAME_LENGTH), nullable=False),
    Column("version", String(NAME_LENGTH), nullable=False, server_default=""),
    Column("description", LongText, nullable=True),
    Column("external_id", String(EXTERNAL_ID_LENGTH), nullable=True),
    Column("base_type", Integer, nullable=True),
    Column("input_type", LongBlob, nullable=True),  # serialized ArtifactStructType
    Column("output_type", LongBlob, nullable=True),
    UniqueConstraint("kind", "name", "version"),
    UniqueConstraint("kind", "external_id"),
    **MYSQL_TABLE,
)

type_property_table = Table(
    "type_property",
    metadata,
    Column("type_id", Id, ForeignKey("type.id"), nullable=False),
    Column("name", String(NAME_LENGTH), nullable=False),
    Column("data_type", SmallInteger, nullable=False),
    PrimaryKeyConstraint("type_id", "name"),
    **MYSQL_TABLE,
)


ALL_DIALECTS = ("sqlite", "mysql", "mariadb", "postgresql")
# Where property tables index string values (see _property_table).
STRING_INDEX_DIALECTS = ("sqlite", "mysql", "mariadb")
# Where their value indexes end with the node id (see _value_index).
NODE_ID_INDEX_DIALECTS = ("sqlite",)


def _node_table(name: str, extra: list[Column[Any]]) -> Table:
    """A node table: artifact, execution or context."""
    table = Table(
        name,
        metadata,
        Column("id", Id, primary_key=True, autoincrement=True),
        Column("type_id", Id, ForeignKey("type.id"), nullable=False),
        Column("name", String(NAME_LENGTH), nullable=name != "context"),
        Column("external_id", String(EXTERNAL_ID_LENGTH), nullable=True),
        *extra,
        Column("create_time_since_epoch", BigInteger, nullable=False),
        Column("last_update_time_since_epoch", BigInteger, nullable=False),
        # The node as served, without its id (store/node_blobs.py). Reads parse it
        # instead of joining the property table; the columns above and the property
        # table stay the source for lookups and filters. Written with every change.
        Column("proto", LongBlob, nullable=True),
        UniqueConstraint("type_id", "name"),
        UniqueConstraint("external_id"),
        **MYSQL_TABLE,
    )
    Index(None, table.c.create_time_since_epoch)
    Index(None, table.c.last_update_time_since_epoch)
    return table


artifact_table = _node_table(
    "artifact",
    [Column("uri", LongText, nullable=True), Column("state", SmallInteger, nullable=True)],
)
# Equality lookups only (GetArtifactsByURI). A hash index on PostgreSQL because a
# btree entry cannot exceed ~2.7 kB and URIs can be longer; MySQL indexes a prefix.
Index(None, artifact_table.c.uri, mysql_length=255, postgresql_using="hash")

execution_table = _node_table(
    "execution", [Column("last_known_state", SmallInteger, nullable=True)]
)
context_table = _node_table("context", [])
# Neighbourhood filters ("contexts_a.name = 'run-3'") look contexts up by name alone.
Index(None, context_table.c.name)


def _property_table(node: Table) -> Table:
    """Properties of one node kind; one row per (node, name, custom?)."""
    table = Table(
        f"{node.name}_property",
        metadata,
        Column(f"{node.name}_id", Id, ForeignKey(f"{node.name}.id"), nullable=False),
        Column("name", String(NAME_LENGTH), nullable=False),
        Column("is_custom_property", Boolean, nullable=False),
        Column("value_kind", SmallInteger, nullable=False),
        Column("int_value", BigInteger, nullable=True),
        Column("double_value", Double(), nullable=True),
        Column("string_value", LongText, nullable=True),
        Column("bool_value", Boolean, nullable=True),
        Column("byte_value", LongBlob, nullable=True),  # serialized Struct or Any
        PrimaryKeyConstraint(f"{node.name}_id", "name", "is_custom_property"),
        **MYSQL_TABLE,
    )
    # Filters compare one property's value: "name = ? AND is_custom_property = ? AND
    # int_value < ?" is a range scan of these. Strings too, but not on PostgreSQL: a
    # btree entry there cannot exceed ~2.7 kB, so a long string would fail its
    # insert; PostgreSQL plans the filter as a hash semi-join instead. MySQL indexes
    # a 255-character prefix (equality still works).
    _value_index(table, "int_value", ALL_DIALECTS)
    _value_index(table, "double_value", ALL_DIALECTS)
    _value_index(table, "string_value", STRING_INDEX_DIALECTS)
    return table


def _value_index(table: Table, value: str, dialects: tuple[str, ...]) -> None:
    """Declares the index on (name, is_custom_property, value) for ``dialects``.

    On SQLite it ends with the node id: SQLite's indexes point at the rowid, so a
    filter's subquery would read the table for each match, and an equality could
    not seek to the first node of a page (filter_sql, AFTER_ID). InnoDB's end with
    the primary key, node id first, anyway; on PostgreSQL the id made the planner
    prefer this index to a faster merge over the primary key past a keyset.

    On SQLite the index is also partial, over the rows whose ``value`` is set: a
    row sets one value column (value_kind says which), and no filter looks up the
    others here. A comparison is false on NULL, so the planner still uses the
    partial index for it; ``IS NULL`` and functions of a value probe the primary
    key node by node, with or without it. Not on PostgreSQL: having no string
    index, it finds a string property's rows by (name, is_custom_property) in the
    whole int index, and a partial one left those filters a sequential scan
    (about 1.7x slower on "owner = 'x' AND uri LIKE 'y%'") for no measurable gain
    in ingest. MySQL/MariaDB have no partial indexes.
    """
    columns = (table.c.name, table.c.is_custom_property, table.c[value])
    others = tuple(d for d in dialects if d not in NODE_ID_INDEX_DIALECTS)
    prefix = {value: NAME_LENGTH} if value == "string_value" else None
    # ddl_if takes a tuple of dialect names (documented), though typed str | None.
    Index(None, *columns, mysql_length=prefix).ddl_if(dialect=others)  # type: ignore[arg-type]
    node = table.name.removesuffix("_property")
    # Named by hand: the convention's name would be 71 characters long.
    Index(
        f"ix_{table.name}_name_{value}_{node}_id",
        *columns,
        table.c[f"{node}_id"],
        sqlite_where=table.c[value].is_not(None),
    ).ddl_if(
        dialect=tuple(d for d in dialects if d in NODE_ID_INDEX_DIALECTS)  # type: ignore[arg-type]
    )


def created_on(index: Index, dialect_name: str) -> bool:
    """Whether ``create_all`` / migrations create ``index`` on that dialect.

    Alembic's autogenerate does not read ``ddl_if``; the migration environment and
    the schema comparison test ask this instead.
    """
    condition = getattr(index, "_ddl_if", None)
    return condition is None or dialect_name in condition.dialect


artifact_property_table = _property_table(artifact_table)
execution_property_table = _property_table(execution_table)
context_property_table = _property_table(context_table)

event_table = Table(
    "event",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("artifact_id", Id, ForeignKey("artifact.id"), nullable=False),
    Column("execution_id", Id, ForeignKey("execution.id"), nullable=False),
    Column("type", SmallInteger, nullable=False),
    Column("milliseconds_since_epoch", BigInteger, nullable=True),
    # The serialized Event with its path, as served (lineage reads parse it rather
    # than joining event_path).
    Column("proto", LongBlob, nullable=True),
    # When the store learned of the event (server clock; milliseconds_since_epoch is
    # the client's). As-of lineage reads it.
    Column("recorded_at", BigInteger, nullable=True),
    UniqueConstraint("artifact_id", "execution_id", "type"),
    Index(None, "execution_id"),
    **MYSQL_TABLE,
)

event_path_table = Table(
    "event_path",
    metadata,
    Column("event_id", Id, ForeignKey("event.id"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("is_index_step", Boolean, nullable=False),
    Column("step_index", BigInteger, nullable=True),
    Column("step_key", LongText, nullable=True),
    PrimaryKeyConstraint("event_id", "position"),
    **MYSQL_TABLE,
)

attribution_table = Table(
    "attribution",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("context_id", Id, ForeignKey("context.id"), nullable=False),
    Column("artifact_id", Id, ForeignKey("artifact.id"), nullable=False),
    Column("recorded_at", BigInteger, nullable=True),  # when the link was stored
    UniqueConstraint("context_id", "artifact_id"),
    # A graph's contexts are found by node id (store/lineage_ops.py): with the
    # context id in the index, the lookup reads only the index.
    Index(None, "artifact_id", "context_id"),
    **MYSQL_TABLE,
)

association_table = Table(
    "association",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("context_id", Id, ForeignKey("context.id"), nullable=False),
    Column("execution_id", Id, ForeignKey("execution.id"), nullable=False),
    Column("recorded_at", BigInteger, nullable=True),  # when the link was stored
    UniqueConstraint("context_id", "execution_id"),
    # By node id, covering the context id, as attribution's.
    Index(None, "execution_id", "context_id"),
    **MYSQL_TABLE,
)

parent_context_table = Table(
    "parent_context",
    metadata,
    Column("context_id", Id, ForeignKey("context.id"), nullable=False),
    Column("parent_context_id", Id, ForeignKey("context.id"), nullable=False),
    PrimaryKeyConstraint("context_id", "parent_context_id"),
    Index(None, "parent_context_id"),
    **MYSQL_TABLE,
)

# Node kinds as history and tombstone rows store them (mdstore.v1.NodeKind numbers).
ARTIFACT_KIND, EXECUTION_KIND, CONTEXT_KIND = 1, 2, 3

# Every earlier version of an artifact, execution or context: an update (or a
# deletion) writes the version it replaces, in its own transaction. A version
# was the node's from valid_from (its last_update_time_since_epoch) until
# valid_to (the next version's); as-of reads pick the one spanning their time.
node_history_table = Table(
    "node_history",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("kind", SmallInteger, nullable=False),
    Column("node_id", Id, nullable=False),
    Column("valid_from", BigInteger, nullable=False),
    Column("valid_to", BigInteger, nullable=False),
    Column("proto", LongBlob, nullable=False),  # the version as served, without its id
    Index(None, "kind", "node_id", "valid_to"),
    **MYSQL_TABLE,
)

# Deleted nodes: the node row stays (lineage through it still answers); this
# records who deleted it, when and why, and when its payload was erased.
tombstone_table = Table(
    "tombstone",
    metadata,
    Column("kind", SmallInteger, nullable=False),
    Column("node_id", Id, nullable=False),
    Column("deleted_at", BigInteger, nullable=False),
    Column("principal", String(NAME_LENGTH), nullable=False, server_default=""),
    Column("reason", LongText, nullable=False),
    Column("purged_at", BigInteger, nullable=True),
    PrimaryKeyConstraint("kind", "node_id"),
    Index(None, "deleted_at"),
    **MYSQL_TABLE,
)

NODE_TABLES = {"artifact": artifact_table, "execution": execution_table, "context": context_table}
PROPERTY_TABLES = {
    "artifact": artifact_property_table,
    "execution": execution_property_table,
    "context": context_property_table,
}

# The model registry's tables live in their own module; importing them here puts
# them on ``metadata`` for everyone who reads it (migrations, tests).
from mdstore.store.db import registry_schema as _registry  # noqa: E402

ALIAS_LENGTH: int = _registry.ALIAS_LENGTH
registered_model_table: Table = _registry.registered_model_table
model_policy_table: Table = _registry.model_policy_table
model_version_table: Table = _registry.model_version_table
alias_change_table: Table = _registry.alias_change_table
deployment_table: Table = _registry.deployment_table
annotation_table: Table = _registry.annotation_table

# The audit log's tables, likewise.
from mdstore.store.db import audit_schema as _audit  # noqa: E402

audit_entry_table: Table = _audit.audit_entry_table
audit_head_table: Table = _audit.audit_head_table
mlmd_import_table: Table = _audit.mlmd_import_table
