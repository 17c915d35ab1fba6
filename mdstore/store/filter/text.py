"""Text comparison and arithmetic in filter queries, the same on every backend.

Semantics are those of ml-metadata on SQLite (the reference the compat tests run):
``=`` and ordering compare code points exactly (no case folding, no trailing-blank
padding), and ``LIKE`` ignores ASCII case and has no escape character. Each backend
needs its own SQL for that, so these are small constructs compiled per dialect:

* PostgreSQL orders by the database collation, so ordering uses ``COLLATE "C"``;
  ``LIKE`` becomes ``ILIKE``, with backslashes doubled because ``\\`` escapes there.
* MySQL/MariaDB compare with the column collation (case-insensitive by default),
  so comparisons also compare ``CAST(x AS BINARY)``; ``LIKE`` lower-cases both sides.

On SQLite every construct renders as the plain operator, so an index on the
column still serves ``col = ?`` and ``col < ?``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, ColumnElement, Integer, String, func, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

_MYSQL = ("mysql", "mariadb")


class _Exact(FunctionElement[Any]):
    """A text expression that orders by code point."""

    name = "mdstore_exact"
    type = String()
    inherit_cache = True


@compiles(_Exact)
def _exact_default(element: _Exact, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.clauses, **kw))


@compiles(_Exact, "postgresql")
def _exact_postgresql(element: _Exact, compiler: Any, **kw: Any) -> str:
    # Parenthesised as a whole: BETWEEN's bounds do not take a bare COLLATE.
    return f'(({compiler.process(element.clauses, **kw)}) COLLATE "C")'


@compiles(_Exact, *_MYSQL)
def _exact_mysql(element: _Exact, compiler: Any, **kw: Any) -> str:
    return f"CAST(({compiler.process(element.clauses, **kw)}) AS BINARY)"


class _ExactIn(FunctionElement[Any]):
    """``x IN (items)`` by code point; on MySQL it keeps a plain ``IN`` for indexes."""

    name = "mdstore_exact_in"
    type = Boolean()
    inherit_cache = True
    _is_implicitly_boolean = True  # a predicate: no `(...) = 1` around it


def _in_list(element: FunctionElement[Any], compiler: Any, **kw: Any) -> tuple[str, str]:
    left, *items = element.clauses.clauses
    listed = ", ".join(compiler.process(i, **kw) for i in items)
    return compiler.process(left, **kw), (listed if len(items) > 1 else f"= {listed}")


@compiles(_ExactIn)
def _exact_in_default(element: _ExactIn, compiler: Any, **kw: Any) -> str:
    left, listed = _in_list(element, compiler, **kw)
    return f"({left} {listed})" if listed.startswith("=") else f"({left} IN ({listed}))"


@compiles(_ExactIn, *_MYSQL)
def _exact_in_mysql(element: _ExactIn, compiler: Any, **kw: Any) -> str:
    left, listed = _in_list(element, compiler, **kw)
    if listed.startswith("="):
        return f"({left} {listed} AND CAST(({left}) AS BINARY) {listed})"
    return f"({left} IN ({listed}) AND CAST(({left}) AS BINARY) IN ({listed}))"


class _Like(FunctionElement[Any]):
    """SQLite's ``x LIKE pattern``: ASCII case-insensitive, no escape character."""

    name = "mdstore_like"
    type = Boolean()
    inherit_cache = True
    _is_implicitly_boolean = True


def _like_operands(element: _Like, compiler: Any, **kw: Any) -> tuple[str, str]:
    left, pattern = element.clauses.clauses
    # The pattern's backslashes are literal in SQLite; elsewhere they escape.
    escaped = func.replace(pattern, literal("\\"), literal("\\\\"))
    return compiler.process(left, **kw), compiler.process(escaped, **kw)


@compiles(_Like)
def _like_default(element: _Like, compiler: Any, **kw: Any) -> str:
    left, pattern = element.clauses.clauses
    return f"({compiler.process(left, **kw)} LIKE {compiler.process(pattern, **kw)})"


@compiles(_Like, "postgresql")
def _like_postgresql(element: _Like, compiler: Any, **kw: Any) -> str:
    left, pattern = _like_operands(element, compiler, **kw)
    return f"({left} ILIKE {pattern})"


@compiles(_Like, *_MYSQL)
def _like_mysql(element: _Like, compiler: Any, **kw: Any) -> str:
    left, pattern = _like_operands(element, compiler, **kw)
    return f"(LOWER({left}) LIKE LOWER({pattern}))"


class _CharLength(FunctionElement[Any]):
    """Length in characters (MySQL's LENGTH counts bytes)."""

    name = "mdstore_char_length"
    type = Integer()
    inherit_cache = True


@compiles(_CharLength)
def _char_length_default(element: _CharLength, compiler: Any, **kw: Any) -> str:
    return f"LENGTH({compiler.process(element.clauses, **kw)})"


@compiles(_CharLength, *_MYSQL)
def _char_length_mysql(element: _CharLength, compiler: Any, **kw: Any) -> str:
    return f"CHAR_LENGTH({compiler.process(element.clauses, **kw)})"


_ORDER = {
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def text_compare(left: Any, op: str, right: Any) -> ColumnElement[bool]:
    """``left op right`` on text, by code point on every backend."""
    if op == "=":
        return _ExactIn(left, right)
    return _ORDER[op](_Exact(left), _Exact(right))  # type: ignore[no-any-return]


def text_in(left: Any, items: list[Any]) -> ColumnElement[bool]:
    """``left IN (items)`` on text, by code point."""
    return _ExactIn(left, *items)


def text_between(value: Any, low: Any, high: Any) -> ColumnElement[bool]:
    """``value BETWEEN low AND high`` on text, by code point."""
    return _Exact(value).between(_Exact(low), _Exact(high))


def like(value: Any, pattern: Any) -> ColumnElement[bool]:
    """MLMD's LIKE: case-insensitive for ASCII letters; ``\\`` is an ordinary char."""
    return _Like(value, pattern)


def char_length(value: Any) -> ColumnElement[int]:
    """The number of characters of a text expression."""
    return _CharLength(value)


def divide(left: Any, right: Any) -> ColumnElement[float]:
    """Real division; NULL when dividing by zero, as SQLite (and so MLMD) does."""
    return (left + literal(0.0)) / func.nullif(right, literal(0))  # type: ignore[no-any-return]
