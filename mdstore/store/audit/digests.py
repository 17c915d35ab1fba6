"""The digests the audit log records, defined once for writers, verifiers and bundles.

A row's digest is SHA-256 over its values as canonical JSON (sorted keys, no
spaces, UTF-8), after ``normal`` has made the values the database returns
match the ones a writer holds: booleans as 0/1, bytes as ``["b", hex]``. Nodes
and events are digested by their stored message instead (``blob_digest``), which
holds every column of theirs; ``audit verify`` checks the columns against it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any


def sha256_hex(data: bytes) -> str:
    """SHA-256 of ``data``, hex."""
    return hashlib.sha256(data).hexdigest()


def canonical_json(value: Any) -> str:
    """``value`` as canonical JSON text: sorted keys, no whitespace."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def normal(value: Any) -> Any:
    """A column value in the form every database and writer agree on."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return ["b", bytes(value).hex()]
    if isinstance(value, float) and value != value:
        return None  # NaN: SQLite stores it as NULL
    return value


def row_digest(values: Sequence[Any]) -> str:
    """The digest of one row's values (in its table spec's column order)."""
    return sha256_hex(canonical_json([normal(v) for v in values]).encode())


def blob_digest(blob: Any) -> str:
    """The digest of a node by its stored message."""
    return hashlib.sha256(blob).hexdigest()


def event_digest(blob: Any, recorded_at: int | None) -> str:
    """The digest of an event: its stored message and when the store recorded it
    (which the message does not hold; as-of lineage reads it)."""
    digest = hashlib.sha256(b"%d:" % (recorded_at if recorded_at is not None else -1))
    digest.update(blob)
    return digest.hexdigest()


def entry_hash(
    seq: int,
    recorded_at: int,
    principal: str,
    method: str,
    request_digest: str,
    affected: str,
    prev_hash: str,
) -> str:
    """An entry's own hash: over its fields, its affected rows' text, and the
    previous entry's hash, so changing any entry breaks every hash after it."""
    fields = [seq, recorded_at, principal, method, request_digest, sha256_hex(affected.encode())]
    return sha256_hex(canonical_json([*fields, prev_hash]).encode())
