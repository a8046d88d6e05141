"""Why a request is made: a label carried by every [`Exchange`][hyperkm.Exchange].

A trace that lists ``GET /core 304`` fourteen times teaches nothing; one that says *re-walking
the trail*, *template preview*, *OPTIONS: which methods does this link accept?* does. The
code that decides to send a request names its reason with ``because(...)``; the client reads
it when it reports the exchange. A context variable, so that nested reasons win and
concurrent requests (the explorer's threads) keep their own.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["because", "current"]

_REASON: ContextVar[str] = ContextVar("hyperkm_reason", default="")

#: Reasons for the library's background threads (they start without the caller's context).
_THREADS = (("hyperkm-prefetch", "prefetch: the next page, in the background"),
            ("hyperkm-pages", "a page fetched in parallel"),
            ("hyperkm-members", "a member's own representation"))


@contextmanager
def because(reason: str) -> Iterator[None]:
    """Label every request sent inside the block with ``reason`` (the innermost wins)."""
    token = _REASON.set(reason)
    try:
        yield
    finally:
        _REASON.reset(token)


def current() -> str:
    """The reason for a request sent now ("" when nobody said)."""
    reason = _REASON.get()
    if reason:
        return reason
    name = threading.current_thread().name
    return next((why for prefix, why in _THREADS if name.startswith(prefix)), "")
