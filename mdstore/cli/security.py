"""``mdstore tokens add|remove|list`` and ``mdstore tls generate``: credentials for a
secure ``serve``.

``tokens add`` appends a principal to a tokens file and prints its bearer token
once (the file keeps only the token's SHA-256), optionally with an expiry;
``tokens remove`` takes a principal out; ``tokens list`` shows who is in, never a
hash. A running ``mdstore serve`` re-reads the file on SIGHUP. ``tls generate``
makes a private CA, a server certificate for the given host names and a client
certificate, for trying TLS and mutual TLS; production deployments bring their own.
"""

from __future__ import annotations

import argparse
import datetime
import ipaddress
import os
import secrets
import sys
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from mdstore.errors import InvalidArgumentError
from mdstore.server.auth import (
    EXPIRES,
    ROLES,
    Credentials,
    parse_expiry,
    token_hash,
)
from mdstore.store.db import clock
from mdstore.wire.times import to_iso

_VALID_DAYS = 365
_RELOAD_HINT = "a running `mdstore serve --tokens-file` picks this up on SIGHUP (kill -HUP PID)"


def _tokens_add(args: argparse.Namespace) -> int:
    if any(c.isspace() or c == "#" for c in args.name) or not args.name:
        raise InvalidArgumentError("a principal's name has no spaces and no '#'")
    path: Path = args.file
    existing = path.read_text() if path.exists() else ""
    if args.name in _names(Credentials(existing, str(path), empty_ok=True)):
        raise InvalidArgumentError(f"{path} already names {args.name}")
    expiry = until = ""
    if args.expires is not None:
        expires = parse_expiry(args.expires)
        if expires <= clock.now_ms():
            raise InvalidArgumentError(f"--expires {args.expires} is already past")
        expiry, until = f" {EXPIRES}{to_iso(expires)}", f" until {to_iso(expires)}"
    token = secrets.token_urlsafe(32)
    line = f"{args.name} {args.role} {token_hash(token)}{expiry}\n"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a") as out:
        out.write(line if not existing or existing.endswith("\n") else "\n" + line)
    print(f"added {args.name} ({args.role}{until}) to {path}; its token, shown only now:")
    print(token)
    print(_RELOAD_HINT, file=sys.stderr)
    return 0


def _tokens_remove(args: argparse.Namespace) -> int:
    path: Path = args.file
    names = _names(Credentials.read(path))
    if args.name not in names:
        raise InvalidArgumentError(f"{path} names no {args.name}")
    kept = [
        line
        for line in path.read_text().splitlines(keepends=True)
        if line.split("#", 1)[0].split()[:1] != [args.name]
    ]
    # A new file moved into place: a server reading it on SIGHUP never sees half of it.
    partial = path.with_name(path.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.writelines(kept)
    os.replace(partial, path)
    print(f"removed {args.name} from {path}")
    if names == {args.name}:
        print(
            f"{path} now names no one: a server reloading it refuses every call, "
            "and `mdstore serve` will not start on it",
            file=sys.stderr,
        )
    print(_RELOAD_HINT, file=sys.stderr)
    return 0


def _tokens_list(args: argparse.Namespace) -> int:
    now = clock.now_ms()
    credentials = Credentials.read(args.file)
    for credential, principal in [
        *(("token", p) for p in credentials.by_hash.values()),
        *((f"cert:CN={cn}", p) for cn, p in credentials.by_cert.items()),
    ]:
        expires = principal.expires_ms
        state = "" if expires is None else f"expires {to_iso(expires)}"
        if principal.expired(now):
            state = f"EXPIRED {to_iso(expires or 0)}"
        print(f"{principal.name:<20} {principal.role:<7} {credential:<24} {state}".rstrip())
    return 0


def _names(credentials: Credentials) -> set[str]:
    return {principal.name for principal in credentials.principals()}


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
    add.add_argument(
        "--expires", metavar="TIME",
        help="ISO 8601 (no zone means UTC): the token stops working then",
    )  # fmt: skip
    add.set_defaults(func=_tokens_add)
    remove = token_commands.add_parser("remove", help="take a principal out of a tokens file")
    remove.add_argument("name", metavar="NAME")
    remove.add_argument("--file", type=Path, required=True, metavar="FILE")
    remove.set_defaults(func=_tokens_remove)
    listing = token_commands.add_parser("list", help="who a tokens file admits (no hashes)")
    listing.add_argument("--file", type=Path, required=True, metavar="FILE")
    listing.set_defaults(func=_tokens_list)

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
