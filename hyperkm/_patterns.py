"""Matching regular expressions a server wrote, in time linear in the value.

A form's ``pattern`` comes from the API. Python's ``re`` backtracks, so a pattern such as
``(a|a)*$`` or ``(.*a){12}$`` takes exponential time on a short value and, holding the
interpreter lock, freezes every thread (the explorer included). Patterns are run on RE2
(``google-re2``), an automaton-based engine whose matching time is linear in the input and
whose memory is bounded. RE2 does not have backreferences or lookaround: a pattern that uses
them (or that does not compile within RE2's memory bound) cannot be checked in bounded time
here, so it is left to the server, and hyperkm says so once in its log.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

__all__ = ["fullmatch"]

log = logging.getLogger("hyperkm")


@functools.cache
def _engine() -> Any:
    """``re2``, imported when the first pattern is checked (most programs never check one,
    and its objects would weigh on every full garbage collection); ``None`` without it."""
    try:
        import re2
    except ImportError:  # a platform without a google-re2 wheel
        return None
    return re2


#: Longest pattern compiled; RE2's own memory bound (below) stops a short pattern that
#: expands to a huge automaton, such as ``(a{100}){100}``.
MAX_PATTERN = 10_000
_MAX_MEM = 8 * 1024 * 1024


@functools.lru_cache(maxsize=256)
def _compiled(pattern: str) -> Any:
    engine = _engine()
    if engine is None or len(pattern) > MAX_PATTERN:
        return None
    options = engine.Options()
    options.log_errors = False  # RE2 would write every refused pattern to stderr
    options.max_mem = _MAX_MEM
    try:
        return engine.compile(pattern, options)
    except Exception:  # re2.error, and anything RE2's binding raises for odd input
        return None


@functools.lru_cache(maxsize=256)
def _warn_once(pattern: str) -> None:
    shown = pattern if len(pattern) <= 80 else pattern[:77] + "..."
    reason = ("google-re2 is not installed" if _engine() is None else
              "it uses syntax RE2 does not have (backreferences, lookaround) or is too large")
    log.warning("the pattern /%s/ cannot be checked in bounded time here (%s); the server "
                "will judge the value", shown, reason)


def fullmatch(pattern: str, value: str) -> bool | None:
    """Whether all of ``value`` matches ``pattern``; ``None`` when it cannot be checked in
    bounded time here (the caller leaves it to the server)."""
    compiled = _compiled(pattern)
    if compiled is None:
        _warn_once(pattern)
        return None
    try:
        return compiled.fullmatch(value) is not None
    except Exception:  # e.g. a value with lone surrogates that does not encode to UTF-8
        return None
