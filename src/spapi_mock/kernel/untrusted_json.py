"""JSON from a client, parsed so that whatever it holds can be stored and served again.

Python's parser accepts two things the rest of the server cannot live with: a lone UTF-16
surrogate (``"\\ud800"``), which no UTF-8 encoder writes, so a stored order holding one failed
every later read; and nesting deep enough that encoding it again, or validating it, runs out of
recursion. Both are refused here, with the field named, before anything sees the document.
"""

from __future__ import annotations

import json
from typing import Any

# Amazon's deepest request body (an order with items, their prices and buyer info) nests about
# eight levels; 64 leaves room for every real document and none for a stack-exhausting one.
MAX_DEPTH = 64


class UntrustedJsonError(ValueError):
    """The body is JSON but not one the server may keep; the message says where and why."""


def loads(text: str) -> Any:
    """``text`` parsed, or UntrustedJsonError (not JSON, too deep, or text UTF-8 cannot encode)."""
    # Counting brackets is cheap in C; walking the text is only needed when there are enough.
    if text.count("[") + text.count("{") > MAX_DEPTH and _bracket_depth(text) > MAX_DEPTH:
        raise UntrustedJsonError(f"The request body nests deeper than {MAX_DEPTH} levels")
    try:
        value = json.loads(text)
    except RecursionError:
        raise UntrustedJsonError(f"The request body nests deeper than {MAX_DEPTH} levels") from None
    except ValueError as exc:
        raise UntrustedJsonError(f"The request body is not valid JSON: {exc}") from None
    check_encodable(value)
    return value


def check_encodable(value: Any, path: str = "") -> None:
    """UntrustedJsonError naming the first field whose name or text UTF-8 cannot encode."""
    if isinstance(value, str):
        _encodable(value, path or "body")
    elif isinstance(value, dict):
        for key, inner in value.items():
            field = f"{path}.{key}" if path else str(key)
            _encodable(key, field)
            check_encodable(inner, field)
    elif isinstance(value, list):
        for n, inner in enumerate(value):
            check_encodable(inner, f"{path}[{n}]")


def _encodable(text: str, field: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        bad = text[exc.start]
        raise UntrustedJsonError(
            f"Invalid {field}: it holds U+{ord(bad):04X}, a lone surrogate that is not a character (escape text as UTF-16 pairs)"
        ) from None


def _bracket_depth(text: str) -> int:
    """How deep the text's arrays and objects nest, counted before parsing (brackets inside strings
    are skipped), so that a hostile body never reaches the recursive parser."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_DEPTH:
                    return deepest
        elif char in "]}":
            depth -= 1
    return deepest
