"""``mdstore export``: a model version's or an artifact's lineage as a picture, as
GraphML, as a W3C PROV document, as OpenLineage events or as a CycloneDX ML-BOM,
written to a file.

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
from mdstore.export.files import DIRECTIONS, FORMATS, LATER, direction_for, fetch, write


def _export(args: argparse.Namespace) -> int:
    if (args.model_uri is None) == (args.artifact is None):
        raise InvalidArgumentError("name what to export: a MODEL_URI or --artifact ID")
    with connect(args) as client:
        if args.model_uri is not None:
            artifact_id = client.resolve_model(args.model_uri, as_of=args.as_of).artifact_id
        else:
            artifact_id = args.artifact
        direction = direction_for(args.format, args.direction)
        lineage = fetch(client.call, artifact_id, direction, args.as_of)
    data = write(lineage, args.format)
    args.output.write_bytes(data)
    print(
        f"wrote {args.output} ({args.format}, {len(data):,} bytes): "
        f"{len(lineage.artifacts)} artifacts, {len(lineage.executions)} executions "
        f"{direction} of artifact #{artifact_id}"
    )
    return 0


def add_commands(commands: Any, default_db: str) -> None:
    """Adds ``export`` to the ``mdstore`` parser."""
    export = commands.add_parser(
        "export", help="lineage as a picture, GraphML, W3C PROV or OpenLineage"
    )
    export.add_argument(
        "model_uri", nargs="?", metavar="MODEL_URI", help="models:/NAME/1.2.0, @ALIAS or /latest"
    )
    export.add_argument("--artifact", type=int, metavar="ID", help="an artifact instead")
    export.add_argument("--format", required=True, choices=(*FORMATS, *LATER))
    export.add_argument("--direction", choices=DIRECTIONS, default="upstream")
    export.add_argument(
        "--as-of", type=parse_time, metavar="TIME", help="as the store held it then"
    )
    export.add_argument("-o", "--output", type=Path, required=True, metavar="FILE")
    store_options(export, default_db)
    export.set_defaults(func=_export)
