"""Enum-valued fields in filter queries: ``state``, ``last_known_state``, ``events_<a>.type``.

They hold enum numbers, but queries name the values (``state = LIVE``). MLMD reads
an enum predicate only where the field is spelt exactly so, outside parentheses,
and compared with ``=``, ``!=``, ``IN`` or ``NOT IN`` with bare words; ``!=`` and
``NOT IN`` then also match NULL. Elsewhere the field is an ordinary integer.
"""

from __future__ import annotations

from typing import Any

from lark import Token, Tree
from sqlalchemy import BigInteger, literal, or_

from mdstore.errors import InvalidArgumentError
from mdstore.store.filter.names import BOOL
from mdstore.store.filter.values import Value, combine, narrowed
from mdstore.wire import mlmd


def _enum(message: Any, name: str) -> dict[str, int]:
    values = message.DESCRIPTOR.enum_types_by_name[name].values_by_name
    return {key: value.number for key, value in values.items()}


# Enum-valued fields by their exact lower-case spelling, which MLMD requires.
ENUMS = {
    "state": _enum(mlmd.Artifact, "State"),
    "last_known_state": _enum(mlmd.Execution, "State"),
    "type": _enum(mlmd.Event, "Type"),  # only as events_<a>.type
}
# Right-hand sides MLMD takes for an enum name after `state =` (and so rejects
# unless they are one): single words, numbers included.
ENUM_WORDS = ("name", "int_", "float_", "bool_", "null")


def enum_words(items: tuple[Any, ...]) -> bool:
    """True for IN lists MLMD reads as enum names: bare words, two characters or more."""
    if not all(isinstance(i, Tree) and i.data in ("name", "int_") for i in items):
        return False
    return sum(len(str(i.children[0])) for i in items) >= 2


class EnumPredicates:
    """Enum predicates for the compiler (compiler._Compiler mixes this in).

    Relies on the compiler's ``query`` text, its ``literals`` count and its
    ``value`` and ``fail`` methods.
    """

    query: str
    literals: int

    def value(self, node: Any) -> Value:
        raise NotImplementedError  # the compiler's

    def fail(self, message: str, node: Any) -> InvalidArgumentError:
        raise NotImplementedError  # the compiler's

    def enum_field(self, node: Any) -> tuple[Value, dict[str, int]] | None:
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
        return self.value(node), ENUMS[field]

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

    def enum_compare(self, enum: tuple[Value, dict[str, int]], op: str, right: Any) -> Value:
        value, names = enum
        number = self.enum_number(names, right)
        if op == "=":
            return combine(value.sql == number, BOOL, [value], narrowed(value))
        return combine(or_(value.sql != number, value.sql.is_(None)), BOOL, [value])

    def enum_in(self, enum: tuple[Value, dict[str, int]], negate: bool, items: Any) -> Value:
        value, names = enum
        numbers = [self.enum_number(names, i) for i in items]
        if negate:
            return combine(or_(value.sql.not_in(numbers), value.sql.is_(None)), BOOL, [value])
        return combine(value.sql.in_(numbers), BOOL, [value], narrowed(value))
