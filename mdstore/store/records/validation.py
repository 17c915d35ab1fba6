"""Checks on request values that the database would otherwise reject or truncate."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mdstore.errors import InvalidArgumentError
from mdstore.store.db.schema import EXTERNAL_ID_LENGTH, NAME_LENGTH


def require(condition: bool, message: str) -> None:
    """Raises InvalidArgumentError(message) unless ``condition`` holds."""
    if not condition:
        raise InvalidArgumentError(message)


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
