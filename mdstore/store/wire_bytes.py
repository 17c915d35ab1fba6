"""Protobuf wire encoding for assembling responses from stored blobs.

A response made of many stored messages (a lineage graph, a page of nodes) is
built as bytes, ``field(number, payload)`` per element, and parsed once, instead
of parsing each blob into a message and copying it into the response. Only the
two encodings this needs: varints and length-delimited fields.
"""

from __future__ import annotations

from collections.abc import Iterable

_WIRE_VARINT, _WIRE_LEN = 0, 2


def _encode(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


# Lengths, tags and most ids are small: look them up rather than loop.
_SMALL = [_encode(v) for v in range(1 << 14)]


def varint(value: int) -> bytes:
    """Base-128 varint; negative int64 values take ten bytes (two's complement)."""
    if 0 <= value < 16384:
        return _SMALL[value]
    return _encode(value + (1 << 64) if value < 0 else value)


def field(number: int, payload: bytes) -> bytes:
    """One length-delimited field (an embedded message, string or bytes)."""
    return varint(number << 3 | _WIRE_LEN) + varint(len(payload)) + payload


def repeated(number: int, payloads: Iterable[bytes]) -> bytes:
    """A repeated message field holding ``payloads`` in order."""
    tag = varint(number << 3 | _WIRE_LEN)
    return b"".join(tag + varint(len(p)) + p for p in payloads)


def int_field(number: int, value: int) -> bytes:
    """One varint field (int64, int32, enum)."""
    return varint(number << 3 | _WIRE_VARINT) + varint(value)
