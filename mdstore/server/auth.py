"""Authentication and roles: who calls, and whether their role allows the method.

Credentials come from a tokens file (``mdstore serve --tokens-file FILE``) or the
``MDSTORE_TOKENS`` environment variable, one principal per line::

    # name     role     credential [expires=TIME]
    alice      admin    sha256:5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8
    ci         writer   sha256:9f86d081884c…(64 hex digits) expires=2027-03-01T00:00:00Z
    trainer    writer   cert:CN=trainer

A ``sha256:`` credential is the SHA-256 of a bearer token (``mdstore tokens add``
makes one and prints the token once; only its hash is kept). A ``cert:`` credential
names a client certificate's subject common name, for clients that cannot send
headers (the ml-metadata client) under mutual TLS. ``expires=`` (ISO 8601, UTC
unless a zone is given) ends a credential: calls with it are then UNAUTHENTICATED.
A running server re-reads its tokens file on SIGHUP (``Credentials.reload``), so
tokens are added, rotated and removed without a restart.

Roles nest: reader (every read, lineage and audit call) < writer (also puts and
registrations) < admin (also deletion, purge, retention, aliases, deployments,
audit adoption and
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
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import grpc

from mdstore.errors import InvalidArgumentError
from mdstore.server.interceptors import Behaviour, WrappingInterceptor
from mdstore.wire.times import from_iso, to_iso

log = logging.getLogger(__name__)

ROLES: Final = ("reader", "writer", "admin")  # each role may do what those before it may
ENV_TOKENS: Final = "MDSTORE_TOKENS"
# Calls anyone may make: load balancers' health checks, schema reflection.
OPEN_SERVICES: Final = ("grpc.health.v1.Health", "grpc.reflection.")

_principal: contextvars.ContextVar[str] = contextvars.ContextVar("mdstore_principal", default="")


def current_principal() -> str:
    """The authenticated caller of the request this thread serves ("" without auth)."""
    return _principal.get()


EXPIRES: Final = "expires="


@dataclass(frozen=True)
class Principal:
    name: str
    role: str
    expires_ms: int | None = None  # when its credential stops working (None: never)

    def expired(self, now_ms: int) -> bool:
        return self.expires_ms is not None and now_ms >= self.expires_ms


def parse_expiry(text: str) -> int:
    """Milliseconds since the epoch of an ISO 8601 time (no zone means UTC).

    Raises:
        InvalidArgumentError: not ISO 8601.
    """
    try:
        return from_iso(text)
    except ValueError:
        raise InvalidArgumentError(
            f"{text!r} is not an ISO 8601 time (e.g. 2027-03-01 or 2027-03-01T12:00:00Z)"
        ) from None


def token_hash(token: str) -> str:
    """How a token is kept: ``sha256:`` and the hex SHA-256 of its UTF-8 bytes."""
    return "sha256:" + hashlib.sha256(token.encode()).hexdigest()


class Credentials:
    """The principals a server accepts, by token hash and by certificate name."""

    def __init__(
        self, text: str, source: str, path: Path | None = None, *, empty_ok: bool = False
    ) -> None:
        by_hash: dict[str, Principal] = {}
        by_cert: dict[str, Principal] = {}
        for number, line in enumerate(text.splitlines(), 1):
            fields = line.split("#", 1)[0].split()
            if fields:
                credential, principal = _principal_of(fields, f"{source} line {number}")
                if credential.startswith("sha256:"):
                    by_hash[credential] = principal
                else:
                    by_cert[credential.removeprefix("cert:CN=")] = principal
        if not by_hash and not by_cert and not empty_ok:  # a server would admit no one
            raise InvalidArgumentError(f"{source} names no principal")
        # One attribute, replaced whole by reload(): a call sees the old or the new set.
        self._tables = (by_hash, by_cert)
        self.source = source
        self.path = path

    @property
    def by_hash(self) -> dict[str, Principal]:
        return self._tables[0]

    @property
    def by_cert(self) -> dict[str, Principal]:
        return self._tables[1]

    def principals(self) -> list[Principal]:
        """Every principal, token holders first, in file order within each kind."""
        return [*self.by_hash.values(), *self.by_cert.values()]

    @classmethod
    def load(cls, path: Path | None) -> Credentials | None:
        """From ``path``, else from $MDSTORE_TOKENS, else None (authentication off)."""
        if path is not None:
            return cls.read(path)
        text = os.environ.get(ENV_TOKENS)
        return cls(text.replace(";", "\n"), f"${ENV_TOKENS}") if text else None

    @classmethod
    def read(cls, path: Path, *, empty_ok: bool = False) -> Credentials:
        """From the tokens file ``path``; ``empty_ok`` as for the constructor.

        Raises:
            InvalidArgumentError: the file cannot be read or is malformed.
        """
        try:
            return cls(path.read_text(), str(path), path, empty_ok=empty_ok)
        except OSError as e:
            raise InvalidArgumentError(f"cannot read {path}: {e.strerror}") from e

    def reload(self) -> int:
        """Re-reads the tokens file; returns how many principals it now names.

        A file naming no principal is taken (every call is then refused): removing
        the last token must revoke it. Only starting a server on one is refused.

        Raises:
            InvalidArgumentError: the credentials came from $MDSTORE_TOKENS, or the
                file cannot be read or is malformed; the current principals stay.
        """
        if self.path is None:
            raise InvalidArgumentError(f"credentials from {self.source} cannot be reloaded")
        self._tables = Credentials.read(self.path, empty_ok=True)._tables
        return len(self.principals())

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


def _principal_of(fields: list[str], where: str) -> tuple[str, Principal]:
    """A tokens-file line's credential and principal: NAME ROLE CREDENTIAL [expires=TIME]."""
    expiry = fields[3] if len(fields) == 4 and fields[3].startswith(EXPIRES) else None
    if len(fields) != (3 if expiry is None else 4) or fields[1] not in ROLES:
        raise InvalidArgumentError(
            f"{where}: expected NAME ROLE CREDENTIAL [expires=TIME] with ROLE one of "
            f"{', '.join(ROLES)}"
        )
    name, role, credential = fields[:3]
    is_hash = credential.startswith("sha256:") and len(credential) == 71
    if not is_hash and not credential.startswith("cert:CN="):
        raise InvalidArgumentError(
            f"{where}: the credential must be sha256:<64 hex digits> or cert:CN=<name>"
        )
    try:
        expires = None if expiry is None else parse_expiry(expiry.removeprefix(EXPIRES))
    except InvalidArgumentError as e:
        raise InvalidArgumentError(f"{where}: {e}") from e
    return credential, Principal(name, role, expires)


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
        if principal.expired(time.time_ns() // 1_000_000):
            assert principal.expires_ms is not None
            context.abort(
                grpc.StatusCode.UNAUTHENTICATED,
                f"the credential of {principal.name} expired at {to_iso(principal.expires_ms)}",
            )
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
