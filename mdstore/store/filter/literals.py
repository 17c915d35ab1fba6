"""Token text of filter queries decoded into values: strings, integers, dotted paths.

ZetaSQL's rules (quotes, raw strings, escapes, 64-bit integer range), which MLMD's
filter language inherits. Pure functions on text; typing and SQL live elsewhere.
"""

from __future__ import annotations

_SIMPLE_ESCAPES = {
    "a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
    "\\": "\\", "?": "?", '"': '"', "'": "'", "`": "`",
}  # fmt: skip
# escape letter -> (digits, base); an octal escape is three digits, no letter.
_NUMERIC_ESCAPES = {"x": (2, 16), "X": (2, 16), "u": (4, 16), "U": (8, 16)}

_INT64_MAX = 2**63 - 1


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


def split_path(path: str) -> list[str]:
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
