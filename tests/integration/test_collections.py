"""Collections at scale: prefetching, pages, page size via templates, slicing, linked members."""

import json
import threading
import time

import pytest
from werkzeug.wrappers import Response

import hyperkm
from hyperkm.demo import running
from hyperkm.demo.dataset import PRODUCT_SAAS
from tests.support import ScriptedServer, busy


def paged_server(pages=4, per_page=3, delay=0.0, hal_links=False):
    """/p0 .. /pN: KISSmetrics list envelopes (or HAL pages whose members are only linked)."""
    log = []
    lock = threading.Lock()
    active = {"now": 0, "max": 0}

    def page(n):
        def handler(request):
            log.append(("GET", f"/p{n}"))
            if delay:
                time.sleep(delay)
            ids = list(range(n * per_page, (n + 1) * per_page))
            if hal_links:
                links = {"self": {"href": f"/p{n}"},
                         "item": [{"href": f"/m/{i}"} for i in ids]}
                if n + 1 < pages:
                    links["next"] = {"href": f"/p{n + 1}"}
                body = {"_links": links}
                return Response(json.dumps(body), mimetype="application/hal+json")
            links = [{"rel": "self", "href": f"/p{n}"}]
            if n + 1 < pages:
                links.append({"rel": "next", "href": f"/p{n + 1}"})
            body = {"links": links, "pagination": {},
                    "data": [{"id": i, "links": [{"rel": "self", "href": f"/m/{i}"}]}
                             for i in ids]}
            return Response(json.dumps(body), mimetype="application/json")
        return handler

    def member(request):
        with lock:
            active["now"] += 1
            active["max"] = max(active["max"], active["now"])
        time.sleep(0.05)
        with lock:
            active["now"] -= 1
        i = int(request.path.rsplit("/", 1)[1])
        return Response(json.dumps({"_links": {"self": {"href": request.path}}, "id": i}),
                        mimetype="application/hal+json")

    routes = {f"/p{n}": page(n) for n in range(pages)}
    routes.update({f"/m/{i}": member for i in range(pages * per_page)})
    server = ScriptedServer(routes)
    server.log, server.active = log, active
    return server


def requested(server):
    return [p for _, p in server.log]


def test_next_page_is_prefetched_while_the_current_one_is_consumed():
    # Prefetching starts once it pays: a page that took time to fetch, and a consumer that
    # spends time on it. From then on, the next page is fetched while this one is consumed.
    with paged_server(pages=5, delay=0.02) as server:
        it = iter(hyperkm.connect(server.url + "/p0").items())
        assert next(it).data["id"] == 0
        busy(0.2)  # the consumer is busy with page 0 ...
        assert [next(it).data["id"] for _ in range(3)] == [1, 2, 3]  # ... then page 1
        busy(0.5)  # busy with page 1: page 2 comes in meanwhile, not page 3
        assert requested(server) == ["/p0", "/p1", "/p2"]
        assert [m.data["id"] for m in it] == list(range(4, 15))


def test_no_prefetch_thread_when_there_is_nothing_to_overlap():
    with paged_server(pages=6) as server:  # a fast server and a consumer that only counts
        prefetching = []
        for _member in hyperkm.connect(server.url + "/p0").items():
            prefetching.append(any(t.name == "hyperkm-prefetch" for t in threading.enumerate()))
        assert len(prefetching) == 18 and not any(prefetching)


def test_prefetch_can_be_off_or_deeper():
    with paged_server(pages=5) as server:
        it = iter(hyperkm.connect(server.url + "/p0").items(prefetch=0))
        next(it)
        busy(0.3)
        assert requested(server) == ["/p0"]
    with paged_server(pages=6, delay=0.02) as server:
        it = iter(hyperkm.connect(server.url + "/p0").items(prefetch=3))
        next(it)
        busy(0.2)  # worth prefetching: from the next page on, three ahead
        next(it), next(it), next(it)
        busy(0.5)
        assert requested(server) == ["/p0", "/p1", "/p2", "/p3", "/p4"]


