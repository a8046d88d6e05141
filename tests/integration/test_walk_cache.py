"""A collection walk is a scan: the in-memory cache keeps its first pages, not every page.

Over real HTTP against the demo server: which pages a second walk revalidates (304, kept) and
which it fetches whole (not kept) says what the cache held.
"""

import asyncio
import json

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


def test_a_held_page_that_changed_is_stored_again_by_a_walk():
    """Past walk_pages a walk stores nothing new, but a page the cache held is refreshed:
    a 200 with a new ETag replaces the stale copy, so the next walk gets its 304."""
    from werkzeug.wrappers import Response

    from tests.support import ScriptedServer

    version = {"n": 1}

    def page(number):
        def answer(request):
            etag = f'"v{version["n"]}-{number}"'
            headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
            if request.headers.get("If-None-Match") == etag:
                return Response(status=304, headers=headers)
            links = [{"rel": "self", "href": f"/items?page={number}"}]
            if number < 5:
                links.append({"rel": "next", "href": f"/items?page={number + 1}"})
            body = {"links": links, "data": [{"n": number, "v": version["n"]}]}
            return Response(json.dumps(body), 200, headers=headers,
                            mimetype="application/json")
        return answer

    routes = {f"/items?page={n}": page(n) for n in range(1, 6)}
    with ScriptedServer(routes) as server:
        root = hyperkm.connect(server.url + "/items?page=1",
                               cache=MemoryCache(walk_pages=1))
        browsed = root.follow("next").follow("next").follow("next")  # pages 2-4, kept
        assert browsed.url.endswith("page=4") and browsed.document.items
        version["n"] = 2  # every page changes

        def walk_outcomes():
            seen: list = []
            root.client.on_exchange.append(seen.append)
            try:
                values = [m.data["v"] for m in root.client.resource(root.url).items()]
            finally:
                root.client.on_exchange.remove(seen.append)
            return values, {e.url.rsplit("=", 1)[1]: e.outcome for e in seen}

        values, outcomes = walk_outcomes()
        assert values == [2] * 5
        assert outcomes["4"] == "network"  # changed: the new copy replaces the old
        values, outcomes = walk_outcomes()
        assert values == [2] * 5
        # pages 1-4 were held (browsed) and are kept up to date; page 5 never was
        assert outcomes == {"1": "revalidated", "2": "revalidated", "3": "revalidated",
                            "4": "revalidated", "5": "network"}
