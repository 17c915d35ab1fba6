"""ML Metadata rows -> the messages mdstore stores.

Facts of MLMD's schema 10 this relies on: type_kind 0/1/2 is execution/artifact/
context (as in mdstore); base types are rows named ``mlmd.Dataset`` …
linked by ParentType, not imported as types themselves; a struct property is
stored as ``mlmd-struct::`` and the base64 of the serialized Struct in
string_value; a proto property as the base64 of the serialized Any in
proto_value; input and output struct types as their JSON form.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Sequence
from typing import Any

from google.protobuf import json_format

from mdstore.store.records.kinds import TYPE_KINDS, TypeKind
from mdstore.store.records.types import type_message
from mdstore.wire import mlmd

STRUCT_PREFIX = "mlmd-struct::"
# System base types: the row name -> the base_type enum number of its kind.
BASE_TYPES = {
    "mlmd.Dataset": 1, "mlmd.Model": 2, "mlmd.Metrics": 3, "mlmd.Statistics": 4,
    "mlmd.Train": 1, "mlmd.Transform": 2, "mlmd.Process": 3, "mlmd.Evaluate": 4,
    "mlmd.Deploy": 5,
}  # fmt: skip
TYPE_COLUMNS = (
    "id", "name", "version", "type_kind", "description", "input_type", "output_type",
    "external_id",
)  # fmt: skip


def types(
    rows: Iterable[Sequence[Any]],
    properties: Iterable[Sequence[Any]],
    parents: Iterable[Sequence[Any]],
) -> list[tuple[TypeKind, Any]]:
    """Every user type (system base types left out), with properties and base type."""
    rows = list(rows)
    system = {row[0]: row[1] for row in rows if row[1] in BASE_TYPES}
    base = {type_id: BASE_TYPES[system[parent]] for type_id, parent in parents if parent in system}
    by_type: dict[int, list[tuple[str, int]]] = {}
    for type_id, name, data_type in properties:
        by_type.setdefault(type_id, []).append((name, data_type))
    out = []
    for row in rows:
        if row[0] in system:
            continue
        kind = TYPE_KINDS[row[3]]
        out.append((kind, _type(kind, row, by_type.get(row[0], []), base.get(row[0]))))
    return out


def _type(
    kind: TypeKind, row: Sequence[Any], props: list[tuple[str, int]], base: int | None
) -> Any:
    type_id, name, version, _, description, input_type, output_type, external_id = row
    # mdstore's own reading of a type row; MLMD keeps struct types as JSON, parsed below.
    msg = type_message(kind, (type_id, name, version, description, external_id, base, None, None))
    if kind.has_struct_types:
        for field, text in (("input_type", input_type), ("output_type", output_type)):
            if text:
                json_format.Parse(_text(text), getattr(msg, field))
    for prop_name, data_type in props:
        msg.properties[prop_name] = data_type
    return msg


def value(row: Sequence[Any]) -> Any | None:
    """The Value of a property row (PROPERTY_COLUMNS after name and is_custom);
    None when the row holds no value."""
    int_value, double_value, string_value, byte_value, proto_value, bool_value = row
    out = mlmd.Value()
    if int_value is not None:
        out.int_value = int(int_value)
    elif double_value is not None:
        out.double_value = float(double_value)
    elif string_value is not None:
        text = _text(string_value)
        if text.startswith(STRUCT_PREFIX):
            out.struct_value.ParseFromString(base64.b64decode(text[len(STRUCT_PREFIX) :]))
        else:
            out.string_value = text
    elif proto_value is not None:
        out.proto_value.ParseFromString(_unbase64(proto_value))
    elif bool_value is not None:
        out.bool_value = bool(bool_value)
    elif byte_value is not None:
        out.string_value = _text(byte_value)  # no Value field reads byte_value; keep it
    else:
        return None
    return out


def _text(value: Any) -> str:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).decode()
    return str(value)


def _unbase64(value: Any) -> bytes:
    raw = bytes(value) if isinstance(value, (bytes, bytearray, memoryview)) else value.encode()
    try:
        return base64.b64decode(raw, validate=True)
    except binascii.Error:
        return raw  # stored raw by an older writer


def node(kind: Any, row: Sequence[Any], properties: Iterable[Sequence[Any]]) -> Any:
    """A node message from its row (``id, type_id, *kind columns, name, external_id,
    create, update``) and its property rows (``PROPERTY_COLUMNS``)."""
    node_id, type_id, *fields, name, external_id, created, updated = row
    msg = kind.message(id=node_id, type_id=type_id)
    for field, found in zip(kind.fields, fields, strict=True):
        if found is not None:
            setattr(msg, field, found)
    if name is not None:
        msg.name = name
    if external_id is not None:
        msg.external_id = external_id
    msg.create_time_since_epoch = created or 0
    msg.last_update_time_since_epoch = updated or 0
    for prop_name, is_custom, *values in properties:
        found_value = value(values)
        if found_value is not None:
            target = msg.custom_properties if is_custom else msg.properties
            target[prop_name].CopyFrom(found_value)
    return msg


def event(row: Sequence[Any], steps: Iterable[Sequence[Any]]) -> Any:
    """An event from its row (``id, artifact_id, execution_id, type, ms``) and its
    path rows (``is_index_step, step_index, step_key``) in stored order."""
    _, artifact_id, execution_id, event_type, millis = row
    msg = mlmd.Event(artifact_id=artifact_id, execution_id=execution_id, type=event_type)
    if millis is not None:
        msg.milliseconds_since_epoch = millis
    for is_index, index, key in steps:
        step = msg.path.steps.add()
        if is_index:
            step.index = int(index)
        else:
            step.key = _text(key)
    return msg
