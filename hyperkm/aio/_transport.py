"""An asynchronous transport seen by the blocking client through the bridge."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, Awaitable, Iterable
from typing import TypeVar

import attrs

from .. import _bridge, _deadline
from .._exceptions import ConfigurationError
from .._transport import AsyncTransport, Request, Response

__all__ = ["BridgedTransport"]

T = TypeVar("T")


class BridgedTransport:
    """Hands each request of the client (running in a bridge) to ``inner.handle_async`` on the
    event loop. The request's deadline bounds the await exactly: a server that trickles bytes
    is cut off when the deadline passes, as on the blocking side."""

    def __init__(self, inner: AsyncTransport) -> None:
        if not isinstance(inner, AsyncTransport):
            raise ConfigurationError(f"hyperkm.aio needs an asynchronous transport (with an "
                                     f"async handle_async(request) method), got "
                                     f"{type(inner).__name__}")
        self.inner = inner

    def handle(self, request: Request) -> Response:
        _bridge.require()  # before a coroutine is made that nobody would await
        answer = _awaited(self.inner.handle_async(request))
        if isinstance(answer, Response) and answer.stream is not None \
                and not isinstance(answer.stream, Iterable):
            # A download: each chunk awaited as the client reads it, within the deadline.
            answer = attrs.evolve(answer, stream=_BridgedChunks(answer.stream))
        return answer

    def __repr__(self) -> str:
        return f"<bridge to {self.inner!r}>"


def _awaited(answer: Awaitable[T]) -> T:
    """``answer``, awaited on the loop from the bridge, within what is left of the request's
    deadline (a ``TimeoutError`` when it passes)."""
    deadline = _deadline.current()
    if deadline is None:
        return _bridge.wait_for(answer)
    try:
        return _bridge.wait_for(_within(answer, max(deadline.remaining(), 0.0)))
    except TimeoutError as exc:  # asyncio's is the builtin one: the transport's too
        if not deadline.passed():
            raise  # a read timeout of the transport's own, well within the deadline
        deadline.expire()
        raise TimeoutError(f"the request's deadline of {deadline.seconds:g} s has "
                           "passed") from exc


class _BridgedChunks:
    """An asynchronous `Response.stream` read by blocking code in the bridge."""

    def __init__(self, chunks: AsyncIterable[bytes]) -> None:
        self._source = chunks
        self._chunks = aiter(chunks)

    def __iter__(self) -> _BridgedChunks:
        return self

    def __next__(self) -> bytes:
        try:
            return _awaited(anext(self._chunks))
        except StopAsyncIteration:
            raise StopIteration from None

    def close(self) -> None:
        close = getattr(self._source, "aclose", None)
        if close is not None and _bridge.in_bridge():  # (else it is left to the pool)
            _bridge.wait_for(close())


async def _within(answer: Awaitable[T], seconds: float) -> T:
    """``answer``, within ``seconds``. Not ``asyncio.wait_for``: on Python 3.11 it returns an
    answer that completes as the task is cancelled and swallows the cancellation (a walk's
    prefetching task, stopped as its page arrived, would run on); ``asyncio.timeout`` keeps
    it."""
    async with asyncio.timeout(seconds):
        return await answer
