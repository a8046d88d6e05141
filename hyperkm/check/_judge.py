"""The checker's judgements that need no request: pure functions over what was read."""

from __future__ import annotations

import re
from typing import Any

from .._exceptions import DocumentError

__all__ = ["common_prefix", "member_keys", "unsatisfiable"]


def member_keys(document: Any) -> list[str]:
    """What tells a page's members apart: their URLs, else their states."""
    keys = []
    for member in list(document.items or ())[:100]:
        try:
            keys.append(member.url if member.has_own_url else repr(member.data)[:200])
        except DocumentError:
            keys.append("?")
    return keys


def common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def unsatisfiable(field: Any) -> str | None:
    if field.min is not None and field.max is not None and field.min > field.max:
        return f"min {field.min} is above max {field.max}"
    lo, hi = field.min_length, field.max_length
    if lo is not None and hi is not None and lo > hi:
        return f"minLength {lo} is above maxLength {hi}"
    if field.pattern:
        try:
            re.compile(field.pattern)
        except (re.error, RecursionError, OverflowError):
            from .. import _patterns

            if _patterns._compiled(field.pattern) is None:
                return f"the pattern /{field.pattern[:80]}/ does not compile"
    if field.required and field.read_only and field.value is None:
        return "it is required and read-only, with no value"
    if field.options is not None:
        if field.required and not field.options:
            return "it is required, and offers no option"
        if field.value is not None and field.value not in field.options and not isinstance(
                field.value, list):
            return f"its value {field.value!r} is not one of its options"
    value = field.value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if field.min is not None and value < field.min:
            return f"its value {value} is below its min {field.min}"
        if field.max is not None and value > field.max:
            return f"its value {value} is above its max {field.max}"
    return None
