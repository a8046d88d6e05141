"""Fetching a collection's pages N at a time, when their URLs can be derived — and proved.

A latency-bound walk of a paginated collection is a user's real wait: one round trip per page.
When the server states a total (or links the ``last`` page) and its page URLs follow a
pattern, the pages can be fetched concurrently. hyperkm never guesses a URL: it derives page
*k* from

- the template of the link that led to the collection, when it has offset/limit (or
  page/size) variables; or
- the collection's own ``next`` href, when it carries such query parameters —

and then **verifies** the derivation against the server's own ``next`` link of the first page
before fanning out. If the derivation is not provable, the walk follows ``next`` as usual (and
says so). Pages are yielded in order; at most N are in flight and 2N held at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from typing import Any
from urllib.parse import parse_qsl, unquote_plus, urlsplit

from . import _bridge
from ._exceptions import HyperkmError
from ._node import R
from ._steps import Step
from ._urls import normalised

__all__ = ["OFFSET_VARIABLES", "PAGE_NUMBER_VARIABLES", "PAGE_SIZE_VARIABLES", "derive",
           "parallel_pages"]

#: Template variable / query parameter names that mean "members per page", "position of the
#: first member" and "page number".
PAGE_SIZE_VARIABLES = ("limit", "page_size", "per_page", "pageSize", "size", "page[size]",
                       "page[limit]", "$top", "itemsPerPage")
OFFSET_VARIABLES = ("offset", "start", "page[offset]", "$skip")
PAGE_NUMBER_VARIABLES = ("page", "page[number]")

PageUrl = Callable[[int], str]

#: The most pages a 'last' link is believed to stand for (len() must fit a machine integer).
MAX_PAGES = 10**9


def derive(first: R) -> tuple[PageUrl, int] | tuple[None, str]:
    """A function giving page *k*'s URL (k = 0 is the first page) and the number of pages —
    or ``(None, why not)``."""
    document = first.document
    total, members = document.page.total, len(document.items or ())
    last = document._first_link("last")
    if total is None and last is None:
        return None, "the server states no total (nor a 'last' link)"
    size = document.page.limit or members
    if total is not None and (not size or total <= members):
        return (lambda k: first.url), 1
    if not size:
        return None, "the first page is empty"
    candidates = [_from_template(first, size), _from_query(document, size)]
    following = document._first_link("next")
    if following is None:
        return None, "the first page has no 'next' link to check a derivation against"
    try:
        expected = normalised(following.expand())
    except HyperkmError:
        return None, "the first page's 'next' link is a template"
    for make in candidates:
        if make is None or normalised(make(1)) != expected:
            continue
        if total is not None:
            return make, -(-total // size)
        # No total, but a 'last' link (GitHub, RFC 8288 servers): the number of pages is
        # where the derivation meets it — checked, like page 1, against the server's URL.
        index = _index_of(make, last.href) if last is not None and not last.templated \
            else None
        if index is None:
            return None, (f"the server states no total, and its 'last' link is no page of "
                          f"the derived sequence ({last.href if last else ''})")
        return make, index + 1
    return None, f"no derivation of page URLs matched the server's own next link ({expected})"


def _index_of(make: PageUrl, target: str) -> int | None:
    """The k for which ``make(k)`` is ``target`` (the one query number that changes from
    page to page tells it), or ``None``."""
    zero, one = _numbers(make(0)), _numbers(make(1))
    changed = [name for name in zero if name in one and zero[name] != one[name]]
    if len(changed) != 1:
        return None
    name = changed[0]
    start, step = zero[name], one[name] - zero[name]
    value = _numbers(target).get(name)
    if value is None or step <= 0 or (value - start) % step:
        return None
    k = (value - start) // step
    if not 0 <= k < MAX_PAGES:
        return None  # a 'last' page no collection has: walk instead of planning for it
    return k if normalised(make(k)) == normalised(target) else None


def _numbers(url: str) -> dict[str, int]:
    found = {}
    for name, value in parse_qsl(urlsplit(url).query, keep_blank_values=True):
        number = _as_int(value)
        if number is not None:
            found[name] = number
    return found


def _from_template(first: R, size: int) -> PageUrl | None:
    step = first.step
    link = step.link if step is not None else None
    if step is None or link is None or not link.templated:
        return None
    names = link.variables
    base = dict(step.variables)
    size_var = next((n for n in PAGE_SIZE_VARIABLES if n in names), None)
    offset_var = next((n for n in OFFSET_VARIABLES if n in names), None)
    number_var = next((n for n in PAGE_NUMBER_VARIABLES if n in names), None)
    if size_var is None or (offset_var is None and number_var is None):
        return None
    start = _as_int(base.get(number_var)) if number_var else None

    def page(k: int) -> str:
        values = {**base, size_var: size}
        if offset_var is not None:
            values[offset_var] = (_as_int(base.get(offset_var)) or 0) + k * size
        else:
            values[str(number_var)] = (start or 0) + k
        return str(link.expand(**values))

    return page


def _from_query(document: Any, size: int) -> PageUrl | None:
    following = document._first_link("next")
    if following is None or following.templated:
        return None
    parts = urlsplit(following.href)
    query = parse_qsl(parts.query, keep_blank_values=True)
    names = [k for k, _ in query]
    size_var = next((n for n in PAGE_SIZE_VARIABLES if n in names), None)
    offset_var = next((n for n in OFFSET_VARIABLES if n in names), None)
    number_var = next((n for n in PAGE_NUMBER_VARIABLES if n in names), None)
    if offset_var is None and number_var is None:
        return None
    values = dict(query)
    # The next page is page 1: what page 0 is follows from it.
    if offset_var is not None:
        second = _as_int(values[offset_var])
        if second is None or (size_var is not None and _as_int(values[size_var]) != size):
            return None
        zero, step, var = second - size, size, offset_var
    else:
        second = _as_int(values[str(number_var)])
        if second is None:
            return None
        zero, step, var = second - 1, 1, str(number_var)

    # Only the one value changes; every other byte of the server's URL stays as it wrote it
    # (page[offset] stays page[offset], %5B stays %5B: servers compare literally).
    pieces = parts.query.split("&")
    at = next(i for i, piece in enumerate(pieces)
              if unquote_plus(piece.partition("=")[0]) == var)
    name = pieces[at].partition("=")[0]
    prefix = following.href[:following.href.index("?") + 1]

    def page(k: int) -> str:
        changed = list(pieces)
        changed[at] = f"{name}={zero + k * step}"
        return str(prefix) + "&".join(changed)

    return page


def _as_int(value: Any) -> int | None:
    try:
        return int(value) if value is not None and not isinstance(value, bool) else None
    except (TypeError, ValueError):
        return None


def parallel_pages(first: R, collection: R, concurrency: int,
                   fallback: Callable[[R], Iterator[R]],
                   max_pages: int | None = None) -> Iterator[R]:
    """Yield the collection's pages in order, fetching up to ``concurrency`` at once when the
    page URLs are derivable and verified; else ``fallback(first)``."""
    make, info = derive(first)
    if make is None:
        collection.client.note(f"{collection.url}: fetching pages one by one, not "
                               f"{concurrency} at a time: {info}")
        yield from fallback(first)
        return
    pages = int(info)
    capped = max_pages is not None and max_pages < pages
    if max_pages is not None:
        pages = min(pages, max_pages)
    if pages <= 1 and not capped:
        # The server's total is only a claim: if it said too few, its `next` links go on.
        yield from fallback(first)
        return
    collection.client.note(f"{collection.url}: fetching {pages} pages {concurrency} at a time "
                           "(their URLs derived from the first page and checked against its "
                           "next link)")
    yield first
    if pages <= 1 or not first.document.items:
        return
    client, kind = collection.client, type(collection)

    def fetch(k: int) -> R:
        page = kind(client, make(k), parent=collection, step=Step("next", label=f"page {k + 1}",
                                                                      page=k + 1))
        _ = page.document
        return page

    # Requests are started as others *complete*, not as the consumer takes pages in order: a
    # worker is never idle because an earlier page is late. At most ``concurrency`` are in
    # flight, at most twice that held; a page that comes back empty (past the real end,
    # whatever the total said) or fails stops further starts.
    lock = threading.RLock()  # a callback may run at once, in the thread that added it
    futures: dict[int, Future[R]] = {}
    plan = {"next": 1, "in_flight": 0, "taken": 0, "stop": False}

    def start_more() -> None:
        with lock:
            while (not plan["stop"] and plan["next"] < pages
                   and plan["in_flight"] < concurrency
                   and plan["next"] - plan["taken"] <= 2 * concurrency):
                k = plan["next"]
                plan["next"] += 1
                plan["in_flight"] += 1
                future = pool.submit(fetch, k)
                futures[k] = future
                future.add_done_callback(finished)

    def finished(future: Future[R]) -> None:
        with lock:
            plan["in_flight"] -= 1
            if future.cancelled() or future.exception() is not None or \
                    not future.result().document.items:
                plan["stop"] = True
            start_more()

    # Threads — or, under hyperkm.aio, asyncio tasks on the caller's loop.
    with _bridge.executor(concurrency, "hyperkm-pages") as pool:
        try:
            for k in range(1, pages):
                start_more()
                with lock:
                    future = futures.pop(k, None)
                if future is None:  # not started: an earlier page ended the walk
                    return
                page = future.result()  # in order; errors raise here, in order
                with lock:
                    plan["taken"] = k
                if k == pages - 1 and not capped:
                    # The last derived page: a total that said too few must not lose the
                    # members the server's own `next` links still lead to.
                    yield from fallback(page)
                    return
                yield page
                if not page.document.items:
                    # Past the real end (a total that said too many): the sequential walk's
                    # rule, or a wrong total would fetch empty pages for ever.
                    return
        finally:
            with lock:
                plan["stop"] = True
                for future in futures.values():
                    future.cancel()
