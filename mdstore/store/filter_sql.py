"""The SQL side of filter queries: what names refer to, and text comparison.

Names. A node's own attributes are columns of its table. A property, or a
neighbour under an alias (``contexts_a``), is a *scope*: a table alias plus the
condition tying it to the node being filtered. ``Names`` hands out one scope per
property and per alias, and ``Names.exists`` puts scopes in a correlated EXISTS,
which is what MLMD's inner joins with SELECT DISTINCT amount to.

Text. Semantics are the same on every backend, those of ml-metadata on SQLite
(the reference the compat tests run): ``=`` and ordering compare code points
exactly (no case folding, no trailing-blank padding), and ``LIKE`` ignores ASCII
case and has no escape character. Each backend needs its own SQL for that, so
these are small constructs compiled per dialect:

* PostgreSQL orders by the database collation, so ordering uses ``COLLATE "C"``;
  ``LIKE`` becomes ``ILIKE``, with backslashes doubled because ``\\`` escapes there.
* MySQL/MariaDB compare with the column collation (case-insensitive by default),
  so comparisons also compare ``CAST(x AS BINARY)``; ``LIKE`` lower-cases both sides.
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

INT, DOUBLE, STRING, BOOL = "INT64", "DOUBLE", "STRING", "BOOL"

_COMMON = {
    "id": INT,
    "type_id": INT,
    "type": STRING,
    "name": STRING,
    "external_id": STRING,
    "create_time_since_epoch": INT,
    "last_update_time_since_epoch": INT,
}
ATTRIBUTES = {
    ARTIFACT.label: {**_COMMON, "uri": STRING, "state": INT},
    EXECUTION.label: {**_COMMON, "last_known_state": INT},
    CONTEXT.label: _COMMON,
}
# Alias prefixes each kind accepts (an alias is a prefix plus at least one character).
PREFIXES = {
    ARTIFACT.label: ("contexts_", "events_"),
    EXECUTION.label: ("contexts_", "events_"),
    CONTEXT.label: ("artifacts_", "executions_", "parent_contexts_", "child_contexts_"),
}
_FIELD_TYPES = {
    **ATTRIBUTES[ARTIFACT.label],
    "last_known_state": INT,
    "milliseconds_since_epoch": INT,
    "artifact_id": INT,
    "execution_id": INT,
    "int_value": INT,
    "double_value": DOUBLE,
    "string_value": STRING,
    "bool_value": BOOL,
}
# Neighbour fields beyond id, name, type and the timestamps; like MLMD, contexts
# offer no external_id.
_EXTRA_FIELDS = {
    "artifact": ("state", "uri", "external_id"),
    "execution": ("last_known_state", "external_id"),
    "context": (),
}
_VALUE_FIELDS = ("int_value", "double_value", "string_value", "bool_value")


class UnknownName(Exception):
    """A name the query uses means nothing for this node kind (message says why)."""


@dataclass(frozen=True)
class Reference:
    """What a name stands for: a column (or scalar subquery) and its type."""

    column: Any
    type: str
    scope: tuple[Any, ...] | None = None  # the scope it lives in; None: the node itself


@dataclass
class Scope:
    """A table alias a filter query refers to, tied to the filtered node."""

    froms: FromClause
    condition: ColumnElement[bool]
    columns: dict[str, Any] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)  # where a field's type differs


class Names:
    """Resolves the names of one query against one node kind, scope by scope."""

    def __init__(self, kind: NodeKind) -> None:
        self.kind = kind
        self.scopes: dict[tuple[Any, ...], Scope] = {}

    def attribute(self, name: str) -> Reference:
        """A node attribute such as ``name`` (case-insensitive, as in ZetaSQL)."""
        kind = ATTRIBUTES[self.kind.label].get(name.lower())
        if kind is None:
            raise UnknownName(f"Unrecognized name: {name}")
        table = self.kind.table
        if name.lower() == "type":
            return Reference(type_name(table.c.type_id), kind)
        return Reference(table.c[name.lower()], kind)

    def path(self, segments: list[str]) -> Reference:
        """A dotted name: a (custom) property, an alias' field, or a bad access."""
        head, *rest = segments
        if head in ("properties", "custom_properties"):
            return self._property(head == "custom_properties", rest)
        if any(head.startswith(p) and len(head) > len(p) for p in PREFIXES[self.kind.label]):
            return self._neighbour(head, rest)
        base = self.attribute(head)
        raise UnknownName(
            f"Cannot access field {rest[0].strip('`')} on a value of type {base.type}"
        )

    def _property(self, custom: bool, rest: list[str]) -> Reference:
        prefix = "custom_properties" if custom else "properties"
        # MLMD only recognises a property followed by a value field spelt in lower case.
        if len(rest) < 2 or not rest[1].startswith(("int", "double", "string", "bool")):
            raise UnknownName(f"Unrecognized name: {prefix}")
        name, value_field = rest[0].strip("`"), rest[1].lower()
        if value_field not in _VALUE_FIELDS:
            raise UnknownName(f"Field name {rest[1]} does not exist in {prefix}.{name}")
        if len(rest) > 2:
            raise UnknownName(f"Cannot access field {rest[2].strip('`')}")
        key = ("property", custom, name)
        if key not in self.scopes:
            self.scopes[key] = _property_scope(self.kind, name, custom)
        return Reference(self.scopes[key].columns[value_field], _FIELD_TYPES[value_field], key)

    def _neighbour(self, alias: str, rest: list[str]) -> Reference:
        key = ("alias", alias)
        if key not in self.scopes:
            prefix = next(p for p in PREFIXES[self.kind.label] if alias.startswith(p))
            self.scopes[key] = _neighbour_scope(self.kind, prefix)
        name = rest[0].strip("`").lower()
        column = self.scopes[key].columns.get(name)
        if column is None:
            raise UnknownName(f"Field name {rest[0].strip('`')} does not exist in {alias}")
        if len(rest) > 1:
            raise UnknownName(f"Cannot access field {rest[1].strip('`')}")
        return Reference(column, self.scopes[key].types.get(name, _FIELD_TYPES[name]), key)

    def exists(
        self, keys: set[tuple[Any, ...]], conditions: list[ColumnElement[bool]]
    ) -> ColumnElement[bool]:
        """EXISTS a choice of one row per scope in ``keys`` meeting all ``conditions``."""
        scopes = [self.scopes[k] for k in sorted(keys, key=str)]
        joined = scopes[0].froms
        for scope in scopes[1:]:
            joined = joined.join(scope.froms, true())
        where = [s.condition for s in scopes] + conditions
        return exists(select(literal(1)).select_from(joined).where(*where))


