"""Checks on request values that the database would otherwise reject or truncate."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mdstore.errors import InvalidArgumentError
from mdstore.store.schema import EXTERNAL_ID_LENGTH, NAME_LENGTH


def check_length(value: str, limit: int, what: str) -> None:
    """Raises InvalidArgumentError when ``value`` has more than ``limit`` characters."""
    if len(value) > limit:
        raise InvalidArgumentError(f"{what} is {len(value)} characters long; the limit is {limit}")


def check_names(message: Any, what: str) -> None:
    """Checks name, version and external_id fields (where present) fit their columns."""
    fields = message.DESCRIPTOR.fields_by_name
    for field, limit in (
        ("name", NAME_LENGTH),
        ("version", NAME_LENGTH),
        ("external_id", EXTERNAL_ID_LENGTH),
    ):
        if field in fields and message.HasField(field):
            check_length(getattr(message, field), limit, f"{what} {field}")
    for map_field in ("properties", "custom_properties"):
        if map_field in fields:
            for key in getattr(message, map_field):
                check_length(key, NAME_LENGTH, f"{what} property name")


def check_external_ids(external_ids: Iterable[str]) -> list[str]:
    """The external ids of a lookup as a list; an empty one is INVALID_ARGUMENT, as in MLMD."""
    out = list(external_ids)
    if any(not e for e in out):
        raise InvalidArgumentError("external_ids must not contain an empty string")
    return out


def require(condition: bool, message: str) -> None:
    """Raises InvalidArgumentError(message) unless ``condition`` holds."""
    if not condition:
        raise InvalidArgumentError(message)


_STRING = 9  # FieldDescriptor.TYPE_STRING
_MESSAGE = 11  # FieldDescriptor.TYPE_MESSAGE
_REPEATED = 3  # FieldDescriptor.LABEL_REPEATED


def check_utf8(message: Any) -> None:
    """Rejects string fields that are not valid UTF-8, anywhere in a message.

    proto2 does not check UTF-8 on the wire; protobuf's Python runtime then hands
    the field over as ``bytes`` instead of ``str``, which must never reach the database.

    Raises:
        InvalidArgumentError: naming the first offending field.
    """
    for field, value in message.ListFields():
        if field.type == _STRING:
            values = value if _is_repeated(field) else (value,)
            if any(isinstance(v, bytes) for v in values):
                raise InvalidArgumentError(f"field {field.full_name} is not valid UTF-8")
        elif field.type == _MESSAGE:
            _check_nested(field, value)


def _is_repeated(field: Any) -> bool:
    # protobuf >= 5 has is_repeated (and newer ones dropped label); 4.25 has label.
    if hasattr(field, "is_repeated"):
        return bool(field.is_repeated)
    return bool(field.label == _REPEATED)


def _check_nested(field: Any, value: Any) -> None:
    if field.message_type.GetOptions().map_entry:
        try:
            items = list(value.items())
        except UnicodeDecodeError as e:  # a map key that is not UTF-8
            raise InvalidArgumentError(f"a key of {field.full_name} is not valid UTF-8") from e
        for key, item in items:
            if isinstance(key, bytes):
                raise InvalidArgumentError(f"a key of {field.full_name} is not valid UTF-8")
            if isinstance(item, bytes):
                raise InvalidArgumentError(f"a value of {field.full_name} is not valid UTF-8")
            if hasattr(item, "ListFields"):
                check_utf8(item)
    elif _is_repeated(field):
        for item in value:
            check_utf8(item)
    else:
        check_utf8(value)
