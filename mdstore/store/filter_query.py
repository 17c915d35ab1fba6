"""MLMD's ``filter_query`` language, parsed with a grammar and compiled to SQL.

``compile_filter("uri LIKE 's3://%' AND contexts_run.name = 'r1'", ARTIFACT)``
returns a boolean SQLAlchemy expression over ``ARTIFACT.table`` for ``.where()``.
Every value in the query becomes a bound parameter; nothing is pasted into SQL.

The language is ml-metadata 1.17.1's (a ZetaSQL expression; grammar in
filter_grammar.lark), with its typing and semantics:

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
  query: a correlated EXISTS (see filter_sql), so no join multiplies rows.

Where ml-metadata 1.17.1 is buggy, this does the correct thing instead (the compat
table tests/compat/filter_cases.py records each case): every enum name is accepted
(MLMD rejects ABANDONED, REFERENCE, PENDING_OUTPUT...); fields MLMD advertises but
fails on with INTERNAL work (artifacts_<a>.external_id, executions_<a>.external_id,
parent/child_contexts_<a> timestamps); ``!=`` and NOT IN on a neighbour's state
work; string literals holding backslashes match; a property may be spelt both
back-quoted and bare in one query. Unlike MLMD, string literals cannot hold NUL,
float literals cannot overflow to infinity, and nesting is capped at MAX_DEPTH.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
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
    false,
    func,
    literal,
    not_,
    null,
    or_,
    true,
)

from mdstore.errors import InvalidArgumentError
from mdstore.store import filter_sql
from mdstore.store.filter_sql import BOOL, DOUBLE, INT, STRING, Names, UnknownName
from mdstore.store.nodes import NODE_KINDS, NodeKind
from mdstore.wire import mlmd

# Deeper expressions are refused: SQL compilers recurse once per level.
MAX_DEPTH = 48
# More literals are refused: each is a bound parameter, and backends cap those.
MAX_LITERALS = 4000

NULL = "NULL"  # the type of the NULL literal, which fits any other
_NUMERIC = {INT, DOUBLE}


def _enum(message: Any, name: str) -> dict[str, int]:
    values = message.DESCRIPTOR.enum_types_by_name[name].values_by_name
    return {key: value.number for key, value in values.items()}


# Enum-valued fields by their exact lower-case spelling, which MLMD requires.
_ENUMS = {
    "state": _enum(mlmd.Artifact, "State"),
    "last_known_state": _enum(mlmd.Execution, "State"),
    "type": _enum(mlmd.Event, "Type"),  # only as events_<a>.type
}
# Right-hand sides MLMD takes for an enum name after `state =` (and so rejects
# unless they are one): single words, numbers included.
_WORDS = ("name", "int_", "float_", "bool_", "null")

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
    return _Compiler(kind, query).compile(_parse(query))


def _parse(query: str) -> Tree[Token]:
    try:
        return _PARSER.parse(query)
    except UnexpectedCharacters as e:
        char = query[e.pos_in_stream]
        what = "Unclosed string literal" if char in "'\"" else f"Illegal input character {char!r}"
        raise _error(f"Syntax error: {what}", e.line, e.column) from None
    except UnexpectedToken as e:
        if e.token.type != "$END":
            raise _error(f"Syntax error: Unexpected {e.token.value!r}", e.line, e.column) from None
        lines = query.split("\n")
        end = _error("Syntax error: Unexpected end of expression", len(lines), len(lines[-1]) + 1)
        raise end from None
    except UnexpectedEOF as e:
        raise _error("Syntax error: Unexpected end of expression", e.line, e.column) from None
    except LarkError as e:  # any other parser failure is still the query's fault
        raise InvalidArgumentError(f"Invalid `filter_query`: Syntax error: {e}") from None


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
    text: str = ""  # the query text it came from, for error messages


def _combine(sql: Any, kind: str, parts: list[_Value]) -> _Value:
    scopes = frozenset().union(*(p.scopes for p in parts))
    return _Value(sql, kind, scopes, 1 + max((p.depth for p in parts), default=0))


class _Compiler:
    """Turns one parse tree into a typed SQL expression; one instance per query."""

    def __init__(self, kind: NodeKind, query: str) -> None:
        self.kind = kind
        self.query = query
        self.names = Names(kind)
        self.literals = 0
        self.level = 0  # recursion depth, bounded before Python's own limit is reached

    def fail(self, message: str, node: Any) -> InvalidArgumentError:
        if isinstance(node, Token):
            return _error(message, node.line, node.column)
        meta = getattr(node, "meta", None)
        return _error(message, getattr(meta, "line", None), getattr(meta, "column", None))

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

    def assemble(self, values: list[_Value]) -> ColumnElement[bool]:
        """ANDs the conjuncts: one EXISTS per group of conjuncts sharing a scope."""
        plain, groups = [], []
        for value in values:
            if not value.scopes:
                plain.append(value.sql)
                continue
            keys, conditions = set(value.scopes), [value.sql]
            for group in [g for g in groups if g[0] & keys]:
                groups.remove(group)
                keys, conditions = keys | group[0], group[1] + conditions
            groups.append((keys, conditions))
        plain.extend(self.names.exists(keys, conditions) for keys, conditions in groups)
        return plain[0] if len(plain) == 1 else and_(*plain)

    def value(self, node: Any) -> _Value:
        self.level += 1
        try:
            if self.level > MAX_DEPTH:
                raise self.fail(f"Expression nested deeper than {MAX_DEPTH} levels", node)
            result: _Value = getattr(self, f"on_{node.data}")(node, *node.children)
        finally:
            self.level -= 1
        if result.depth > MAX_DEPTH:
            raise self.fail(f"Expression nested deeper than {MAX_DEPTH} levels", node)
        meta = node.meta
        if not meta.empty:
            result = replace(result, text=self.query[meta.start_pos : meta.end_pos])
        return result

    def typed(self, node: Any, accepted: tuple[str, ...], what: str) -> _Value:
        value = self.value(node)
        if value.type not in (*accepted, NULL):
            problem = f"No matching signature for {what} for argument {value.text} ({value.type})"
            raise self.fail(problem, node)
        return value

    def common(self, what: str, values: list[_Value], node: Any) -> str:
        """The type ``values`` compare as; INVALID_ARGUMENT when they do not compare."""
        kinds = {v.type for v in values} - {NULL}
        if kinds <= _NUMERIC:
            return DOUBLE if DOUBLE in kinds else INT
        if len(kinds) == 1:
            return kinds.pop()
        listed = ", ".join(f"{v.text} ({v.type})" for v in values)
        raise self.fail(f"No matching signature for {what} for arguments {listed}", node)

    # ------------------------------------------------------------ logic

    def on_or_(self, node: Tree[Token], *children: Any) -> _Value:
        values = [self.typed(c, (BOOL,), "operator OR") for c in children]
        return _combine(or_(*[v.sql for v in values]), BOOL, values)

    def on_and_(self, node: Tree[Token], *children: Any) -> _Value:
        values = [self.typed(c, (BOOL,), "operator AND") for c in children]
        return _combine(and_(*[v.sql for v in values]), BOOL, values)

    def on_not_(self, node: Tree[Token], _not: Token, operand: Any) -> _Value:
        value = self.typed(operand, (BOOL,), "operator NOT")
        if value.null_literal:
            raise self.fail("Operands of NOT cannot be literal NULL", operand)
        return _combine(not_(value.sql), BOOL, [value])

    # ------------------------------------------------------------ predicates

    def on_compare(self, node: Tree[Token], left: Any, op: Token, right: Any) -> _Value:
        operator = "!=" if op.value == "<>" else op.value
        enum = self.enum_field(left) if op.value in ("=", "!=") else None
        if enum is not None and isinstance(right, Tree) and right.data in _WORDS:
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
            sql = filter_sql.text_compare(lhs.sql, operator, rhs.sql)
        else:
            sql = _OPERATORS[operator](lhs.sql, rhs.sql)
        return _combine(sql, BOOL, [lhs, rhs])

    def on_like(self, node: Tree[Token], left: Any, negate: Any, right: Any) -> _Value:
        values = [self.typed(side, (STRING,), "operator LIKE") for side in (left, right)]
        for value, side in zip(values, (left, right), strict=True):
            if value.null_literal:
                raise self.fail("Operands of LIKE cannot be literal NULL", side)
        sql = filter_sql.like(values[0].sql, values[1].sql)
        return _combine(not_(sql) if negate else sql, BOOL, values)

    def on_in_(self, node: Tree[Token], left: Any, negate: Any, *items: Any) -> _Value:
        enum = self.enum_field(left)
        if enum is not None and _enum_words(items):
            return self.enum_in(enum, bool(negate), items)
        lhs, values = self.value(left), [self.value(i) for i in items]
        if self.common("operator IN", [lhs, *values], node) == STRING:
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
        value = self.typed(operand, (BOOL,), f"operator IS {word.value.upper()}")
        target = true() if word.value.lower() == "true" else false()
        sql = value.sql.is_not(target) if negate else value.sql.is_(target)
        return _combine(sql, BOOL, [value])

    # ------------------------------------------------------------ enums

    def enum_field(self, node: Any) -> tuple[_Value, dict[str, int]] | None:
        """The value and enum of a ``state``-like field spelt exactly as MLMD expects."""
        if not isinstance(node, Tree) or node.data not in ("name", "path") or self.wrapped(node):
            return None
        text = str(node.children[0])
        field = text.rsplit(".", 1)[-1]
        if node.data == "name":
            is_enum = field in ("state", "last_known_state")
        else:
            is_events = text.startswith("events_")
            is_enum = field == "type" if is_events else field in ("state", "last_known_state")
        if not is_enum:
            return None
        return self.value(node), _ENUMS[field]

    def wrapped(self, node: Tree[Token]) -> bool:
        """True when the operand is in parentheses: MLMD then sees no enum predicate."""
        before = self.query[: node.meta.start_pos].rstrip()
        after = self.query[node.meta.end_pos :].lstrip()
        return before.endswith("(") and after.startswith(")")

    def enum_number(self, names: dict[str, int], node: Any) -> Any:
        word = node
        while isinstance(word, Tree):
            word = word.children[0]
        if node.data != "name" or str(word) not in names:
            raise self.fail(f"Unsupported enum value specified in the query: {word}", node)
        self.literals += 1
        return literal(names[str(word)], BigInteger())

    def enum_compare(self, enum: tuple[_Value, dict[str, int]], op: str, right: Any) -> _Value:
        value, names = enum
        number = self.enum_number(names, right)
        if op == "=":
            return _combine(value.sql == number, BOOL, [value])
        return _combine(or_(value.sql != number, value.sql.is_(None)), BOOL, [value])

    def enum_in(self, enum: tuple[_Value, dict[str, int]], negate: bool, items: Any) -> _Value:
        value, names = enum
        numbers = [self.enum_number(names, i) for i in items]
        if negate:
            return _combine(or_(value.sql.not_in(numbers), value.sql.is_(None)), BOOL, [value])
        return _combine(value.sql.in_(numbers), BOOL, [value])

    # ------------------------------------------------------------ arithmetic

    def on_arith(self, node: Tree[Token], first: Any, *rest: Any) -> _Value:
        result = self.typed(first, (INT, DOUBLE), "arithmetic")
        for op, operand in zip(rest[::2], rest[1::2], strict=True):
            rhs = self.typed(operand, (INT, DOUBLE), f"operator {op.value}")
            if op.value == "/":
                result = _combine(filter_sql.divide(result.sql, rhs.sql), DOUBLE, [result, rhs])
                continue
            kind = DOUBLE if DOUBLE in (result.type, rhs.type) else INT
            result = _combine(_OPERATORS[op.value](result.sql, rhs.sql), kind, [result, rhs])
        return result

    def on_sign(self, node: Tree[Token], sign: Token, operand: Any) -> _Value:
        if sign.value == "-" and isinstance(operand, Tree) and operand.data == "int_":
            return self.int_literal(operand.children[0], negative=True)
        value = self.typed(operand, (INT, DOUBLE), f"operator unary {sign.value}")
        return value if sign.value == "+" else _combine(-value.sql, value.type, [value])

    def on_call(self, node: Tree[Token], name: Token, *args: Any) -> _Value:
        function = name.value.strip("`").lower()
        if function not in _FUNCTIONS:
            raise self.fail(f"Function not found: {name.value}", name)
        accepted, result_type, build = _FUNCTIONS[function]
        values = [self.value(a) for a in args if a is not None]
        if len(values) != 1 or values[0].type not in (*accepted, NULL):
            types = ", ".join(f"{v.text} ({v.type})" for v in values) or "no arguments"
            raise self.fail(f"No matching signature for function {function.upper()}: {types}", node)
        kind = result_type or (INT if values[0].type == NULL else values[0].type)
        return _combine(build(values[0].sql), kind, values)

    # ------------------------------------------------------------ literals and names

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
        number = float(token.value)
        if number in (float("inf"), float("-inf")):
            raise self.fail(f"Invalid floating point literal: {token.value}", token)
        return self.literal(number, DOUBLE, Float())

    def on_bool_(self, node: Tree[Token], token: Token) -> _Value:
        return self.literal(token.value.lower() == "true", BOOL, Boolean())

    def on_null(self, node: Tree[Token], token: Token) -> _Value:
        return _Value(null(), NULL, null_literal=True)

    def on_name(self, node: Tree[Token], token: Token) -> _Value:
        try:
            ref = self.names.attribute(token.value.strip("`"))
        except UnknownName as e:
            raise self.fail(str(e), token) from None
        return _Value(ref.column, ref.type)

    def on_path(self, node: Tree[Token], token: Token) -> _Value:
        try:
            ref = self.names.path(_segments(token.value))
        except UnknownName as e:
            raise self.fail(str(e), token) from None
        if ref.scope is not None:
            self.literals += 2  # a property's name and kind are parameters too
        return _Value(ref.column, ref.type, frozenset([ref.scope] if ref.scope else []))


_OPERATORS = {
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

# name -> (argument types, result type or None for "the argument's", SQL builder)
_FUNCTIONS: dict[str, tuple[tuple[str, ...], str | None, Any]] = {
    "lower": ((STRING,), STRING, func.lower),
    "upper": ((STRING,), STRING, func.upper),
    "length": ((STRING,), INT, filter_sql.char_length),
    "abs": ((INT, DOUBLE), None, func.abs),
}


def _segments(path: str) -> list[str]:
    """Splits a PATH token on the dots outside back-quotes."""
    out, current, quoted = [], "", False
    for char in path:
        quoted ^= char == "`"
        if char == "." and not quoted:
            out.append(current)
            current = ""
        else:
            current += char
    return [*out, current]


def _enum_words(items: tuple[Any, ...]) -> bool:
    """True for IN lists MLMD reads as enum names: bare words, two characters or more."""
    if not all(isinstance(i, Tree) and i.data in ("name", "int_") for i in items):
        return False
    return sum(len(str(i.children[0])) for i in items) >= 2


# ---------------------------------------------------------------- literal text

_SIMPLE_ESCAPES = {
    "a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
    "\\": "\\", "?": "?", '"': '"', "'": "'", "`": "`",
}  # fmt: skip
# escape letter -> (digits, base); an octal escape is three digits, no letter.
_NUMERIC_ESCAPES = {"x": (2, 16), "X": (2, 16), "u": (4, 16), "U": (8, 16)}


def decode_string(token: str) -> tuple[str, str | None]:
    """A string literal's value (ZetaSQL quotes and escapes), or ("", what is wrong)."""
    raw = token[0] in "rR"
    body = token[1:] if raw else token
    quote = 3 if body[:3] in ("'''", '"""') else 1
    text, problem = (body[quote:-quote], None) if raw else _unescape(body[quote:-quote])
    if problem is None and "\x00" in text:
        problem = "String literals cannot contain NUL characters"
    return text, problem


