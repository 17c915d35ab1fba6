"""``mdstore export``: a model version's or an artifact's lineage as a picture, as
GraphML, as a W3C PROV document, as OpenLineage events, as a CycloneDX ML-BOM or
as a signed audit bundle, written to a file; ``mdstore verify-bundle`` checks a
bundle offline; ``mdstore keys generate`` makes the signing key pair.

The lineage comes through ``mdstore_client`` (``--server`` or ``--db``) as the
provenance calls answer it (every page followed, as of a time on request); the
writers in ``mdstore.export`` turn it into the format.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from mdstore.cli.lineage import connect, parse_time, store_options
from mdstore.errors import InvalidArgumentError
from mdstore.export import bundle, bundle_check, signing
from mdstore.export.files import (
    BUNDLE,
    DIRECTIONS,
    FORMATS,
    direction_for,
    fetch,
    fetch_history,
    write,
)


def _export(args: argparse.Namespace) -> int:
    if (args.model_uri is None) == (args.artifact is None):
        raise InvalidArgumentError("name what to export: a MODEL_URI or --artifact ID")
    if args.sign_key is not None and args.format != BUNDLE:
        raise InvalidArgumentError("--sign-key signs bundles only: add --format bundle")
    key = signing.load_private_key(args.sign_key) if args.sign_key else None
    with connect(args) as client:
        subject = _subject(args, client)
        direction = direction_for(args.format, args.direction)
        lineage = fetch(client.call, subject.artifact_id, direction, args.as_of)
        if subject.model_name:
            fetch_history(client.call, lineage, subject.model_name)
        if args.format == BUNDLE:
            data = bundle.render(
                lineage, subject, bundle.fetch_parts(client.call, lineage, subject), key
            )
        else:
            data = write(lineage, args.format)
    args.output.write_bytes(data)
    signed = " signed" if key else ""
    print(
        f"wrote {args.output} ({args.format}{signed}, {len(data):,} bytes): "
        f"{len(lineage.artifacts)} artifacts, {len(lineage.executions)} executions "
        f"{direction} of artifact #{subject.artifact_id}"
    )
    return 0


def _subject(args: argparse.Namespace, client: Any) -> bundle.Subject:
    if args.model_uri is None:
        return bundle.Subject(args.artifact, args.direction, as_of=args.as_of)
    resolved = client.resolve_model(args.model_uri, as_of=args.as_of)
    return bundle.Subject(
        resolved.artifact_id, args.direction, args.model_uri, resolved.name, args.as_of
    )


def _verify_bundle(args: argparse.Namespace) -> int:
    key = signing.load_public_key(args.public_key)
    try:
        data = args.file.read_bytes()
    except OSError as e:
        raise InvalidArgumentError(f"cannot read {args.file}: {e.strerror}") from e
    problems = bundle_check.check(data, key)
    if problems:
        for problem in problems:
            print(f"FAIL {problem}")
        print(f"{args.file}: does not verify ({len(problems)} problem(s))")
        return 1
    print(f"{args.file}: verifies (signature, every file, every node, the audit entries)")
    return 0


def _keys_generate(args: argparse.Namespace) -> int:
    private, public = signing.generate_keys(args.out)
    key_id = signing.key_id(signing.load_public_key(public))
    print(f"wrote {private} (private, keep it secret) and {public} (public); key id {key_id}")
    return 0


def add_commands(commands: Any, default_db: str) -> None:
    """Adds ``export``, ``verify-bundle`` and ``keys`` to the ``mdstore`` parser."""
    export = commands.add_parser(
        "export", help="lineage as a picture, GraphML, PROV, OpenLineage, ML-BOM or bundle"
    )
    export.add_argument(
        "model_uri", nargs="?", metavar="MODEL_URI", help="models:/NAME/1.2.0, @ALIAS or /latest"
    )
    export.add_argument("--artifact", type=int, metavar="ID", help="an artifact instead")
    export.add_argument("--format", required=True, choices=(*FORMATS, BUNDLE))
    export.add_argument("--direction", choices=DIRECTIONS, default="upstream")
    export.add_argument(
        "--as-of", type=parse_time, metavar="TIME", help="as the store held it then"
    )
    export.add_argument(
        "--sign-key", type=Path, metavar="FILE", help="Ed25519 private key signing a bundle"
    )
    export.add_argument("-o", "--output", type=Path, required=True, metavar="FILE")
    store_options(export, default_db)
    export.set_defaults(func=_export)

    verify = commands.add_parser("verify-bundle", help="check a bundle offline")
    verify.add_argument("file", type=Path, metavar="FILE")
    verify.add_argument("--public-key", type=Path, required=True, metavar="FILE")
    verify.set_defaults(func=_verify_bundle)

    keys = commands.add_parser("keys", help="signing keys for bundles")
    key_commands = keys.add_subparsers(dest="keys_command", required=True, metavar="COMMAND")
    generate = key_commands.add_parser("generate", help="a new Ed25519 key pair")
    generate.add_argument("--out", type=Path, required=True, metavar="DIR")
    generate.set_defaults(func=_keys_generate)
