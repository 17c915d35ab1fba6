"""MLMD's ``filter_query`` language, parsed with a grammar and compiled to SQL.

``compile_filter("uri LIKE 's3://%' AND contexts_run.name = 'r1'", ARTIFACT)``
returns a boolean SQLAlchemy expression over ``ARTIFACT.table`` for ``.where()``.
Every value in the query becomes a bound parameter; nothing is pasted into SQL.

The language is ml-metadata 1.17.1's (a ZetaSQL expression; grammar in
grammar.lark), with its typing and semantics:

* Attributes: id, type_id, type, name, external_id, create_time_since_epoch,
  last_update_time_since_epoch; uri and state (artifacts); last_known_state
  (executions). ``state``, ``last_known_state`` and ``events_<a>.type`` take enum
  names after ``=``, ``!=``, ``IN`` and ``NOT IN``; ``!=`` and ``NOT IN`` on them
  also match NULL.
* ``properties.<p>.<kind>_value`` and ``custom_properties.<p>.<kind>_value``
  (kind: int, double, string, bool; ``<p>`` may be back-quoted).
* Neighbours under an alias: ``contexts_<a>`` and ``events_<a>`` (of artifacts and
  executions); ``artifacts_<a>``, ``executions_<a>``, ``parent_contexts_<a>`` and
  ``child_contexts_<a>`` (of contexts).
* Operators: = != <> < <= > >= [NOT] LIKE, [NOT] IN, [NOT] BETWEEN, IS [NOT] NULL,
  IS [NOT] TRUE/FALSE, AND, OR, NOT, + - * /; functions LOWER, UPPER, LENGTH, ABS.
* Strict types: comparing an integer with a string is INVALID_ARGUMENT.
* Mentioning a property or an alias requires it to exist, whatever the operators
  around it (MLMD inner-joins them), and one alias names one neighbour throughout.
  A node matches when some choice of one row per mentioned alias satisfies the
  query: a subquery per group of conjuncts (names.py), so no join multiplies rows.

Where ml-metadata 1.17.1 is buggy, this does the correct thing instead (the compat
table tests/compat/filter_cases.py records each case): every enum name is accepted
(MLMD rejects ABANDONED, REFERENCE, PENDING_OUTPUT...); fields MLMD advertises but
fails on with INTERNAL work (artifacts_<a>.external_id, executions_<a>.external_id,
parent/child_contexts_<a> timestamps); ``!=`` and NOT IN on a neighbour's state
work; string literals holding backslashes match; a property may be spelt both
back-quoted and bare in one query. Unlike MLMD, string literals cannot hold NUL,
float literals cannot overflow to infinity, and nesting is capped at MAX_DEPTH.

The parts: ``syntax`` parses; ``literals`` decodes literal text; ``values`` and
``enums`` type the expression; ``names`` resolves names and builds the
subqueries; ``text`` holds the per-backend text operators; this module compiles.
"""

from __future__ import annotations

import functools
from dataclasses import replace
from typing import Any

from lark import Token, Tree
from sqlalchemy import (
    BigInteger,
    Boolean,
    ColumnElement,
    Float,
    String,
    and_,
    false,
    literal,
    not_,
    null,
    or_,
    true,
)

from mdstore.errors import InvalidArgumentError
from mdstore.store.filter import text as filter_text
from mdstore.store.filter.enums import ENUM_WORDS, EnumPredicates, enum_words
from mdstore.store.filter.literals import decode_string, parse_int, split_path
from mdstore.store.filter.names import AFTER_ID, BOOL, DOUBLE, INT, STRING, Names, UnknownName
from mdstore.store.filter.syntax import parse, query_error
from mdstore.store.filter.values import (
    FUNCTIONS,
    NULL,
    NUMERIC,
    OPERATORS,
    SEARCH_OPERATORS,
    Key,
    Value,
    combine,
    narrowed,
)
from mdstore.store.records.kinds import NODE_KINDS, NodeKind

__all__ = ["AFTER_ID", "MAX_DEPTH", "MAX_LITERALS", "compile_filter", "decode_string", "parse_int"]

# Deeper expressions are refused: SQL compilers recurse once per level.
MAX_DEPTH = 48
# More literals are refused: each is a bound parameter, and backends cap those.
MAX_LITERALS = 4000
# Distinct (query, node kind, after) triples whose compiled expression is kept. The
# same expression object each time also lets SQLAlchemy reuse its compiled SQL.
CACHE_SIZE = 1024


