"""Error classes, one per canonical gRPC status code.

The store raises these; the server's interceptor turns them into gRPC statuses and
the client turns statuses back into them, so both sides share one hierarchy.
Messages reach users: never put SQL, connection URLs or passwords in them.
"""

from __future__ import annotations


class MdstoreError(Exception):
    """Base class. ``code`` is the canonical gRPC status code name."""

    code = "UNKNOWN"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class CancelledError(MdstoreError):
    code = "CANCELLED"


class InvalidArgumentError(MdstoreError):
    """The request itself is malformed: wrong property type, bad id, bad option."""

    code = "INVALID_ARGUMENT"


class DeadlineExceededError(MdstoreError):
    code = "DEADLINE_EXCEEDED"


class NotFoundError(MdstoreError):
    """An id, name or type named by the request does not exist."""

    code = "NOT_FOUND"


class AlreadyExistsError(MdstoreError):
    """A unique name, external id or type definition is already taken."""

    code = "ALREADY_EXISTS"


class PermissionDeniedError(MdstoreError):
    code = "PERMISSION_DENIED"


class ResourceExhaustedError(MdstoreError):
    code = "RESOURCE_EXHAUSTED"


class FailedPreconditionError(MdstoreError):
    """The request is well formed but conflicts with stored state."""

    code = "FAILED_PRECONDITION"


class AbortedError(MdstoreError):
    """A deadlock or serialization failure; retrying the request may succeed."""

    code = "ABORTED"


class OutOfRangeError(MdstoreError):
    code = "OUT_OF_RANGE"


class UnimplementedError(MdstoreError):
    code = "UNIMPLEMENTED"


class InternalError(MdstoreError):
    """A bug or an unexpected database state; details are logged on the server."""

    code = "INTERNAL"


class UnavailableError(MdstoreError):
    """The database or server cannot be reached right now; retry later."""

    code = "UNAVAILABLE"


class DataLossError(MdstoreError):
    code = "DATA_LOSS"


class UnauthenticatedError(MdstoreError):
    code = "UNAUTHENTICATED"


_BY_CODE: dict[str, type[MdstoreError]] = {
    cls.code: cls
    for cls in (
        CancelledError,
        InvalidArgumentError,
        DeadlineExceededError,
        NotFoundError,
        AlreadyExistsError,
        PermissionDeniedError,
        ResourceExhaustedError,
        FailedPreconditionError,
        AbortedError,
        OutOfRangeError,
        UnimplementedError,
        InternalError,
        UnavailableError,
        DataLossError,
        UnauthenticatedError,
    )
}


def exception_from_code(code_name: str) -> type[MdstoreError]:
    """Returns the error class for a canonical code name such as ``"NOT_FOUND"``."""
    return _BY_CODE.get(code_name, MdstoreError)
