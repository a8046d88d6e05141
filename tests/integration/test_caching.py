"""ETag caching, invalidation, writes and a transport that survives faults — on real servers."""

import json
import os
import pathlib
import subprocess
import sys
import textwrap
import time

import pytest
from werkzeug.wrappers import Response

import hyperkm
from hyperkm._cache import DirectoryCache, MemoryCache
from hyperkm.demo import running
from hyperkm.demo.dataset import ACCOUNT_A, ACCOUNT_B, PRODUCT_SAAS
from tests.support import JSON, ScriptedServer


def traverse(root):
    """root -> accounts -> products -> events (all pages); returns the event ids."""
    ids = []
    for account in root.follow("accounts").items():
        for product in account.follow("products").items():
            ids += [e.data["id"] for e in product.follow("events").items()]
    return ids


def fresh_root(demo, **kw):
    return hyperkm.connect(demo.root_url, token=demo.token, **kw)


def test_second_traversal_with_fresh_entries_sends_nothing():
    with running(max_age=300) as demo:
        cache = MemoryCache()
        first = traverse(fresh_root(demo, cache=cache))
        sent = demo.stats.requests
        root = fresh_root(demo, cache=cache)
        assert traverse(root) == first
        assert demo.stats.requests == sent  # not one request
        assert root.client.stats["hit"] > 0 and root.client.stats["network"] == 0


def test_must_revalidate_gives_304s_without_bodies(demo):
    cache = MemoryCache()
    first = traverse(fresh_root(demo, cache=cache))
    before = demo.stats.snapshot()
    root = fresh_root(demo, cache=cache)
    exchanges = []
    root.client.on_exchange.append(exchanges.append)
    assert traverse(root) == first
    after = demo.stats.snapshot()
    requests_sent = after["requests"] - before["requests"]
    assert requests_sent == len(exchanges) > 0
    assert after["not_modified"] - before["not_modified"] == requests_sent  # every one a 304
    assert after["conditional"] - before["conditional"] == requests_sent
    assert after["bytes_sent"] == before["bytes_sent"]  # no body crossed the wire
    assert {e.outcome for e in exchanges} == {"revalidated"}
    assert {e.status for e in exchanges} == {304} and {e.size for e in exchanges} == {0}
    assert root.client.stats["revalidated"] == requests_sent


@pytest.mark.parametrize("cache", ["memory", "directory"])
def test_entries_survive_repeated_revalidations(demo, cache, tmp_path):
    spec = MemoryCache() if cache == "memory" else str(tmp_path / "c")
    root = fresh_root(demo, cache=spec)
    product = root.follow("products").items()[0]
    expected = product.refresh().data  # its own URL, now in the cache too
    outcomes = []
    root.client.on_exchange.append(lambda e: outcomes.append(e.outcome))
    for _ in range(3):  # each 304 rewrites the entry; the body must survive every rewrite
        assert fresh_root(demo, cache=spec).follow("products").items()[0].data == expected
        assert product.refresh().data == expected
    assert outcomes == ["revalidated"] * 3


def test_refresh_revalidates_even_when_fresh():
    with running(max_age=300) as demo:
        root = fresh_root(demo)
        _ = root.data
        before = demo.stats.snapshot()
        root.refresh()
        after = demo.stats.snapshot()
        assert after["requests"] - before["requests"] == 1
        assert after["not_modified"] - before["not_modified"] == 1


def test_tokens_never_share_entries():
    with running(max_age=300) as demo:
        shared = MemoryCache()
        a = hyperkm.connect(demo.root_url, token="demo-token", cache=shared)
        b = hyperkm.connect(demo.root_url, token="demo-token-other", cache=shared)
        assert a.follow("accounts").items()[0].data["id"] == ACCOUNT_A
        assert b.follow("accounts").items()[0].data["id"] == ACCOUNT_B


def test_no_store_is_never_written_and_fragments_are_stripped():
    routes = {"/ns": (200, {**JSON, "Cache-Control": "no-store", "ETag": '"1"'}, {"a": 1}),
              "/ok": (200, {**JSON, "Cache-Control": "max-age=300", "ETag": '"1"'}, {"b": 1})}
    with ScriptedServer(routes) as server:
        cache = MemoryCache()
        client = hyperkm.connect(server.url + "/", cache=cache).client
        client.resource("/ns").refresh()
        assert len(cache) == 0
        assert client.resource("/ok").data == {"b": 1}
        assert client.resource("/ok#section").data == {"b": 1}
        assert [r.path for r in server.requests] == ["/ns", "/ok"]


