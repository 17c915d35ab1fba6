"""The client's public types: pydantic models of types, artifacts, executions, contexts
and events.

They are plain data: building one checks its fields (a property value that is not
int, float, str, bool or a JSON-like dict is a ``pydantic.ValidationError`` naming the
property), but whether a property is *declared* by its type, and of the right kind,
is checked when the node is written, against the type stored in the server.
``mdstore_client.convert`` turns them into wire messages and back.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
)

from mdstore.errors import InvalidArgumentError
from mdstore_client.values import PropertyType, normalize, property_type

DIGEST_PROPERTY = "sha256"
"""Custom property holding the SHA-256 of a local file (or directory) artifact."""


class ArtifactState(str, enum.Enum):
    """Lifecycle of an artifact's payload (``ml_metadata.Artifact.State``)."""

    UNKNOWN = "UNKNOWN"
    PENDING = "PENDING"
    LIVE = "LIVE"
    MARKED_FOR_DELETION = "MARKED_FOR_DELETION"
    DELETED = "DELETED"
    ABANDONED = "ABANDONED"
    REFERENCE = "REFERENCE"


class ExecutionState(str, enum.Enum):
    """Last known state of a run (``ml_metadata.Execution.State``)."""

    UNKNOWN = "UNKNOWN"
    NEW = "NEW"
    RUNNING = "RUNNING"
    COMPLETE = "COMPLETE"
    FAILED = "FAILED"
    CACHED = "CACHED"
    CANCELED = "CANCELED"


class EventType(str, enum.Enum):
    """The role an artifact played for an execution (``ml_metadata.Event.Type``)."""

    UNKNOWN = "UNKNOWN"
    DECLARED_OUTPUT = "DECLARED_OUTPUT"
    DECLARED_INPUT = "DECLARED_INPUT"
    INPUT = "INPUT"
    OUTPUT = "OUTPUT"
    INTERNAL_INPUT = "INTERNAL_INPUT"
    INTERNAL_OUTPUT = "INTERNAL_OUTPUT"
    PENDING_OUTPUT = "PENDING_OUTPUT"

    @property
    def is_input(self) -> bool:
        return self in _INPUTS

    @property
    def is_output(self) -> bool:
        return self in _OUTPUTS


_INPUTS = {EventType.INPUT, EventType.DECLARED_INPUT, EventType.INTERNAL_INPUT}
_OUTPUTS = {
    EventType.OUTPUT,
    EventType.DECLARED_OUTPUT,
    EventType.INTERNAL_OUTPUT,
    EventType.PENDING_OUTPUT,
}


def _check_properties(values: dict[str, Any]) -> dict[str, Any]:
    checked = {}
    for name, value in values.items():
        if value is None:
            continue  # "no value": nothing is stored for it
        try:
            checked[name] = normalize(value)
        except ValueError as e:
            raise ValueError(f"property {name!r}: {e}") from None
    return checked


def _parse_declarations(specs: Any) -> Any:
    if not isinstance(specs, dict):
        return specs  # pydantic reports the wrong container
    parsed = {}
    for name, spec in specs.items():
        try:
            parsed[name] = property_type(spec)
        except ValueError as e:
            raise ValueError(f"property {name!r}: {e}") from None
    return parsed


Properties = Annotated[dict[str, Any], AfterValidator(_check_properties)]
"""Property name -> int, float, str, bool, JSON-like dict or ProtoValue."""

Declarations = Annotated[dict[str, PropertyType], BeforeValidator(_parse_declarations)]
"""Property name -> declared kind; accepts ``int``, ``float``, ``str``, ``bool``, ``dict``."""


class TypeModel(BaseModel):
    """Fields shared by artifact, execution and context types."""

    model_config = ConfigDict(extra="forbid")

    id: int | None = None
    name: str = Field(min_length=1)
    version: str | None = None
    description: str | None = None
    external_id: str | None = None
    properties: Declarations = Field(default_factory=dict)
    base_type: str | None = None
    """The system base type, e.g. "DATASET" or "MODEL" (artifact types), "TRAIN"."""


class ArtifactType(TypeModel):
    """A kind of artifact and the properties its artifacts may carry."""


class ExecutionType(TypeModel):
    """A kind of step (component) and the properties its executions may carry."""


class ContextType(TypeModel):
    """A kind of grouping (pipeline, run, experiment...)."""


class Node(BaseModel):
    """Fields shared by artifacts, executions and contexts."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    id: int | None = None
    type: str = Field(min_length=1)
    type_id: int | None = None
    name: str | None = None
    external_id: str | None = None
    properties: Properties = Field(default_factory=dict)
    custom_properties: Properties = Field(default_factory=dict)
    create_time: datetime | None = None
    update_time: datetime | None = None

    def __str__(self) -> str:
        label = f" {self.name!r}" if self.name else ""
        return f"{self.type} #{self.id if self.id is not None else '(unsaved)'}{label}"


class Artifact(Node):
    """A piece of data a pipeline read or wrote."""

    uri: str | None = None
    state: ArtifactState = ArtifactState.LIVE

    @property
    def sha256(self) -> str | None:
        """The content digest recorded for a local file or directory, if any."""
        digest = self.custom_properties.get(DIGEST_PROPERTY)
        return digest if isinstance(digest, str) else None


class Execution(Node):
    """One run of a step."""

    state: ExecutionState = ExecutionState.UNKNOWN


class Context(Node):
    """A group of artifacts and executions (a pipeline, one run of it...)."""

    name: str = Field(min_length=1)


class Event(BaseModel):
    """An execution read (input) or wrote (output) an artifact."""

    model_config = ConfigDict(extra="forbid")

    artifact_id: int
    execution_id: int
    type: EventType
    path: list[str | int] = Field(default_factory=list)
    """Where the artifact sits among the inputs/outputs, e.g. ``["train"]``."""
    time: datetime | None = None


class ContextMembers(BaseModel):
    """What a context groups."""

    context: Context
    artifacts: list[Artifact]
    executions: list[Execution]


class ServerInfo(BaseModel):
    """What the store reports about itself."""

    server_version: str
    schema_version: str
    database_dialect: str


_M = TypeVar("_M", bound=BaseModel)


def build(model: type[_M], what: str, **fields: Any) -> _M:
    """Builds a model; a pydantic ValidationError becomes an InvalidArgumentError.

    Args:
        model: the model class.
        what: names the thing being built in the message, e.g. "output of type 'Model'".
        fields: the model's fields.
    """
    try:
        return model(**fields)
    except ValidationError as e:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}" for error in e.errors()
        )
        raise InvalidArgumentError(f"{what}: {problems}") from e


__all__ = [
    "DIGEST_PROPERTY",
    "Artifact",
    "ArtifactState",
    "ArtifactType",
    "Context",
    "ContextMembers",
    "ContextType",
    "Event",
    "EventType",
    "Execution",
    "ExecutionState",
    "ExecutionType",
    "PropertyType",
    "ServerInfo",
]
