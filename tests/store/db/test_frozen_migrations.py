"""The migrations are frozen: they import no live mdstore code.

A migration that imported the store's encoding or schema would change what it does
whenever that code changed, so upgrading an old store would no longer write what
the revision wrote. Each file may import alembic, sqlalchemy, the standard library
and the wire messages (``from mdstore.wire import mlmd``, fixed by compatibility
with ML Metadata 1.17.1), nothing else.

0002 carries its own copy of the node and event encoding; while the live encoder
exists, both must give the same bytes.
"""

from __future__ import annotations

import ast
import importlib.util
import sys
from importlib import resources
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from mdstore.store.records.blobs import event_blob, node_blob
from mdstore.store.records.kinds import NODE_KINDS
from mdstore.store.records.values import to_row
from mdstore.wire import mlmd

ALLOWED_PACKAGES = frozenset({"alembic", "sqlalchemy", *sys.stdlib_module_names})
ALLOWED_NAMES = frozenset({"mdstore.wire.mlmd"})  # ``from mdstore.wire import mlmd``
DYNAMIC_IMPORTS = frozenset({"__import__", "import_module"})
# Kind label -> values for the columns only that kind has.
KIND_FIELDS: dict[str, dict[str, Any]] = {
    "artifact": {"uri": "gs://a", "state": mlmd.Artifact.LIVE},
    "execution": {"last_known_state": mlmd.Execution.COMPLETE},
    "context": {},
}


def _versions_dir() -> Path:
    """The packaged migrations' folder, wherever in ``mdstore`` it lives now."""
    root = Path(str(resources.files("mdstore")))
    found = [p for p in root.glob("**/migrations/versions") if "__pycache__" not in p.parts]
    assert len(found) == 1, f"expected one migrations/versions folder under {root}: {found}"
    return found[0]


def _migration_files() -> list[Path]:
    return sorted(_versions_dir().glob("[0-9]*.py"))


def _imported_names(tree: ast.AST) -> list[str]:
    """Each name a module imports, dotted (``from a.b import c`` gives ``a.b.c``);
    relative imports keep their leading dots, dynamic ones give ``<call>()``."""
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            names += [f"{module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called in DYNAMIC_IMPORTS:
                names.append(f"{called}()")
    return names


def _forbidden(name: str) -> bool:
    return name not in ALLOWED_NAMES and name.split(".")[0] not in ALLOWED_PACKAGES


def test_the_migrations_folder_is_found() -> None:
    revisions = [path.name[:4] for path in _migration_files()]
    assert revisions[:5] == ["0001", "0002", "0003", "0004", "0005"]


@pytest.mark.parametrize("path", _migration_files(), ids=lambda path: path.name)
def test_migration_imports_no_live_code(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    assert [name for name in _imported_names(tree) if _forbidden(name)] == []


@pytest.mark.parametrize(
    ("source", "allowed"),
    [
        ("import sqlalchemy as sa\nfrom alembic import op\nfrom collections import abc", True),
        ("from sqlalchemy.dialects import mysql", True),
        ("from mdstore.wire import mlmd", True),
        ("from mdstore.store import schema", False),
        ("from mdstore.store.db.schema import STRING_INDEX_DIALECTS", False),
        ("from mdstore.wire import encoding", False),
        ("import mdstore", False),
        ("from . import schema", False),
        ("import google.protobuf", False),
        ("def f():\n    from mdstore.store import nodes", False),
        ("importlib.import_module('mdstore.store.schema')", False),
    ],
)
def test_import_rule(source: str, allowed: bool) -> None:
    forbidden = [name for name in _imported_names(ast.parse(source)) if _forbidden(name)]
    assert (forbidden == []) is allowed


# 0002's frozen encoder against the live one.


@pytest.fixture(scope="module")
def migration_0002() -> ModuleType:
    """Revision 0002, loaded from its file (versions/ is not a package)."""
    (path,) = _versions_dir().glob("0002_*.py")
    spec = importlib.util.spec_from_file_location("mdstore_migration_0002", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _every_value() -> dict[str, Any]:
    """Property name -> a Value, one of each kind (int, double, string, bool, struct, proto)."""
    values = {name: mlmd.Value() for name in ("size", "score", "owner", "ok", "config", "extra")}
    values["size"].int_value = -42
    values["score"].double_value = 0.25
    values["owner"].string_value = "team-1 ü"
    values["ok"].bool_value = True
    struct = values["config"].struct_value
    struct.fields["b"].string_value = "x"
    struct.fields["a"].number_value = 1.5
    struct.fields["c"].list_value.values.add().bool_value = True
    values["extra"].proto_value.type_url = "type.googleapis.com/ml_metadata.Artifact"
    values["extra"].proto_value.value = mlmd.Artifact(uri="gs://x").SerializeToString()
    return values


def _node(kind: Any) -> Any:
    """A node of ``kind`` with every field mdstore keeps, every value kind as a
    property and a custom property, and fields the blob leaves out (id, type)."""
    node = kind.message(
        id=7, type_id=3, type="ignored", name="n", external_id="ext-7", **KIND_FIELDS[kind.label]
    )
    for name, value in _every_value().items():
        node.properties[name].CopyFrom(value)
        node.custom_properties[f"custom-{name}"].CopyFrom(value)
    return node


def test_frozen_node_kinds_match_live(migration_0002: ModuleType) -> None:
    frozen = [(k.label, k.message, k.fields) for k in migration_0002._KINDS]
    assert frozen == [(k.label, k.message, k.fields) for k in NODE_KINDS]


@pytest.mark.parametrize("name", sorted(_every_value()))
def test_frozen_fill_value_reads_what_live_code_writes(
    migration_0002: ModuleType, name: str
) -> None:
    expected = _every_value()[name]
    frozen = mlmd.Value()
    migration_0002._fill_value(frozen, to_row(expected))
    assert frozen == expected


@pytest.mark.parametrize("kind", NODE_KINDS, ids=lambda kind: kind.label)
def test_frozen_node_blob_matches_live(migration_0002: ModuleType, kind: Any) -> None:
    (frozen_kind,) = [k for k in migration_0002._KINDS if k.label == kind.label]
    node = _node(kind)
    frozen = migration_0002._node_blob(frozen_kind, node, "Dataset", 100, 200)
    assert frozen == node_blob(kind, node, "Dataset", 100, 200)
    read = kind.message.FromString(frozen)
    assert (read.type, len(read.properties), len(read.custom_properties)) == ("Dataset", 6, 6)


def _event(with_path: bool) -> Any:
    event = mlmd.Event(
        artifact_id=7, execution_id=5, type=mlmd.Event.OUTPUT, milliseconds_since_epoch=1
    )
    if with_path:
        event.path.steps.add().key = "examples"
        event.path.steps.add().index = 3
    return event


@pytest.mark.parametrize("with_path", [True, False], ids=["path", "no-path"])
def test_frozen_event_blob_matches_live(migration_0002: ModuleType, with_path: bool) -> None:
    event = _event(with_path)
    frozen = migration_0002._event_blob(event, 700)
    assert frozen == event_blob(event, 700)
    assert mlmd.Event.FromString(frozen).HasField("path") is with_path
