"""Parsing filter queries (grammar.lark), with MLMD-style syntax errors.

Errors carry the query's line and column ("[at 1:7]"), as ml-metadata's do.
"""

from __future__ import annotations

from importlib import resources

from lark import Lark, Token, Tree
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedEOF, UnexpectedToken

from mdstore.errors import InvalidArgumentError

# Built once at import: building the LALR tables costs far more than a parse.
_PARSER = Lark(
    resources.files("mdstore.store.filter").joinpath("grammar.lark").read_text(),
    parser="lalr",
    lexer="basic",
    maybe_placeholders=True,
    propagate_positions=True,
)


def query_error(message: str, line: int | None, column: int | None) -> InvalidArgumentError:
    """INVALID_ARGUMENT about the query, pointing at ``line:column`` (1-based)."""
    return InvalidArgumentError(f"Invalid `filter_query`: {message} [at {line or 1}:{column or 1}]")


def parse(query: str) -> Tree[Token]:
    """The parse tree of ``query``.

    Raises:
        InvalidArgumentError: the query is not in the grammar (with its position).
    """
    try:
        return _PARSER.parse(query)
    except UnexpectedCharacters as e:
        char = query[e.pos_in_stream or 0]  # set for this error; lark's own fallback is 0
        what = "Unclosed string literal" if char in "'\"" else f"Illegal input character {char!r}"
        raise query_error(f"Syntax error: {what}", e.line, e.column) from None
    except UnexpectedToken as e:
        if e.token.type != "$END":
            raise query_error(
                f"Syntax error: Unexpected {e.token.value!r}", e.line, e.column
            ) from None
        raise _unexpected_end(query) from None
    except UnexpectedEOF as e:
        raise query_error("Syntax error: Unexpected end of expression", e.line, e.column) from None
    except LarkError as e:  # any other parser failure is still the query's fault
        raise InvalidArgumentError(f"Invalid `filter_query`: Syntax error: {e}") from None


def _unexpected_end(query: str) -> InvalidArgumentError:
    # Lark gives no position for the end of input; point just past the last character.
    lines = query.split("\n")
    return query_error("Syntax error: Unexpected end of expression", len(lines), len(lines[-1]) + 1)
