"""An example value for a form field whose help is a raw regular expression.

``/\\d{4}-\\d{2}-\\d{2}([T ]\\d{2}:\\d{2}…)?/`` tells a person little; ``e.g. 2026-12-06`` tells
them what to type. Typical values for the field's type come first (today's date, a date-time,
an e-mail address, a URL, a number), then the shortest string the pattern itself describes;
a candidate is offered only if the pattern, run on RE2 as for validation, matches all of it.
"""

from __future__ import annotations

import datetime as _dt
import functools
from typing import Any

from . import _patterns

#: Field types that take a number (forms validate them as numbers; examples are numbers).
NUMBER_TYPES = frozenset({"number", "range", "integer", "int", "float", "decimal"})

__all__ = ["example"]

#: The longest example offered (a pattern such as a{1000} has no useful one).
MAX_EXAMPLE = 80
_DEPTH = 32


def example(pattern: str | None, kind: str = "text") -> str | None:
    """A value that matches all of ``pattern`` (preferring a typical one for ``kind``), or
    ``None`` when none is found or the pattern cannot be checked here."""
    if not pattern or len(pattern) > _patterns.MAX_PATTERN:
        return None  # a pattern too long to check is too long to spell out
    return _example(pattern, kind.lower(), _dt.date.today())


@functools.lru_cache(maxsize=256)
def _example(pattern: str, kind: str, today: _dt.date) -> str | None:
    for candidate in (*_typical(kind, today), _shortest(pattern)):
        if candidate is not None and _patterns.fullmatch(pattern, candidate) is True:
            return candidate
    return None


def _typical(kind: str, today: _dt.date) -> list[str]:
    date = today.isoformat()
    by_kind = {"email": ["name@example.com"], "url": ["https://example.com/"],
               "tel": ["+1 555 0100"], "time": ["09:30", "09:30:00"],
               "month": [date[:7]], "color": ["#336699"]}
    found = by_kind.get(kind, [])
    if kind in NUMBER_TYPES:
        found = ["1", "10", "1.5"]
    # any field: a date and a date-time are the commonest patterns of all
    return [*found, date, f"{date}T09:30:00Z", f"{date}T09:30:00", f"{date} 09:30"]


def _shortest(pattern: str) -> str | None:
    """The shortest string the pattern's syntax tree spells (first branches, minimum
    repetitions); ``None`` for what this does not follow (negated sets, backreferences)."""
    try:
        from re import _parser  # type: ignore[attr-defined]

        tree = _parser.parse(pattern)
        text = _spell(list(tree), 0)
    except Exception:  # re's private parser: any failure means no example, never an error
        return None
    return text if text is not None and len(text) <= MAX_EXAMPLE else None


def _spell(items: list[Any], depth: int) -> str | None:
    if depth > _DEPTH:
        return None
    out = []
    for op, value in items:
        name = str(op)
        if name == "LITERAL":
            out.append(chr(value))
        elif name == "NOT_LITERAL":
            out.append("a" if chr(value) != "a" else "b")
        elif name == "ANY":
            out.append("a")
        elif name == "IN":
            chosen = _first_in(value)
            if chosen is None:
                return None
            out.append(chosen)
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, _high, sub = value
            if low > MAX_EXAMPLE:
                return None
            part = _spell(list(sub), depth + 1) if low else ""
            if part is None:
                return None
            out.append(part * low)
        elif name == "SUBPATTERN":
            part = _spell(list(value[-1]), depth + 1)
            if part is None:
                return None
            out.append(part)
        elif name == "BRANCH":
            part = next((p for p in (_spell(list(b), depth + 1) for b in value[1])
                         if p is not None), None)
            if part is None:
                return None
            out.append(part)
        elif name == "AT":
            continue
        elif name == "CATEGORY":
            out.append(_CATEGORY.get(str(value), "a"))
        else:  # backreferences, lookaround, conditionals: no example
            return None
        if sum(map(len, out)) > MAX_EXAMPLE:
            return None
    return "".join(out)


_CATEGORY = {"CATEGORY_DIGIT": "1", "CATEGORY_NOT_DIGIT": "a", "CATEGORY_WORD": "a",
             "CATEGORY_NOT_WORD": "-", "CATEGORY_SPACE": " ", "CATEGORY_NOT_SPACE": "a"}


def _first_in(members: list[Any]) -> str | None:
    for op, value in members:
        name = str(op)
        if name == "NEGATE":
            return None
        if name == "LITERAL":
            return chr(value)
        if name == "RANGE":
            return chr(value[0])
        if name == "CATEGORY":
            return _CATEGORY.get(str(value), "a")
    return None
