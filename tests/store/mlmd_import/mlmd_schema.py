"""A small ML Metadata schema-10 database made with sqlite3, for the importer's fast
tests (the compat tests import databases ml-metadata itself wrote)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

_TABLES = """
CREATE TABLE Type (id INTEGER PRIMARY KEY, name TEXT, version TEXT, type_kind INT,
  description TEXT, input_type TEXT, output_type TEXT, external_id TEXT);
CREATE TABLE TypeProperty (type_id INT, name TEXT, data_type INT);
CREATE TABLE ParentType (type_id INT, parent_type_id INT);
CREATE TABLE Artifact (id INTEGER PRIMARY KEY, type_id INT, uri TEXT, state INT, name TEXT,
  external_id TEXT, create_time_since_epoch INT, last_update_time_since_epoch INT);
CREATE TABLE Execution (id INTEGER PRIMARY KEY, type_id INT, last_known_state INT, name TEXT,
  external_id TEXT, create_time_since_epoch INT, last_update_time_since_epoch INT);
CREATE TABLE Context (id INTEGER PRIMARY KEY, type_id INT, name TEXT, external_id TEXT,
  create_time_since_epoch INT, last_update_time_since_epoch INT);
CREATE TABLE ParentContext (context_id INT, parent_context_id INT);
CREATE TABLE Event (id INTEGER PRIMARY KEY, artifact_id INT, execution_id INT, type INT,
  milliseconds_since_epoch INT);
CREATE TABLE EventPath (event_id INT, is_index_step INT, step_index INT, step_key TEXT);
CREATE TABLE Attribution (id INTEGER PRIMARY KEY, context_id INT, artifact_id INT);
CREATE TABLE Association (id INTEGER PRIMARY KEY, context_id INT, execution_id INT);
CREATE TABLE MLMDEnv (schema_version INTEGER PRIMARY KEY);
"""
_PROPERTIES = """(owner_id INT, name TEXT, is_custom_property INT, int_value INT,
  double_value REAL, string_value TEXT, byte_value BLOB, proto_value BLOB, bool_value INT)"""


def make_mlmd_database(path: Path, *, schema_version: int = 10, artifacts: int = 3) -> str:
    """Writes the database; returns its SQLAlchemy URL."""
    with sqlite3.connect(path) as db:
        db.executescript(_TABLES)
        for kind in ("Artifact", "Execution", "Context"):
            columns = _PROPERTIES.replace("owner_id", f"{kind.lower()}_id")
            db.execute(f"CREATE TABLE {kind}Property {columns}")
        db.execute("INSERT INTO MLMDEnv VALUES (?)", (schema_version,))
        db.executemany(
            "INSERT INTO Type (id, name, type_kind) VALUES (?, ?, ?)",
            [(1, "mlmd.Dataset", 1), (2, "Data", 1), (3, "Step", 0), (4, "Run", 2)],
        )
        db.execute("INSERT INTO ParentType VALUES (2, 1)")
        db.execute("INSERT INTO TypeProperty VALUES (2, 'rows', 1)")
        db.executemany(
            "INSERT INTO Artifact VALUES (?, 2, ?, 2, NULL, NULL, 1000, 1000)",
            [(i, f"s3://data/{i}") for i in range(1, artifacts + 1)],
        )
        db.executemany(
            "INSERT INTO ArtifactProperty (artifact_id, name, is_custom_property, int_value)"
            " VALUES (?, 'rows', 0, ?)",
            [(i, 10 * i) for i in range(1, artifacts + 1)],
        )
        db.execute("INSERT INTO Execution VALUES (1, 3, 3, 'train', NULL, 2000, 2000)")
        db.execute("INSERT INTO Context VALUES (1, 4, 'run-1', NULL, 1500, 1500)")
        db.execute("INSERT INTO Event VALUES (1, 1, 1, 3, 2500)")
        db.execute("INSERT INTO EventPath VALUES (1, 0, NULL, 'train')")
        db.execute("INSERT INTO Attribution VALUES (1, 1, 1)")
        db.execute("INSERT INTO Association VALUES (1, 1, 1)")
    return f"sqlite:///{path}"