def test_last_modified_only_is_cached_heuristically():
    from email.utils import formatdate

    headers = {**JSON, "Date": formatdate(usegmt=True),
               "Last-Modified": formatdate(time.time() - 10 * 86400, usegmt=True)}
    with ScriptedServer({"/lm": (200, headers, {"x": 1})}) as server:
        client = hyperkm.connect(server.url + "/").client
        assert client.resource("/lm").data == {"x": 1}
        assert client.resource("/lm").data == {"x": 1}
        assert len(server.requests) == 1
        assert client.stats["hit"] == 1


def test_post_invalidates_the_target_and_its_location():
    state = {"n": 0}

    def counter(request):
        if request.method == "POST":
            state["n"] += 1
            return Response("{}", 201, {"Location": "/items/1"}, mimetype="application/json")
        return Response(json.dumps({"n": state["n"]}), headers={"Cache-Control": "max-age=300",
                                                                "ETag": f'"{state["n"]}"'},
                        mimetype="application/json")

    with ScriptedServer({"/c": counter, "/items/1": counter}) as server:
        client = hyperkm.connect(server.url + "/").client
        assert client.resource("/c").data == {"n": 0}
        assert client.resource("/items/1").data == {"n": 0}
        created = client.resource("/c").post({"x": 1})
        assert created.url == server.url + "/items/1" and not created.fetched
        assert client.resource("/c").data == {"n": 1}
        assert created.data == {"n": 1}


def test_permanent_redirects_are_not_cached():
    routes = {"/old": (301, {"Location": "/a"}, b""), "/a": (200, JSON, {"at": "a"}),
              "/b": (200, JSON, {"at": "b"})}
    with ScriptedServer(routes) as server:
        client = hyperkm.connect(server.url + "/").client
        assert client.resource("/old").data == {"at": "a"}
        server.routes["/old"] = (301, {"Location": "/b"}, b"")
        assert client.resource("/old").data == {"at": "b"}


def test_vary_authorization_keeps_the_token_off_disk(tmp_path):
    headers = {**JSON, "Vary": "Authorization", "ETag": '"v"', "Cache-Control": "max-age=300"}
    with ScriptedServer({"/": (200, headers, {"ok": True})}) as server:
        root = hyperkm.connect(server.url + "/", token="super-secret-token", cache=tmp_path)
        assert root.data == {"ok": True}
        again = hyperkm.connect(server.url + "/", token="super-secret-token", cache=tmp_path)
        assert again.data == {"ok": True} and len(server.requests) == 1
    blobs = b"".join(p.read_bytes() for p in pathlib.Path(tmp_path).rglob("*") if p.is_file())
    assert blobs and b"super-secret-token" not in blobs


def test_corrupted_directory_entries_are_misses(tmp_path, demo):
    root = fresh_root(demo, cache=tmp_path)
    traverse(root)
    files = [p for p in tmp_path.rglob("*") if p.is_file() and not p.name.endswith(".lock")
             and p.name != "CACHEDIR.TAG"]  # the entries, not the marker
    assert files
    for p in files:
        p.write_bytes(b"cc=4,\x93garbage")
    before = demo.stats.requests
    assert traverse(fresh_root(demo, cache=tmp_path))
    assert demo.stats.requests > before  # went to the network instead of crashing


def test_directory_cache_can_be_bounded_and_cleared(tmp_path, demo):
    cache = DirectoryCache(tmp_path, max_bytes=20_000, prune_every=1)
    traverse(fresh_root(demo, cache=cache))
    assert 0 < cache.size <= 20_000
    cache.clear()
    assert cache.size == 0


SCRIPT = textwrap.dedent("""
    import json, sys, hyperkm
    root = hyperkm.connect(sys.argv[1], token=sys.argv[2], cache=sys.argv[3])
    ids = []
    for account in root.follow("accounts").items():
        for product in account.follow("products").items():
            ids += [e.data["id"] for e in product.follow("events").items()]
    print(json.dumps({"ids": len(ids), "stats": dict(root.client.stats)}))
""")


def test_two_processes_share_one_cache_directory(tmp_path):
    with running(max_age=300) as demo:
        env = {**os.environ, "PYTHONPATH": str(pathlib.Path(__file__).parents[2])}
        runs = []
        for _ in range(2):
            out = subprocess.run([sys.executable, "-c", SCRIPT, demo.root_url, demo.token,
                                  str(tmp_path / "cache")], capture_output=True, text=True,
                                 env=env, timeout=60, check=True)
            runs.append(json.loads(out.stdout))
        assert runs[0]["ids"] == runs[1]["ids"] == 57
        assert runs[0]["stats"]["network"] > 0
        assert runs[1]["stats"].get("network", 0) == 0 and runs[1]["stats"]["hit"] > 0


