"""Collections: a lazy, re-iterable view of members across pages linked by ``next``.

Pages are streamed, never accumulated: while the caller consumes one page, a background
thread fetches the next (at most ``prefetch`` pages ahead), so a walk costs about the server's
time rather than the sum of round trips. Collections whose members are only linked (HAL
``item`` links, not embedded) fetch those members concurrently, in bounded batches.
"""

from __future__ import annotations

import itertools
import logging
import queue
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any, Generic, overload

from . import _bridge
from ._exceptions import DocumentError, HyperkmError
from ._links import Link
from ._node import R
from ._pages import OFFSET_VARIABLES, PAGE_SIZE_VARIABLES, derive, parallel_pages
from ._paging import Read, Walked, member_count, members_begin_at, paging
from ._steps import Step
from .formats import Document
from .formats._document import LazyMembers

log = logging.getLogger("hyperkm")


__all__ = ["Items"]

#: How many linked (not embedded) members are fetched at once.
MEMBER_BATCH = 8

_DONE = object()


class Items(Generic[R]):
    """The members of a collection resource, walking every page by its ``next`` link.

    Each iteration starts again from the first page (iterating twice sends requests twice,
    subject to the HTTP cache). Members that arrive embedded carry their state: using their
    ``data`` sends no request.

    ``len()`` uses the server's count when the first page states one (KISSmetrics
    ``pagination.total``, a HAL ``total``); else, when it links a ``last`` page its page URLs
    are proved to reach, full pages up to it and the last page's members (two requests);
    otherwise it counts by walking the pages.
    Indexing and slicing jump straight to the right page when the link that led to the
    collection is a template with an offset variable (``{?limit,offset}``), and walk otherwise.
    """

    __slots__ = ("_collection", "_concurrency", "_first", "_max_pages", "_page_size",
                 "_prefetch")

    def __init__(self, collection: R, *, prefetch: int = 1,
                 page_size: int | None = None, max_pages: int | None = None,
                 concurrency: int = 1) -> None:
        if prefetch < 0:
            raise ValueError("prefetch must be >= 0")
        if max_pages is not None and max_pages < 1:
            raise ValueError("max_pages must be >= 1")
        if concurrency < 1:
            raise ValueError("concurrency must be >= 1")
        self._concurrency = concurrency
        self._max_pages = max_pages
        if page_size is not None and page_size < 1:
            raise ValueError("page_size must be >= 1")
        self._collection = collection
        self._prefetch = prefetch
        self._page_size = page_size
        self._first: R | None = None

    def __repr__(self) -> str:
        # What is at hand without a request: the stated total and the first members of a
        # page already read.
        held = self._collection._held()
        if held is None or held.items is None:
            return f"<Items of {self._collection.url} (not fetched)>"
        total = held.page.total
        first = [_label(m) for m in list(held.items)[:3]]
        count = f"{total:,} members" if total is not None else "members"
        return (f"<Items of {self._collection.url}: {count}"
                + (f", first: {', '.join(first)}" if first else "") + ">")

    # -- where the walk starts ------------------------------------------------------------

    def _template(self) -> tuple[Link, dict[str, Any]] | None:
        step = self._collection.step
        link = step.link if step is not None else None
        if link is None or not link.templated:
            return None
        return link, dict(step.variables) if step is not None else {}

    def _variable(self, names: tuple[str, ...]) -> str | None:
        found = self._template()
        return None if found is None else _first_of(names, found[0].variables)

    def _start(self, offset: int | None = None, limit: int | None = None) -> R:
        """The first page to read: the collection itself, or a re-expanded template.

        The default first page is built once, so ``len()`` and iteration (``list(items)``
        calls both) share one fetch, as they do for a plain collection's own document.
        """
        if offset is None and limit is None:
            if self._first is None:
                self._first = self._make_start(None, None)
            return self._first
        return self._make_start(offset, limit)

    def _make_start(self, offset: int | None, limit: int | None) -> R:
        found = self._template()
        if found is None:
            return self._collection
        link, variables = found
        size_var = _first_of(PAGE_SIZE_VARIABLES, link.variables)
        offset_var = _first_of(OFFSET_VARIABLES, link.variables)
        wanted_size = limit or self._page_size
        changes: dict[str, Any] = {}
        if wanted_size is not None and size_var is not None:
            changes[size_var] = wanted_size
        if offset is not None and offset_var is not None:
            changes[offset_var] = offset
        if not changes:
            return self._collection
        variables.update(changes)
        return type(self._collection)(self._collection.client, link.expand(**variables),
                                      parent=self._collection.parent,
                                      step=Step(link.rel, variables, link=link))

    # -- pages ------------------------------------------------------------------------------

    def pages(self) -> Iterator[R]:
        """Yield each page of the collection as a fetched [`Resource`][hyperkm.Resource].

        Raises:
            DocumentError: a page is not a collection, or ``next`` leads back to a page
                already seen (a loop that would never end).
        """
        return self._pages_from(self._start())

    def _pages_from(self, first: R) -> Iterator[R]:
        if self._concurrency > 1:
            return self._parallel(first)
        return self._sequential(first)  # (the walk itself starts at a `first` page)

    def _parallel(self, first: R) -> Iterator[R]:
        start = _first_page(first, self._collection)
        yield from parallel_pages(start or first, self._collection, self._concurrency,
                                  self._sequential, self._max_pages)

    def _sequential(self, first: R) -> Iterator[R]:
        walk = _walk(first, self._collection, self._max_pages)
        if self._prefetch == 0:
            return walk
        return _adaptive(walk, self._prefetch)

    def __iter__(self) -> Iterator[R]:
        return self._members(self.pages(), 0)

    def _members(self, pages: Iterator[R], offset: int) -> Iterator[R]:
        position = offset
        collection = self._collection
        for page in pages:
            document = page.document
            members = embedded_members(collection, document, position)
            if members is not None:
                yield from members
            else:  # linked members (HAL "item" links): fetch them concurrently, in batches
                yield from _fetch_linked(page, document.links.all("item"))
            position += member_count(document)
            # Let this page go before the next is read: a page held while the next one is
            # decoded survives garbage collections, and then costs full ones.
            del page, document, members

    def __len__(self) -> int:
        first = self._start()
        total: int | None = first.document.page.total
        if total is not None:
            if total > sys.maxsize:  # len() must fit in a C ssize_t
                raise DocumentError(
                    f"{first.url} states a collection size of {total}, more than any "
                    "collection can hold; the server's count is wrong. Iterate instead of "
                    "asking for len().", url=first.url)
            return total
        counted = _count_from_last(first, self._collection)
        if counted is not None:
            return counted
        return sum(member_count(p.document) for p in self._pages_from(first))

    # -- indexing -------------------------------------------------------------------------

    @overload
    def __getitem__(self, index: int) -> R: ...
    @overload
    def __getitem__(self, index: slice) -> list[R]: ...

    def __getitem__(self, index: int | slice) -> R | list[R]:
        if isinstance(index, slice):
            start, stop, step = index.start, index.stop, index.step
            if any(v is not None and v < 0 for v in (start, stop)) or (step or 1) < 1:
                return list(self)[index]
            start = start or 0
            if stop is not None and stop <= start:
                return []
            members = self._from(start, None if stop is None else stop - start)
            return list(itertools.islice(members, 0, None if stop is None else stop - start,
                                         step))
        if index < 0:
            return list(self)[index]
        for member in self._from(index, 1):
            return member
        raise IndexError(f"collection {self._collection.url} has no member {index}")

    def _from(self, start: int, count: int | None) -> Iterator[R]:
        """Members from position ``start``: straight to that page if the template allows."""
        if start > 0 and self._variable(OFFSET_VARIABLES) is not None:
            size = count if count is not None and count <= 100 else None
            first = self._start(offset=start, limit=size)
            return self._members(self._pages_from(first), start)
        return itertools.islice(iter(self), start, None)


