"""ml_metadata.Value <-> property rows, and the checks a property must pass.

A property row keeps the Value's kind in ``value_kind`` and the value in the
matching column; structs and protos (Any) are stored serialized in ``byte_value``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mdstore.errors import InvalidArgumentError
from mdstore.store.db import schema

# Value oneof field -> value_kind column value.
_KIND_OF_FIELD = {
    "int_value": schema.INT,
    "double_value": schema.DOUBLE,
    "string_value": schema.STRING,
    "struct_value": schema.STRUCT,
    "proto_value": schema.PROTO,
    "bool_value": schema.BOOL,
}
# PropertyType enum number (INT=1 ... BOOLEAN=6) -> the Value field it requires.
_FIELD_OF_PROPERTY_TYPE = {
    1: "int_value",
    2: "double_value",
    3: "string_value",
    4: "struct_value",
    5: "proto_value",
    6: "bool_value",
}
_COLUMNS = ("int_value", "double_value", "string_value", "bool_value", "byte_value")


def value_field(value: Any, owner: str, name: str, declared: bool = False) -> str:
    """The oneof field a Value holds.

    Raises:
        InvalidArgumentError: the Value holds nothing (MLMD crashes on this).
    """
    field: str | None = value.WhichOneof("value")
    if field is None:
        # MLMD's wording first: clients match on "Found unmatched property type".
        prefix = "Found unmatched property type" if declared else "Found empty custom property"
        raise InvalidArgumentError(
            f"{prefix}: {name}: {owner} has an empty Value; set one of int_value, "
            "double_value, string_value, bool_value, struct_value or proto_value"
        )
    return field


def check_properties(node: Any, declared: Mapping[str, int], owner: str) -> None:
    """Checks a node's properties against its type and that no Value is empty.

    Args:
        node: an Artifact, Execution or Context message.
        declared: the type's property name -> PropertyType number.
        owner: how to name the node in error messages.

    Raises:
        InvalidArgumentError: an undeclared property, a Value of the wrong kind, or
            an empty Value. Messages start with MLMD's wording.
    """
    for name, value in node.properties.items():
        if name not in declared:
            raise InvalidArgumentError(
                f"Found unknown property: {name}: {owner}'s type does not declare it; "
                "use custom_properties for undeclared values"
            )
        field = value_field(value, owner, name, declared=True)
        wanted = _FIELD_OF_PROPERTY_TYPE.get(declared[name])
        if field != wanted:
            raise InvalidArgumentError(
                f"Found unmatched property type: {name}: {owner} gives a {field} but its "
                f"type declares {wanted}"
            )
    for name, value in node.custom_properties.items():
        value_field(value, owner, name)


# A property row's value columns, in the order ``to_row`` gives them.
VALUE_COLUMNS = ("value_kind", *_COLUMNS)


def to_row(value: Any) -> tuple[Any, ...]:
    """The value columns (VALUE_COLUMNS) for one Value; unused ones None."""
    field = value.WhichOneof("value")
    row: list[Any] = [_KIND_OF_FIELD[field], *[None] * len(_COLUMNS)]
    if field in ("struct_value", "proto_value"):
        row[VALUE_COLUMNS.index("byte_value")] = getattr(value, field).SerializeToString(
            deterministic=True
        )
    else:
        row[VALUE_COLUMNS.index(field)] = getattr(value, field)
    return tuple(row)
