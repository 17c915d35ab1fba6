"""MLMD's ``filter_query`` language, parsed with a grammar and compiled to SQL.

``compile_filter("uri LIKE 's3://%' AND contexts_run.name = 'r1'", ARTIFACT)``
returns a boolean SQLAlchemy expression over ``ARTIFACT.table`` for ``.where()``.
Every value in the query becomes a bound parameter; nothing is pasted into SQL.

The language is ml-metadata 1.17.1's (a ZetaSQL expression over node attributes),
with its typing and its semantics:

* Attributes: id, type_id, type, name, external_id, create_time_since_epoch,
  last_update_time_since_epoch; uri and state (artifacts); last_known_state
  (executions). ``state``, ``last_known_state`` and ``events_x.type`` take enum
  names after ``=``, ``!=``, ``IN``, ``NOT IN``; ``!=`` and ``NOT IN`` on them also
  match NULL.
* ``properties.<p>.<kind>_value`` and ``custom_properties.<p>.<kind>_value``
  (kind: int, double, string, bool; ``<p>`` may be back-quoted).
* Neighbours under an alias: ``contexts_<a>`` (of artifacts and executions),
  ``events_<a>`` (likewise), ``artifacts_<a>``, ``executions_<a>``,
  ``parent_contexts_<a>``, ``child_contexts_<a>`` (of contexts).
* Operators: = != <> < <= > >= [NOT] LIKE, [NOT] IN, [NOT] BETWEEN, IS [NOT] NULL,
  IS [NOT] TRUE/FALSE, AND, OR, NOT, + - * /; functions LOWER, UPPER, LENGTH, ABS.
* Strict types: comparing an integer with a string is INVALID_ARGUMENT.
* Mentioning a property or a neighbour alias requires it to exist, whatever the
  operators around it (MLMD inner-joins them), and one alias names one neighbour
  throughout the query. The query holds for a node when some choice of one row per
  mentioned alias satisfies it: a correlated EXISTS, so no join multiplies rows.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from typing import Any

from lark import Lark, Token, Tree
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedEOF, UnexpectedToken
from sqlalchemy import (
    BigInteger,
    Boolean,
    ColumnElement,
    Float,
    String,
    and_,
    func,
    literal,
    not_,
    null,
    or_,
    true,
    false,
)

from mdstore.errors import InvalidArgumentError
from mdstore.store import filter_sql
from mdstore.store.nodes import ARTIFACT, CONTEXT, EXECUTION, NODE_KINDS, NodeKind
from mdstore.wire import mlmd

# Deeper expressions are refused: SQL compilers recurse once per level.
MAX_DEPTH = 48
# More literals are refused: every literal is a bound parameter, and backends cap those.
MAX_LITERALS = 4000

INT, DOUBLE, STRING, BOOL, NULL = "INT64", "DOUBLE", "STRING", "BOOL", "NULL"
_NUMERIC = {INT, DOUBLE}

_COMMON = {
    "id": INT,
    "type_id": INT,
    "type": STRING,
    "name": STRING,
    "external_id": STRING,
    "create_time_since_epoch": INT,
    "last_update_time_since_epoch": INT,
}
_ATTRIBUTES = {
    ARTIFACT.label: {**_COMMON, "uri": STRING, "state": INT},
    EXECUTION.label: {**_COMMON, "last_known_state": INT},
    CONTEXT.label: _COMMON,
}
_FIELD_TYPES = {
    **_ATTRIBUTES[ARTIFACT.label],
    "last_known_state": INT,
    "milliseconds_since_epoch": INT,
    "artifact_id": INT,
    "execution_id": INT,
    "int_value": INT,
    "double_value": DOUBLE,
    "string_value": STRING,
    "bool_value": BOOL,
}
_PREFIXES = {
    ARTIFACT.label: ("contexts_", "events_"),
    EXECUTION.label: ("contexts_", "events_"),
    CONTEXT.label: ("artifacts_", "executions_", "parent_contexts_", "child_contexts_"),
}


def _enum(message: Any, name: str) -> dict[str, int]:
    values = message.DESCRIPTOR.enum_types_by_name[name].values_by_name
    return {key: value.number for key, value in values.items()}


# Enum-valued fields, by their exact (lower-case) spelling, as MLMD matches them.
_ENUMS = {
    "state": _enum(mlmd.Artifact, "State"),
    "last_known_state": _enum(mlmd.Execution, "State"),
    "type": _enum(mlmd.Event, "Type"),  # only as events_<a>.type
}

_PARSER = Lark(
    resources.files("mdstore.store").joinpath("filter_grammar.lark").read_text(),
    parser="lalr",
    lexer="basic",
    maybe_placeholders=True,
    propagate_positions=True,
)


def compile_filter(query: str, kind: NodeKind) -> ColumnElement[bool]:
    """Compiles a filter query into a boolean expression over ``kind.table``.

    Args:
        query: the ``ListOperationOptions.filter_query`` text.
        kind: the node kind being listed (ARTIFACT, EXECUTION or CONTEXT).

    Returns:
        An expression for ``.where()``; it correlates with ``kind.table``.

    Raises:
        InvalidArgumentError: a syntax error (with its line and column), an unknown
            name, or operands of the wrong type.
    """
    return _compile(query, kind.label)


@functools.lru_cache(maxsize=256)
def _compile(query: str, label: str) -> ColumnElement[bool]:
    kind = next(k for k in NODE_KINDS if k.label == label)
    try:
        query.encode("utf-8")
    except UnicodeEncodeError as e:
        raise InvalidArgumentError("Invalid `filter_query`: it is not valid UTF-8") from e
    tree = _parse(query)
    return _Compiler(kind).compile(tree)


def _parse(query: str) -> Tree[Token]:
    try:
        return _PARSER.parse(query)
    except UnexpectedCharacters as e:
        what = "Unclosed string literal" if query[e.pos_in_stream] in "'\"" else (
            f"Illegal input character {query[e.pos_in_stream]!r}"
        )
        raise _error(f"Syntax error: {what}", e.line, e.column) from None
    except UnexpectedEOF as e:
        raise _error("Syntax error: Unexpected end of expression", e.line, e.column) from None
    except UnexpectedToken as e:
        if e.token.type == "$END":
            line, column = _end_position(query)
            raise _error("Syntax error: Unexpected end of expression", line, column) from None
        raise _error(f"Syntax error: Unexpected {e.token.value!r}", e.line, e.column) from None
    except LarkError as e:  # any other parser failure is still the query's fault
        raise InvalidArgumentError(f"Invalid `filter_query`: Syntax error: {e}") from None


def _end_position(query: str) -> tuple[int, int]:
    lines = query.split("\n")
    return len(lines), len(lines[-1]) + 1


def _error(message: str, line: int | None, column: int | None) -> InvalidArgumentError:
    return InvalidArgumentError(f"Invalid `filter_query`: {message} [at {line or 1}:{column or 1}]")


@dataclass(frozen=True)
class _Value:
    """A typed SQL expression and the scopes (aliases, properties) it mentions."""

    sql: Any
    type: str
    scopes: frozenset[tuple[Any, ...]] = frozenset()
    depth: int = 1
    null_literal: bool = False


def _pos(node: Tree[Token] | Token) -> tuple[int | None, int | None]:
    if isinstance(node, Token):
        return node.line, node.column
    return getattr(node.meta, "line", None), getattr(node.meta, "column", None)


class _Compiler:
    """Turns one parse tree into a typed SQL expression, scope by scope."""

    def __init__(self, kind: NodeKind) -> None:
        self.kind = kind
        self.scopes: dict[tuple[Any, ...], filter_sql.Scope] = {}
        self.literals = 0

    def fail(self, message: str, node: Tree[Token] | Token) -> InvalidArgumentError:
        return _error(message, *_pos(node))

    def compile(self, tree: Tree[Token]) -> ColumnElement[bool]:
        conjuncts = tree.children if tree.data == "and_" else [tree]
        values = [self.value(c) for c in conjuncts]  # type: ignore[arg-type]
        for node, value in zip(conjuncts, values):
            if value.type not in (BOOL, NULL) or (len(values) == 1 and value.type != BOOL):
                raise self.fail("Given query string is not a valid boolean expression", node)
        if self.literals > MAX_LITERALS:
            raise InvalidArgumentError(
                f"Invalid `filter_query`: more than {MAX_LITERALS} literal values"
            )
        return self.assemble(values)

    def assemble(self, values: list[_Value]) -> ColumnElement[bool]:
        """ANDs the conjuncts, one EXISTS per group of conjuncts sharing scopes."""
        groups: list[tuple[set[tuple[Any, ...]], list[Any]]] = []
        plain = []
        for value in values:
            if not value.scopes:
                plain.append(value.sql)
                continue
            keys, conditions = set(value.scopes), [value.sql]
            for group in [g for g in groups if g[0] & keys]:
                groups.remove(group)
                keys |= group[0]
                conditions = group[1] + conditions
            groups.append((keys, conditions))
        for keys, conditions in groups:
            scopes = [self.scopes[k] for k in sorted(keys, key=str)]
            plain.append(filter_sql.exists_in(scopes, conditions))
        return plain[0] if len(plain) == 1 else and_(*plain)

    # ------------------------------------------------------------ dispatch

    def value(self, node: Tree[Token]) -> _Value:
        handler = getattr(self, f"on_{node.data}")
        result: _Value = handler(node, *node.children)
        if result.depth > MAX_DEPTH:
            raise self.fail(f"Expression nested deeper than {MAX_DEPTH} levels", node)
        return result

    def booleans(self, op: str, nodes: list[Any]) -> list[_Value]:
        values = [self.value(n) for n in nodes]
        for node, value in zip(nodes, values):
            if value.type not in (BOOL, NULL):
                raise self.fail(f"No matching signature for operator {op} for {value.type}", node)
        return values

    def on_or_(self, node: Tree[Token], *children: Any) -> _Value:
        values = self.booleans("OR", list(children))
        return _combine(or_(*[v.sql for v in values]), BOOL, values)

    def on_and_(self, node: Tree[Token], *children: Any) -> _Value:
        values = self.booleans("AND", list(children))
        return _combine(and_(*[v.sql for v in values]), BOOL, values)

    def on_not_(self, node: Tree[Token], _not: Token, operand: Any) -> _Value:
        [value] = self.booleans("NOT", [operand])
        if value.null_literal:
            raise self.fail("Operands of NOT cannot be literal NULL", operand)
        return _combine(not_(value.sql), BOOL, [value])

    # ------------------------------------------------------------ predicates

    def on_compare(self, node: Tree[Token], left: Any, op: Token, right: Any) -> _Value:
        operator = "!=" if op.value == "<>" else op.value
        enum = self.enum_field(left) if op.value in ("=", "!=") else None
        if enum is not None and isinstance(right, Tree) and right.data in _WORDS:
            return self.enum_compare(enum, operator, right)
        lhs = enum[0] if enum is not None else self.value(left)
        rhs = self.value(right)
        for value, side in ((lhs, left), (rhs, right)):
            if value.null_literal:
                raise self.fail(f"Operands of {op.value} cannot be literal NULL", side)
        kind = self.common(f"operator {op.value}", [lhs, rhs], node)
        if kind == STRING:
            sql = filter_sql.text_compare(lhs.sql, operator, rhs.sql)
        else:
            sql = _SQL_OPS[operator](lhs.sql, rhs.sql)
        return _combine(sql, BOOL, [lhs, rhs])

    def on_like(self, node: Tree[Token], left: Any, negate: Any, right: Any) -> _Value:
        lhs, rhs = self.value(left), self.value(right)
        for value, side in ((lhs, left), (rhs, right)):
            if value.null_literal:
                raise self.fail("Operands of LIKE cannot be literal NULL", side)
            if value.type != STRING:
                raise self.fail(f"No matching signature for operator LIKE for {value.type}", side)
        sql = filter_sql.like(lhs.sql, rhs.sql)
        return _combine(not_(sql) if negate else sql, BOOL, [lhs, rhs])

    def on_in_(self, node: Tree[Token], left: Any, negate: Any, *items: Any) -> _Value:
        enum = self.enum_field(left)
        if enum is not None and _enum_words(items):
            return self.enum_in(enum, bool(negate), items)
        lhs, values = self.value(left), [self.value(i) for i in items]
        kind = self.common("operator IN", [lhs, *values], node)
        if kind == STRING:
            sql = filter_sql.text_in(lhs.sql, [v.sql for v in values])
        else:
            sql = lhs.sql.in_([v.sql for v in values])
        return _combine(not_(sql) if negate else sql, BOOL, [lhs, *values])

    def on_between(self, node: Tree[Token], value: Any, negate: Any, low: Any, high: Any) -> _Value:
        values = [self.value(n) for n in (value, low, high)]
        if self.common("operator BETWEEN", values, node) == STRING:
            sql = filter_sql.text_between(*[v.sql for v in values])
        else:
            sql = values[0].sql.between(values[1].sql, values[2].sql)
        return _combine(not_(sql) if negate else sql, BOOL, values)

    def on_is_null(self, node: Tree[Token], operand: Any, negate: Any, _null: Token) -> _Value:
        value = self.value(operand)
        sql = value.sql.is_not(None) if negate else value.sql.is_(None)
        return _combine(sql, BOOL, [value])

    def on_is_bool(self, node: Tree[Token], operand: Any, negate: Any, word: Token) -> _Value:
        [value] = self.booleans(f"IS {word.value.upper()}", [operand])
        target = true() if word.value.lower() == "true" else false()
        sql = value.sql.is_not(target) if negate else value.sql.is_(target)
        return _combine(sql, BOOL, [value])

    def common(self, what: str, values: list[_Value], node: Tree[Token]) -> str:
        """The type all ``values`` compare as; INVALID_ARGUMENT when there is none."""
        kinds = {v.type for v in values} - {NULL}
        if kinds <= _NUMERIC:
            return DOUBLE if DOUBLE in kinds else INT
        if len(kinds) == 1:
            return kinds.pop()
        listed = ", ".join(v.type for v in values)
        raise self.fail(f"No matching signature for {what} for argument types: {listed}", node)

    # ------------------------------------------------------------ enums

    def enum_field(self, node: Any) -> tuple[_Value, dict[str, int]] | None:
        """The value and enum of ``state``-like fields spelt exactly as MLMD expects."""
        if not isinstance(node, Tree) or node.data not in ("name", "path"):
            return None
        text = str(node.children[0])
        field = text.rsplit(".", 1)[-1]
        if node.data == "name":
            enum_ok = field in ("state", "last_known_state") and field in _ATTRIBUTES[self.kind.label]
        else:
            alias = text.split(".", 1)[0]
            enum_ok = (field == "type") == alias.startswith("events_") and field in _ENUMS
        if not enum_ok:
            return None
        return self.value(node), _ENUMS[field]

    def enum_number(self, enum: dict[str, int], node: Any) -> int:
        word = _first_token(node)
        if not (isinstance(node, Tree) and node.data == "name") or str(word) not in enum:
            raise self.fail(f"Unsupported enum value specified in the query: {word}", node)
        return enum[str(word)]

    def enum_compare(self, enum: tuple[_Value, dict[str, int]], op: str, right: Any) -> _Value:
        value, names = enum
        number = literal(self.enum_number(names, right), BigInteger())
        self.literals += 1
        if op == "=":
            return _combine(value.sql == number, BOOL, [value])
        return _combine(or_(value.sql != number, value.sql.is_(None)), BOOL, [value])

    def enum_in(self, enum: tuple[_Value, dict[str, int]], negate: bool, items: Any) -> _Value:
        value, names = enum
        numbers = [literal(self.enum_number(names, i), BigInteger()) for i in items]
        self.literals += len(numbers)
        if negate:
            return _combine(or_(value.sql.not_in(numbers), value.sql.is_(None)), BOOL, [value])
        return _combine(value.sql.in_(numbers), BOOL, [value])

    # ------------------------------------------------------------ arithmetic

    def on_arith(self, node: Tree[Token], first: Any, *rest: Any) -> _Value:
        result = self.number(first)
        for op, operand in zip(rest[::2], rest[1::2]):
            rhs = self.number(operand)
            kind = DOUBLE if op.value == "/" or DOUBLE in (result.type, rhs.type) else INT
            if op.value == "/":
                sql = filter_sql.divide(result.sql, rhs.sql)
            else:
                sql = _SQL_OPS[op.value](result.sql, rhs.sql)
            result = _combine(sql, kind, [result, rhs])
        return result

    def on_sign(self, node: Tree[Token], sign: Token, operand: Any) -> _Value:
        if sign.value == "-" and isinstance(operand, Tree) and operand.data == "int_":
            return self.int_literal(operand.children[0], negative=True)
        value = self.number(operand)
        return value if sign.value == "+" else _combine(-value.sql, value.type, [value])

    def number(self, node: Any) -> _Value:
        value = self.value(node)
        if value.type not in (INT, DOUBLE, NULL):
            raise self.fail(f"No matching signature for arithmetic on {value.type}", node)
        return value

    def on_call(self, node: Tree[Token], name: Token, *args: Any) -> _Value:
        function = name.value.strip("`").lower()
        if function not in _FUNCTIONS:
            raise self.fail(f"Function not found: {name.value}", name)
        accepted, result_type, build = _FUNCTIONS[function]
        values = [self.value(a) for a in args if a is not None]
        if len(values) != 1 or values[0].type not in (*accepted, NULL):
            types = ", ".join(v.type for v in values) or "no arguments"
            raise self.fail(f"No matching signature for function {function.upper()}: {types}", node)
        kind = values[0].type if result_type is None else result_type
        return _combine(build(values[0].sql), kind if kind != NULL else INT, values)

    # ------------------------------------------------------------ literals

    def literal(self, value: Any, kind: str, type_: Any) -> _Value:
        self.literals += 1
        return _Value(literal(value, type_), kind)

    def on_string(self, node: Tree[Token], token: Token) -> _Value:
        text, problem = decode_string(token.value)
        if problem:
            raise self.fail(f"Syntax error: {problem}", token)
        return self.literal(text, STRING, String())

    def on_int_(self, node: Tree[Token], token: Token) -> _Value:
        return self.int_literal(token)

    def int_literal(self, token: Token, negative: bool = False) -> _Value:
        number = parse_int(token.value, negative)
        if number is None:
            raise self.fail(f"Invalid integer literal: {token.value}", token)
        return self.literal(number, INT, BigInteger() if isinstance(number, int) else Float())

    def on_float_(self, node: Tree[Token], token: Token) -> _Value:
        number = parse_float(token.value)
        if number is None:
            raise self.fail(f"Invalid floating point literal: {token.value}", token)
        return self.literal(number, DOUBLE, Float())

    def on_bool_(self, node: Tree[Token], token: Token) -> _Value:
        return self.literal(token.value.lower() == "true", BOOL, Boolean())

    def on_null(self, node: Tree[Token], token: Token) -> _Value:
        return _Value(null(), NULL, null_literal=True)

    # ------------------------------------------------------------ names

    def on_name(self, node: Tree[Token], token: Token) -> _Value:
        name = token.value.strip("`")
        kind = _ATTRIBUTES[self.kind.label].get(name.lower())
        if kind is None:
            raise self.fail(f"Unrecognized name: {name}", token)
        table = self.kind.table
        column = filter_sql.type_name(table.c.type_id) if name.lower() == "type" else table.c[name.lower()]
        return _Value(column, kind)

    def on_path(self, node: Tree[Token], token: Token) -> _Value:
        head, *rest = _segments(token.value)
        if head in ("properties", "custom_properties"):
            return self.property(head == "custom_properties", rest, token)
        if any(head.startswith(p) and len(head) > len(p) for p in _PREFIXES[self.kind.label]):
            return self.neighbour(head, rest, token)
        base = _ATTRIBUTES[self.kind.label].get(head.lower())
        if base is None:
            raise self.fail(f"Unrecognized name: {head}", token)
        raise self.fail(f"Cannot access field {rest[0].strip('`')} on a value of type {base}", token)

    def property(self, custom: bool, rest: list[str], token: Token) -> _Value:
        prefix = "custom_properties" if custom else "properties"
        if len(rest) < 2 or rest[1].startswith("`") or not rest[1].startswith(_VALUE_KINDS):
            raise self.fail(f"Unrecognized name: {prefix}", token)
        name, field = rest[0].strip("`"), rest[1].lower()
        if field not in ("int_value", "double_value", "string_value", "bool_value"):
            raise self.fail(f"Field name {rest[1]} does not exist in {prefix}.{name}", token)
        if len(rest) > 2:
            raise self.fail(f"Cannot access field {rest[2].strip('`')}", token)
        key = ("property", custom, name)
        if key not in self.scopes:
            self.scopes[key] = filter_sql.property_scope(self.kind, name, custom)
        self.literals += 2
        return _Value(self.scopes[key].columns[field], _FIELD_TYPES[field], frozenset([key]))

    def neighbour(self, alias: str, rest: list[str], token: Token) -> _Value:
        key = ("alias", alias)
        if key not in self.scopes:
            prefix = next(p for p in _PREFIXES[self.kind.label] if alias.startswith(p))
            self.scopes[key] = filter_sql.neighbour_scope(self.kind, prefix)
        field = rest[0].strip("`").lower()
        column = self.scopes[key].columns.get(field)
        if column is None:
            raise self.fail(f"Field name {rest[0].strip('`')} does not exist in {alias}", token)
        if len(rest) > 1:
            raise self.fail(f"Cannot access field {rest[1].strip('`')}", token)
        return _Value(column, _FIELD_TYPES[field], frozenset([key]))


_VALUE_KINDS = ("int", "double", "string", "bool")
# Right-hand sides MLMD reads as an enum name after `state =` (and so rejects unless
# they are one): single words, numbers included.
_WORDS = ("name", "int_", "float_", "bool_", "null")

_SQL_OPS = {
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

# name -> (argument types, result type or None for "same as the argument", SQL)
_FUNCTIONS: dict[str, tuple[tuple[str, ...], str | None, Any]] = {
    "lower": ((STRING,), STRING, func.lower),
    "upper": ((STRING,), STRING, func.upper),
    "length": ((STRING,), INT, filter_sql.char_length),
    "abs": ((INT, DOUBLE), None, func.abs),
}


def _combine(sql: Any, kind: str, parts: list[_Value]) -> _Value:
    scopes = frozenset().union(*(p.scopes for p in parts))
    return _Value(sql, kind, scopes, 1 + max((p.depth for p in parts), default=0))


def _segments(path: str) -> list[str]:
    """Splits a PATH token on dots outside back-quotes."""
    out, current, quoted = [], "", False
    for char in path:
        if char == "`":
            quoted = not quoted
        if char == "." and not quoted:
            out.append(current)
            current = ""
        else:
            current += char
    out.append(current)
    return out


def _first_token(node: Any) -> Any:
    while isinstance(node, Tree):
        node = node.children[0]
    return node


def _enum_words(items: tuple[Any, ...]) -> bool:
    """True for IN lists MLMD reads as enum names: bare words, two characters or more."""
    words = [i for i in items if isinstance(i, Tree) and i.data in ("name", "int_")]
    if len(words) != len(items):
        return False
    return sum(len(str(w.children[0])) for w in words) >= 2


# ---------------------------------------------------------------- literal text

_SIMPLE_ESCAPES = {
    "a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
    "\\": "\\", "?": "?", '"': '"', "'": "'", "`": "`",
}
_ESCAPE_DIGITS = {"x": (2, 16), "X": (2, 16), "u": (4, 16), "U": (8, 16)}


def decode_string(token: str) -> tuple[str, str | None]:
    """A string literal's value (ZetaSQL quoting and escapes), or (\"\", problem)."""
    raw = token[0] in "rR"
    body = token[1:] if raw else token
    quote = 3 if body[:3] in ("'''", '"""') else 1
    body = body[quote:-quote]
    if raw:
        text = body
    else:
        text, problem = _unescape(body)
        if problem:
            return "", problem
    if "\x00" in text:
        return "", "String literals cannot contain NUL characters"
    return text, None