def embedded_members(collection: R, document: Document, position: int
                     ) -> Iterator[R] | None:
    """The members a page of ``collection`` carries, numbered from ``position`` (no I/O);
    ``None`` when it only links them."""
    items = document.items
    if items is None:
        return None
    make, client = type(collection), collection.client
    if type(items) is LazyMembers:
        # The hot loop of every walk: members as flyweights that build their documents only
        # when used (most walks use a few fields of a few members).
        return make._members_of_page(client, collection, items, position)
    return _built_members(collection, items, position)


def _built_members(collection: R, items: Any, position: int) -> Iterator[R]:
    make, client = type(collection), collection.client
    for member in items:
        key = member.peek("id")
        label = f"[id={key}]" if type(key) in (str, int) else f"[{position}]"
        yield make(client, member.url, document=member, parent=collection,
                   step=Step(None, label=label, member=True))
        position += 1


def report_walked(collection: R, walked: Walked) -> None:
    """Say so when the stated total and the pages disagree: never silent, since len() and
    parallel pages trust the total."""
    message = walked.disagreement(collection.url)
    if message is not None:
        log.warning("%s", message)
        collection.client.note(message)


def _first_of(names: tuple[str, ...], variables: tuple[str, ...]) -> str | None:
    return next((n for n in names if n in variables), None)


