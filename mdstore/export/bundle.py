"""The audit bundle: one zip an auditor checks offline (``bundle_check``).

It holds the lineage as W3C PROV-JSON, as OpenLineage events and as a picture;
every node's stored message (``nodes.json``); the model's version and alias
history when the export named a model; the audit entries that touched any node
in it, with the chain's head (``audit.json``); and ``statement.dsse.json``, an
in-toto Statement listing every other file's SHA-256 and the nodes the bundle
is about, in a DSSE envelope signed with Ed25519.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from typing import Any, Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from google.protobuf import json_format

from mdstore.export import openlineage_events, picture, prov_document
from mdstore.export.lineage import Lineage
from mdstore.export.signing import envelope
from mdstore.wire import v1
from mdstore.wire.pages import Caller, all_audit_entries

STATEMENT_TYPE: Final = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE: Final = "https://mdstore.dev/attestations/lineage-bundle/v1"
ENVELOPE: Final = "statement.dsse.json"
PROV: Final = "lineage.prov.json"
NODES: Final = "nodes.json"
AUDIT: Final = "audit.json"
_KIND_CODES: Final = {"artifact": 1, "execution": 2, "context": 3}  # mdstore.v1.NodeKind


@dataclass
class Subject:
    """What the bundle is about, as the export named it."""

    artifact_id: int
    direction: str
    model_uri: str = ""
    model_name: str = ""
    as_of: int | None = None


@dataclass
class Parts:
    """What the bundle holds besides the lineage, fetched from the store."""

    audit_entries: list[Any] = field(default_factory=list)  # v1.AuditEntry
    head: tuple[int, str] = (0, "")
    history: dict[str, Any] = field(default_factory=dict)


def nodes_of(lineage: Lineage) -> dict[str, Any]:
    """Every node of the lineage by audit key (``artifact:12``)."""
    nodes: dict[str, Any] = {}
    for label, found in (
        ("artifact", lineage.artifacts),
        ("execution", lineage.executions),
        ("context", lineage.contexts),
    ):
        nodes.update((f"{label}:{i}", node) for i, node in sorted(found.items()))
    return nodes


def stored_blob(node: Any) -> bytes:
    """The node as the store keeps it: the served message without its id."""
    copy = type(node)()
    copy.CopyFrom(node)
    copy.ClearField("id")
    return bytes(copy.SerializeToString(deterministic=True))


def fetch_parts(call: Caller, lineage: Lineage, subject: Subject) -> Parts:
    """The audit entries touching the lineage's nodes, and the model's history (which
    ``files.fetch_history`` added to the lineage)."""
    refs = [
        v1.NodeRef(kind=_KIND_CODES[key.split(":")[0]], id=int(key.split(":")[1]))
        for key in nodes_of(lineage)
    ]
    audit = all_audit_entries(call, v1.GetAuditEntriesRequest(nodes=refs))
    parts = Parts(list(audit.entries), (audit.head_seq, audit.head_hash))
    if lineage.model:
        parts.history = {
            "model": lineage.model,
            "versions": [_json(v) for v in lineage.versions],
            "alias_changes": [_json(c) for c in lineage.alias_changes],
        }
    return parts


def _json(message: Any) -> Any:
    return json_format.MessageToDict(message, preserving_proto_field_name=True)


def render(
    lineage: Lineage, subject: Subject, parts: Parts, key: Ed25519PrivateKey | None
) -> bytes:
    """The bundle (zip bytes), its statement signed with ``key`` (unsigned when None)."""
    nodes = nodes_of(lineage)
    files = {
        PROV: prov_document.render(lineage, "prov-json"),
        "lineage.openlineage.jsonl": openlineage_events.render(lineage),
        "lineage.svg": picture.render(lineage, "svg"),
        NODES: _dump([_node_json(key, stored_blob(node)) for key, node in nodes.items()]),
        AUDIT: _dump(
            {
                "head": {"seq": parts.head[0], "hash": parts.head[1]},
                "entries": [_entry_json(e) for e in parts.audit_entries],
            }
        ),
        "history.json": _dump(parts.history),
    }
    statement = {
        "_type": STATEMENT_TYPE,
        "subject": [
            {"name": name, "digest": {"sha256": hashlib.sha256(data).hexdigest()}}
            for name, data in sorted(files.items())
        ],
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "artifact_id": subject.artifact_id,
            "model_uri": subject.model_uri,
            "direction": subject.direction,
            "as_of_millis": subject.as_of,
            "nodes": sorted(nodes),
            "audit_head": {"seq": parts.head[0], "hash": parts.head[1]},
            "created_at": datetime.datetime.now(datetime.timezone.utc).isoformat(),
        },
    }
    files[ENVELOPE] = _dump(envelope(_dump(statement), key))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, data in files.items():
            bundle.writestr(name, data)
    return out.getvalue()


def _node_json(key: str, blob: bytes) -> dict[str, str]:
    return {
        "key": key,
        "sha256": hashlib.sha256(blob).hexdigest(),
        "blob": base64.b64encode(blob).decode(),
    }


ENTRY_FIELDS: Final = (
    "seq",
    "recorded_at_millis",
    "principal",
    "method",
    "request_digest",
    "affected_json",
    "prev_hash",
    "hash",
)


def _entry_json(entry: Any) -> dict[str, Any]:
    return {name: getattr(entry, name) for name in ENTRY_FIELDS}


def _dump(value: Any) -> bytes:
    return json.dumps(value, indent=2, sort_keys=True).encode()