def _unescape(body: str) -> tuple[str, str | None]:
    out, i = [], 0
    while i < len(body):
        char = body[i]
        if char != "\\":
            out.append(char)
            i += 1
            continue
        code = body[i + 1] if i + 1 < len(body) else ""
        if code in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[code])
            i += 2
            continue
        if code in _ESCAPE_DIGITS or code in "01234567" and code:
            width, base = _ESCAPE_DIGITS.get(code, (3, 8))
            start = i + 1 if base == 8 else i + 2
            digits = body[start : start + width]
            try:
                point = int(digits, base) if len(digits) == width else -1
            except ValueError:
                point = -1
            if point < 0 or point > 0x10FFFF or 0xD800 <= point <= 0xDFFF or (base == 8 and point > 0o377):
                return "", f"Illegal escape sequence: \\{code}{digits}"
            out.append(chr(point))
            i = start + width
            continue
        return "", f"Illegal escape sequence: \\{code}"
    return "".join(out), None


_INT64_MAX = 2**63 - 1
_UINT64_MAX = 2**64 - 1


def parse_int(text: str, negative: bool = False) -> int | float | None:
    """An integer literal's value; None beyond ZetaSQL's 64-bit range.

    Values above INT64 (ZetaSQL's UINT64 literals) become floats: no backend binds them.
    """
    number = int(text, 16) if text[:2] in ("0x", "0X") else int(text)
    if negative:
        number = -number
    if number > _UINT64_MAX or number < -_INT64_MAX - 1:
        return None
    return float(number) if number > _INT64_MAX else number


def parse_float(text: str) -> float | None:
    """A floating point literal's value; None when it overflows to infinity."""
    number = float(text)
    return None if number in (float("inf"), float("-inf")) else number
