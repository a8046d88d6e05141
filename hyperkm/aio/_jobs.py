"""The asyncio driver of a job's polling: the same decisions as the blocking `wait`
([`hyperkm._jobs.polling`][hyperkm._jobs]), with ``asyncio.sleep`` between polls — the loop
runs other tasks meanwhile — and each poll awaited (its HTTP exchange through the bridge)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from .. import _bridge
from .._exceptions import Timeout
from .._jobs import (
    Pause,
    Poll,
    Polled,
    advance,
    final_location_of,
    finish,
    poll_once,
    polling,
    progress_of,
)
from .._resource import Resource as _Resource

__all__ = ["wait"]


async def wait(job: _Resource, *, timeout: float, interval: float, max_interval: float,
               retry_after_cap: float = 30.0,
               on_progress: Callable[[Any, _Resource], None] | None = None) -> _Resource:
    """Poll ``job`` until it is done; its result (see `hyperkm.aio.Resource.wait`)."""
    flow = polling(job.url, timeout=timeout, interval=interval, max_interval=max_interval,
                   retry_after_cap=retry_after_cap,
                   final_location=final_location_of(job.write_response))
    last: tuple[Polled, _Resource] | None = None
    step = advance(flow)
    while isinstance(step, (Poll, Pause)):
        if isinstance(step, Pause):
            await asyncio.sleep(step.seconds)
            step = advance(flow)
            continue
        try:
            polled, status = await _bridge.run(poll_once, job, step)
        except Timeout as exc:
            step = advance(flow, error=exc)  # the flow gives up, or re-raises it
            continue
        last = polled, status
        if on_progress is not None:
            on_progress(progress_of(polled), status)
        step = advance(flow, polled)
    return finish(job, step, last)  # no I/O: a result not fetched yet is fetched when used