def compile_filter(query: str, kind: NodeKind, after: str | None = None) -> ColumnElement[bool]:
    """Compiles a filter query into a boolean expression over ``kind.table``.

    Compiled once per (query, kind, after) and cached; a query that fails raises
    again on every call (failures are not cached).

    Args:
        query: the ``ListOperationOptions.filter_query`` text.
        kind: the node kind being listed (ARTIFACT, EXECUTION or CONTEXT).
        after: for a page in ascending (descending) id order that starts after a
            given id, ``">"`` (``"<"``): subqueries then skip the nodes before it,
            and the statement must bind ``AFTER_ID`` to that id. The caller still
            applies its own keyset condition; this only saves work.

    Returns:
        An expression for ``.where()``; it correlates with ``kind.table``. Literals
        are bound parameters.

    Raises:
        InvalidArgumentError: a syntax error (with its line and column), an unknown
            name, or operands of the wrong type.
        ValueError: ``after`` is none of ``">"``, ``"<"`` and None (a caller's bug).
    """
    if after not in (None, ">", "<"):
        raise ValueError(f"after must be '>', '<' or None, not {after!r}")
    return _compile(query, kind.label, after)


@functools.lru_cache(maxsize=CACHE_SIZE)
def _compile(query: str, label: str, after: str | None) -> ColumnElement[bool]:
    kind = next(k for k in NODE_KINDS if k.label == label)
    try:
        query.encode("utf-8")
    except UnicodeEncodeError as e:
        raise InvalidArgumentError("Invalid `filter_query`: it is not valid UTF-8") from e
    return _Compiler(kind, query, after).compile(parse(query))


def semijoin(keys: set[Key], members: list[Value]) -> bool:
    """Whether a group of conjuncts goes in as ``id IN (subquery)`` (else EXISTS).

    The subquery form runs once per statement and pays off when an index finds its
    rows (a member narrows one of the group's scopes); it is no use when a member
    mentions the node's own columns, which would correlate it. Without an index the
    subquery reads every row of its scopes, on every page, where the correlated
    EXISTS probes only the nodes the scan reaches before the page is full. Even
    with one, a page reads every match it could hold: in id order, the matches
    after the page's start (``compile_filter``'s ``after``); in time order, all.
    """
    if any(m.own for m in members):
        return False
    return bool(keys & frozenset().union(*(m.narrows for m in members)))


