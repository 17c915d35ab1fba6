"""``ml_metadata.Value`` as text (one form for comparing and for showing people), and
an artifact's content digest: one definition for provenance, the registry and exports."""

from __future__ import annotations

import json
from typing import Any, Final

from google.protobuf import json_format

DIGEST_CUSTOM_PROPERTIES: Final = ("sha256", "digest")
"""Custom properties holding an artifact's content digest, in order of preference
(the client library records file digests as ``sha256``)."""
DIGEST_PROPERTY: Final = "digest"
"""The property holding a digest, read when no custom property has one."""


def value_text(value: Any) -> str:
    """A Value as text that is equal exactly when the values are.

    Strings as they are, numbers and booleans in Python's repr, structs and
    protos as compact JSON with sorted keys; "" for an unset Value.
    """
    which = value.WhichOneof("value")
    if which is None:
        return ""
    held = getattr(value, which)
    if which == "string_value":
        return str(held)
    if which in ("int_value", "double_value", "bool_value"):
        return repr(held)
    return json.dumps(json_format.MessageToDict(held), sort_keys=True, separators=(",", ":"))


def number(value: Any) -> float | None:
    """An int or double Value as a float; None for any other kind."""
    which = value.WhichOneof("value")
    if which == "int_value":
        return float(value.int_value)
    if which == "double_value":
        return float(value.double_value)
    return None


def digest(artifact: Any) -> str:
    """An artifact's content digest, or "" when none is recorded.

    The first non-empty text among the custom properties ``sha256`` and
    ``digest``, then the property ``digest``.
    """
    custom = artifact.custom_properties
    for name in DIGEST_CUSTOM_PROPERTIES:
        if name in custom:
            found = text(custom[name])
            if found:
                return found
    if DIGEST_PROPERTY in artifact.properties:
        return text(artifact.properties[DIGEST_PROPERTY])
    return ""


def text(value: Any) -> str:
    """A string or int ``ml_metadata.Value`` as text; "" for anything else."""
    which = value.WhichOneof("value")
    if which == "string_value":
        return str(value.string_value)
    if which == "int_value":
        return str(value.int_value)
    return ""