def test_redis_cache_shared_between_clients(redis_url):
    import redis

    with running(max_age=300) as demo:
        redis.Redis.from_url(redis_url).flushdb()
        first = traverse(fresh_root(demo, cache=redis_url))
        sent = demo.stats.requests
        root = fresh_root(demo, cache=redis_url)
        assert traverse(root) == first
        assert demo.stats.requests == sent and root.client.stats["hit"] > 0
        keys = redis.Redis.from_url(redis_url).keys("*")
        assert keys and not any(demo.token.encode() in k for k in keys)
        values = b"".join(redis.Redis.from_url(redis_url).get(k) or b"" for k in keys)
        assert b"Bearer" not in values or b"demo-token" not in values


def test_redis_outage_degrades_to_no_cache(demo):
    # nothing listens on port 9 of loopback: every cache call fails, requests still work
    root = fresh_root(demo, cache="redis://127.0.0.1:9/0")
    assert root.data["name"] == "KISSmetrics API"


# -- writes -------------------------------------------------------------------------------------

def test_patch_sends_if_match_and_412_carries_the_current_state(demo):
    root = fresh_root(demo)
    event = root.follow("product", id=PRODUCT_SAAS).follow("events").items()[0]
    event.refresh()  # a fetched state with its ETag
    etag = event.etag
    seen = []
    root.client.on_exchange.append(lambda e: seen.append(e.request_headers.get("If-Match")))
    updated = event.patch({"display_name": "Renamed once"})
    assert updated is event and event.data["display_name"] == "Renamed once"
    assert seen[-1] == etag and event.etag != etag
    # someone else changes it
    other = fresh_root(demo).follow("event", id=event.data["id"])
    other.refresh().patch({"description": "changed elsewhere"})
    with pytest.raises(hyperkm.PreconditionFailed) as info:
        event.patch({"display_name": "Renamed twice"})
    assert info.value.status == 412 and "changed since you read it" in str(info.value)
    assert info.value.current.data["description"] == "changed elsewhere"
    assert info.value.current.data["display_name"] == "Renamed once"
    # the next read sees the new state, not a stale cached copy
    assert root.follow("event", id=event.data["id"]).data["description"] == "changed elsewhere"


def test_write_invalidates_cached_collections_of_the_target(demo):
    root = fresh_root(demo)
    event = root.follow("event", id=root.follow("events").items()[0].data["id"])
    _ = event.data
    event.patch({"display_name": "Fresh"})
    assert root.follow("event", id=event.data["id"]).refresh().data["display_name"] == "Fresh"


# -- transport ----------------------------------------------------------------------------------

def test_get_is_retried_after_503_and_honours_retry_after(demo):
    root = fresh_root(demo, cache=False)
    demo.app.fail_next(2, retry_after=1)
    started = time.monotonic()
    assert root.data["name"] == "KISSmetrics API"
    assert time.monotonic() - started >= 1.8  # slept at least the two Retry-After seconds
    assert demo.stats.by_status[503] == 2 and demo.stats.by_status[200] == 1


def test_retry_after_is_capped(demo):
    root = fresh_root(demo, cache=False, retry_after_cap=0.1)
    demo.app.fail_next(1, retry_after=3600)
    started = time.monotonic()
    assert root.data["name"] == "KISSmetrics API"
    assert time.monotonic() - started < 60


def test_dropped_connections_are_retried_exactly_once_per_read(demo):
    root = fresh_root(demo, cache=False)
    events = root.follow("events", limit=10)
    demo.app.drop_next(2)
    ids = [e.data["id"] for e in events.items()]
    assert len(ids) == len(set(ids)) == 57
    assert demo.stats.drops == 2


def test_exhausted_retries_give_the_server_message(demo):
    root = fresh_root(demo, cache=False, retries=1, retry_after_cap=0)
    demo.app.fail_next(5, retry_after=0)
    with pytest.raises(hyperkm.ServerError) as info:
        _ = root.data
    assert info.value.status == 503 and "injected fault" in info.value.server_message
    assert "retry later" in str(info.value)


def test_post_and_patch_are_never_retried(demo):
    root = fresh_root(demo, cache=False)
    report = next(r for r in root.follow("reports").items()
                  if r.data["report_type"] == "people_search_v2")
    run = report.follow("run")
    demo.app.drop_next(1)
    with pytest.raises(hyperkm.TransportError):
        run.post({"start_date": "2015-06-02", "end_date": "2015-06-09"})
    assert demo.stats.by_method.get("POST", 0) == 0  # the dropped one never got an answer
    assert demo.stats.drops == 1
    product = root.follow("product", id=PRODUCT_SAAS)
    product.refresh()
    demo.app.fail_next(1)
    with pytest.raises(hyperkm.ServerError):
        product.patch({"description": "x"})
    assert demo.stats.by_method.get("PATCH", 0) == 1


def test_retries_can_be_disabled(demo):
    root = fresh_root(demo, cache=False, retries=0)
    demo.app.fail_next(1)
    with pytest.raises(hyperkm.ServerError):
        _ = root.data
