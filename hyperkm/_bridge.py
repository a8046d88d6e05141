"""Blocking hyperkm code on an event loop, without threads: the bridge under `hyperkm.aio`.

hyperkm's navigator is one body of code — policies, cache, collections, jobs, bookmarks.
[`hyperkm.aio`](async.md) runs that same code for a coroutine in a *greenlet* (the way
SQLAlchemy's asyncio extension runs its ORM): where the code would block on the network, the
transport hands an awaitable to the event loop (`wait_for`) and the greenlet is suspended
until it is done. No thread is started; any number of bridged calls run concurrently on one
loop, each in its own greenlet.

The few places where the navigator waits or fans out go through this module, so they do the
right thing in either world: `sleep` (``time.sleep``, or ``asyncio.sleep`` in a bridge),
`executor` (a thread pool, or asyncio tasks in a bridge) and `Lock` (a lock another greenlet
of the same thread waits for without blocking the loop).
"""

from __future__ import annotations

import contextlib
import contextvars
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

from ._exceptions import ConfigurationError

if TYPE_CHECKING:  # pragma: no cover
    import asyncio

__all__ = ["Lock", "executor", "in_bridge", "require", "run", "sleep", "wait_for"]

T = TypeVar("T")

# greenlet and asyncio are imported by the first `run` (hyperkm.aio): a blocking program
# never loads them. Until then nothing can be bridged, which `in_bridge` reads off
# sys.modules without importing anything.
_Bridged: Any = None


def _bridged_class() -> Any:
    global _Bridged
    if _Bridged is None:
        try:
            import greenlet
        except ImportError as exc:  # pragma: no cover - depends on the installation
            raise ConfigurationError("hyperkm.aio needs the greenlet package: pip install "
                                     "'hyperkm[async]'") from exc

        class Bridged(greenlet.greenlet):  # type: ignore[misc]
            """A greenlet running blocking code for the coroutine in ``driver``."""

            def __init__(self, fn: Callable[..., Any], driver: Any) -> None:
                super().__init__(fn, driver)
                self.driver = driver

        _Bridged = Bridged
    return _Bridged


def _current() -> Any:
    """The running greenlet if it is a bridge's, else ``None``."""
    if _Bridged is None:
        return None
    current = sys.modules["greenlet"].getcurrent()
    return current if isinstance(current, _Bridged) else None


def in_bridge() -> bool:
    """Whether this code runs in a bridge (for a coroutine of `hyperkm.aio`)."""
    return _current() is not None


def require() -> None:
    """Raise unless this code runs in a bridge (before an awaitable is made for it)."""
    if not in_bridge():
        raise ConfigurationError(
            "an asynchronous transport was used from blocking code: a hyperkm.aio resource "
            "needs `await` (await resource.fetch(), async for ... in resource.items()), and "
            "a blocking hyperkm.connect() needs a blocking transport")


def wait_for(awaitable: Awaitable[T]) -> T:
    """From blocking code in a bridge: suspend until the event loop has awaited
    ``awaitable``, and give its result (or raise its exception)."""
    current = _current()
    if current is None:
        close = getattr(awaitable, "close", None)
        if close is not None:
            close()  # a coroutine never awaited would warn
        require()
    return current.driver.switch(awaitable)  # type: ignore[no-any-return]


async def run(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Await ``fn(*args, **kwargs)`` run in a bridge: blocking code whose network waits are
    awaited on this event loop."""
    import greenlet

    bridged = _bridged_class()(fn, greenlet.getcurrent())
    # The caller's context variables (hyperkm's reasons for a request, deadlines) hold in
    # the bridge as in a called function.
    bridged.gr_context = contextvars.copy_context()
    result = bridged.switch(*args, **kwargs)
    while not bridged.dead:
        try:
            value = await result
        except BaseException:
            result = bridged.throw(*sys.exc_info())
        else:
            result = bridged.switch(value)
    return result  # type: ignore[no-any-return]


def sleep(seconds: float) -> None:
    """Wait ``seconds``: on the event loop in a bridge (others run meanwhile), else blocking."""
    if seconds <= 0:
        return
    if in_bridge():
        import asyncio

        wait_for(asyncio.sleep(seconds))
    else:
        time.sleep(seconds)


class _TaskFuture:
    """An asyncio task seen as a ``concurrent.futures.Future`` by bridged code: ``result()``
    waits on the loop, not by blocking the thread."""

    def __init__(self, task: asyncio.Task[Any]) -> None:
        self._task = task

    def result(self) -> Any:
        import asyncio

        if not self._task.done():
            wait_for(asyncio.shield(self._task))  # shield: the waiter may be cancelled alone
        return self._task.result()

    def exception(self) -> BaseException | None:
        import asyncio

        if not self._task.done():
            with contextlib.suppress(BaseException):
                wait_for(asyncio.shield(self._task))
        return None if self._task.cancelled() else self._task.exception()

    def done(self) -> bool:
        return self._task.done()

    def cancel(self) -> bool:
        return self._task.cancel()

    def cancelled(self) -> bool:
        return self._task.cancelled()

    def add_done_callback(self, fn: Callable[[Any], None]) -> None:
        self._task.add_done_callback(lambda _task: fn(self))


class _TaskPool:
    """A ``ThreadPoolExecutor`` look-alike for bridged code: each call runs as an asyncio task
    (in a bridge of its own), at most ``max_workers`` at once."""

    def __init__(self, max_workers: int) -> None:
        import asyncio

        self._slots = asyncio.Semaphore(max_workers)
        self._tasks: set[asyncio.Task[Any]] = set()

    def submit(self, fn: Callable[..., T], /, *args: Any) -> Future[T]:
        async def limited() -> T:
            async with self._slots:
                return await run(fn, *args)

        import asyncio

        task = asyncio.get_running_loop().create_task(limited())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return _TaskFuture(task)  # type: ignore[return-value]

    def map(self, fn: Callable[[Any], T], items: Any) -> Iterator[T]:
        futures = [self.submit(fn, item) for item in items]
        return (future.result() for future in futures)

    def shutdown(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        import asyncio

        pending = [t for t in self._tasks if not t.done()]
        if pending:  # let the cancelled tasks end before the pool is gone
            with contextlib.suppress(BaseException):
                wait_for(asyncio.gather(*pending, return_exceptions=True))


@contextlib.contextmanager
def executor(max_workers: int, thread_name_prefix: str) -> Iterator[Any]:
    """A pool to run calls concurrently: threads, or asyncio tasks in a bridge. Leaving the
    block waits for the calls (a thread pool) or cancels those not taken (tasks)."""
    if in_bridge():
        pool = _TaskPool(max_workers)
        try:
            yield pool
        finally:
            pool.shutdown()
        return
    with ThreadPoolExecutor(max_workers=max_workers,
                            thread_name_prefix=thread_name_prefix) as threads:
        yield threads


class Lock:
    """A mutual-exclusion lock for code that may run bridged: a greenlet waiting for it lets
    the event loop run (the holder may be waiting on the network) instead of blocking the
    one thread they share."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def __enter__(self) -> Lock:
        if not self._lock.acquire(blocking=False):
            if in_bridge():
                import asyncio

                pause = 0.0005
                while not self._lock.acquire(blocking=False):
                    wait_for(asyncio.sleep(pause))
                    pause = min(pause * 2, 0.02)
            else:
                self._lock.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self._lock.release()
