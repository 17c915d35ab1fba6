"""What the names in a filter query refer to, and how scoped conditions become SQL.

A node's own attributes are columns of its table. A property, or a neighbour
under an alias (``contexts_a``), is a *scope*: a table alias tied to the node being
filtered through its *anchor*, the column holding the node's id. ``Names`` hands
out one scope per property and per alias. ``Names.match`` turns conditions on a
group of scopes into "some choice of one row per scope meets them all", which is
what MLMD's inner joins with SELECT DISTINCT amount to, in one of two equivalent
forms (``node.id`` is never NULL, and neither is an anchor):

* ``node.id IN (SELECT anchor FROM scopes WHERE ...)``, a semi-join: the database
  runs the subquery once and can drive it from an index, e.g. the property index
  on (name, is_custom_property, int_value) for ``properties.size.int_value < 100``;
* ``EXISTS (SELECT 1 FROM scopes WHERE anchor = node.id AND ...)``, correlated:
  SQLite runs it once per node row it scans, but it stops at a page's LIMIT.

``searchable`` tells the compiler which fields an index can search by, from the
indexes schema.py declares, so it can pick the form (compiler.semijoin).

The semi-join's subquery is read whole, so on a page in id order past a keyset
bound it keeps only the anchors past the bound (``Names.after``): a deep page then
reads the matches after it, not every match. The caller binds ``AFTER_ID``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ColumnElement,
    FromClause,
    PrimaryKeyConstraint,
    Table,
    UniqueConstraint,
    bindparam,
    exists,
    literal,
    select,
    true,
)

from mdstore.store.db import schema
from mdstore.store.filter.text import text_compare
from mdstore.store.records.kinds import ARTIFACT, CONTEXT, EXECUTION, NodeKind

INT, DOUBLE, STRING, BOOL = "INT64", "DOUBLE", "STRING", "BOOL"
# The bound parameter holding the id a page in id order starts after.
AFTER_ID = "filter_after_id"

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
    searchable: bool = False  # an index of the scope finds rows by this column's value


@dataclass
class Scope:
    """Table aliases a filter query refers to, tied to the filtered node by ``anchor``."""

    froms: FromClause
    anchor: Any  # the column of ``froms`` holding the filtered node's id
    filters: list[ColumnElement[bool]] = field(default_factory=list)  # which rows belong
    columns: dict[str, Any] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)  # where a field's type differs
    searchable: frozenset[str] = frozenset()  # fields an index can search by


class Names:
    """Resolves the names of one query against one node kind, scope by scope.

    ``after`` is ``">"`` (``"<"``) when the query lists nodes in ascending
    (descending) id order after the id bound to ``AFTER_ID``; semi-joins then keep
    only the anchors past it. The listing's own keyset condition must still apply.
    """

    def __init__(self, kind: NodeKind, after: str | None = None) -> None:
        self.kind = kind
        self.after = after
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
        return self._field(key, value_field)

    def _neighbour(self, alias: str, rest: list[str]) -> Reference:
        key = ("alias", alias)
        if key not in self.scopes:
            prefix = next(p for p in PREFIXES[self.kind.label] if alias.startswith(p))
            self.scopes[key] = _neighbour_scope(self.kind, prefix)
        name = rest[0].strip("`").lower()
        if name not in self.scopes[key].columns:
            raise UnknownName(f"Field name {rest[0].strip('`')} does not exist in {alias}")
        if len(rest) > 1:
            raise UnknownName(f"Cannot access field {rest[1].strip('`')}")
        return self._field(key, name)

    def _field(self, key: tuple[Any, ...], name: str) -> Reference:
        scope = self.scopes[key]
        kind = scope.types.get(name, _FIELD_TYPES[name])
        return Reference(scope.columns[name], kind, key, name in scope.searchable)

    def match(
        self,
        keys: set[tuple[Any, ...]],
        conditions: list[ColumnElement[bool]],
        semijoin: bool,
    ) -> ColumnElement[bool]:
        """Some choice of one row per scope in ``keys`` meets all ``conditions``.

        Args:
            keys: the scopes the conditions mention.
            conditions: boolean expressions over those scopes (and, unless
                ``semijoin``, the node's own columns).
            semijoin: ``node.id IN (subquery)``; else a correlated EXISTS.
        """
        scopes = [self.scopes[k] for k in sorted(keys, key=str)]
        first, node_id = scopes[0], self.kind.table.c.id
        if semijoin:
            # The subquery mentions no outer column: it runs once, not once per node.
            joined = first.froms
            for scope in scopes[1:]:  # every row chosen belongs to the same node
                joined = joined.join(scope.froms, scope.anchor == first.anchor)
            where = [f for s in scopes for f in s.filters] + conditions
            if self.after is not None:
                # Rows before the page cannot be on it: don't materialise them.
                bound = bindparam(AFTER_ID, type_=first.anchor.type)
                where.append(first.anchor > bound if self.after == ">" else first.anchor < bound)
            return node_id.in_(select(first.anchor).select_from(joined).where(*where))
        joined = first.froms
        for scope in scopes[1:]:
            joined = joined.join(scope.froms, true())
        where = [c for s in scopes for c in (s.anchor == node_id, *s.filters)] + conditions
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


def searchable(table: Table, fixed: tuple[str, ...] = ()) -> frozenset[str]:
    """Columns of ``table`` an index searches by once the ``fixed`` columns are equal.

    From the indexes, unique constraints and primary key schema.py declares: a
    column counts when it comes right after ``fixed`` in one of them.
    """
    keys = [list(index.columns) for index in table.indexes]
    keys += [
        list(c.columns)
        for c in table.constraints
        if isinstance(c, PrimaryKeyConstraint | UniqueConstraint)
    ]
    n = len(fixed)
    return frozenset(
        key[n].name for key in keys if len(key) > n and tuple(c.name for c in key[:n]) == fixed
    )


def _property_scope(kind: NodeKind, name: str, custom: bool) -> Scope:
    p = kind.properties.alias()
    filters = [
        text_compare(p.c.name, "=", literal(name)),
        p.c.is_custom_property == literal(custom),
    ]
    columns = {c: p.c[c] for c in _VALUE_FIELDS}
    # The scope fixes name and is_custom_property, so an index on them plus a value
    # column finds the rows a comparison on that value wants.
    indexed = searchable(kind.properties, ("name", "is_custom_property")) & set(columns)
    return Scope(p, p.c[f"{kind.label}_id"], filters, columns, searchable=indexed)


def _node_scope(joined: FromClause, anchor: Any, node: Any, kind: NodeKind) -> Scope:
    """A neighbour: ``node`` (an alias of ``kind.table``) reached through ``joined``."""
    columns = _node_columns(node, kind.label)
    # A neighbour's `type` is a scalar subquery over the type table: no index of its own.
    indexed = searchable(kind.table) & (set(columns) - {"type"})
    return Scope(joined, anchor, columns=columns, searchable=indexed)


def _linked_nodes(kind: NodeKind, link: Any, other: NodeKind) -> Scope:
    """Nodes of kind ``other`` attributed or associated with the filtered node."""
    lk, node = link.alias(), other.table.alias()
    own, theirs = f"{kind.label}_id", f"{other.label}_id"
    return _node_scope(lk.join(node, node.c.id == lk.c[theirs]), lk.c[own], node, other)


def _related_contexts(parents: bool) -> Scope:
    pc, ctx = schema.parent_context_table.alias(), schema.context_table.alias()
    own, theirs = "context_id", "parent_context_id"
    if not parents:
        own, theirs = theirs, own
    return _node_scope(pc.join(ctx, ctx.c.id == pc.c[theirs]), pc.c[own], ctx, CONTEXT)


def _events(kind: NodeKind) -> Scope:
    e = schema.event_table.alias()
    other = "execution_id" if kind is ARTIFACT else "artifact_id"
    columns = {"type": e.c.type, "milliseconds_since_epoch": e.c.milliseconds_since_epoch}
    columns[other] = e.c[other]
    indexed = searchable(schema.event_table) & set(columns)
    # An event's type is its enum number, not a type name.
    types = {"type": INT}
    return Scope(e, e.c[f"{kind.label}_id"], [], columns, types, searchable=indexed)


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
