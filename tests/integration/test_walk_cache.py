"""A collection walk is a scan: the in-memory cache keeps its first pages, not every page.

Over real HTTP against the demo server: which pages a second walk revalidates (304, kept) and
which it fetches whole (not kept) says what the cache held.
"""

import asyncio

import pytest

import hyperkm
import hyperkm.aio
from hyperkm import ConfigurationError, DirectoryCache, MemoryCache
from hyperkm.demo import running

PAGES = 15  # 150 events in pages of 10


@pytest.fixture(scope="module")
def demo():
    with running(events=150, page_size=10) as server:
        yield server


def events_of(root):
    account = root.follow("accounts").items()[0]
    return account.follow("products").items()[0].follow("events")


def page_outcomes(root, walk) -> list[str]:
    """The outcome of every request ``walk`` sends for the events' pages, in page order."""
    seen: list = []
    root.client.on_exchange.append(seen.append)
    try:
        walk()
    finally:
        root.client.on_exchange.remove(seen.append)
    return [e.outcome for e in sorted((e for e in seen if "/events" in e.url),
                                      key=lambda e: _offset(e.url))]


def _offset(url: str) -> int:
    from urllib.parse import parse_qs, urlsplit
    return int(parse_qs(urlsplit(url).query).get("offset", ["0"])[0])


def walk_twice(demo, cache, **items):
    root = hyperkm.connect(demo.root_url, token=demo.token, cache=cache)
    events = events_of(root)
    first = [e.data["id"] for e in events.items(**items)]
    assert len(first) == 150
    again = root.client.resource(events.url)  # the collection, from the cache (revalidated)
    return page_outcomes(root, lambda: [e.data["id"] for e in again.items(**items)])


def test_a_long_walk_keeps_its_first_pages_only(demo):
    cache = MemoryCache()
    assert cache.walk_pages == 8
    outcomes = walk_twice(demo, cache)
    # page 1 is the collection itself; pages 2-9 were kept; 10-15 went by
    assert outcomes == ["revalidated"] * 9 + ["network"] * (PAGES - 9)


def test_the_pages_a_walk_lets_go_do_not_grow_the_cache(demo):
    cache = MemoryCache()
    root = hyperkm.connect(demo.root_url, token=demo.token, cache=cache)
    events = events_of(root)
    sum(1 for _ in events.items())
    held, entries = cache.size, len(cache)
    sum(1 for _ in root.client.resource(events.url).items())
    assert (cache.size, len(cache)) == (held, entries)  # a second walk adds nothing
    # root, accounts, products, the collection and 8 more pages
    assert entries == 4 + 8


@pytest.mark.parametrize("walk_pages, kept", [(None, PAGES), (0, 1), (3, 4)])
def test_walk_pages_sets_how_many(demo, walk_pages, kept):
    outcomes = walk_twice(demo, MemoryCache(walk_pages=walk_pages))
    assert outcomes == ["revalidated"] * kept + ["network"] * (PAGES - kept)


def test_a_concurrent_walk_keeps_the_same_pages(demo):
    outcomes = walk_twice(demo, MemoryCache(), concurrency=4)
    assert outcomes == ["revalidated"] * 9 + ["network"] * (PAGES - 9)


def test_pages_walk_and_len_keep_the_same_pages(demo):
    root = hyperkm.connect(demo.root_url, token=demo.token, cache=MemoryCache(walk_pages=2))
    events = events_of(root)
    assert len(list(events.items().pages())) == PAGES
    outcomes = page_outcomes(root, lambda: list(root.client.resource(events.url)
                                                .items().pages()))
    assert outcomes == ["revalidated"] * 3 + ["network"] * (PAGES - 3)


def test_pages_browsed_one_by_one_are_all_kept_and_a_walk_revalidates_them(demo):
    cache = MemoryCache()
    root = hyperkm.connect(demo.root_url, token=demo.token, cache=cache)
    page = events_of(root)
    for _ in range(PAGES - 1):  # the shell's way: follow("next"), page after page
        page = page.follow("next")
        assert page.document.items
    # every page was kept: a walk now revalidates each one, and they stay
    for _ in range(2):
        outcomes = page_outcomes(root, lambda: sum(
            1 for _ in root.client.resource(events_of(root).url).items()))
        assert outcomes == ["revalidated"] * PAGES


def test_a_persistent_cache_keeps_every_page_of_a_walk(demo, tmp_path):
    outcomes = walk_twice(demo, DirectoryCache(tmp_path / "cache"))
    assert outcomes == ["revalidated"] * PAGES


@pytest.mark.aio
@pytest.mark.parametrize("items", [{}, {"concurrency": 4}])
def test_an_awaited_walk_keeps_the_same_pages(demo, items):
    pytest.importorskip("greenlet")

    async def main():
        root = hyperkm.aio.connect(demo.root_url, token=demo.token, cache=MemoryCache())
        walked = len([e async for e in root.follow("events", limit=10).items(**items)])
        seen: list = []
        root.client.on_exchange.append(seen.append)
        again = [e async for e in root.follow("events", limit=10).items(**items)]
        assert len(again) == walked
        await root.client.aclose()
        return walked, [e.outcome for e in sorted((e for e in seen if "/events" in e.url),
                                                  key=lambda e: _offset(e.url))]

    walked, outcomes = asyncio.run(main())
    pages = -(-walked // 10)
    assert pages > 9
    assert outcomes == ["revalidated"] * 9 + ["network"] * (pages - 9)


@pytest.mark.parametrize("value", [-1, 2.5, "8", True])
def test_walk_pages_must_be_a_number_of_pages(value):
    with pytest.raises(ConfigurationError, match="walk_pages must be a number of pages"):
        MemoryCache(walk_pages=value)


@pytest.mark.parametrize("value", [0, -5, "32MB", True])
def test_max_bytes_must_be_a_positive_size(value):
    with pytest.raises(ConfigurationError, match="max_bytes must be a positive number"):
        MemoryCache(max_bytes=value)
