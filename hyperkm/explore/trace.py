"""The explorer's trace: every HTTP exchange, labelled by why it happened, grouped by the
explorer page (the *visit*) that caused it.

A learner who opens one page should see *one* group: "re-walking the trail: the root",
"step 1 of 2 (reports)", "page", "OPTIONS: which methods does this link accept?" — each with
its status and cache outcome — not fourteen unlabelled ``GET /core 304`` rows. Template
previews and a job's polls are not visits of their own: previews need no request (the page's
resource is remembered), polls join the job page's visit.
"""

from __future__ import annotations

import itertools
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import attrs

__all__ = ["Trace", "Visit"]

#: How many visits the explorer keeps (each with its exchanges).
MAX_VISITS = 40
#: The most exchanges one visit keeps (a job polled for minutes).
MAX_PER_VISIT = 200


@attrs.define(eq=False)
class Visit:
    """One explorer page (or form submission) and the exchanges it caused."""

    number: int
    label: str
    exchanges: deque[Any] = attrs.field(factory=lambda: deque(maxlen=MAX_PER_VISIT))


class Trace:
    """Exchanges reported by the client, filed under the visit in progress."""

    def __init__(self) -> None:
        self.visits: deque[Visit] = deque(maxlen=MAX_VISITS)
        self._numbers = itertools.count(1)
        self._current: ContextVar[Visit | None] = ContextVar("hyperkm_visit", default=None)
        self._lock = threading.Lock()
        self._background: Visit | None = None
        self._by_key: dict[str, Visit] = {}

    def visit(self, label: str, *, key: str | None = None) -> Visit:
        """A new visit — or, with ``key``, the last one opened with that key (a job page and
        its polls share one)."""
        with self._lock:
            found = self._by_key.get(key) if key is not None else None
            if found is not None and found in self.visits:
                return found
            made = Visit(next(self._numbers), label)
            self.visits.append(made)
            if key is not None:
                if len(self._by_key) > MAX_VISITS:
                    self._by_key.clear()
                self._by_key[key] = made
            return made

    @contextmanager
    def during(self, visit: Visit) -> Iterator[Visit]:
        """File the exchanges of this block (this thread) under ``visit``."""
        token = self._current.set(visit)
        try:
            yield visit
        finally:
            self._current.reset(token)

    def record(self, exchange: Any) -> None:
        """The client's ``on_exchange`` hook."""
        visit = self._current.get()
        with self._lock:
            if visit is None:  # a background thread (a prefetch), outside any page
                if self._background is None or self._background not in self.visits:
                    self._background = Visit(next(self._numbers), "in the background")
                    self.visits.append(self._background)
                visit = self._background
            visit.exchanges.append(exchange)

    def clear(self) -> None:
        with self._lock:
            self.visits.clear()
            self._by_key.clear()
            self._background = None

    def recent(self, limit: int = 12) -> list[Visit]:
        """The latest visits that sent anything, newest first."""
        with self._lock:
            return [v for v in reversed(self.visits) if v.exchanges][:limit]

    def last_for(self, url: str) -> Any:
        """The latest exchange for ``url`` (what the page's headers section shows)."""
        with self._lock:
            for visit in reversed(self.visits):
                for exchange in reversed(visit.exchanges):
                    if exchange.url == url:
                        return exchange
        return None
