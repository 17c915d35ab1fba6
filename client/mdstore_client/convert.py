"""Models <-> wire messages, for the three node kinds and their types.

``Kind`` describes artifact, execution and context once (message classes, RPC name
fragments, model classes), so the client's code is written once for all three.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from mdstore.errors import InvalidArgumentError
from mdstore.wire import mlmd
from mdstore_client.models import (
    Artifact,
    ArtifactState,
    ArtifactType,
    Context,
    ContextType,
    Event,
    EventType,
    Execution,
    ExecutionState,
    ExecutionType,
    Node,
    TypeModel,
)
from mdstore_client.values import PropertyType, from_value_map, to_value_map


@dataclass(frozen=True)
class Kind:
    """One node kind: ``artifact``, ``execution`` or ``context``."""

    label: str
    model: type[Node]
    type_model: type[TypeModel]

    @property
    def title(self) -> str:
        """``Artifact``: the fragment of message and RPC names."""
        return self.label.capitalize()

    @property
    def plural(self) -> str:
        return f"{self.label}s"

    @property
    def message(self) -> Any:
        return getattr(mlmd, self.title)

    @property
    def type_message(self) -> Any:
        return getattr(mlmd, f"{self.title}Type")


ARTIFACT = Kind("artifact", Artifact, ArtifactType)
EXECUTION = Kind("execution", Execution, ExecutionType)
CONTEXT = Kind("context", Context, ContextType)
KINDS = (ARTIFACT, EXECUTION, CONTEXT)


def _enum_number(message_class: Any, enum_name: str, value: str) -> int:
    values = message_class.DESCRIPTOR.enum_types_by_name[enum_name].values_by_name
    if value not in values:
        allowed = ", ".join(sorted(values))
        raise InvalidArgumentError(f"{value!r} is not a {enum_name}; use one of {allowed}")
    return int(values[value].number)


def _enum_name(message_class: Any, enum_name: str, number: int) -> str:
    return str(message_class.DESCRIPTOR.enum_types_by_name[enum_name].values_by_number[number].name)


def _millis_to_time(message: Any, field: str) -> datetime | None:
    if not message.HasField(field):
        return None
    return datetime.fromtimestamp(getattr(message, field) / 1000, tz=timezone.utc)


def _optional(message: Any, field: str) -> Any:
    return getattr(message, field) if message.HasField(field) else None


# ------------------------------------------------------------------------- types


def type_to_proto(kind: Kind, declared: TypeModel) -> Any:
    """The ``XType`` message for a type model."""
    message = kind.type_message(name=declared.name)
    for field in ("id", "version", "description", "external_id"):
        if getattr(declared, field) is not None:
            setattr(message, field, getattr(declared, field))
    for name, data_type in declared.properties.items():
        message.properties[name] = data_type.number
    if declared.base_type is not None:
        base = declared.base_type.upper()
        message.base_type = _enum_number(kind.type_message, "SystemDefinedBaseType", base)
    return message


def type_from_proto(kind: Kind, message: Any) -> Any:
    """The type model of an ``XType`` message."""
    base = None
    if message.HasField("base_type") and message.base_type != 0:
        base = _enum_name(kind.type_message, "SystemDefinedBaseType", message.base_type)
    return kind.type_model(
        id=_optional(message, "id"),
        name=message.name,
        version=_optional(message, "version") or None,
        description=_optional(message, "description"),
        external_id=_optional(message, "external_id"),
        properties={k: PropertyType.from_number(v) for k, v in message.properties.items()},
        base_type=base,
    )


# ------------------------------------------------------------------------- nodes


def node_to_proto(kind: Kind, node: Node, node_type: TypeModel) -> Any:
    """The wire message for a node, its properties checked against ``node_type``.

    Raises:
        InvalidArgumentError: a property the type does not declare, or of the wrong kind.
    """
    message = kind.message(type_id=node_type.id)
    for field in ("id", "name", "external_id"):
        if getattr(node, field) is not None:
            setattr(message, field, getattr(node, field))
    if isinstance(node, Artifact):
        if node.uri is not None:
            message.uri = node.uri
        message.state = _enum_number(kind.message, "State", node.state.value)
    elif isinstance(node, Execution):
        message.last_known_state = _enum_number(kind.message, "State", node.state.value)
    owner = f"{kind.label} type {node_type.name!r}"
    to_value_map(node.properties, message.properties, node_type.properties, owner)
    to_value_map(node.custom_properties, message.custom_properties, None, owner)
    return message


def node_from_proto(kind: Kind, message: Any, type_name: str) -> Any:
    """The model of a node message; ``type_name`` is used when the message lacks it."""
    fields: dict[str, Any] = {
        "id": _optional(message, "id"),
        "type": message.type or type_name,
        "type_id": _optional(message, "type_id"),
        "name": _optional(message, "name"),
        "external_id": _optional(message, "external_id"),
        "properties": from_value_map(message.properties),
        "custom_properties": from_value_map(message.custom_properties),
        "create_time": _millis_to_time(message, "create_time_since_epoch"),
        "update_time": _millis_to_time(message, "last_update_time_since_epoch"),
    }
    if kind is ARTIFACT:
        fields["uri"] = _optional(message, "uri")
        state = _enum_name(kind.message, "State", message.state)
        fields["state"] = ArtifactState(state)
    elif kind is EXECUTION:
        state = _enum_name(kind.message, "State", message.last_known_state)
        fields["state"] = ExecutionState(state)
    return kind.model(**fields)


# ------------------------------------------------------------------------ events


def event_to_proto(
    event_type: EventType, path: list[str | int], artifact_id: int | None = None
) -> Any:
    """An ``ml_metadata.Event`` (ids are filled in by PutExecution when unset)."""
    message = mlmd.Event(type=_enum_number(mlmd.Event, "Type", event_type.value))
    if artifact_id is not None:
        message.artifact_id = artifact_id
    for step in path:
        if isinstance(step, int):
            message.path.steps.add(index=step)
        else:
            message.path.steps.add(key=step)
    return message


def event_from_proto(message: Any) -> Event:
    """The model of an ``ml_metadata.Event``."""
    path: list[str | int] = [
        step.index if step.WhichOneof("value") == "index" else step.key
        for step in message.path.steps
    ]
    return Event(
        artifact_id=message.artifact_id,
        execution_id=message.execution_id,
        type=EventType(_enum_name(mlmd.Event, "Type", message.type)),
        path=path,
        time=_millis_to_time(message, "milliseconds_since_epoch"),
    )
