"""Ed25519 keys and DSSE signatures (the envelope in-toto attestations travel in).

A bundle's manifest is an in-toto Statement; it is signed as DSSE prescribes:
the signature covers the pre-authentication encoding (PAE) of the payload type
and the payload bytes, so neither can be swapped. The key id is the SHA-256 of
the raw public key.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path
from typing import Any, Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from mdstore.errors import InvalidArgumentError

PAYLOAD_TYPE: Final = "application/vnd.in-toto+json"
PRIVATE_KEY_FILE: Final = "mdstore-signing.key"
PUBLIC_KEY_FILE: Final = "mdstore-signing.pub"


def generate_keys(directory: Path) -> tuple[Path, Path]:
    """Writes a new Ed25519 key pair (PEM) into ``directory``; returns the two paths.

    Raises:
        InvalidArgumentError: a key file is there already (it is never overwritten).
    """
    directory.mkdir(parents=True, exist_ok=True)
    private_path, public_path = directory / PRIVATE_KEY_FILE, directory / PUBLIC_KEY_FILE
    for path in (private_path, public_path):
        if path.exists():
            raise InvalidArgumentError(f"{path} exists; keys are never overwritten")
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    # Created readable by its owner only, before any byte of the key is written.
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(private)
    public_path.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return private_path, public_path


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """The Ed25519 private key in a PEM file.

    Raises:
        InvalidArgumentError: unreadable, or not an unencrypted Ed25519 key.
    """
    try:
        key = serialization.load_pem_private_key(_read(path), password=None)
    except (ValueError, TypeError) as e:
        raise InvalidArgumentError(f"{path} holds no unencrypted PEM private key") from e
    if not isinstance(key, Ed25519PrivateKey):
        raise InvalidArgumentError(f"{path} is not an Ed25519 key")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    """The Ed25519 public key in a PEM file.

    Raises:
        InvalidArgumentError: unreadable, or not an Ed25519 public key.
    """
    try:
        key = serialization.load_pem_public_key(_read(path))
    except ValueError as e:
        raise InvalidArgumentError(f"{path} holds no PEM public key") from e
    if not isinstance(key, Ed25519PublicKey):
        raise InvalidArgumentError(f"{path} is not an Ed25519 public key")
    return key


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as e:
        raise InvalidArgumentError(f"cannot read {path}: {e.strerror}") from e


def key_id(key: Ed25519PublicKey) -> str:
    """SHA-256 (hex) of the raw public key."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSE's pre-authentication encoding of a payload."""
    kind = payload_type.encode()
    return b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(payload), payload)


def envelope(payload: bytes, key: Ed25519PrivateKey | None) -> dict[str, Any]:
    """A DSSE envelope of ``payload``, signed by ``key`` (unsigned when None)."""
    signatures = []
    if key is not None:
        signature = key.sign(pae(PAYLOAD_TYPE, payload))
        signatures.append(
            {"keyid": key_id(key.public_key()), "sig": base64.b64encode(signature).decode()}
        )
    return {
        "payloadType": PAYLOAD_TYPE,
        "payload": base64.b64encode(payload).decode(),
        "signatures": signatures,
    }


def open_envelope(data: bytes, key: Ed25519PublicKey) -> tuple[bytes, str]:
    """The payload of an envelope, and "" when ``key`` signed it, else what is wrong."""
    document = json.loads(data)
    payload = base64.b64decode(document["payload"], validate=True)
    if document.get("payloadType") != PAYLOAD_TYPE:
        return payload, f"the envelope's payload type is not {PAYLOAD_TYPE}"
    signatures = document.get("signatures") or []
    if not signatures:
        return payload, "the bundle is not signed"
    wanted = key_id(key)
    for signature in signatures:
        try:
            key.verify(base64.b64decode(signature["sig"]), pae(PAYLOAD_TYPE, payload))
            return payload, ""
        except (InvalidSignature, ValueError, KeyError):
            continue
    ids = ", ".join(s.get("keyid", "?")[:16] for s in signatures)
    return (
        payload,
        f"bad signature: not signed by this public key ({wanted[:16]}…; signed by {ids}…)",
    )
