"""The errors the client raises: mdstore's own classes, one per gRPC status code.

They are the same classes the server raises, so ``except NotFoundError`` works the
same embedded and over gRPC. Each carries its canonical code name in ``.code``
(``"NOT_FOUND"``); over gRPC the original ``grpc.RpcError`` is ``__cause__``.
"""

from __future__ import annotations

from mdstore.errors import (
    AbortedError,
    AlreadyExistsError,
    CancelledError,
    DataLossError,
    DeadlineExceededError,
    FailedPreconditionError,
    InternalError,
    InvalidArgumentError,
    MdstoreError,
    NotFoundError,
    OutOfRangeError,
    PermissionDeniedError,
    ResourceExhaustedError,
    UnauthenticatedError,
    UnavailableError,
    UnimplementedError,
    exception_from_code,
)

__all__ = [
    "AbortedError",
    "AlreadyExistsError",
    "CancelledError",
    "DataLossError",
    "DeadlineExceededError",
    "FailedPreconditionError",
    "InternalError",
    "InvalidArgumentError",
    "MdstoreError",
    "NotFoundError",
    "OutOfRangeError",
    "PermissionDeniedError",
    "ResourceExhaustedError",
    "UnauthenticatedError",
    "UnavailableError",
    "UnimplementedError",
    "exception_from_code",
]