def test_stopping_early_stops_the_prefetch_thread():
    def prefetching():  # hyperkm's own threads: other tests' servers may still be ending
        return [t for t in threading.enumerate() if t.name.startswith("hyperkm-prefetch")]

    with paged_server(pages=50) as server:
        assert prefetching() == []
        for i, _member in enumerate(hyperkm.connect(server.url + "/p0").items()):
            if i == 4:
                break
        busy(0.3)
        assert prefetching() == []
        assert len(requested(server)) <= 3


def test_errors_on_a_later_page_arrive_in_order():
    with paged_server(pages=3) as server:
        server.routes["/p2"] = (500, {"Content-Type": "application/json"},
                                {"message": "page 2 broke"})
        seen = []
        with pytest.raises(hyperkm.ServerError) as info:
            for member in hyperkm.connect(server.url + "/p0", retries=0).items():
                seen.append(member.data["id"])
        assert seen == list(range(6)) and "page 2 broke" in str(info.value)


def test_pages_view():
    with paged_server(pages=3) as server:
        pages = list(hyperkm.connect(server.url + "/p0").pages())
        assert [p.url for p in pages] == [server.url + f"/p{n}" for n in range(3)]
        assert [len(p.document.items) for p in pages] == [3, 3, 3]


def test_linked_members_are_fetched_concurrently_in_bounded_batches():
    with paged_server(pages=2, per_page=20, hal_links=True) as server:
        members = list(hyperkm.connect(server.url + "/p0").items())
        assert [m.data["id"] for m in members] == list(range(40))
        assert all(m.fetched for m in members)
        assert 1 < server.active["max"] <= 8


def test_page_size_goes_through_the_collection_template(demo):
    root = hyperkm.connect(demo.root_url, token=demo.token)
    seen = []
    root.client.on_exchange.append(lambda e: seen.append(e.url))
    events = root.follow("events")  # reached by a {?limit,offset} template
    assert len(list(events.items(page_size=50))) == 57
    event_urls = [u for u in seen if "/core/events" in u]
    assert event_urls[0].endswith("/core/events?limit=50")
    assert len(event_urls) == 2  # 57 members in pages of 50


def test_page_size_without_a_template_is_not_guessed(demo):
    root = hyperkm.connect(demo.root_url, token=demo.token, cache=False)
    seen = []
    root.client.on_exchange.append(lambda e: seen.append(e.url))
    product = root.follow("product", id=PRODUCT_SAAS)
    assert len(list(product.follow("events").items(page_size=7))) == 45
    assert not any("limit=7" in u for u in seen)


def test_slices_jump_straight_to_the_page(demo):
    root = hyperkm.connect(demo.root_url, token=demo.token, cache=False)
    everything = [m.data["id"] for m in root.follow("events", limit=100).items()]
    seen = []
    root.client.on_exchange.append(lambda e: seen.append(e.url))
    events = root.follow("events")
    assert [m.data["id"] for m in events.items()[30:35]] == everything[30:35]
    assert len(seen) == 1 and "offset=30" in seen[0] and "limit=5" in seen[0]
    seen.clear()
    assert events.items()[41].data["id"] == everything[41]
    assert len(seen) == 1 and "offset=41" in seen[0]
    assert [m.data["id"] for m in events.items()[50:]] == everything[50:]
    assert [m.data["id"] for m in events.items()[10:30:5]] == everything[10:30:5]
    with pytest.raises(IndexError):
        events.items()[5000]


def test_slices_walk_without_an_offset_template(demo):
    root = hyperkm.connect(demo.root_url, token=demo.token, cache=False)
    events = root.follow("product", id=PRODUCT_SAAS).follow("events")
    everything = [m.data["id"] for m in events.items()]
    assert [m.data["id"] for m in events.items()[21:23]] == everything[21:23]


def test_thousands_of_pages_stream(demo):
    with running(events=3000) as big:
        root = hyperkm.connect(big.root_url, token=big.token)
        product = root.follow("product", id=PRODUCT_SAAS)
        count = 0
        for _member in product.follow("events").items():
            count += 1
        assert count == 3000
        assert big.stats.snapshot()["requests"] >= 150


def test_bad_arguments():
    root = hyperkm.connect("http://127.0.0.1:9/")
    with pytest.raises(ValueError):
        root.items(prefetch=-1)
    with pytest.raises(ValueError):
        root.items(page_size=0)