def _unescape(body: str) -> tuple[str, str | None]:
    out, i = [], 0
    while i < len(body):
        if body[i] != "\\":
            out.append(body[i])
            i += 1
            continue
        code = body[i + 1]  # the lexer never ends a literal on a lone backslash
        if code in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[code])
            i += 2
            continue
        if code not in _NUMERIC_ESCAPES and code not in "01234567":
            return "", f"Illegal escape sequence: \\{code}"
        width, base = _NUMERIC_ESCAPES.get(code, (3, 8))
        start = i + 1 if base == 8 else i + 2
        digits = body[start : start + width]
        point = _code_point(digits, width, base)
        if point is None:
            return "", f"Illegal escape sequence: \\{code if base != 8 else ''}{digits}"
        out.append(chr(point))
        i = start + width
    return "".join(out), None


def _code_point(digits: str, width: int, base: int) -> int | None:
    valid = "01234567" if base == 8 else "0123456789abcdefABCDEF"
    if len(digits) != width or any(d not in valid for d in digits):
        return None
    point = int(digits, base)
    if point > (0o377 if base == 8 else 0x10FFFF) or 0xD800 <= point <= 0xDFFF:
        return None
    return point


_INT64_MAX = 2**63 - 1


def parse_int(text: str, negative: bool = False) -> int | float | None:
    """An integer literal's value; None beyond ZetaSQL's 64-bit range.

    Values above INT64 (ZetaSQL reads them as UINT64) become floats: no backend
    binds them as integers.
    """
    if len(text.lstrip("0")) > 20:  # beyond 2**64 in either base; int() of huge text is slow
        return None
    number = int(text, 16) if text[:2] in ("0x", "0X") else int(text)
    number = -number if negative else number
    if number > 2**64 - 1 or number < -_INT64_MAX - 1:
        return None
    return float(number) if number > _INT64_MAX else number
