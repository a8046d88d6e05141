"""An overall deadline per request: connect, every read and every retry, in all.

Socket timeouts bound each *operation*: a server that trickles one byte every few seconds
never trips them, and retries multiply them. So each request hyperkm sends runs under a
`Deadline`; the connections it uses register with it (see ``_cache.WatchedPools``),
and one watchdog thread shuts those sockets down when the deadline passes. The blocked read
then fails at once, retries see the deadline and stop, and the client reports a ``Timeout``.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import socket
import threading
import time
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

__all__ = ["Deadline", "current", "running"]


class Deadline:
    """The moment by which one request must be over."""

    __slots__ = ("_conns", "at", "done", "expired", "outer", "seconds")

    def __init__(self, seconds: float, outer: Deadline | None = None) -> None:
        at: float = time.monotonic() + seconds
        if outer is not None and outer.at < at:
            # A request inside a bounded operation (a download, a job's poll) ends when the
            # operation's own deadline does, if that comes first.
            at, seconds = outer.at, outer.seconds
        self.seconds: float = seconds
        self.at: float = at
        self.expired = False
        self.done = False
        self.outer = outer
        self._conns: list[Any] = []

    def remaining(self) -> float:
        return self.at - time.monotonic()

    def passed(self) -> bool:
        return self.expired or time.monotonic() >= self.at \
            or (self.outer is not None and self.outer.passed())

    def watch(self, conn: Any) -> None:
        """Register a urllib3 connection used by this request (aborted at the deadline)."""
        if len(self._conns) < 64:  # retries and redirects reuse few connections
            self._conns.append(conn)
        if self.outer is not None:
            # The body of a streamed response is read after the request's own deadline is
            # over: the enclosing one must still be able to cut the connection.
            self.outer.watch(conn)
        if self.expired:
            _abort(conn)

    def expire(self) -> None:
        self.expired = True
        for conn in list(self._conns):
            _abort(conn)


def _abort(conn: Any) -> None:
    # ``conn.sock`` is None once http.client has handed the socket to a response that will
    # close the connection (``Connection: close``, HTTP/1.0): the socket the connection last
    # had is the one that response is still reading from (see ``_cache.RememberedSocket``).
    sock = getattr(conn, "sock", None) or getattr(conn, "last_sock", None)
    if sock is None:
        return
    # socket.socket.shutdown, not SSLSocket.shutdown: the latter tears down the TLS object
    # under the feet of the thread blocked in a read; the plain shutdown makes that read end.
    with contextlib.suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _Watchdog:
    """One daemon thread expiring deadlines in order (started on first use)."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Deadline]] = []
        self._live = 0
        self._counter = itertools.count()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None

    def add(self, deadline: Deadline) -> None:
        with self._cond:
            heapq.heappush(self._heap, (deadline.at, next(self._counter), deadline))
            self._live += 1
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="hyperkm-deadlines",
                                                daemon=True)
                self._thread.start()
            elif self._heap[0][2] is deadline:
                self._cond.notify()

    def discard(self, deadline: Deadline) -> None:
        with self._cond:
            deadline.done = True
            self._live -= 1
            # Finished deadlines stay in the heap until they come due; compact it when they
            # outnumber the live ones, so memory stays flat over millions of requests.
            if len(self._heap) > 256 and len(self._heap) > 4 * max(self._live, 1):
                self._heap = [entry for entry in self._heap if not entry[2].done]
                heapq.heapify(self._heap)

    def _run(self) -> None:
        with self._cond:
            while True:
                while self._heap and self._heap[0][2].done:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._cond.wait(30.0)
                    continue
                wait = self._heap[0][0] - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                _, _, due = heapq.heappop(self._heap)
                due.expire()


_WATCHDOG = _Watchdog()
# A context variable, not a thread-local: hyperkm.aio runs concurrent requests in one thread.
_current: ContextVar[Deadline | None] = ContextVar("hyperkm_deadline", default=None)


def current() -> Deadline | None:
    """The deadline of the request this thread is sending, if any."""
    return _current.get()


@contextlib.contextmanager
def running(seconds: float | None) -> Iterator[Deadline | None]:
    """Run the block under a deadline of ``seconds`` (``None``: no deadline of its own).

    Deadlines nest: one started inside another ends no later than the enclosing one, and the
    connections it uses are cut off by either.
    """
    previous = current()
    if seconds is None or (previous is not None
                           and previous.at <= time.monotonic() + seconds):
        yield previous  # the enclosing deadline comes first: it is this block's too
        return
    deadline = Deadline(seconds, previous)
    token = _current.set(deadline)
    _WATCHDOG.add(deadline)
    try:
        yield deadline
    finally:
        _WATCHDOG.discard(deadline)
        _current.reset(token)
