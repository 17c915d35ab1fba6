"""mdstore_client: a friendly Python client for mdstore and other ML Metadata stores.

::

    import mdstore_client

    client = mdstore_client.connect("127.0.0.1:8080")  # or "sqlite:///md.db", embedded
    client.artifact_type("Dataset", properties={"rows": int})
    client.artifact_type("Model", properties={"auc": float})
    data = client.put_artifact("Dataset", uri="file:///data/churn.csv", properties={"rows": 10})
    with client.run("trainer", pipeline="churn", run="2026-11-23", params={"lr": 0.01}) as run:
        run.input(data)
        model = run.output("Model", uri="file:///models/m.pkl", properties={"auc": 0.91})
    print(client.upstream(model).render())

The wire messages come from ``mdstore.wire``, which keeps them out of protobuf's
default descriptor pool: ``import ml_metadata`` works beside this package, in
either order. Importing it never loads SQLAlchemy or the server; only an embedded
``connect("sqlite:///...")`` does.
"""

from __future__ import annotations

from mdstore_client.client import Client, connect
from mdstore_client.errors import (
    AlreadyExistsError,
    DeadlineExceededError,
    InvalidArgumentError,
    MdstoreError,
    NotFoundError,
    PermissionDeniedError,
    UnauthenticatedError,
    UnavailableError,
)
from mdstore_client.models import (
    Artifact,
    ArtifactState,
    ArtifactType,
    Context,
    ContextMembers,
    ContextType,
    Event,
    EventType,
    Execution,
    ExecutionState,
    ExecutionType,
    ServerInfo,
)
from mdstore_client.registry import (
    AliasChange,
    Annotation,
    Deployment,
    ModelVersion,
    RegisteredModel,
    ResolvedModel,
)
from mdstore_client.run import Run
from mdstore_client.transport import (
    EmbeddedTransport,
    GrpcTransport,
    RetryPolicy,
    TlsOptions,
    Transport,
)
from mdstore_client.upstream import Lineage
from mdstore_client.values import PropertyType, ProtoValue

__all__ = [
    "ResolvedModel",
    "RegisteredModel",
    "ModelVersion",
    "Deployment",
    "Annotation",
    "AliasChange",
    "AlreadyExistsError",
    "Artifact",
    "ArtifactState",
    "ArtifactType",
    "Client",
    "Context",
    "ContextMembers",
    "ContextType",
    "DeadlineExceededError",
    "EmbeddedTransport",
    "Event",
    "EventType",
    "Execution",
    "ExecutionState",
    "ExecutionType",
    "GrpcTransport",
    "InvalidArgumentError",
    "Lineage",
    "MdstoreError",
    "NotFoundError",
    "PermissionDeniedError",
    "PropertyType",
    "ProtoValue",
    "RetryPolicy",
    "Run",
    "ServerInfo",
    "TlsOptions",
    "Transport",
    "UnauthenticatedError",
    "UnavailableError",
    "connect",
]
