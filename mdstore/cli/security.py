"""``mdstore tokens add`` and ``mdstore tls generate``: credentials for a secure ``serve``.

``tokens add`` appends a principal to a tokens file and prints its bearer token
once (the file keeps only the token's SHA-256). ``tls generate`` makes a private
CA, a server certificate for the given host names and a client certificate, for
trying TLS and mutual TLS; production deployments bring their own.
"""

from __future__ import annotations

import argparse
import datetime
import ipaddress
import os
import secrets
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from mdstore.errors import InvalidArgumentError
from mdstore.server.auth import ROLES, Credentials, token_hash

_VALID_DAYS = 365


def _tokens_add(args: argparse.Namespace) -> int:
    if any(c.isspace() or c == "#" for c in args.name) or not args.name:
        raise InvalidArgumentError("a principal's name has no spaces and no '#'")
    path: Path = args.file
    existing = path.read_text() if path.exists() else ""
    if existing.strip():
        known = Credentials(existing, str(path))
        if args.name in {p.name for p in (*known.by_hash.values(), *known.by_cert.values())}:
            raise InvalidArgumentError(f"{path} already names {args.name}")
    token = secrets.token_urlsafe(32)
    line = f"{args.name} {args.role} {token_hash(token)}\n"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a") as out:
        out.write(line if not existing or existing.endswith("\n") else "\n" + line)
    print(f"added {args.name} ({args.role}) to {path}; its token, shown only now:")
    print(token)
    return 0


def _tls_generate(args: argparse.Namespace) -> int:
    out: Path = args.out
    args.host = args.host or list(args.host_default)
    out.mkdir(parents=True, exist_ok=True)
    for stem in ("ca", "server", "client"):
        for suffix in (".pem", ".key"):
            if (out / f"{stem}{suffix}").exists():
                raise InvalidArgumentError(f"{out / (stem + suffix)} exists; never overwritten")
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mdstore test CA")])
    ca = _certificate(ca_name, ca_key, ca_name, ca_key, ca=True)
    _write(out / "ca", ca, ca_key)
    server_key = ec.generate_private_key(ec.SECP256R1())
    hosts: list[x509.GeneralName] = []
    for host in args.host:
        try:
            hosts.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            hosts.append(x509.DNSName(host))
    server_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, args.host[0])])
    server = _certificate(server_name, server_key, ca_name, ca_key, hosts=hosts)
    _write(out / "server", server, server_key)
    client_key = ec.generate_private_key(ec.SECP256R1())
    client_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, args.client)])
    _write(out / "client", _certificate(client_name, client_key, ca_name, ca_key), client_key)
    print(f"wrote {out}/ca.pem, server.pem + server.key ({', '.join(args.host)}), "
          f"client.pem + client.key (CN={args.client})")  # fmt: skip
    return 0


def _certificate(
    subject: x509.Name,
    key: Any,
    issuer: x509.Name,
    issuer_key: Any,
    *,
    ca: bool = False,
    hosts: list[x509.GeneralName] | None = None,
) -> x509.Certificate:
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=_VALID_DAYS))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if hosts:
        builder = builder.add_extension(x509.SubjectAlternativeName(hosts), critical=False)
        usage = ExtendedKeyUsageOID.SERVER_AUTH
    else:
        usage = ExtendedKeyUsageOID.CLIENT_AUTH
    if not ca:
        builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def _write(stem: Path, certificate: x509.Certificate, key: Any) -> None:
    stem.with_suffix(".pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    fd = os.open(stem.with_suffix(".key"), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )


def add_commands(commands: Any) -> None:
    """Adds ``tokens add`` and ``tls generate`` to the ``mdstore`` parser."""
    tokens = commands.add_parser("tokens", help="bearer tokens for `serve --tokens-file`")
    token_commands = tokens.add_subparsers(dest="tokens_command", required=True, metavar="COMMAND")
    add = token_commands.add_parser("add", help="add a principal; prints its token once")
    add.add_argument("name", metavar="NAME")
    add.add_argument("--role", choices=ROLES, required=True)
    add.add_argument("--file", type=Path, required=True, metavar="FILE", help="the tokens file")
    add.set_defaults(func=_tokens_add)

    tls = commands.add_parser("tls", help="certificates for trying TLS and mutual TLS")
    tls_commands = tls.add_subparsers(dest="tls_command", required=True, metavar="COMMAND")
    generate = tls_commands.add_parser("generate", help="a CA, a server and a client certificate")
    generate.add_argument("--out", type=Path, required=True, metavar="DIR")
    generate.add_argument(
        "--host", action="append", default=None, metavar="NAME",
        help="a name the server is reached by (repeatable; default localhost and 127.0.0.1)",
    )  # fmt: skip
    generate.add_argument("--client", default="mdstore-client", metavar="CN")
    generate.set_defaults(func=_tls_generate, host_default=("localhost", "127.0.0.1"))
