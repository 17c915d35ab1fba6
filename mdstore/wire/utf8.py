"""Rejecting strings that are not valid UTF-8, anywhere in a request.

proto2 does not check UTF-8 on the wire; protobuf's Python runtime then hands such
a field over as ``bytes`` instead of ``str``, which must never reach the database.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.message import DecodeError

from mdstore.errors import InvalidArgumentError
from mdstore.wire.messages import copy_pool

log = logging.getLogger(__name__)

_STRING = 9  # FieldDescriptor.TYPE_STRING
_MESSAGE = 11  # FieldDescriptor.TYPE_MESSAGE
_REPEATED = 3  # FieldDescriptor.LABEL_REPEATED


def check_utf8(message: Any) -> None:
    """Rejects string fields that are not valid UTF-8, anywhere in a message.

    proto2 does not check UTF-8 on the wire; protobuf's Python runtime then hands
    the field over as ``bytes`` instead of ``str``, which must never reach the database.
    (Python code cannot set such a value: assigning bad bytes raises. Only parsing,
    on the wire or in ``FromString``, lets one in.)

    The check is one C-level round trip: the message is serialized and parsed again
    as its *strict twin*, the same message in a proto3 copy of its file, whose parser
    validates every string, map keys included. Only when that fails does the slow
    walk over the fields run, to name the offending one (the walk alone decides).

    Raises:
        InvalidArgumentError: naming the first offending field.
    """
    strict = _strict_class(message.DESCRIPTOR)
    if strict is None:  # no strict twin on this runtime: walk the fields
        _check_fields(message)
        return
    data = message.SerializeToString()
    if not data:
        return
    try:
        strict.FromString(data)
    except (DecodeError, UnicodeDecodeError):  # upb / pure-python runtimes
        # The walk names the field. Should it find none, the twin refused the bytes
        # for some other reason, and the message passes as it did before twins.
        _check_fields(message)


# --- strict twins -------------------------------------------------------------------------

_strict_lock = threading.Lock()
_strict_classes: dict[str, Any] = {}
_strict_pools: dict[str, descriptor_pool.DescriptorPool] = {}


def _strict_class(descriptor: Any) -> Any:
    """The message class that parses ``descriptor``'s wire format, validating UTF-8."""
    key = descriptor.full_name
    try:
        return _strict_classes[key]
    except KeyError:
        pass
    with _strict_lock:
        if key not in _strict_classes:
            try:
                pool = _strict_pool(descriptor.file)
                cls = message_factory.GetMessageClass(pool.FindMessageTypeByName(key))
            except Exception:  # noqa: BLE001  (a runtime that cannot build it: walk instead)
                log.debug("no strict UTF-8 twin for %s; walking its fields", key, exc_info=True)
                cls = None
            _strict_classes[key] = cls
        return _strict_classes[key]


def _strict_pool(file: Any) -> descriptor_pool.DescriptorPool:
    """A private pool holding ``file`` and its dependencies, proto2 files made proto3.

    proto3 parsers validate UTF-8; the conversion drops what proto3 forbids
    (default values, extension ranges, required) and keeps every field number and
    type, so both parse the same bytes. descriptor.proto, only there for options,
    stays proto2. Pools are cached by the file they were built for.
    """
    cached = _strict_pools.get(file.name)
    if cached is None:
        cached = _strict_pools[file.name] = copy_pool([file], _make_proto3)
    return cached


def _make_proto3(proto: Any) -> None:
    if proto.syntax in ("", "proto2") and proto.name != "google/protobuf/descriptor.proto":
        proto.syntax = "proto3"
        _to_proto3(proto.message_type)


def _to_proto3(messages: Iterable[Any]) -> None:
    for message in messages:
        del message.extension_range[:]
        for field in message.field:
            field.ClearField("default_value")
            if field.label == descriptor_pb2.FieldDescriptorProto.LABEL_REQUIRED:
                field.label = descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL
        _to_proto3(message.nested_type)


# --- the walk: names the offending field ---------------------------------------------------


def _check_fields(message: Any) -> None:
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
                _check_fields(item)
    elif _is_repeated(field):
        for item in value:
            _check_fields(item)
    else:
        _check_fields(value)
