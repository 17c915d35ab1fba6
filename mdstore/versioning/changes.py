"""A lineage diff (``mdstore.v1.DiffResponse``) as sentences a person reads."""

from __future__ import annotations

from collections import Counter
from typing import Any, Final

from mdstore.wire.values import value_text

_SHOWN: Final = 24  # characters of a long value
_ROLE_SHOWN: Final = 48  # characters of a long role, kept from its end


def describe(diff: Any) -> list[str]:
    """One sentence per change: steps, parameters, sources, then properties.

    The same sentence for several nodes (a property of three splits of one
    dataset) is said once, with the count.
    """
    sentences = [
        *(_step(change) for change in diff.steps),
        *(_value("parameter", "step", change) for change in diff.parameters),
        *(_source(change) for change in diff.sources),
        *(_value("property", "artifact", change) for change in diff.properties),
    ]
    counts = Counter(sentences)
    return [s if counts[s] == 1 else f"{s} (x{counts[s]})" for s in dict.fromkeys(sentences)]


def _step(change: Any) -> str:
    return f"step {change.type or '?'} {change.change} (at {_role(change.role)})"


def _source(change: Any) -> str:
    where = _role(change.role)
    if change.change == "added":
        return f"source added: {_short(change.new_value)} (at {where})"
    if change.change == "removed":
        return f"source removed: {_short(change.old_value)} (at {where})"
    return (
        f"source {change.field} changed: {_short(change.old_value)} -> "
        f"{_short(change.new_value)} (at {where})"
    )


def _value(what: str, owner: str, change: Any) -> str:
    subject = f"{what} {change.name} of {owner} {change.type or '?'}"
    old = value_text(change.old_value) if change.HasField("old_value") else None
    new = value_text(change.new_value) if change.HasField("new_value") else None
    if old is None:
        return f"{subject} added: {_short(new or '')}"
    if new is None:
        return f"{subject} removed (was {_short(old)})"
    return f"{subject} changed: {_short(old)} -> {_short(new)}"


def _role(role: str) -> str:
    return role if len(role) <= _ROLE_SHOWN else "…" + role[-(_ROLE_SHOWN - 1) :]


def _short(value: str) -> str:
    """A long value cut to its start; a path or URI to its end, where names differ."""
    if len(value) <= _SHOWN:
        return value
    if "/" in value and not value.lstrip().startswith(("{", "[")):
        return "…" + value[-(_SHOWN - 1) :]
    return value[: _SHOWN - 1] + "…"
