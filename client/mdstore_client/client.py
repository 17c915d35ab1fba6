"""``connect()`` and ``Client``: declare types, record artifacts and runs, ask questions.

The same ``Client`` works over gRPC (``connect("127.0.0.1:8080")``) and embedded
(``connect("sqlite:///md.db")``); only its transport differs. Every method takes and
returns the pydantic models of ``mdstore_client.models`` and raises the
``mdstore.errors`` classes (``NotFoundError``, ``InvalidArgumentError``...), which
carry the gRPC status code name in ``.code``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from typing import Any

from mdstore.errors import AlreadyExistsError, InvalidArgumentError, NotFoundError
from mdstore.wire import mlmd, v1
from mdstore_client.audit import AuditCalls
from mdstore_client.convert import ARTIFACT, CONTEXT, EXECUTION, Kind, node_to_proto
from mdstore_client.digest import uri_sha256
from mdstore_client.models import (
    DIGEST_PROPERTY,
    Artifact,
    ArtifactState,
    ArtifactType,
    Context,
    ContextType,
    ExecutionType,
    Node,
    ServerInfo,
    TypeModel,
    build,
)
from mdstore_client.provenance_calls import ProvenanceCalls
from mdstore_client.queries import Queries
from mdstore_client.registry_calls import RegistryCalls
from mdstore_client.run import Run
from mdstore_client.transport import (
    DEFAULT_TIMEOUT_SECONDS,
    EmbeddedTransport,
    GrpcTransport,
    RetryPolicy,
    TlsOptions,
    Transport,
)
from mdstore_client.type_registry import TypeRegistry
from mdstore_client.upstream import Lineage, walk_upstream

# URL schemes that name a database (SQLAlchemy dialects), as opposed to a gRPC target.
_DATABASE_SCHEMES = ("sqlite", "mysql", "mariadb", "postgresql", "postgres")


def connect(
    target: str,
    *,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    retry: RetryPolicy | None = None,
    tls: TlsOptions | bool | None = None,
    token: str | None = None,
    channel_options: Sequence[tuple[str, Any]] = (),
) -> Client:
    """Opens a client on a store.

    Args:
        target: ``host:port`` of an ``mdstore serve`` (or ``grpc://host:port``, or
            ``grpcs://host:port`` for TLS with the system's roots); or a database URL
            (``sqlite:///md.db``, ``postgresql+psycopg://...``) to use the store in
            this process.
        timeout: gRPC only: the deadline of each call attempt, in seconds.
        retry: gRPC only: how ABORTED and UNAVAILABLE calls are retried.
        tls: gRPC only: ``TlsOptions``, or True for TLS with default settings.
        token: gRPC only: the bearer token of a server that requires authentication.
        channel_options: gRPC only: extra channel options.

    Returns:
        A ``Client``; close it (or use it in a ``with`` block) when done.
    """
    scheme, _, rest = target.partition("://")
    if rest and scheme.split("+")[0].lower() in _DATABASE_SCHEMES:
        return Client(EmbeddedTransport(target))
    if rest and scheme in ("grpc", "grpcs"):
        target = rest
        if scheme == "grpcs" and not tls:
            tls = True
    tls_options = TlsOptions() if tls is True else (tls or None)
    transport = GrpcTransport(
        target,
        timeout=timeout,
        retry=retry,
        tls=tls_options,
        token=token,
        options=channel_options,
    )
    return Client(transport)


class Client(Queries, ProvenanceCalls, RegistryCalls, AuditCalls):
    """A friendly client of an MLMD-compatible metadata store.

    Args:
        transport: how to reach the store (see ``connect``).
    """

    def __init__(self, transport: Transport) -> None:
        self.transport = transport
        self.types = TypeRegistry(self.call)

    def call(self, method: str, request: Any) -> Any:
        """Runs any MetadataStoreService method with a wire request (the escape hatch)."""
        return self.transport.call(method, request)

    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<mdstore_client.Client {self.transport.target}>"

    def server_info(self) -> ServerInfo:
        """The server's version, schema revision and database kind."""
        response = self.call("GetServerInfo", v1.GetServerInfoRequest())
        return ServerInfo(
            server_version=response.server_version,
            schema_version=response.schema_version,
            database_dialect=response.database_dialect,
        )

    # ------------------------------------------------------------------ types

    def artifact_type(
        self, name: str, properties: Mapping[str, Any] | None = None, **details: Any
    ) -> ArtifactType:
        """Declares an artifact type, idempotently; returns it as stored.

        ``properties`` maps names to ``int``, ``float``, ``str``, ``bool``, ``dict`` (or
        a ``PropertyType``). Declaring again is a no-op; new properties are added;
        properties left out are kept; changing a property's kind is an
        ``AlreadyExistsError``. ``details``: ``version``, ``description``,
        ``external_id``, ``base_type`` (e.g. ``"DATASET"``, ``"MODEL"``).
        """
        return self._declare(ARTIFACT, name, properties, details)  # type: ignore[return-value]

    def execution_type(
        self, name: str, properties: Mapping[str, Any] | None = None, **details: Any
    ) -> ExecutionType:
        """Declares an execution (step) type, idempotently; see ``artifact_type``."""
        return self._declare(EXECUTION, name, properties, details)  # type: ignore[return-value]

    def context_type(
        self, name: str, properties: Mapping[str, Any] | None = None, **details: Any
    ) -> ContextType:
        """Declares a context type, idempotently; see ``artifact_type``."""
        return self._declare(CONTEXT, name, properties, details)  # type: ignore[return-value]

    def _declare(
        self, kind: Kind, name: str, properties: Mapping[str, Any] | None, details: Any
    ) -> TypeModel:
        declared = build(
            kind.type_model,
            f"{kind.label} type {name!r}",
            name=name,
            properties=dict(properties or {}),
            **details,
        )
        return self.types.declare(kind, declared)

    # ----------------------------------------------------------------- writes

    def put_artifact(
        self,
        type: str,
        *,
        uri: str | None = None,
        name: str | None = None,
        properties: Mapping[str, Any] | None = None,
        custom_properties: Mapping[str, Any] | None = None,
        external_id: str | None = None,
        state: ArtifactState = ArtifactState.LIVE,
    ) -> Artifact:
        """Records an artifact that no run produced (source data, a reference...).

        A local file or directory URI gets its SHA-256 as custom property ``sha256``.
        With a ``name``, registering the same artifact again (same type, name, URI
        and digest) returns the stored one instead of failing.

        Raises:
            NotFoundError: the type is not declared.
            InvalidArgumentError: a property the type does not declare, or of the
                wrong kind.
            AlreadyExistsError: the name is taken by an artifact with another URI or
                content.
        """
        custom = dict(custom_properties or {})
        digest = uri_sha256(uri)
        if digest is not None:
            custom.setdefault(DIGEST_PROPERTY, digest)
        artifact = build(
            Artifact,
            f"artifact of type {type!r}",
            type=type,
            uri=uri,
            name=name,
            properties=dict(properties or {}),
            custom_properties=custom,
            external_id=external_id,
            state=state,
        )
        message = self.to_proto(ARTIFACT, artifact)
        try:
            response = self.call("PutArtifacts", mlmd.PutArtifactsRequest(artifacts=[message]))
        except AlreadyExistsError as e:
            return self._same_artifact(artifact, e)
        artifact.id = response.artifact_ids[0]
        artifact.type_id = message.type_id
        return artifact

    def _same_artifact(self, artifact: Artifact, error: AlreadyExistsError) -> Artifact:
        if artifact.name is None:
            raise error
        try:
            stored: Artifact = self.artifact(artifact.type, artifact.name)
        except NotFoundError:
            raise error from None  # not the name: the external_id is taken
        if stored.uri == artifact.uri and stored.sha256 == artifact.sha256:
            return stored
        raise AlreadyExistsError(
            f"{artifact.type} artifact {artifact.name!r} already exists with another URI or "
            f"content (stored uri {stored.uri!r}, sha256 {stored.sha256}); use a new name"
        ) from error

    def put_context(
        self,
        type: str,
        name: str,
        properties: Mapping[str, Any] | None = None,
        custom_properties: Mapping[str, Any] | None = None,
    ) -> Context:
        """Returns the context ``name`` of ``type``, creating it when missing.

        An existing context is returned as stored: its properties are not changed.
        """
        context = build(
            Context,
            f"context {name!r}",
            type=type,
            name=name,
            properties=dict(properties or {}),
            custom_properties=dict(custom_properties or {}),
        )
        message = self.to_proto(CONTEXT, context)
        # ALREADY_EXISTS: another client made it first, and the stored one is the answer.
        with contextlib.suppress(AlreadyExistsError):
            self.call("PutContexts", mlmd.PutContextsRequest(contexts=[message]))
        stored: Context = self.context(type, name)
        return stored

    def run(
        self,
        step: str,
        *,
        pipeline: str | None = None,
        run: str | None = None,
        params: Mapping[str, Any] | None = None,
        name: str | None = None,
    ) -> Run:
        """Reports one execution of ``step``; use it as a ``with`` block.

        ``params`` become the execution's properties (the step's execution type is
        declared or extended to hold them). Inside the block call ``run.input()``
        and ``run.output()``; on exit one atomic PutExecution records the execution
        (COMPLETE, or FAILED with the error when the block raises; the error is
        re-raised), its input and output events, and the ``pipeline`` and
        ``pipeline_run`` contexts, created or reused. A failed run records no outputs.
        """
        return Run(self, step, pipeline=pipeline, run=run, params=params, name=name)

    def upstream(self, artifact: Artifact | int, max_hops: int | None = None) -> Lineage:
        """What an artifact was made from: producing executions and their inputs, recursively.

        Args:
            artifact: the artifact (or its id) to trace back.
            max_hops: how many artifact -> execution -> artifact steps to follow;
                None follows them back to the sources.
        """
        return walk_upstream(self, self.id_of(artifact, ARTIFACT), max_hops)

    # ---------------------------------------------------------------- helpers

    def to_proto(self, kind: Kind, node: Node) -> Any:
        """The wire message for a node, checked against its type as stored.

        The type is read again once when a property looks undeclared, in case
        another client extended it since this client cached it.
        """
        try:
            node_type = self.types.get(kind, node.type)
            return node_to_proto(kind, node, node_type)
        except InvalidArgumentError:
            self.types.forget(kind, node.type)
            return node_to_proto(kind, node, self.types.get(kind, node.type))
