"""``verify-bundle``: checks a bundle offline, with its public key and nothing else.

In order: the statement's signature; every file against the SHA-256 the signed
statement lists (a changed, missing or unlisted file); every node the statement
names against ``nodes.json``, the PROV document and the audit entries (a missing
node, or one whose stored message is not the one the audit log recorded); the
audit entries' own hashes and the links between consecutive ones (a broken
chain). Each problem is one line naming the file, node or entry.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from mdstore.export.bundle import (
    AUDIT,
    ENTRY_FIELDS,
    ENVELOPE,
    NODES,
    PREDICATE_TYPE,
    PROV,
    STATEMENT_TYPE,
)
from mdstore.export.signing import open_envelope
from mdstore.store.audit.digests import entry_hash


def check(data: bytes, key: Ed25519PublicKey) -> list[str]:
    """What does not verify in the bundle ``data`` (empty: it verifies)."""
    try:
        bundle = zipfile.ZipFile(io.BytesIO(data))
        files = {name: bundle.read(name) for name in bundle.namelist()}
    except (zipfile.BadZipFile, OSError, EOFError) as e:
        return [f"not a bundle: {e}"]
    if ENVELOPE not in files:
        return [f"not a bundle: {ENVELOPE} is missing"]
    try:
        payload, signature_problem = open_envelope(files.pop(ENVELOPE), key)
        statement = json.loads(payload)
    except (ValueError, KeyError, TypeError) as e:
        return [f"{ENVELOPE} does not parse: {e}"]
    problems = [signature_problem] if signature_problem else []
    if statement.get("_type") != STATEMENT_TYPE or statement.get("predicateType") != PREDICATE_TYPE:
        return [*problems, "the statement is not an mdstore lineage bundle statement"]
    problems += _check_files(files, statement["subject"])
    try:
        problems += _check_nodes(files, statement["predicate"])
        problems += _check_chain(files, statement["predicate"])
    except (ValueError, KeyError, TypeError) as e:
        problems.append(f"a file of the bundle does not parse: {e}")
    return problems


def _check_files(files: dict[str, bytes], subjects: list[dict[str, Any]]) -> list[str]:
    problems = []
    listed = {s["name"]: s["digest"]["sha256"] for s in subjects}
    for name, digest in sorted(listed.items()):
        if name not in files:
            problems.append(f"missing file {name}")
        elif hashlib.sha256(files[name]).hexdigest() != digest:
            problems.append(f"changed file {name}: its SHA-256 is not the one the statement signs")
    problems += [f"unlisted file {name}" for name in sorted(set(files) - set(listed))]
    return problems


def _check_nodes(files: dict[str, bytes], predicate: dict[str, Any]) -> list[str]:
    named = list(predicate["nodes"])
    stored = {n["key"]: n for n in json.loads(files.get(NODES, b"[]"))}
    prov = json.loads(files.get(PROV, b"{}"))
    in_prov = {
        name.removeprefix("mdstore:").replace("/", ":")
        for section in ("entity", "activity")
        for name in prov.get(section, {})
    }
    recorded = _recorded_digests(files)
    problems = []
    for key in named:
        label = key.replace(":", " ")
        node = stored.get(key)
        if node is None:
            problems.append(f"missing node {label}: not in {NODES}")
            continue
        if not key.startswith("context:") and key not in in_prov:
            problems.append(f"missing node {label}: not in {PROV}")
        digest = hashlib.sha256(base64.b64decode(node["blob"])).hexdigest()
        if digest not in recorded.get(key, set()):
            problems.append(f"node {label}: its stored message is not one the audit log recorded")
    problems += [
        f"unlisted node {k.replace(':', ' ')} in {NODES}" for k in sorted(set(stored) - set(named))
    ]
    return problems


def _recorded_digests(files: dict[str, bytes]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for entry in json.loads(files.get(AUDIT, b"{}")).get("entries", []):
        for key, digest in json.loads(entry["affected_json"])["rows"].items():
            found.setdefault(key, set()).add(digest)
    return found


def _check_chain(files: dict[str, bytes], predicate: dict[str, Any]) -> list[str]:
    audit = json.loads(files.get(AUDIT, b"{}"))
    head = audit.get("head", {})
    problems = []
    if head != predicate["audit_head"]:
        problems.append("broken chain: audit.json's head is not the one the statement signs")
    previous: dict[str, Any] | None = None
    for entry in audit.get("entries", []):
        seq = entry["seq"]
        fields = [entry[f] for f in ENTRY_FIELDS[:-1]]  # all but the hash itself
        if entry_hash(*fields) != entry["hash"]:
            problems.append(f"broken chain: entry {seq}'s hash does not match its contents")
        if (
            previous is not None
            and previous["seq"] == seq - 1
            and entry["prev_hash"] != previous["hash"]
        ):
            problems.append(f"broken chain: entry {seq} does not follow entry {seq - 1}")
        if seq > head.get("seq", 0):
            problems.append(f"broken chain: entry {seq} is past the head {head.get('seq')}")
        previous = entry
    return problems
