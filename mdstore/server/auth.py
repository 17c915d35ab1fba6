"""Authentication and roles: who calls, and whether their role allows the method.

Credentials come from a tokens file (``mdstore serve --tokens-file FILE``) or the
``MDSTORE_TOKENS`` environment variable, one principal per line::

    # name     role     credential
    alice      admin    sha256:5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8
    trainer    writer   cert:CN=trainer

A ``sha256:`` credential is the SHA-256 of a bearer token (``mdstore tokens add``
makes one and prints the token once; only its hash is kept). A ``cert:`` credential
names a client certificate's subject common name, for clients that cannot send
headers (the ml-metadata client) under mutual TLS.

Roles nest: reader (every read, lineage and audit call) < writer (also puts and
registrations) < admin (also deletion, purge, retention, aliases, deployments and
policies). A call without valid credentials is UNAUTHENTICATED, one beyond its role
PERMISSION_DENIED; both are refused before any handler runs, so neither leaves a
trace in the data. Tokens are never logged.
"""

from __future__ import annotations

import contextvars
import hashlib
import hmac
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import grpc

from mdstore.errors import InvalidArgumentError
from mdstore.server.interceptors import Behaviour, WrappingInterceptor

log = logging.getLogger(__name__)

ROLES: Final = ("reader", "writer", "admin")  # each role may do what those before it may
ENV_TOKENS: Final = "MDSTORE_TOKENS"
# Calls anyone may make: load balancers' health checks, schema reflection.
OPEN_SERVICES: Final = ("grpc.health.v1.Health", "grpc.reflection.")

_principal: contextvars.ContextVar[str] = contextvars.ContextVar("mdstore_principal", default="")


def current_principal() -> str:
    """The authenticated caller of the request this thread serves ("" without auth)."""
    return _principal.get()


@dataclass(frozen=True)
class Principal:
    name: str
    role: str


def token_hash(token: str) -> str:
    """How a token is kept: ``sha256:`` and the hex SHA-256 of its UTF-8 bytes."""
    return "sha256:" + hashlib.sha256(token.encode()).hexdigest()


class Credentials:
    """The principals a server accepts, by token hash and by certificate name."""

    def __init__(self, text: str, source: str) -> None:
        self.by_hash: dict[str, Principal] = {}
        self.by_cert: dict[str, Principal] = {}
        for number, line in enumerate(text.splitlines(), 1):
            fields = line.split("#", 1)[0].split()
            if not fields:
                continue
            if len(fields) != 3 or fields[1] not in ROLES:
                raise InvalidArgumentError(
                    f"{source} line {number}: expected NAME ROLE CREDENTIAL with ROLE one of "
                    f"{', '.join(ROLES)}"
                )
            name, role, credential = fields
            if credential.startswith("sha256:") and len(credential) == 71:
                self.by_hash[credential] = Principal(name, role)
            elif credential.startswith("cert:CN="):
                self.by_cert[credential.removeprefix("cert:CN=")] = Principal(name, role)
            else:
                raise InvalidArgumentError(
                    f"{source} line {number}: the credential must be sha256:<64 hex digits> "
                    "or cert:CN=<name>"
                )
        if not self.by_hash and not self.by_cert:
            raise InvalidArgumentError(f"{source} names no principal")

    @classmethod
    def load(cls, path: Path | None) -> Credentials | None:
        """From ``path``, else from $MDSTORE_TOKENS, else None (authentication off)."""
        if path is not None:
            try:
                return cls(path.read_text(), str(path))
            except OSError as e:
                raise InvalidArgumentError(f"cannot read {path}: {e.strerror}") from e
        text = os.environ.get(ENV_TOKENS)
        return cls(text.replace(";", "\n"), f"${ENV_TOKENS}") if text else None

    def identify(self, context: grpc.ServicerContext) -> Principal | None:
        """The caller, by bearer token or else by client certificate; None if neither."""
        for key, value in context.invocation_metadata():
            if key == "authorization" and isinstance(value, str):
                scheme, _, token = value.partition(" ")
                if scheme.lower() == "bearer" and token:
                    return self._by_token(token.strip())
                return None
        names: list[Any] = list(context.auth_context().get("x509_common_name", []))
        for name in names:
            found = self.by_cert.get(name.decode() if isinstance(name, bytes) else str(name))
            if found is not None:
                return found
        return None

    def _by_token(self, token: str) -> Principal | None:
        wanted = token_hash(token)
        for stored, principal in self.by_hash.items():
            if hmac.compare_digest(stored, wanted):
                return principal
        return None


def _checked(behaviour: Behaviour, method: str, credentials: Credentials, role: str) -> Behaviour:
    needed = ROLES.index(role)

    def checked(request: Any, context: grpc.ServicerContext) -> Any:
        principal = credentials.identify(context)
        if principal is None:
            context.abort(
                grpc.StatusCode.UNAUTHENTICATED,
                "send a valid bearer token (authorization: Bearer …) or a known client certificate",
            )
        assert principal is not None  # abort raised
        if ROLES.index(principal.role) < needed:
            context.abort(
                grpc.StatusCode.PERMISSION_DENIED,
                f"{principal.name} is a {principal.role}; {method.rsplit('/', 1)[-1]} needs "
                f"the {ROLES[needed]} role",
            )
        token = _principal.set(principal.name)
        try:
            return behaviour(request, context)
        finally:
            _principal.reset(token)

    return checked


class AuthInterceptor(WrappingInterceptor):
    """Checks every call's credentials and role before it reaches a handler.

    ``required_role(method)`` names the least role a ``"<service>/<method>"`` needs
    (``service.roles.required_role``).
    """

    def __init__(self, credentials: Credentials, required_role: Callable[[str], str]) -> None:
        super().__init__()
        self.credentials = credentials
        self.required_role = required_role

    def wrap(self, behaviour: Behaviour, method: str) -> Behaviour | None:
        if method.startswith(OPEN_SERVICES):
            return None
        return _checked(behaviour, method, self.credentials, self.required_role(method))
