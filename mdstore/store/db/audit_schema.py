"""The audit log's tables (see ``schema``, which imports this module).

``audit_entry`` is a hash chain: one row per write request, numbered without gaps
by ``seq``, each holding the hash of the one before. ``audit_head`` is a single
row naming the last entry: every append locks it first, which puts the appends
of several servers sharing one database in one order, and cutting entries off
the end of the chain leaves it pointing past them.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, SmallInteger, String, Table

from mdstore.store.db.schema import MYSQL_TABLE, NAME_LENGTH, LongText, metadata

DIGEST_LENGTH = 64  # SHA-256, hex
HEAD_ID = 1
GENESIS_HASH = "0" * DIGEST_LENGTH  # the "previous hash" of entry 1

audit_entry_table: Table = Table(
    "audit_entry",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("recorded_at", BigInteger, nullable=False),
    Column("principal", String(NAME_LENGTH), nullable=False),
    Column("method", String(NAME_LENGTH), nullable=False),
    Column("request_digest", String(DIGEST_LENGTH), nullable=False),
    # Canonical JSON: the rows the write left, each with its digest, and the nodes
    # it touched (audit/entries.py).
    Column("affected", LongText, nullable=False),
    Column("prev_hash", String(DIGEST_LENGTH), nullable=False),
    Column("hash", String(DIGEST_LENGTH), nullable=False),
    Index(None, "recorded_at"),
    **MYSQL_TABLE,
)

audit_head_table: Table = Table(
    "audit_head",
    metadata,
    Column("id", SmallInteger, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(DIGEST_LENGTH), nullable=False),
    **MYSQL_TABLE,
)

# Imports of ML Metadata databases (store/mlmd_import): which source, when it
# started and finished; a resumed import finds its row here.
mlmd_import_table: Table = Table(
    "mlmd_import",
    metadata,
    Column("id", SmallInteger, primary_key=True, autoincrement=False),
    Column("source_fingerprint", String(DIGEST_LENGTH), nullable=False),
    Column("source", String(NAME_LENGTH), nullable=False),
    Column("started_at", BigInteger, nullable=False),
    Column("finished_at", BigInteger, nullable=True),
    **MYSQL_TABLE,
)
