import io
import threading

import msgpack
import pytest
from cachecontrol.cache import BaseCache
from requests import Request
from urllib3 import HTTPResponse

from hyperkm import ConfigurationError
from hyperkm._cache import (
    DirectoryCache,
    MemoryCache,
    _Namespaced,
    _Serializer,
    make_cache,
    make_retry,
    namespace_for,
)


def test_memory_cache_is_bounded_lru():
    cache = MemoryCache(max_bytes=10)
    cache.set("a", b"1234")
    cache.set("b", b"1234")
    assert cache.get("a") == b"1234"  # a is now most recently used
    cache.set("c", b"1234")
    assert cache.get("b") is None and cache.get("a") and cache.get("c")
    assert cache.size == 8 and len(cache) == 2
    cache.set("huge", b"x" * 11)
    assert cache.get("huge") is None
    cache.delete("a")
    assert cache.size == 4
    with pytest.raises(ConfigurationError):
        MemoryCache(max_bytes=0)


def test_directory_cache_prunes_oldest_and_clears(tmp_path):
    cache = DirectoryCache(tmp_path, max_bytes=None)
    for i in range(10):
        cache.set(f"k{i}", b"x" * 100)
    assert cache.size == 1000
    freed = cache.prune(450)
    assert freed == 600 and cache.size == 400
    assert cache.get("k9") == b"x" * 100 and cache.get("k0") is None
    assert cache.clear() == 400 and cache.size == 0


def test_directory_cache_writes_whole_private_entries_without_locks(tmp_path):
    cache = DirectoryCache(tmp_path / "c", max_bytes=None)
    cache.set("k", b"v" * 1000)
    cache.set("k", b"w" * 10)  # replaced, not appended to
    assert cache.get("k") == b"w" * 10
    files = [p for p in (tmp_path / "c").rglob("*") if p.is_file() and p.name != "CACHEDIR.TAG"]
    assert len(files) == 1 and not any(p.suffix in (".lock", ".part") for p in files)
    assert files[0].stat().st_mode & 0o777 == 0o600  # API data: readable by its owner only


