"""The asyncio driver of a collection walk: the decisions of the blocking walk
([`_paging.paging`][hyperkm._paging]: the next page, loops, ends, the stated total), each page
read through the bridge, and the pages ahead read by an asyncio task while the caller works —
at most ``prefetch`` of them waiting. Members are made as the blocking walk makes them
(`_collection.embedded_members`); linked members are read concurrently, a batch at a time."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator
from typing import Any

from .. import _bridge
from .._collection import (
    MEMBER_BATCH,
    Items,
    embedded_members,
    load_quietly,
    page_to_read,
    report_walked,
)
from .._paging import Read, member_count, paging
from .._resource import Resource

__all__ = ["members", "pages"]

_DONE = object()


async def _document_of(page: Resource) -> Any:
    return await _bridge.run(lambda: page.document)  # the request happens here


async def _each_page(items: Items[Resource]) -> AsyncGenerator[Resource, None]:
    """The pages in order, each read when the flow asks for it."""
    collection, first = items._collection, items._start()
    flow = paging(first.url, collection.url, items._max_pages)
    page: Resource | None = first
    try:
        step = flow.send(None)
        while True:
            if isinstance(step, Read):
                page = page_to_read(collection, step, first)
                step = flow.send(await _document_of(page))
            else:
                assert page is not None
                yield page
                page = None  # not held while the next page is read
                step = flow.send(None)
    except StopIteration as stop:
        report_walked(collection, stop.value)


async def pages(items: Items[Resource], prefetch: int) -> AsyncGenerator[Resource, None]:
    """Each page of ``items`` as a fetched resource; with ``prefetch``, a task reads ahead
    while the caller works on a page (errors arrive in order, where the page would have)."""
    if prefetch == 0:
        async with contextlib.aclosing(_each_page(items)) as each:
            async for page in each:
                yield page
        return
    ready: asyncio.Queue[Any] = asyncio.Queue(maxsize=prefetch)

    async def produce() -> None:
        try:
            async with contextlib.aclosing(_each_page(items)) as each:
                async for page in each:
                    await ready.put(page)
        except Exception as exc:  # handed to the consumer, in order
            await ready.put(exc)
            return
        await ready.put(_DONE)

    producer = asyncio.create_task(produce(), name="hyperkm-prefetch")
    try:
        while True:
            item = await ready.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        producer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await producer


async def members(items: Items[Resource], prefetch: int) -> AsyncGenerator[Resource, None]:
    """The members of every page, in order."""
    collection, position = items._collection, 0
    async with contextlib.aclosing(pages(items, prefetch)) as each:
        async for page in each:
            document = page._held()
            assert document is not None  # (a page handed over has been read)
            found = embedded_members(collection, document, position)
            if found is not None:
                for member in found:
                    yield member
            else:  # linked members (HAL "item" links): read concurrently, a batch at a time
                links = document.links.all("item")
                for start in range(0, len(links), MEMBER_BATCH):
                    batch = [page.follow(link) for link in links[start:start + MEMBER_BATCH]]
                    errors = await asyncio.gather(*(_bridge.run(load_quietly, m)
                                                    for m in batch))
                    for member, error in zip(batch, errors, strict=True):
                        if error is not None:
                            raise error
                        yield member
            position += member_count(document)
            # Let this page go before the next is read (as the blocking walk does).
            del page, document, found