def type_name(type_id: Any) -> Any:
    """The name of the type with id ``type_id``, as a scalar subquery."""
    t = schema.type_table.alias()
    return select(t.c.name).where(t.c.id == type_id).scalar_subquery()


def _node_columns(table: Any, kind_label: str) -> dict[str, Any]:
    columns = {
        "id": table.c.id,
        "name": table.c.name,
        "type": type_name(table.c.type_id),
        "create_time_since_epoch": table.c.create_time_since_epoch,
        "last_update_time_since_epoch": table.c.last_update_time_since_epoch,
    }
    columns.update({name: table.c[name] for name in _EXTRA_FIELDS[kind_label]})
    return columns


def _property_scope(kind: NodeKind, name: str, custom: bool) -> Scope:
    p = kind.properties.alias()
    condition = and_(
        p.c[f"{kind.label}_id"] == kind.table.c.id,
        _ExactIn(p.c.name, literal(name)),
        p.c.is_custom_property == literal(custom),
    )
    return Scope(p, condition, {c: p.c[c] for c in _VALUE_FIELDS})


def _linked_nodes(kind: NodeKind, link: Any, other: NodeKind) -> Scope:
    """Nodes of kind ``other`` attributed or associated with the filtered node."""
    lk, node = link.alias(), other.table.alias()
    own, theirs = f"{kind.label}_id", f"{other.label}_id"
    return Scope(
        lk.join(node, node.c.id == lk.c[theirs]),
        lk.c[own] == kind.table.c.id,
        _node_columns(node, other.label),
    )


def _related_contexts(parents: bool) -> Scope:
    pc, ctx = schema.parent_context_table.alias(), schema.context_table.alias()
    own, theirs = "context_id", "parent_context_id"
    if not parents:
        own, theirs = theirs, own
    return Scope(
        pc.join(ctx, ctx.c.id == pc.c[theirs]),
        pc.c[own] == CONTEXT.table.c.id,
        _node_columns(ctx, CONTEXT.label),
    )


def _events(kind: NodeKind) -> Scope:
    e = schema.event_table.alias()
    other = "execution_id" if kind is ARTIFACT else "artifact_id"
    columns = {"type": e.c.type, "milliseconds_since_epoch": e.c.milliseconds_since_epoch}
    columns[other] = e.c[other]
    # An event's type is its enum number, not a type name.
    return Scope(e, e.c[f"{kind.label}_id"] == kind.table.c.id, columns, {"type": INT})


def _neighbour_scope(kind: NodeKind, prefix: str) -> Scope:
    if prefix == "contexts_":
        link = schema.attribution_table if kind is ARTIFACT else schema.association_table
        return _linked_nodes(kind, link, CONTEXT)
    if prefix == "artifacts_":
        return _linked_nodes(kind, schema.attribution_table, ARTIFACT)
    if prefix == "executions_":
        return _linked_nodes(kind, schema.association_table, EXECUTION)
    if prefix in ("parent_contexts_", "child_contexts_"):
        return _related_contexts(parents=prefix == "parent_contexts_")
    return _events(kind)


# ---------------------------------------------------------------- text and numbers

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
