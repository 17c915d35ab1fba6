"""``ml_metadata.Value`` as text: one form for comparing and for showing people."""

from __future__ import annotations

import json
from typing import Any

from google.protobuf import json_format


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