def _count_from_last(first: R, collection: R) -> int | None:
    """The size of a collection that states none but links its ``last`` page, where the page
    URLs are derivable and proved to reach it (see `_pages.derive`): full pages up to the
    last, and the last one read — two requests instead of a walk. ``None`` otherwise."""
    document = first.document
    if document._first_link("last") is None:
        return None
    make, pages = derive(first)
    size = document.page.limit or len(document.items or ())
    if make is None or not isinstance(pages, int) or pages < 2 or not size:
        return None
    last = type(collection)(collection.client, make(pages - 1), parent=collection,
                            step=Step("last", label=f"page {pages}", page=pages))
    counted = member_count(last.document)
    if not 0 < counted <= size:
        return None  # not the last page the links promised: count by walking
    return (pages - 1) * size + counted


def _first_page(page: R, collection: R) -> R | None:
    """Where the members of a collection that lists none itself begin (ActivityStreams
    ``first``), or ``None``."""
    begin = members_begin_at(page.document)
    return None if begin is None else page_to_read(collection, Read(begin, "first", 1), page)


def page_to_read(collection: R, read: Read, first: R) -> R:
    """The page a walk's flow asks for: ``first`` (where it starts), or a new page of
    ``collection``. Pages hang off the collection, not off each other: a long walk must not
    keep a chain of every page (and its members) alive."""
    if not read.page:
        return first
    return type(collection)(collection.client, read.url, parent=collection,
                            step=Step(read.rel, label=read.label, page=read.page))


def _walk(first: R, collection: R, max_pages: int | None = None) -> Iterator[R]:
    """The pages of ``collection`` from ``first``: the driver of `_paging.paging`, which
    decides; this reads each page it asks for and hands it on."""
    flow = paging(first.url, collection.url, max_pages)
    page = first
    try:
        step = flow.send(None)
        while True:
            if isinstance(step, Read):
                page = page_to_read(collection, step, first)
                step = flow.send(page.document)  # the request happens here
            else:
                yield page
                page = None  # type: ignore[assignment]  # not held while the next is read
                step = flow.send(None)
    except StopIteration as stop:
        report_walked(collection, stop.value)


def _label(member: Document) -> str:
    data = member.data if isinstance(member.data, dict) else {}
    for key in ("name", "display_name", "title", "id"):
        if isinstance(data.get(key), (str, int)):
            return repr(data[key])[:40]
    return "…"


