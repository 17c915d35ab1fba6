"""The OpenLineage 2-0-2 RunEvent's rules, as a JSON Schema we wrote from the spec.

openlineage-python ships classes, not the spec's schema files, and the test
machines reach no network, so this transcribes what the spec requires of a
RunEvent (https://openlineage.io/spec/2-0-2/OpenLineage.json): the required
fields and their formats, dataset identities, and the ``_producer`` and
``_schemaURL`` every facet carries. Formats jsonschema cannot check without
extra packages (uuid, date-time) are checked by ``check_formats``.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

_URI = {"type": "string", "pattern": "^[a-zA-Z][a-zA-Z0-9+.-]*:"}
_FACET = {
    "type": "object",
    "required": ["_producer", "_schemaURL"],
    "properties": {
        "_producer": _URI,
        "_schemaURL": {
            "type": "string",
            "pattern": r"^https://openlineage\.io/spec/(facets/)?[0-9-]+/\w+\.json#/\$defs/\w+$",
        },
    },
}
_FACETS = {"type": "object", "additionalProperties": _FACET}
_DATASET = {
    "type": "object",
    "required": ["namespace", "name"],
    "properties": {
        "namespace": {"type": "string", "minLength": 1},
        "name": {"type": "string", "minLength": 1},
        "facets": _FACETS,
        "inputFacets": _FACETS,
        "outputFacets": _FACETS,
    },
}
RUN_EVENT_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["eventTime", "producer", "schemaURL", "run", "job"],
    "properties": {
        "eventType": {"enum": ["START", "RUNNING", "COMPLETE", "ABORT", "FAIL", "OTHER"]},
        "eventTime": {"type": "string"},
        "producer": _URI,
        "schemaURL": {
            "type": "string",
            "pattern": r"^https://openlineage\.io/spec/2-0-\d+/OpenLineage\.json#/\$defs/RunEvent$",
        },
        "run": {
            "type": "object",
            "required": ["runId"],
            "properties": {"runId": {"type": "string"}, "facets": _FACETS},
        },
        "job": {
            "type": "object",
            "required": ["namespace", "name"],
            "properties": {
                "namespace": {"type": "string", "minLength": 1},
                "name": {"type": "string", "minLength": 1},
                "facets": _FACETS,
            },
        },
        "inputs": {"type": "array", "items": _DATASET},
        "outputs": {"type": "array", "items": _DATASET},
    },
}


def check_formats(event: dict[str, Any]) -> None:
    """Raises ValueError when runId is not a UUID or eventTime not an ISO 8601 time."""
    uuid.UUID(event["run"]["runId"])
    datetime.datetime.fromisoformat(event["eventTime"].replace("Z", "+00:00"))
