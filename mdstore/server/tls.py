"""The server's TLS material: one set of PEM files for the gRPC port and /metrics.

Both endpoints take the same certificate and key and, with a client CA, both
require a client certificate signed by it (mutual TLS), so turning TLS on never
leaves one of them in plaintext.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import grpc

from mdstore.errors import InvalidArgumentError


@dataclass(frozen=True)
class TlsFiles:
    """PEM files of the server's TLS: its certificate and key, and the CA whose
    client certificates it requires (mutual TLS) when set."""

    cert: Path
    key: Path
    client_ca: Path | None = None

    def credentials(self) -> grpc.ServerCredentials:
        """The server credentials, or InvalidArgumentError naming an unreadable file."""
        key, cert = _read(self.key), _read(self.cert)
        client_ca = _read(self.client_ca) if self.client_ca else None
        return grpc.ssl_server_credentials(
            [(key, cert)], root_certificates=client_ca, require_client_auth=client_ca is not None
        )


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as e:
        raise InvalidArgumentError(f"cannot read {path}: {e.strerror}") from e
