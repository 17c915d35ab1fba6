"""Property values: Python values <-> ``ml_metadata.Value``, checked against a type.

A property value is one of ``int``, ``float``, ``str``, ``bool``, ``dict`` (stored as a
``google.protobuf.Struct``, so it must be JSON-like) or a ``ProtoValue`` (a packed
message). NumPy scalars are accepted and stored as their Python equivalents, since
metrics computed with scikit-learn or NumPy arrive as ``numpy.float64`` and friends.

A value written to a *declared* property must match the type's ``PropertyType``: an
``int`` may go into a ``DOUBLE`` property (it is stored as a float), anything else
that does not match is an ``InvalidArgumentError`` naming the property, the expected
kind and the value received.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from typing import Any

from google.protobuf import json_format
from pydantic import BaseModel, ConfigDict

from mdstore.errors import InvalidArgumentError
from mdstore.wire import mlmd


class PropertyType(str, enum.Enum):
    """The value kind a type declares for a property (``ml_metadata.PropertyType``)."""

    INT = "INT"
    DOUBLE = "DOUBLE"
    STRING = "STRING"
    STRUCT = "STRUCT"
    PROTO = "PROTO"
    BOOLEAN = "BOOLEAN"

    @property
    def number(self) -> int:
        """The wire enum number."""
        return int(mlmd.PropertyType.values_by_name[self.value].number)

    @classmethod
    def from_number(cls, number: int) -> PropertyType:
        """The member for a wire enum number."""
        return cls(mlmd.PropertyType.values_by_number[number].name)


class ProtoValue(BaseModel):
    """A property holding a packed protobuf message (``google.protobuf.Any``)."""

    model_config = ConfigDict(frozen=True)

    type_url: str
    value: bytes = b""

    @classmethod
    def pack(cls, message: Any) -> ProtoValue:
        """Packs any protobuf message, as ``Any.Pack`` does."""
        full_name = message.DESCRIPTOR.full_name
        return cls(type_url=f"type.googleapis.com/{full_name}", value=message.SerializeToString())


PropertyValue = int | float | str | bool | dict[str, Any] | ProtoValue
"""What a property holds once read back from the store."""

_PYTHON_TYPES: dict[type, PropertyType] = {
    bool: PropertyType.BOOLEAN,
    int: PropertyType.INT,
    float: PropertyType.DOUBLE,
    str: PropertyType.STRING,
    dict: PropertyType.STRUCT,
    ProtoValue: PropertyType.PROTO,
}
_ALIASES = {"FLOAT": PropertyType.DOUBLE, "BOOL": PropertyType.BOOLEAN, "STR": PropertyType.STRING}


def property_type(spec: Any) -> PropertyType:
    """Reads a property declaration: ``int``, ``float``, ``str``, ``bool``, ``dict``,
    a ``PropertyType`` or its name (``"INT"``, ``"double"``, ``"float"``...).

    Raises:
        ValueError: the declaration names no property type.
    """
    if isinstance(spec, PropertyType):
        return spec
    if isinstance(spec, type) and spec in _PYTHON_TYPES:
        return _PYTHON_TYPES[spec]
    if isinstance(spec, str):
        name = spec.strip().upper()
        if name in PropertyType.__members__:
            return PropertyType[name]
        if name in _ALIASES:
            return _ALIASES[name]
    allowed = "int, float, str, bool, dict, or a PropertyType such as 'INT'"
    raise ValueError(f"{spec!r} is not a property type; use {allowed}")


def normalize(value: Any) -> PropertyValue:
    """Returns ``value`` as a plain property value, or raises ``ValueError`` saying why not.

    NumPy scalars become Python scalars; a dict is checked to be JSON-like.
    """
    if type(value).__module__ == "numpy" and hasattr(value, "item"):
        value = value.item()
    if isinstance(value, bool | int | str | ProtoValue):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value!r} is not a finite number")
        return value
    if isinstance(value, Mapping):
        struct: dict[str, Any] = _check_json(dict(value), "")
        return struct
    kind = "None" if value is None else type(value).__name__
    raise ValueError(
        f"a {kind} is not a property value; use int, float, str, bool or dict (a JSON object)"
    )


def _check_json(value: Any, path: str) -> Any:
    """Checks a struct value is JSON-like; the error names where it is not."""
    if isinstance(value, Mapping):
        for key in value:
            if not isinstance(key, str):
                raise ValueError(f"dict key {key!r} at {path or 'top level'} is not a string")
        return {k: _check_json(v, f"{path}.{k}" if path else k) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_check_json(v, f"{path}[{i}]") for i, v in enumerate(value)]
    if type(value).__module__ == "numpy" and hasattr(value, "item"):
        value = value.item()
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    raise ValueError(f"{type(value).__name__} {value!r} at {path} cannot be stored in a dict value")


def infer_type(value: PropertyValue) -> PropertyType:
    """The property type a value would be stored as when nothing is declared."""
    for python_type, declared in _PYTHON_TYPES.items():
        if isinstance(value, python_type):
            return declared
    raise ValueError(f"{value!r} is not a property value")


def to_value(value: Any, declared: PropertyType | None, where: str) -> Any:
    """Builds the ``ml_metadata.Value`` for ``value``.

    Args:
        value: the Python value.
        declared: the property's declared type, or None for a custom property.
        where: names the property in error messages, e.g. "property 'rows' of Dataset".

    Raises:
        InvalidArgumentError: the value is not a property value, or does not match
            the declared type.
    """
    try:
        plain = normalize(value)
    except ValueError as e:
        raise InvalidArgumentError(f"{where}: {e}") from None
    kind = infer_type(plain)
    if declared is not None and kind != declared:
        if not (declared is PropertyType.DOUBLE and kind is PropertyType.INT):
            raise InvalidArgumentError(
                f"{where} is declared {declared.value}; got {type(plain).__name__} {plain!r}"
            )
        kind = PropertyType.DOUBLE
    return _build(plain, kind)


def _build(plain: PropertyValue, kind: PropertyType) -> Any:
    message = mlmd.Value()
    if kind is PropertyType.BOOLEAN:
        message.bool_value = bool(plain)
    elif kind is PropertyType.INT:
        message.int_value = int(plain)  # type: ignore[arg-type]
    elif kind is PropertyType.DOUBLE:
        message.double_value = float(plain)  # type: ignore[arg-type]
    elif kind is PropertyType.STRING:
        message.string_value = str(plain)
    elif kind is PropertyType.STRUCT:
        message.struct_value.update(plain)
    else:
        assert isinstance(plain, ProtoValue)
        message.proto_value.type_url = plain.type_url
        message.proto_value.value = plain.value
    return message


def from_value(message: Any) -> PropertyValue | None:
    """The Python value of an ``ml_metadata.Value`` (None when it is unset)."""
    kind = message.WhichOneof("value")
    if kind == "struct_value":
        result: dict[str, Any] = json_format.MessageToDict(message.struct_value)
        return result
    if kind == "proto_value":
        return ProtoValue(type_url=message.proto_value.type_url, value=message.proto_value.value)
    if kind is None:
        return None
    plain: PropertyValue = getattr(message, kind)
    return plain


def to_value_map(
    values: Mapping[str, Any],
    target: Any,
    declared: Mapping[str, PropertyType] | None,
    owner: str,
) -> None:
    """Fills a ``map<string, Value>`` field from a dict.

    Args:
        values: property name -> Python value; None values are left out.
        target: the message's map field (``properties`` or ``custom_properties``).
        declared: the type's declared properties; None for custom properties.
        owner: names the node's type in error messages.

    Raises:
        InvalidArgumentError: an undeclared name, or a value of the wrong kind.
    """
    for name, value in values.items():
        if value is None:
            continue
        if declared is not None and name not in declared:
            known = ", ".join(sorted(declared)) or "none"
            raise InvalidArgumentError(
                f"{owner} has no property {name!r} (declared: {known}); declare it on the "
                "type or pass it in custom_properties"
            )
        kind = declared[name] if declared is not None else None
        where = f"{'property' if declared is not None else 'custom property'} {name!r} of {owner}"
        target[name].CopyFrom(to_value(value, kind, where))


def from_value_map(source: Any) -> dict[str, PropertyValue]:
    """The Python dict of a ``map<string, Value>`` field (unset values are skipped)."""
    result: dict[str, PropertyValue] = {}
    for name in source:  # keys, then lookups: a map's items() goes through Python mixins
        value = from_value(source[name])
        if value is not None:
            result[name] = value
    return result