class _Compiler(EnumPredicates):
    """Turns one parse tree into a typed SQL expression; one instance per query."""

    def __init__(self, kind: NodeKind, query: str, after: str | None) -> None:
        self.kind = kind
        self.query = query
        self.names = Names(kind, after)
        self.literals = 0
        self.level = 0  # recursion depth, bounded before Python's own limit is reached

    def fail(self, message: str, node: Any) -> InvalidArgumentError:
        if isinstance(node, Token):
            return query_error(message, node.line, node.column)
        meta = getattr(node, "meta", None)
        return query_error(message, getattr(meta, "line", None), getattr(meta, "column", None))

    def compile(self, tree: Tree[Token]) -> ColumnElement[bool]:
        if tree.data == "and_":  # compiled conjunct by conjunct: see assemble
            values = [self.typed(c, (BOOL,), "operator AND") for c in tree.children]
        else:
            values = [self.value(tree)]
            if values[0].type != BOOL:
                raise self.fail("Given query string is not a valid boolean expression", tree)
        if self.literals > MAX_LITERALS:
            raise InvalidArgumentError(f"Invalid `filter_query`: over {MAX_LITERALS} literals")
        return self.assemble(values)

    def assemble(self, values: list[Value]) -> ColumnElement[bool]:
        """ANDs the conjuncts: one subquery per group of conjuncts sharing a scope.

        Conjuncts sharing a scope must be met by the same row of it (one alias
        names one neighbour), so they go into one subquery; the others each get
        their own, which lets each be answered from its own index.
        """
        plain: list[Any] = []
        groups: list[tuple[set[Key], list[Value]]] = []
        for value in values:
            if not value.scopes:
                plain.append(value.sql)
                continue
            keys, members = set(value.scopes), [value]
            for group in [g for g in groups if g[0] & keys]:
                groups.remove(group)
                keys, members = keys | group[0], group[1] + members
            groups.append((keys, members))
        for keys, members in groups:
            conditions = [m.sql for m in members]
            plain.append(self.names.match(keys, conditions, semijoin(keys, members)))
        return plain[0] if len(plain) == 1 else and_(*plain)

    def value(self, node: Any) -> Value:
        self.level += 1
        try:
            if self.level > MAX_DEPTH:
                raise self.fail(f"Expression nested deeper than {MAX_DEPTH} levels", node)
            result: Value = getattr(self, f"on_{node.data}")(node, *node.children)
        finally:
            self.level -= 1
        if result.depth > MAX_DEPTH:
            raise self.fail(f"Expression nested deeper than {MAX_DEPTH} levels", node)
        meta = node.meta
        if not meta.empty:
            result = replace(result, text=self.query[meta.start_pos : meta.end_pos])
        return result

    def typed(self, node: Any, accepted: tuple[str, ...], what: str) -> Value:
        value = self.value(node)
        if value.type not in (*accepted, NULL):
            problem = f"No matching signature for {what} for argument {value.text} ({value.type})"
            raise self.fail(problem, node)
        return value

    def common(self, what: str, values: list[Value], node: Any) -> str:
        """The type ``values`` compare as; INVALID_ARGUMENT when they do not compare."""
        kinds = {v.type for v in values} - {NULL}
        if kinds <= NUMERIC:
            return DOUBLE if DOUBLE in kinds else INT
        if len(kinds) == 1:
            return kinds.pop()
        listed = ", ".join(f"{v.text} ({v.type})" for v in values)
        raise self.fail(f"No matching signature for {what} for arguments {listed}", node)

    # ------------------------------------------------------------ logic

    def on_or_(self, node: Tree[Token], *children: Any) -> Value:
        values = [self.typed(c, (BOOL,), "operator OR") for c in children]
        # An index narrows a scope for the OR only if it does for every branch.
        narrows = frozenset.intersection(*(v.narrows for v in values))
        return combine(or_(*[v.sql for v in values]), BOOL, values, narrows)

    def on_and_(self, node: Tree[Token], *children: Any) -> Value:
        values = [self.typed(c, (BOOL,), "operator AND") for c in children]
        narrows = frozenset().union(*(v.narrows for v in values))
        return combine(and_(*[v.sql for v in values]), BOOL, values, narrows)

    def on_not_(self, node: Tree[Token], _not: Token, operand: Any) -> Value:
        value = self.typed(operand, (BOOL,), "operator NOT")
        if value.null_literal:
            raise self.fail("Operands of NOT cannot be literal NULL", operand)
        return combine(not_(value.sql), BOOL, [value])

    # ------------------------------------------------------------ predicates

    def on_compare(self, node: Tree[Token], left: Any, op: Token, right: Any) -> Value:
        operator = "!=" if op.value == "<>" else op.value
        enum = self.enum_field(left) if op.value in ("=", "!=") else None
        if enum is not None and isinstance(right, Tree) and right.data in ENUM_WORDS:
            if not self.wrapped(right):
                return self.enum_compare(enum, operator, right)
            if right.data == "name":  # MLMD reads `(LIVE)` as the enum name "(LIVE)"
                word = f"({right.children[0]})"
                raise self.fail(f"Unsupported enum value specified in the query: {word}", right)
        lhs = enum[0] if enum is not None else self.value(left)
        rhs = self.value(right)
        for value, side in ((lhs, left), (rhs, right)):
            if value.null_literal:
                raise self.fail(f"Operands of {op.value} cannot be literal NULL", side)
        if self.common(f"operator {op.value}", [lhs, rhs], node) == STRING:
            sql = filter_text.text_compare(lhs.sql, operator, rhs.sql)
        else:
            sql = OPERATORS[operator](lhs.sql, rhs.sql)
        narrows: frozenset[Key] = frozenset()
        if operator in SEARCH_OPERATORS:
            narrows = narrowed(lhs, rhs) | narrowed(rhs, lhs)
        return combine(sql, BOOL, [lhs, rhs], narrows)

    def on_like(self, node: Tree[Token], left: Any, negate: Any, right: Any) -> Value:
        values = [self.typed(side, (STRING,), "operator LIKE") for side in (left, right)]
        for value, side in zip(values, (left, right), strict=True):
            if value.null_literal:
                raise self.fail("Operands of LIKE cannot be literal NULL", side)
        sql = filter_text.like(values[0].sql, values[1].sql)
        return combine(not_(sql) if negate else sql, BOOL, values)

    def on_in_(self, node: Tree[Token], left: Any, negate: Any, *items: Any) -> Value:
        enum = self.enum_field(left)
        if enum is not None and enum_words(items):
            return self.enum_in(enum, bool(negate), items)
        lhs, values = self.value(left), [self.value(i) for i in items]
        if self.common("operator IN", [lhs, *values], node) == STRING:
            sql = filter_text.text_in(lhs.sql, [v.sql for v in values])
        else:
            sql = lhs.sql.in_([v.sql for v in values])
        if negate:
            return combine(not_(sql), BOOL, [lhs, *values])
        return combine(sql, BOOL, [lhs, *values], narrowed(lhs, *values))

    def on_between(self, node: Tree[Token], value: Any, negate: Any, low: Any, high: Any) -> Value:
        values = [self.value(n) for n in (value, low, high)]
        if self.common("operator BETWEEN", values, node) == STRING:
            sql = filter_text.text_between(*[v.sql for v in values])
        else:
            sql = values[0].sql.between(values[1].sql, values[2].sql)
        if negate:
            return combine(not_(sql), BOOL, values)
        return combine(sql, BOOL, values, narrowed(*values))

    def on_is_null(self, node: Tree[Token], operand: Any, negate: Any, _null: Token) -> Value:
        value = self.value(operand)
        sql = value.sql.is_not(None) if negate else value.sql.is_(None)
        return combine(sql, BOOL, [value])

    def on_is_bool(self, node: Tree[Token], operand: Any, negate: Any, word: Token) -> Value:
        value = self.typed(operand, (BOOL,), f"operator IS {word.value.upper()}")
        target = true() if word.value.lower() == "true" else false()
        sql = value.sql.is_not(target) if negate else value.sql.is_(target)
        return combine(sql, BOOL, [value])

    # ------------------------------------------------------------ arithmetic

    def on_arith(self, node: Tree[Token], first: Any, *rest: Any) -> Value:
        result = self.typed(first, (INT, DOUBLE), "arithmetic")
        for op, operand in zip(rest[::2], rest[1::2], strict=True):
            rhs = self.typed(operand, (INT, DOUBLE), f"operator {op.value}")
            if op.value == "/":
                result = combine(filter_text.divide(result.sql, rhs.sql), DOUBLE, [result, rhs])
                continue
            kind = DOUBLE if DOUBLE in (result.type, rhs.type) else INT
            result = combine(OPERATORS[op.value](result.sql, rhs.sql), kind, [result, rhs])
        return result

    def on_sign(self, node: Tree[Token], sign: Token, operand: Any) -> Value:
        if sign.value == "-" and isinstance(operand, Tree) and operand.data == "int_":
            digits = operand.children[0]
            assert isinstance(digits, Token)  # the grammar's int_ holds one INT token
            return self.int_literal(digits, negative=True)
        value = self.typed(operand, (INT, DOUBLE), f"operator unary {sign.value}")
        return value if sign.value == "+" else combine(-value.sql, value.type, [value])

    def on_call(self, node: Tree[Token], name: Token, *args: Any) -> Value:
        function = name.value.strip("`").lower()
        if function not in FUNCTIONS:
            raise self.fail(f"Function not found: {name.value}", name)
        accepted, result_type, build = FUNCTIONS[function]
        values = [self.value(a) for a in args if a is not None]
        if len(values) != 1 or values[0].type not in (*accepted, NULL):
            types = ", ".join(f"{v.text} ({v.type})" for v in values) or "no arguments"
            raise self.fail(f"No matching signature for function {function.upper()}: {types}", node)
        kind = result_type or (INT if values[0].type == NULL else values[0].type)
        return combine(build(values[0].sql), kind, values)

    # ------------------------------------------------------------ literals and names

    def literal(self, value: Any, kind: str, type_: Any) -> Value:
        self.literals += 1
        return Value(literal(value, type_), kind)

    def on_string(self, node: Tree[Token], token: Token) -> Value:
        text, problem = decode_string(token.value)
        if problem:
            raise self.fail(f"Syntax error: {problem}", token)
        return self.literal(text, STRING, String())

    def on_int_(self, node: Tree[Token], token: Token) -> Value:
        return self.int_literal(token)

    def int_literal(self, token: Token, negative: bool = False) -> Value:
        number = parse_int(token.value, negative)
        if number is None:
            raise self.fail(f"Invalid integer literal: {token.value}", token)
        return self.literal(number, INT, BigInteger() if isinstance(number, int) else Float())

    def on_float_(self, node: Tree[Token], token: Token) -> Value:
        number = float(token.value)
        if number in (float("inf"), float("-inf")):
            raise self.fail(f"Invalid floating point literal: {token.value}", token)
        return self.literal(number, DOUBLE, Float())

    def on_bool_(self, node: Tree[Token], token: Token) -> Value:
        return self.literal(token.value.lower() == "true", BOOL, Boolean())

    def on_null(self, node: Tree[Token], token: Token) -> Value:
        return Value(null(), NULL, null_literal=True)

    def on_name(self, node: Tree[Token], token: Token) -> Value:
        try:
            ref = self.names.attribute(token.value.strip("`"))
        except UnknownName as e:
            raise self.fail(str(e), token) from None
        return Value(ref.column, ref.type, own=True)

    def on_path(self, node: Tree[Token], token: Token) -> Value:
        try:
            ref = self.names.path(split_path(token.value))
        except UnknownName as e:
            raise self.fail(str(e), token) from None
        if ref.scope is not None:
            self.literals += 2  # a property's name and kind are parameters too
        scopes = frozenset([ref.scope] if ref.scope else [])
        searchable_in = ref.scope if ref.searchable else None
        return Value(ref.column, ref.type, scopes, searchable_in=searchable_in)
