"""Typed values of a filter query as it compiles, and the operator tables.

Each sub-expression becomes a ``Value``: its SQL, its ZetaSQL type (checked
strictly, as MLMD does) and what it mentions, which decides how its conjunct is
put into SQL (compiler.assemble):

* ``scopes``: the properties and aliases it mentions (names.py scopes);
* ``own``: whether it mentions the filtered node's own columns;
* ``narrows``: the scopes an index can find its matching rows in. A comparison of
  a searchable column (names.searchable) with a constant narrows its scope.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func

from mdstore.store.filter import text as filter_text
from mdstore.store.filter.names import DOUBLE, INT, STRING

NULL = "NULL"  # the type of the NULL literal, which fits any other
NUMERIC = {INT, DOUBLE}

Key = tuple[Any, ...]  # a scope's key (names.Names.scopes)


@dataclass(frozen=True)
class Value:
    """A typed SQL expression and what it mentions."""

    sql: Any
    type: str
    scopes: frozenset[Key] = frozenset()
    depth: int = 1
    null_literal: bool = False
    text: str = ""  # the query text it came from, for error messages
    own: bool = False
    narrows: frozenset[Key] = frozenset()
    searchable_in: Key | None = None  # set on a bare column an index of this scope searches


def combine(
    sql: Any, kind: str, parts: list[Value], narrows: frozenset[Key] = frozenset()
) -> Value:
    """The value of an operation on ``parts``: it mentions all that they mention."""
    scopes = frozenset().union(*(p.scopes for p in parts))
    depth = 1 + max((p.depth for p in parts), default=0)
    return Value(sql, kind, scopes, depth, own=any(p.own for p in parts), narrows=narrows)


def narrowed(column: Value, *operands: Value) -> frozenset[Key]:
    """The scope an index search serves for ``column <op> operands``, if any.

    Only a bare searchable column against constants (literals and arithmetic on
    them) can be looked up in an index; anything else is checked row by row.
    """
    if column.searchable_in is None:
        return frozenset()
    if any(o.scopes or o.own for o in operands):
        return frozenset()
    return frozenset([column.searchable_in])


OPERATORS = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
}
# Comparisons an index answers with a lookup or a range (not !=).
SEARCH_OPERATORS = {"=", "<", "<=", ">", ">="}

# name -> (argument types, result type or None for "the argument's", SQL builder)
FUNCTIONS: dict[str, tuple[tuple[str, ...], str | None, Any]] = {
    "lower": ((STRING,), STRING, func.lower),
    "upper": ((STRING,), STRING, func.upper),
    "length": ((STRING,), INT, filter_text.char_length),
    "abs": ((INT, DOUBLE), None, func.abs),
}
