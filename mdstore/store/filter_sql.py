"""SQL building blocks for filter queries: exact text comparison and neighbour scopes.

Text semantics are the same on every backend, those of ml-metadata on SQLite (the
reference implementation the compat tests run): ``=`` and ordering compare code
points exactly (no case folding, no trailing-blank padding), and ``LIKE`` ignores
case and has no escape character. Each backend needs different SQL for that, so the
comparisons are small constructs compiled per dialect:

* PostgreSQL orders by the database collation, so ordering uses ``COLLATE "C"``;
  ``LIKE`` becomes ``ILIKE``, with backslashes doubled because ``\\`` escapes there.
* MySQL/MariaDB compare with the column collation (case-insensitive by default),
  so comparisons also compare ``CAST(x AS BINARY)``; ``LIKE`` lower-cases both sides.

Properties and neighbours are *scopes*: a table alias plus the condition tying it
to the node being filtered. filter_query puts a query's scopes in one correlated
EXISTS, which is what MLMD's inner joins with SELECT DISTINCT amount to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    FromClause,
    Integer,
    String,
    and_,
    exists,
    func,
    literal,
    select,
    true,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from mdstore.store import schema
from mdstore.store.nodes import ARTIFACT, CONTEXT, EXECUTION, NodeKind

_MYSQL = ("mysql", "mariadb")


class _Exact(FunctionElement[Any]):
    """A text expression compared by code point (for ordering and inequality)."""

    name = "mdstore_exact"
    type = String()
    inherit_cache = True


@compiles(_Exact)
def _exact_default(element: _Exact, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.clauses, **kw))


@compiles(_Exact, "postgresql")
def _exact_postgresql(element: _Exact, compiler: Any, **kw: Any) -> str:
    return f'(({compiler.process(element.clauses, **kw)}) COLLATE "C")'


@compiles(_Exact, *_MYSQL)
def _exact_mysql(element: _Exact, compiler: Any, **kw: Any) -> str:
    return f"CAST(({compiler.process(element.clauses, **kw)}) AS BINARY)"


class _ExactIn(FunctionElement[Any]):
    """``x IN (items)`` by code point; on MySQL it keeps a plain ``IN`` for indexes."""

    name = "mdstore_exact_in"
    type = Boolean()
    inherit_cache = True
    _is_implicitly_boolean = True  # render as a predicate, not `(...) = 1`


@compiles(_ExactIn)
def _exact_in_default(element: _ExactIn, compiler: Any, **kw: Any) -> str:
    left, *items = element.clauses.clauses
    if len(items) == 1:
        return f"({compiler.process(left, **kw)} = {compiler.process(items[0], **kw)})"
    listed = ", ".join(compiler.process(i, **kw) for i in items)
    return f"({compiler.process(left, **kw)} IN ({listed}))"


@compiles(_ExactIn, *_MYSQL)
def _exact_in_mysql(element: _ExactIn, compiler: Any, **kw: Any) -> str:
    left, *items = element.clauses.clauses
    target = compiler.process(left, **kw)
    listed = ", ".join(compiler.process(i, **kw) for i in items)
    return f"({target} IN ({listed}) AND CAST(({target}) AS BINARY) IN ({listed}))"


class _Like(FunctionElement[Any]):
    """SQLite's ``x LIKE pattern``: ASCII case-insensitive, no escape character."""

    name = "mdstore_like"
    type = Boolean()
    inherit_cache = True
    _is_implicitly_boolean = True  # render as a predicate, not `(...) = 1`


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


def text_compare(left: Any, op: str, right: Any) -> ColumnElement[bool]:
    """``left op right`` on text, by code point on every backend."""
    if op == "=":
        return _ExactIn(left, right)
    ops = {
        "!=": lambda a, b: a != b,
        "<": lambda a, b: a < b,
        "<=": lambda a, b: a <= b,
        ">": lambda a, b: a > b,
        ">=": lambda a, b: a >= b,
    }
    return ops[op](_Exact(left), _Exact(right))  # type: ignore[no-any-return]


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


# ---------------------------------------------------------------- scopes