#: Prefetching starts once a page took at least this long to fetch and the consumer spent at
#: least ``OVERLAP_SHARE`` of that time on it: only then is there something to overlap. Below
#: that (a fast server, a consumer that only counts), handing pages between threads costs
#: more than it saves — measured on a keep-alive loopback server (docs/performance.md).
MIN_FETCH_SECONDS = 0.002
OVERLAP_SHARE = 0.2


def _adaptive(pages: Iterator[R], ahead: int) -> Iterator[R]:
    """Walk ``pages`` in this thread while prefetching would not pay; switch to a prefetching
    thread for the rest as soon as it would."""
    clock = time.perf_counter
    while True:
        started = clock()
        page = next(pages, None)  # the walk fetches the page here
        fetched = clock() - started
        if page is None:
            return
        started = clock()
        yield page
        worked = clock() - started
        page = None  # not held while the next page is read
        if fetched >= MIN_FETCH_SECONDS and worked >= OVERLAP_SHARE * fetched:
            yield from _prefetched(pages, ahead)
            return


def _prefetched(pages: Iterator[R], ahead: int) -> Iterator[R]:
    """Run ``pages`` (which fetches as it goes) in a thread, at most ``ahead`` pages ahead."""
    if _bridge.in_bridge():
        yield from _prefetched_by_tasks(pages, ahead)
        return
    slots = threading.Semaphore(ahead)
    ready: queue.Queue[Any] = queue.Queue()
    stop = threading.Event()

    def produce() -> None:
        try:
            while True:
                # Wait for a free slot before fetching: at most `ahead` fetched, unconsumed.
                while not slots.acquire(timeout=0.1):
                    if stop.is_set():
                        return
                if stop.is_set():
                    return
                page = next(pages, None)
                if page is None:
                    break
                _ = page.document  # the request happens here, in this thread
                ready.put(page)
        except BaseException as exc:  # handed to the consumer, in order
            ready.put(exc)
            return
        ready.put(_DONE)

    worker = threading.Thread(target=produce, name="hyperkm-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            item = ready.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            slots.release()
            yield item
    finally:
        stop.set()
        worker.join(timeout=5)


def _prefetched_by_tasks(pages: Iterator[R], ahead: int) -> Iterator[R]:
    """`_prefetched` under hyperkm.aio: the next pages are fetched by asyncio tasks while the
    caller works, one after the other (a generator runs in one place at a time)."""

    def fetch_after(previous: Any) -> Any:
        if previous is not None and previous.result() is _DONE:
            return _DONE
        page = next(pages, None)
        if page is None:
            return _DONE
        _ = page.document  # the request happens here, in the task
        return page

    with _bridge.executor(1 + ahead, "hyperkm-prefetch") as pool:
        pending = [pool.submit(fetch_after, None)]
        while pending:
            page = pending.pop(0).result()  # errors raise here, in order
            if page is _DONE:
                return
            while len(pending) < ahead:  # `ahead` pages on their way while this one is used
                pending.append(pool.submit(fetch_after, pending[-1] if pending else None))
            yield page


def _fetch_linked(page: R, links: list[Link]) -> Iterator[R]:
    members = [page.follow(link) for link in links]
    if not members:
        return
    with _bridge.executor(min(MEMBER_BATCH, len(members)), "hyperkm-members") as pool:
        for start in range(0, len(members), MEMBER_BATCH):
            batch = members[start:start + MEMBER_BATCH]
            for member, error in zip(batch, pool.map(load_quietly, batch), strict=False):
                if error is not None:
                    raise error
                yield member


def load_quietly(resource: R) -> HyperkmError | None:
    """Read ``resource``; the error instead of raising it (for a pool of readers)."""
    try:
        _ = resource.document
    except HyperkmError as exc:
        return exc
    return None


# Public classes report the module users import them from (tracebacks, reprs, help()).
for _name in ("Items",):
    globals()[_name].__module__ = "hyperkm"