def test_directory_cache_readers_never_see_part_of_an_entry(tmp_path):
    cache = DirectoryCache(tmp_path / "c", max_bytes=None)
    values = [bytes([65 + i]) * (50_000 + i) for i in range(4)]
    cache.set("k", values[0])
    seen, errors = set(), []

    def write():
        for i in range(200):
            DirectoryCache(tmp_path / "c", max_bytes=None).set("k", values[i % 4])

    def read():
        for _ in range(400):
            value = cache.get("k")
            if value not in values:
                errors.append(len(value or b""))
            seen.add(value)

    threads = [threading.Thread(target=f) for f in (write, write, read, read)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(seen) > 1


def test_a_partial_entry_left_by_a_crash_belongs_to_the_cache(tmp_path):
    cache = DirectoryCache(tmp_path / "c", max_bytes=None)
    cache.set("k", b"x" * 100)
    (entry,) = [p for p in (tmp_path / "c").rglob("*") if len(p.name) == 56]
    leftover = entry.parent / f".{entry.name}.0123abcd.part"
    leftover.write_bytes(b"half")
    assert cache.stats() == (2, 104)
    assert cache.clear() == 104 and not leftover.exists()
    # an unmarked directory holding entries and such a leftover is adopted, not refused
    (tmp_path / "c" / "CACHEDIR.TAG").unlink()
    cache.set("k", b"x")
    (entry,) = [p for p in (tmp_path / "c").rglob("*") if len(p.name) == 56]
    (entry.parent / f".{entry.name}.0123abcd.part").write_bytes(b"half")
    DirectoryCache(tmp_path / "c")
    # but a look-alike name is not the cache's
    (entry.parent / f".{entry.name}.nothex!!.part").write_bytes(b"mine")
    (tmp_path / "c" / "CACHEDIR.TAG").unlink()
    with pytest.raises(ConfigurationError):
        DirectoryCache(tmp_path / "c")


def test_directory_cache_prunes_by_itself(tmp_path):
    cache = DirectoryCache(tmp_path, max_bytes=500, prune_every=5)
    for i in range(20):
        cache.set(f"k{i}", b"x" * 100)
    assert cache.size <= 500


def test_namespaces_are_stable_and_do_not_reveal_the_token():
    ns = namespace_for("secret-token")
    assert ns == namespace_for("secret-token") != namespace_for("other")
    assert "secret" not in ns and namespace_for(None) == "anon"


class Broken(BaseCache):
    def get(self, key):
        raise OSError("disk on fire")

    def set(self, key, value, expires=None):
        raise ConnectionError("redis down")

    def delete(self, key):
        raise OSError("nope")


def test_backend_failures_are_misses_not_errors(caplog):
    cache = _Namespaced(Broken(), "ns")
    assert cache.get("x") is None
    cache.set("x", b"1")
    cache.delete("x")
    assert "treating it as a miss" in caplog.text


def test_namespaced_keys():
    inner = MemoryCache()
    a, b = _Namespaced(inner, "a"), _Namespaced(inner, "b")
    a.set("https://h/x", b"A")
    assert a.get("https://h/x") == b"A" and b.get("https://h/x") is None


def test_make_cache_specs(tmp_path):
    assert make_cache(False, None) is None
    assert isinstance(make_cache(None, None).inner, MemoryCache)
    assert isinstance(make_cache(str(tmp_path), "t").inner, DirectoryCache)
    home = make_cache("~/hyperkm-test-cache", None).inner
    assert isinstance(home, DirectoryCache) and not home.directory.startswith("~")
    mine = MemoryCache()
    assert make_cache(mine, "t").inner is mine
    (tmp_path / "file").write_text("x")
    with pytest.raises(ConfigurationError):
        make_cache(str(tmp_path / "file"), None)
    with pytest.raises(ConfigurationError):
        make_cache(42, None)


def _prepared(token):
    return Request("GET", "https://h/x", headers={"Authorization": f"Bearer {token}"}).prepare()


@pytest.mark.parametrize("keep_objects", [False, True])
def test_vary_authorization_never_stores_the_raw_token(keep_objects):
    serializer = _Serializer(keep_objects=keep_objects)
    response = HTTPResponse(body=b"{}", headers={"Vary": "Authorization", "ETag": '"1"'},
                            status=200, preload_content=False)
    data = serializer.dumps(_prepared("top-secret"), response, b"{}")
    assert "top-secret" not in repr(data if not keep_objects else data.cached)
    assert serializer.loads(_prepared("top-secret"), data) is not None
    assert serializer.loads(_prepared("another"), data) is None  # Vary still works


@pytest.mark.parametrize("data", [b"cc=4,\x00garbage", b"cc=4," + msgpack.dumps([1, 2]),
                                  b"cc=4," + msgpack.dumps({"response": 5}), b"nonsense"])
def test_corrupted_entries_are_misses(data):
    assert _Serializer().loads(_prepared("t"), data) is None


def test_retry_policy():
    retry = make_retry(None, 7)
    assert retry.total == 3 and set(retry.allowed_methods) == {"GET", "HEAD"}
    assert set(retry.status_forcelist) == {429, 502, 503, 504}
    response = HTTPResponse(headers={"Retry-After": "3600"}, status=503)
    assert retry.get_retry_after(response) == 7
    assert retry.new(total=1).get_retry_after(response) == 7  # the cap survives new()
    assert make_retry(0, 1) == 0 and make_retry(False, 1) == 0
    with pytest.raises(ConfigurationError):
        make_retry(-1, 1)


def test_memory_entries_are_kept_as_objects_and_read_back_alike():
    kept, encoded = _Serializer(keep_objects=True), _Serializer()
    body = b'{"a": 1}' * 1000
    response = HTTPResponse(body=body, headers={"ETag": '"1"', "Content-Type": "application/json",
                                                "Vary": "Accept"},
                            status=200, preload_content=False, reason="OK")
    request = Request("GET", "https://h/x", headers={"Accept": "application/json"}).prepare()
    entry = kept.dumps(request, response, body)
    assert not isinstance(entry, bytes) and len(entry) >= len(body)  # sized for MemoryCache
    assert entry.cached["response"]["body"] is body  # kept, not copied
    for _ in range(2):  # reading it does not consume it
        a = kept.loads(request, entry)
        b = encoded.loads(request, encoded.dumps(request, response, body))
        assert a.read() == b.read() == body
        assert dict(a.headers) == dict(b.headers) and (a.status, a.reason) == (b.status, b.reason)
    other = Request("GET", "https://h/x", headers={"Accept": "text/html"}).prepare()
    assert kept.loads(other, entry) is None  # Vary still applies


def test_memory_entries_without_a_body_read_the_response_as_cachecontrol_does():
    # cachecontrol updates an entry after a 304 by dumping the cached response without a body
    response = HTTPResponse(body=io.BytesIO(b"abc"), headers={"ETag": '"1"'}, status=200,
                            preload_content=False)
    request = Request("GET", "https://h/x").prepare()
    entry = _Serializer(keep_objects=True).dumps(request, response)
    assert entry.cached["response"]["body"] == b"abc"
    assert response.read() == b"abc"  # still readable by whoever holds it


class _Recording(BaseCache):
    def __init__(self):
        self.entries = {}

    def get(self, key):
        return self.entries.get(key, (None, None))[0]

    def set(self, key, value, expires=None):
        self.entries[key] = (value, expires)

    def delete(self, key):
        self.entries.pop(key, None)


_DATE = "Thu, 26 Nov 2026 10:00:00 GMT"


@pytest.mark.parametrize("status,headers,request_headers,body", [
    (200, {"ETag": '"1"', "Date": _DATE}, {}, b"{}"),
    (200, {"ETag": '"1"'}, {}, b"{}"),                                          # no Date
    (200, {"ETag": '"1"', "Date": _DATE, "Expires": "Thu, 31 Dec 2026 10:00:00 GMT"}, {},
     b"{}"),                                                                    # long expiry
    (200, {"ETag": '"1"', "Date": _DATE, "Expires": "garbage"}, {}, b"{}"),
    (200, {"etag": '"1"', "date": _DATE, "cache-control": "private, max-age=0"}, {}, b"{}"),
    (200, {"ETag": '"1"', "Date": _DATE, "Content-Length": "9"}, {}, b"{}"),    # truncated
    (200, {"ETag": '"1"', "Date": _DATE, "Cache-Control": "no-store"}, {}, b"{}"),
    (200, {"ETag": '"1"', "Date": _DATE, "Cache-Control": "NO-STORE"}, {}, b"{}"),
    (200, {"ETag": '"1"', "Date": _DATE}, {"Cache-Control": "no-store"}, b"{}"),
    (200, {"ETag": '"1"', "Date": _DATE, "Vary": "*"}, {}, b"{}"),
    (200, {"ETag": '"1"', "Date": _DATE, "Vary": "Accept"}, {"Accept": "a/b"}, b"{}"),
    (200, {"Date": _DATE, "Cache-Control": "max-age=60"}, {}, b"{}"),            # no ETag
    (203, {"ETag": '"1"', "Date": _DATE}, {}, b"{}"),
    (404, {"ETag": '"1"', "Date": _DATE}, {}, b"{}"),                           # not cacheable
])
def test_storing_an_etagged_response_matches_cachecontrol(status, headers, request_headers,
                                                          body):
    from cachecontrol.controller import CacheController

    from hyperkm._cache import _Controller

    results = []
    for controller_class in (_Controller, CacheController):
        cache = _Recording()
        cache.set("https://h/x", b"held", None)  # a copy held before (no-store purges it)
        controller = controller_class(cache, serializer=_Serializer(keep_objects=True),
                                      status_codes=(200, 203, 300))
        response = HTTPResponse(body=io.BytesIO(body), headers=headers, status=status,
                                preload_content=False)
        request = Request("GET", "https://h/x", headers=request_headers).prepare()
        controller.cache_response(request, response, body=body)
        results.append({k: (v.cached if hasattr(v, "cached") else v, e)
                        for k, (v, e) in cache.entries.items()})
    assert results[0] == results[1]


def test_the_short_road_is_taken_only_for_plain_etagged_responses():
    from hyperkm._cache import _Controller

    controller = _Controller(_Recording(), serializer=_Serializer(keep_objects=True))
    request = Request("GET", "https://h/x").prepare()

    def taken(headers, status=200):
        response = HTTPResponse(body=io.BytesIO(b"{}"), headers=headers, status=status,
                                preload_content=False)
        return controller._store_etagged(request, response, b"{}", None)

    assert taken({"ETag": '"1"', "Date": _DATE, "Cache-Control": "private, max-age=0"})
    assert not taken({"ETag": '"1"', "Cache-Control": "no-store"})
    assert not taken({"ETag": '"1"', "Date": "garbage"})
    assert not taken({"Date": _DATE, "Cache-Control": "max-age=60"})
    assert not taken({"ETag": '"1"'}, status=404)