@dataclass
class Scope:
    """A table alias a filter query refers to, tied to the filtered node."""

    froms: FromClause
    condition: ColumnElement[bool]
    columns: dict[str, Any] = field(default_factory=dict)


def type_name(type_id: Any) -> Any:
    """The name of the type with id ``type_id``, as a scalar subquery."""
    t = schema.type_table.alias()
    return select(t.c.name).where(t.c.id == type_id).scalar_subquery()


# Neighbour fields beyond id, name, type and the timestamps (MLMD offers no
# external_id on contexts).
_EXTRA_FIELDS = {
    "artifact": ("state", "uri", "external_id"),
    "execution": ("last_known_state", "external_id"),
    "context": (),
}


def _node_columns(table: Any, extra: tuple[str, ...]) -> dict[str, Any]:
    columns = {
        "id": table.c.id,
        "name": table.c.name,
        "type": type_name(table.c.type_id),
        "create_time_since_epoch": table.c.create_time_since_epoch,
        "last_update_time_since_epoch": table.c.last_update_time_since_epoch,
    }
    columns.update({name: table.c[name] for name in extra})
    return columns


def property_scope(kind: NodeKind, name: str, custom: bool) -> Scope:
    """The row of one property (or custom property) of the filtered node."""
    p = kind.properties.alias()
    condition = and_(
        p.c[f"{kind.label}_id"] == kind.table.c.id,
        _ExactIn(p.c.name, literal(name)),
        p.c.is_custom_property == literal(custom),
    )
    columns = {c: p.c[c] for c in ("int_value", "double_value", "string_value", "bool_value")}
    return Scope(p, condition, columns)


def _linked_nodes(kind: NodeKind, link: Any, node_key: str, other: NodeKind) -> Scope:
    """Nodes of kind ``other`` linked to the filtered node through ``link``."""
    lk, node = link.alias(), other.table.alias()
    own_key = "context_id" if kind is CONTEXT else node_key
    other_key = node_key if kind is CONTEXT else "context_id"
    return Scope(
        lk.join(node, node.c.id == lk.c[other_key]),
        lk.c[own_key] == kind.table.c.id,
        _node_columns(node, _EXTRA_FIELDS[other.label]),
    )


def _related_contexts(parents: bool) -> Scope:
    pc, ctx = schema.parent_context_table.alias(), schema.context_table.alias()
    mine, theirs = ("context_id", "parent_context_id") if parents else ("parent_context_id", "context_id")
    return Scope(
        pc.join(ctx, ctx.c.id == pc.c[theirs]),
        pc.c[mine] == CONTEXT.table.c.id,
        _node_columns(ctx, ()),
    )


def _events(kind: NodeKind) -> Scope:
    e = schema.event_table.alias()
    other = "execution_id" if kind is ARTIFACT else "artifact_id"
    columns = {
        "type": e.c.type,
        "milliseconds_since_epoch": e.c.milliseconds_since_epoch,
        other: e.c[other],
    }
    return Scope(e, e.c[f"{kind.label}_id"] == kind.table.c.id, columns)


def neighbour_scope(kind: NodeKind, prefix: str) -> Scope:
    """A fresh scope for an alias prefix (``contexts_``, ``events_``, ...) of ``kind``."""
    if prefix == "contexts_":
        link = schema.attribution_table if kind is ARTIFACT else schema.association_table
        return _linked_nodes(kind, link, f"{kind.label}_id", CONTEXT)
    if prefix == "artifacts_":
        return _linked_nodes(kind, schema.attribution_table, "artifact_id", ARTIFACT)
    if prefix == "executions_":
        return _linked_nodes(kind, schema.association_table, "execution_id", EXECUTION)
    if prefix in ("parent_contexts_", "child_contexts_"):
        return _related_contexts(parents=prefix == "parent_contexts_")
    return _events(kind)


def exists_in(scopes: list[Scope], conditions: list[ColumnElement[bool]]) -> ColumnElement[bool]:
    """EXISTS a combination of one row per scope satisfying all ``conditions``."""
    joined = scopes[0].froms
    for scope in scopes[1:]:
        joined = joined.join(scope.froms, true())
    where = [s.condition for s in scopes] + conditions
    return exists(select(literal(1)).select_from(joined).where(*where))
