"""Transports: how a ``Client`` reaches a store.

A transport has one operation, ``call(method, request) -> response``, taking and
returning ``ml_metadata`` wire messages, so the client is written once for both:

* ``GrpcTransport``: a gRPC channel to ``mdstore serve`` (or any MLMD server), with a
  deadline per call, retries of ABORTED and UNAVAILABLE with jittered exponential
  backoff, optional TLS, and gRPC errors turned back into ``mdstore.errors`` classes;
* ``EmbeddedTransport``: the store in this process (``mdstore.service.dispatch.Service``,
  imported only when used, so a gRPC-only client never loads SQLAlchemy).

Tests and tools can pass any object with the same two methods to ``Client``.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import grpc
from pydantic import BaseModel, ConfigDict, Field, model_validator

from mdstore.errors import MdstoreError, exception_from_code
from mdstore.wire import MDSTORE_SERVICE, MLMD_SERVICE, service_methods

DEFAULT_TIMEOUT_SECONDS = 30.0
RETRYABLE_CODES = frozenset({"ABORTED", "UNAVAILABLE"})
"""Codes worth retrying: a deadlock/serialization failure, or a server not reachable now."""

# The server accepts large batches (PutExecution with many artifacts); so do we.
MAX_MESSAGE_BYTES = 256 * 1024 * 1024


class Transport(Protocol):
    """What a ``Client`` needs from the way it reaches the store."""

    target: str
    """Where the store is, for messages (never carries a password)."""

    def call(self, method: str, request: Any) -> Any:
        """Runs one MetadataStoreService method; raises ``MdstoreError`` subclasses."""

    def close(self) -> None:
        """Releases connections."""


class RetryPolicy(BaseModel):
    """How often and how patiently ABORTED/UNAVAILABLE calls are retried.

    The wait before retry ``n`` (0-based) is drawn uniformly from the upper half of
    ``min(max_backoff, initial_backoff * multiplier**n)`` seconds, so concurrent
    clients that failed together do not come back together.
    """

    model_config = ConfigDict(frozen=True)

    max_attempts: int = Field(default=5, ge=1)
    initial_backoff: float = Field(default=0.1, gt=0)
    max_backoff: float = Field(default=5.0, gt=0)
    multiplier: float = Field(default=2.0, ge=1)

    def backoff(self, retry: int, rand: Callable[[], float] = random.random) -> float:
        """Seconds to wait before retry number ``retry`` (0 for the first retry)."""
        cap = min(self.max_backoff, self.initial_backoff * self.multiplier**retry)
        return cap / 2 + rand() * cap / 2


class TlsOptions(BaseModel):
    """TLS for the gRPC channel; all fields optional.

    Attributes:
        root_certificates: PEM roots to verify the server with (default: the system's).
        private_key: PEM client key, for mutual TLS (with ``certificate_chain``).
        certificate_chain: PEM client certificate chain, for mutual TLS.
        server_name: the name expected in the server's certificate when it differs
            from the host you connect to (``grpc.ssl_target_name_override``).
    """

    model_config = ConfigDict(frozen=True)

    root_certificates: bytes | None = None
    private_key: bytes | None = None
    certificate_chain: bytes | None = None
    server_name: str | None = None

    @model_validator(mode="after")
    def _key_and_chain_together(self) -> TlsOptions:
        if (self.private_key is None) != (self.certificate_chain is None):
            raise ValueError("mutual TLS needs both private_key and certificate_chain")
        return self

    @classmethod
    def from_files(
        cls,
        ca: str | Path | None = None,
        cert: str | Path | None = None,
        key: str | Path | None = None,
        server_name: str | None = None,
    ) -> TlsOptions:
        """Reads PEM files: the CA roots, and the client certificate and key for mTLS."""

        def read(path: str | Path | None) -> bytes | None:
            return Path(path).read_bytes() if path is not None else None

        return cls(
            root_certificates=read(ca),
            certificate_chain=read(cert),
            private_key=read(key),
            server_name=server_name,
        )

    def credentials(self) -> grpc.ChannelCredentials:
        return grpc.ssl_channel_credentials(
            root_certificates=self.root_certificates,
            private_key=self.private_key,
            certificate_chain=self.certificate_chain,
        )


class GrpcTransport:
    """Calls a MetadataStoreService over gRPC.

    Args:
        target: ``host:port`` (or any gRPC target such as ``dns:///host:port``).
        timeout: the deadline of each attempt, in seconds.
        retry: the retry policy for ABORTED and UNAVAILABLE.
        tls: TLS settings; None for a plaintext channel.
        token: a bearer token sent with every call (``mdstore serve --tokens-file``).
        options: extra gRPC channel options.
        sleep: waits between attempts (tests pass a fake).
    """

    def __init__(
        self,
        target: str,
        *,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        retry: RetryPolicy | None = None,
        tls: TlsOptions | None = None,
        token: str | None = None,
        options: Sequence[tuple[str, Any]] = (),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.target = target
        self._metadata = (("authorization", f"Bearer {token}"),) if token else None
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._channel = _open_channel(target, tls, options)
        self._methods = {
            name: (service, request_class, response_class)
            for service in (MLMD_SERVICE, MDSTORE_SERVICE)
            for name, request_class, response_class in service_methods(service)
        }
        self._stubs: dict[str, grpc.UnaryUnaryMultiCallable[Any, Any]] = {}

    def call(self, method: str, request: Any) -> Any:
        """Runs ``method``; retries ABORTED/UNAVAILABLE as the policy allows.

        Raises:
            MdstoreError: the subclass for the final status code, chained to the
                ``grpc.RpcError`` (``raise ... from``).
        """
        stub = self._stub(method)
        for attempt in range(1, self.retry.max_attempts + 1):
            try:
                return stub(request, timeout=self.timeout, metadata=self._metadata)
            except grpc.RpcError as e:
                code = _code_name(e)
                if code not in RETRYABLE_CODES or attempt == self.retry.max_attempts:
                    raise self._error(e, code, method, attempt) from e
            self._sleep(self.retry.backoff(attempt - 1))
        raise AssertionError("unreachable: the loop returns or raises")

    def close(self) -> None:
        self._channel.close()

    def _stub(self, method: str) -> grpc.UnaryUnaryMultiCallable[Any, Any]:
        stub = self._stubs.get(method)
        if stub is None:
            if method not in self._methods:
                raise exception_from_code("UNIMPLEMENTED")(f"no RPC named {method!r}")
            service, request_class, response_class = self._methods[method]
            stub = self._channel.unary_unary(
                f"/{service}/{method}",
                request_serializer=request_class.SerializeToString,
                response_deserializer=response_class.FromString,
            )
            self._stubs[method] = stub
        return stub

    def _error(self, e: grpc.RpcError, code: str, method: str, attempts: int) -> MdstoreError:
        details = _details(e)
        if code == "UNAVAILABLE":
            tries = f"{attempts} attempt{'s' if attempts > 1 else ''}"
            message = f"mdstore at {self.target} is unavailable ({details}); gave up after {tries}"
        elif code == "DEADLINE_EXCEEDED":
            message = f"{method} got no answer from {self.target} within {self.timeout:g}s"
        else:
            message = details
        return exception_from_code(code)(message)


# A failed call raises an RpcError that is also a grpc.Call (code(), details()); the
# stubs declare the two apart, hence getattr over isinstance.
def _code_name(e: grpc.RpcError) -> str:
    code: grpc.StatusCode | None = getattr(e, "code", lambda: None)()
    return code.name if code is not None else "UNKNOWN"


def _details(e: grpc.RpcError) -> str:
    details: str | None = getattr(e, "details", lambda: None)()
    return details or _code_name(e)


def _open_channel(
    target: str, tls: TlsOptions | None, extra: Sequence[tuple[str, Any]]
) -> grpc.Channel:
    options: list[tuple[str, Any]] = [
        ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
        ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
        *extra,
    ]
    if tls is None:
        return grpc.insecure_channel(target, options=options)
    if tls.server_name:
        options.append(("grpc.ssl_target_name_override", tls.server_name))
    return grpc.secure_channel(target, tls.credentials(), options=options)


class EmbeddedTransport:
    """Runs every method on a database in this process, through mdstore's ``Service``
    (the handlers ``mdstore serve`` runs).

    Args:
        url: SQLAlchemy URL, e.g. ``sqlite:///md.db``; the schema is created when the
            database is empty.
    """

    def __init__(self, url: str) -> None:
        # Imported here: only embedded use needs SQLAlchemy and the store.
        from mdstore.service.dispatch import Service

        self._service = Service(url)
        self.target = self._service.masked_url

    def call(self, method: str, request: Any) -> Any:
        """Runs ``method`` in one transaction; raises ``MdstoreError`` subclasses."""
        return self._service.call(method, request)

    def close(self) -> None:
        self._service.close()
