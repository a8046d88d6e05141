"""HTTP caching on top of cachecontrol, with its known traps handled.

- Entries are namespaced by a hash of the credentials, so two tokens never share an entry, and
  no raw token is ever written: with ``Vary: Authorization`` cachecontrol would store the header
  value itself, so the serializer stores its hash instead.
- Permanent redirects (301/308) are not cached: cachecontrol would keep them for ever, even after
  the server changed its mind.
- A successful POST invalidates like PUT/PATCH/DELETE do, and so do ``Location`` and
  ``Content-Location`` of a successful write (RFC 9111 section 4.4).
- A corrupted entry, or a cache backend that fails (a full disk, Redis down), is a miss, logged,
  never an exception in the caller's request.
- Every exchange is classified: ``network``, ``hit`` (no request sent) or ``revalidated`` (the
  server answered 304 and the cached body was used).
- A collection walk is a scan: the in-memory cache keeps its first pages only
  (``MemoryCache(walk_pages=...)``), so that a long walk neither fills the cache with pages a
  program rarely reads again nor pushes out what it does read again (PostgreSQL reads a large
  table through a small ring of buffers for the same reason).
"""

from __future__ import annotations

import calendar
import contextlib
import functools
import hashlib
import io
import logging
import os
import secrets
import threading
import weakref
from collections import OrderedDict
from collections.abc import Collection, Iterator, Mapping
from contextvars import ContextVar
from datetime import datetime
from email.utils import parsedate_tz
from functools import partial
from typing import Any
from urllib.parse import urljoin

from cachecontrol.adapter import CacheControlAdapter
from cachecontrol.cache import BaseCache
from cachecontrol.caches.file_cache import FileCache
from cachecontrol.controller import CacheController
from cachecontrol.heuristics import LastModified
from cachecontrol.serialize import Serializer
from requests import PreparedRequest, Response
from requests.adapters import HTTPAdapter
from urllib3 import BaseHTTPResponse, HTTPConnectionPool, HTTPResponse, HTTPSConnectionPool
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import InvalidHeader, MaxRetryError, TimeoutError
from urllib3.util.retry import Retry
from urllib3.util.url import _encode_target

from . import _bridge, _deadline
from ._exceptions import ConfigurationError
from ._received import delivery, walk_page
from ._transport import Transport
from ._transport_pools import TransportPoolMixin

__all__ = [
    "CachingAdapter",
    "DirectoryCache",
    "MemoryCache",
    "Namespaced",
    "RedisCache",
    "TransportAdapter",
    "make_cache",
    "make_retry",
    "namespace_for",
    "retry_notes",
]

log = logging.getLogger("hyperkm")

#: Default bound of the in-memory cache: a long iteration must not keep every page.
DEFAULT_MEMORY_BYTES = 32 * 1024 * 1024
#: Default number of a walk's pages (past the one it starts from) the in-memory cache keeps.
DEFAULT_WALK_PAGES = 8


class MemoryCache(BaseCache):
    """A thread-safe in-memory cache, least recently used entries evicted past ``max_bytes``.

    Args:
        max_bytes: The bound on what the entries hold (bodies and headers); the least recently
            used entries go first.
        walk_pages: How many pages of a collection walk, past the page it starts from, are
            kept (``items()``, ``pages()``, ``len()``, sequential or concurrent, blocking or
            awaited). A walk is a scan: the later pages of a long one are read, handed on and
            let go, so that it neither grows the process by every page it reads nor pushes
            out what the program reads again. ``None`` keeps every page (up to
            ``max_bytes``); pages reached one by one with ``follow("next")`` are always kept,
            and a page the cache already holds is revalidated and kept as always.
    """

    def __init__(self, max_bytes: int = DEFAULT_MEMORY_BYTES, *,
                 walk_pages: int | None = DEFAULT_WALK_PAGES) -> None:
        if isinstance(max_bytes, bool) or not isinstance(max_bytes, (int, float)) \
                or not max_bytes > 0:
            raise ConfigurationError(f"max_bytes must be a positive number of bytes, got "
                                     f"{max_bytes!r}")
        if walk_pages is not None and (isinstance(walk_pages, bool)
                                       or not isinstance(walk_pages, int) or walk_pages < 0):
            raise ConfigurationError(
                f"walk_pages must be a number of pages (0 or more) or None to keep every page "
                f"of a walk, got {walk_pages!r}")
        self.max_bytes = max_bytes
        self.walk_pages = walk_pages
        self._data: OrderedDict[str, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def set(self, key: str, value: bytes, expires: int | datetime | None = None) -> None:
        if len(value) > self.max_bytes:
            return
        with self._lock:
            old = self._data.pop(key, None)
            if old is not None:
                self._size -= len(old)
            self._data[key] = value
            self._size += len(value)
            while self._size > self.max_bytes:
                _, evicted = self._data.popitem(last=False)
                self._size -= len(evicted)

    def delete(self, key: str) -> None:
        with self._lock:
            old = self._data.pop(key, None)
            if old is not None:
                self._size -= len(old)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._size = 0

    @property
    def size(self) -> int:
        """Bytes held."""
        return self._size

    def __len__(self) -> int:
        return len(self._data)


class DirectoryCache(FileCache):
    """A persistent cache in a directory, shared by every process that names it.

    The directory is marked as a hyperkm cache (a ``CACHEDIR.TAG`` file, as backup tools
    expect, naming hyperkm), and hyperkm only ever touches files it recognises as its own
    entries (cachecontrol's layout: five one-hex-digit folders, then a 56-hex-digit name).
    A directory that holds anything else and has no marker is refused: a cache must never
    prune or clear a user's files.

    cachecontrol's ``FileCache`` never evicts; this one prunes the least recently written
    entries once the directory grows past ``max_bytes`` (checked every ``prune_every`` writes),
    and can be cleared.

    Raises:
        ConfigurationError: the directory exists, is not empty and is not a hyperkm cache
            (or ``create=False`` and it is not a hyperkm cache).
    """

    def __init__(self, directory: str | os.PathLike[str], *, max_bytes: int | None = 512 << 20,
                 prune_every: int = 200, create: bool = True) -> None:
        path = os.path.abspath(os.path.expanduser(os.fspath(directory)))
        _claim(path, create)
        super().__init__(path)
        self.max_bytes = max_bytes
        self._prune_every = max(1, prune_every)
        self._writes = 0

    def set(self, key: str, value: bytes, expires: int | datetime | None = None) -> None:
        super().set(key, value, expires)
        self._writes += 1
        if self.max_bytes is not None and self._writes % self._prune_every == 0:
            self.prune()

    def _write(self, path: str, data: bytes) -> None:
        """Write an entry atomically without a lock: into a new file beside it (created
        exclusively, with the cache's file mode), renamed over it when whole. Readers see the
        old entry or the new one, never a part of one; of concurrent writers the last rename
        wins, as under a lock. (cachecontrol takes a file lock and creates the entry's folders
        on every write: a third of a write's time.)"""
        folder, name = os.path.split(path)
        partial = os.path.join(folder, f".{name}.{secrets.token_hex(4)}.part")
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        try:
            fd = os.open(partial, flags, self.filemode)
        except FileNotFoundError:  # the entry's first file in its folder
            os.makedirs(folder, self.dirmode, exist_ok=True)
            fd = os.open(partial, flags, self.filemode)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(partial, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.remove(partial)
            raise

    def _entries(self) -> list[tuple[float, int, str]]:
        found = []
        for path in _own_files(os.fspath(self.directory)):
            if path.endswith(".lock"):
                continue
            try:
                stat = os.lstat(path)
            except FileNotFoundError:  # another process pruned it
                continue
            found.append((stat.st_mtime, stat.st_size, path))
        return found

    @property
    def size(self) -> int:
        """Bytes held in entries."""
        return self.stats()[1]

    def stats(self) -> tuple[int, int]:
        """(entries, bytes) held."""
        entries = self._entries()
        return len(entries), sum(size for _, size, _ in entries)

    def prune(self, max_bytes: int | None = None) -> int:
        """Delete the oldest entries until at most ``max_bytes`` remain; returns bytes freed.

        Only hyperkm's own entries are counted and deleted; nothing else in the directory.
        """
        bound = self.max_bytes if max_bytes is None else max_bytes
        if bound is None:
            return 0
        entries = sorted(self._entries())
        total = sum(size for _, size, _ in entries)
        freed = 0
        for _, size, path in entries:
            if total - freed <= bound:
                break
            for victim in (path, path + ".lock"):
                with contextlib.suppress(FileNotFoundError):
                    os.remove(victim)
            freed += size
        return freed

    def clear(self) -> int:
        """Delete every entry; returns bytes freed."""
        return self.prune(0)


#: The marker file (https://bford.info/cachedir/): backup tools skip such directories.
MARKER = "CACHEDIR.TAG"
_MARKER_TEXT = ("Signature: 8a477f597d28d172789f06886806bc55\n"
                "# This file is a cache directory tag created by hyperkm (HTTP cache).\n"
                "# hyperkm deletes only its own entries here; see `hyperkm cache --help`.\n")
_HEX = frozenset("0123456789abcdef")


def _is_marked(path: str) -> bool:
    try:
        with open(os.path.join(path, MARKER), encoding="utf-8", errors="replace") as f:
            return "hyperkm" in f.read(512)
    except OSError:
        return False


def _is_entry(relative: list[str]) -> bool:
    # cachecontrol's FileCache: a/b/c/d/e/<sha224 hex> (and <name>.lock while writing); and
    # .<name>.<8 hex>.part, an entry being written (or left by a process that died writing).
    if len(relative) != 6 or any(len(p) != 1 or p not in _HEX for p in relative[:5]):
        return False
    name = relative[5].removesuffix(".lock")
    if name.startswith(".") and name.endswith(".part") and len(name) == 1 + 56 + 1 + 8 + 5:
        if not set(name[58:66]) <= _HEX or name[57] != ".":
            return False
        name = name[1:57]
    return len(name) == 56 and set(name) <= _HEX and name.startswith("".join(relative[:5]))


def _own_files(directory: str) -> Iterator[str]:
    """The files under ``directory`` laid out as cache entries (never following links)."""
    for folder, dirs, files in os.walk(directory):
        relative = os.path.relpath(folder, directory)
        parts = [] if relative == "." else relative.split(os.sep)
        # Descend only into one-hex-digit folders, at most five deep.
        dirs[:] = [d for d in dirs if len(parts) < 5 and len(d) == 1 and d in _HEX
                   and not os.path.islink(os.path.join(folder, d))]
        for name in files:
            path = os.path.join(folder, name)
            if _is_entry([*parts, name]) and not os.path.islink(path):
                yield path


def _claim(path: str, create: bool) -> None:
    """Make sure ``path`` is a hyperkm cache directory (creating and marking it if allowed).

    Every failure is a ConfigurationError naming the path: a marker that is a directory, a
    parent that is a file, a folder without write permission.
    """
    try:
        _claim_or_raise(path, create)
    except OSError as exc:
        raise ConfigurationError(
            f"cache={path!r} cannot be used as a cache directory ({exc.strerror or exc}"
            f"{': ' + exc.filename if isinstance(exc.filename, str) else ''}); give a "
            "directory hyperkm can create and write, or cache=False. Nothing was changed."
        ) from exc


def _claim_or_raise(path: str, create: bool) -> None:
    marker = os.path.join(path, MARKER)
    if os.path.lexists(marker) and not os.path.isfile(marker):
        raise ConfigurationError(
            f"cache={path!r} has a {MARKER} that is not a file (a directory or a link); it is "
            "not a hyperkm cache. Give a new or empty directory. Nothing was changed.")
    if os.path.exists(path) and not os.path.isdir(path):
        raise ConfigurationError(f"cache directory {path!r} exists and is not a directory; "
                                 "give a directory path for a persistent cache")
    if _is_marked(path):
        return
    if not create:
        raise ConfigurationError(
            f"{path} is not a hyperkm cache directory (it has no {MARKER} written by hyperkm); "
            "refusing to touch it. Nothing was deleted.")
    foreign = []
    if os.path.isdir(path):
        for folder, _dirs, files in os.walk(path):
            relative = os.path.relpath(folder, path)
            parts = [] if relative == "." else relative.split(os.sep)
            foreign += [os.path.join(folder, n) for n in files if not _is_entry([*parts, n])]
            if foreign:
                break
    if foreign:
        raise ConfigurationError(
            f"cache={path!r} is a directory with other files in it (e.g. {foreign[0]!r}) and "
            "is not a hyperkm cache; give a new or empty directory (hyperkm will mark it as "
            "its cache). Nothing was changed.")
    os.makedirs(path, mode=0o700, exist_ok=True)
    # O_EXCL|O_NOFOLLOW: never write through a link someone put there, nor over a file.
    try:
        fd = os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_EXCL
                     | getattr(os, "O_NOFOLLOW", 0), 0o600)
    except FileExistsError:
        if _is_marked(path):
            return  # another process claimed it at the same moment
        raise
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(_MARKER_TEXT)


class RedisCache(BaseCache):
    """A cache in Redis, shared across processes and machines.

    cachecontrol's own RedisCache calls ``SETEX``, deprecated in redis-py 5+; this one uses
    ``SET ... EX`` and gives entries without an expiry a default lifetime, so that a shared
    Redis does not fill up with entries nobody asks for any more.
    """

    def __init__(self, conn: Any, *, default_ttl: int = 14 * 86400) -> None:
        self.conn = conn
        self.default_ttl = default_ttl

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> RedisCache:
        """Connect lazily to ``redis://host:port/db`` (2 s socket timeouts)."""
        try:
            import redis
        except ImportError as exc:
            raise ConfigurationError(
                'a Redis cache needs the redis package: pip install "hyperkm[redis]"') from exc
        try:
            conn = redis.Redis.from_url(url, socket_timeout=2.0, socket_connect_timeout=2.0)
        except ValueError as exc:
            raise ConfigurationError(f"cannot use Redis URL {url!r}: {exc}") from exc
        return cls(conn, **kwargs)

    def get(self, key: str) -> bytes | None:
        value = self.conn.get(key)
        return bytes(value) if value is not None else None

    def set(self, key: str, value: bytes, expires: int | datetime | None = None) -> None:
        if isinstance(expires, datetime):
            seconds = int((expires - datetime.now(expires.tzinfo)).total_seconds())
        else:
            seconds = int(expires) if expires else self.default_ttl
        self.conn.set(key, value, ex=max(1, seconds))

    def delete(self, key: str) -> None:
        self.conn.delete(key)

    def close(self) -> None:
        self.conn.close()


class _Namespaced(BaseCache):
    """Prefixes keys with a credential namespace; turns backend failures into misses."""

    def __init__(self, inner: BaseCache, namespace: str) -> None:
        self.inner = inner
        self.namespace = namespace

    def _key(self, key: str) -> str:
        return f"hyperkm:{self.namespace}:{key}"

    def get(self, key: str) -> bytes | None:
        try:
            return self.inner.get(self._key(key))
        except Exception as exc:  # a broken backend must not break the request
            log.warning("cache read failed (%s: %s); treating it as a miss",
                        type(exc).__name__, exc)
            return None

    def set(self, key: str, value: bytes, expires: int | datetime | None = None) -> None:
        try:
            self.inner.set(self._key(key), value, expires)
        except Exception as exc:
            log.warning("cache write failed (%s: %s); continuing without caching",
                        type(exc).__name__, exc)

    def delete(self, key: str) -> None:
        try:
            self.inner.delete(self._key(key))
        except Exception as exc:
            log.warning("cache delete failed (%s: %s)", type(exc).__name__, exc)

    def close(self) -> None:
        self.inner.close()


#: The namespaced cache type, for the client (a credential changed during a session).
Namespaced = _Namespaced


def namespace_for(token: str | None) -> str:
    """A stable, non-reversible name for a credential (``anon`` without one)."""
    if not token:
        return "anon"
    return hashlib.sha256(b"hyperkm-cache-namespace\0" + token.encode()).hexdigest()[:24]


def _masked(request: PreparedRequest) -> PreparedRequest:
    auth = request.headers.get("Authorization")
    if not auth:
        return request
    copy = request.copy()
    copy.headers["Authorization"] = "sha256:" + hashlib.sha256(auth.encode()).hexdigest()
    return copy


class _Entry:
    """A cache entry kept as Python objects: what the in-memory cache holds instead of
    serialised bytes (no encoding, and the body is kept, not copied twice)."""

    __slots__ = ("cached", "size")

    def __init__(self, cached: dict[str, Any], size: int) -> None:
        self.cached, self.size = cached, size

    def __len__(self) -> int:
        return self.size


class _Serializer(Serializer):
    """cachecontrol's serializer, minus two traps: raw tokens in ``Vary`` data, and crashes on
    corrupted entries. With ``keep_objects`` (the in-memory cache), entries are `_Entry`
    objects rather than msgpack bytes."""

    def __init__(self, keep_objects: bool = False) -> None:
        self.keep_objects = keep_objects

    def dumps(self, request: PreparedRequest, response: HTTPResponse,
              body: bytes | None = None) -> bytes:
        if "authorization" in response.headers.get("vary", "").lower():
            request = _masked(request)
        if body is None:  # as cachecontrol does: read it, and leave the response readable
            body = response.read(decode_content=False)
            response._fp = io.BytesIO(body)  # type: ignore[assignment]
            response.length_remaining = len(body)
        # The data cachecontrol's serializer encodes (see Serializer.dumps), except that a
        # header field that repeats (two Link fields) keeps all its values: cachecontrol built
        # the dict from urllib3's items(), one pair per field, and kept the last.
        headers = dict(_merged(response.headers))
        vary: dict[str, str | None] = {}
        varied = response.headers.get("vary")
        if varied:
            for header in varied.split(","):
                header = header.strip()
                value = request.headers.get(header)
                vary[header] = str(value) if value is not None else None
        cached = {"response": {"body": body, "headers": headers, "status": response.status,
                               "version": response.version, "reason": str(response.reason),
                               "decode_content": response.decode_content},
                  "vary": vary}
        if not self.keep_objects:
            return b",".join([f"cc={self.serde_version}".encode(), self.serialize(cached)])
        size = len(body) + sum(map(len, headers)) + sum(map(len, headers.values()))
        return _Entry(cached, size)  # type: ignore[return-value]  # the memory cache's own

    def loads(self, request: PreparedRequest, data: bytes, body_file: Any = None) -> Any:
        try:
            if isinstance(data, _Entry):
                kept = data.cached
                # prepare_response takes the dicts apart: hand it copies
                response = {**kept["response"], "headers": dict(kept["response"]["headers"])}
                return self.prepare_response(request, {"response": response,
                                                       "vary": kept["vary"]}, body_file)
            return super().loads(request, data, body_file)
        except Exception as exc:
            log.warning("ignoring a corrupted cache entry for %s (%s)", request.url, exc)
            return None

    def prepare_response(self, request: PreparedRequest, cached: Mapping[str, Any],
                         body_file: Any = None) -> Any:
        vary = cached.get("vary") if isinstance(cached, Mapping) else None
        if isinstance(vary, Mapping) and any(str(h).lower() == "authorization" for h in vary):
            request = _masked(request)
        return super().prepare_response(request, cached, body_file)


class _Controller(CacheController):
    """cachecontrol's caching policy, made unable to break a request: it asserts that a
    ``Date`` header parses (and fails with ``AssertionError`` or ``TypeError`` when a server
    sends a bad one, in a response or a 304). Any failure of the policy is logged and taken
    as "not cached"; the request goes on."""

    def __init__(self, cache: BaseCache | None = None, cache_etags: bool = True,
                 serializer: Serializer | None = None,
                 status_codes: Collection[int] | None = None) -> None:
        # No 301/308: a permanent redirect cached for ever would outlive its server.
        super().__init__(cache, cache_etags=cache_etags, serializer=serializer,
                         status_codes=status_codes or (200, 203, 300))

    def _surely_missing(self, request: PreparedRequest) -> bool:
        """Whether the in-memory cache has no entry for ``request`` (a dict lookup): then
        there is nothing for cachecontrol to decide — a walk's new pages are all misses, and
        its lookup costs more than the dictionary's (key normalisation, header parsing).
        Other caches answer ``False``: asking them twice would read a disk or Redis twice."""
        cache = self.cache
        if type(cache) is not _Namespaced or type(cache.inner) is not MemoryCache:
            return False
        return request.url is not None and cache.inner.get(cache._key(request.url)) is None

    def cached_request(self, request: PreparedRequest) -> Any:
        try:
            if self._surely_missing(request):
                return False
            return super().cached_request(request)
        except Exception as exc:
            _policy_failed("reading the cache for", request, exc)
            return False

    def conditional_headers(self, request: PreparedRequest) -> dict[str, str]:
        try:
            if self._surely_missing(request):
                return {}
            return super().conditional_headers(request)
        except Exception as exc:
            _policy_failed("revalidating", request, exc)
            return {}

    def cache_response(self, request: PreparedRequest, response_or_ref: Any,
                       body: bytes | None = None,
                       status_codes: Collection[int] | None = None) -> None:
        try:
            if not self._store_etagged(request, response_or_ref, body, status_codes):
                super().cache_response(request, response_or_ref, body, status_codes)
        except Exception as exc:
            _policy_failed("storing", request, exc)

    def _store_etagged(self, request: PreparedRequest, response: Any, body: bytes | None,
                       status_codes: Collection[int] | None) -> bool:
        """Decide the common case — a response with an ETag and nothing unusual — exactly as
        cachecontrol's ``cache_response`` does (its ETag branch), without copying and parsing
        every header first (most of the cost of keeping a page); ``False`` leaves anything
        else to cachecontrol. A test compares both on many kinds of responses."""
        if body is None or not self.cache_etags or isinstance(response, weakref.ref):
            return False
        if response.status not in (status_codes or self.cacheable_status_codes):
            return False
        headers = response.headers  # urllib3's: case-insensitive
        if "etag" not in headers or "*" in headers.get("vary", ""):
            return False
        for value in (headers.get("cache-control"), request.headers.get("cache-control")):
            if value and "no-store" in value.lower():
                return False  # cachecontrol also purges a held copy then
        date = 0
        if "date" in headers:
            parsed = _parsed_date(headers["date"])
            if parsed is None:
                return False  # cachecontrol fails on it, and we log that
            date = calendar.timegm(parsed[:6])
        length = headers.get("content-length")
        if length is not None and length.isdigit() and int(length) != len(body):
            return True  # a truncated body is not kept (cachecontrol's rule)
        expires_time = 0
        if headers.get("expires"):
            expires = _parsed_date(headers["expires"])
            if expires is not None:
                expires_time = calendar.timegm(expires[:6]) - date
        assert request.url is not None
        self._cache_set(self.cache_url(request.url), request, response, body,
                        max(expires_time, 14 * 86400))
        return True

    def update_cached_response(self, request: PreparedRequest, response: HTTPResponse
                               ) -> HTTPResponse:
        try:
            return self._updated(request, response)
        except Exception as exc:
            # The server confirmed the copy held (304): serve it, without its new headers.
            _policy_failed("updating the cached copy of", request, exc)
            try:
                cached = self._load_from_cache(request)
            except Exception:
                cached = None
            if not cached:
                return response
            cached.status = 200
            return cached


    def _updated(self, request: PreparedRequest, response: HTTPResponse) -> HTTPResponse:
        """cachecontrol's ``update_cached_response``, except that a header field the 304
        repeats keeps every value, and replaces every stored field of its name (RFC 9111
        §4.3.4) — cachecontrol took the 304's headers as a dict, keeping the last of each."""
        assert request.url is not None
        cached = self._load_from_cache(request)
        if not cached:
            return response
        for name, value in _merged(response.headers):
            if name.lower() != "content-length":
                cached.headers[name] = value
        cached.status = 200
        self._cache_set(self.cache_url(request.url), request, cached)
        return cached


def _merged(headers: Any) -> Iterator[tuple[str, str]]:
    """(name, value) once per name, a repeated field's values joined with ", " (RFC 9110
    §5.3): what a response's headers must be stored as. urllib3's ``items()`` yields each
    field on its own, and a dict built from it keeps only the last."""
    pairs = headers.itermerged() if hasattr(headers, "itermerged") else headers.items()
    for name, value in pairs:
        yield (name if type(name) is str else str(name),
               value if type(value) is str else str(value))


@functools.lru_cache(maxsize=128)
def _parsed_date(value: str) -> Any:
    # Pages fetched within a second carry the same Date: parse each value once.
    return parsedate_tz(value)


def _policy_failed(what: str, request: PreparedRequest, exc: Exception) -> None:
    log.warning("HTTP cache: %s %s failed (%s: %s); going on without the cache for it",
                what, request.url, type(exc).__name__, exc)


class _LastModified(LastModified):
    """cachecontrol's Last-Modified heuristic, which asserts that ``Date`` parses: a response
    whose dates do not parse gets no heuristic freshness."""

    def update_headers(self, resp: HTTPResponse) -> dict[str, str]:
        try:
            return super().update_headers(resp)
        except Exception:
            return {}


def _encoded(target: str) -> str:
    return str(_encode_target(target))


class RememberedSocket:
    """Mixin for urllib3 connections: remember the last socket in ``last_sock``.

    http.client sets ``sock`` to None when a response will close the connection
    (``Connection: close``, HTTP/1.0) and hands the socket to that response; the deadline's
    watchdog must still be able to shut down the socket the body is read from.
    """

    last_sock: Any = None

    @property
    def sock(self) -> Any:
        return self.__dict__.get("_sock")

    @sock.setter
    def sock(self, value: Any) -> None:
        self.__dict__["_sock"] = value
        if value is not None:
            self.last_sock = value


class _WatchedHTTPConnection(RememberedSocket, HTTPConnection):
    pass


class _WatchedHTTPSConnection(RememberedSocket, HTTPSConnection):
    pass


# Context variables, not thread-locals: per thread as before, and per greenlet too — the
# requests hyperkm.aio runs concurrently share one thread (see _bridge).
_written: ContextVar[str | None] = ContextVar("hyperkm_written_target", default=None)


class _WatchedHTTPPool(HTTPConnectionPool):
    """A pool whose connections register with the current request's deadline, and that sends
    a request target exactly as hyperkm wrote it (see ``_urls.as_written``)."""

    ConnectionCls = _WatchedHTTPConnection

    def urlopen(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        # urllib3 re-encodes the target ("[" as "%5B", "%5b" as "%5B") before sending it:
        # remember the one given, for _make_request. A retry calls urlopen again with the
        # re-encoded form: the outermost call's target stays.
        outer = _written.get()
        token = _written.set(url) if outer is None or _encoded(outer) != url else None
        try:
            return super().urlopen(method, url, *args, **kwargs)
        finally:
            if token is not None:
                _written.reset(token)

    def _make_request(self, conn: Any, method: str, url: str, *args: Any,
                      **kwargs: Any) -> Any:
        return super()._make_request(conn, method, self._as_written(url), *args, **kwargs)

    def _as_written(self, url: str) -> str:
        written = _written.get()
        if written is not None and written != url and written.startswith("/") \
                and _encoded(written) == url:
            return written  # the same target, as written (never one urllib3 did not agree to)
        return url

    def _get_conn(self, timeout: float | None = None) -> Any:
        deadline = _deadline.current()
        if deadline is not None and deadline.passed():
            raise TimeoutError(f"the request's deadline of {deadline.seconds:g} s has passed")
        conn = super()._get_conn(timeout)
        if deadline is not None:
            deadline.watch(conn)
        return conn


class _WatchedHTTPSPool(HTTPSConnectionPool, _WatchedHTTPPool):
    ConnectionCls = _WatchedHTTPSConnection  # type: ignore[assignment]


class _Watched(HTTPAdapter):
    """Mixin for hyperkm's adapters: pools whose connections the deadline can cut off — or,
    with a ``transport`` (``connect(transport=)``), pools that hand each request to it."""

    transport: Transport | None = None

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        # A new dict: urllib3's default one is shared by every PoolManager in the process.
        self.poolmanager.pool_classes_by_scheme = {"http": _WatchedHTTPPool,
                                                   "https": _WatchedHTTPSPool}
        if self.transport is not None:
            self.poolmanager.pool_classes_by_scheme = {
                scheme: type(f"Transport{pool.__name__}", (TransportPoolMixin, pool),
                             {"transport": self.transport})
                for scheme, pool in self.poolmanager.pool_classes_by_scheme.items()}

    def get_connection_with_tls_context(self, request: PreparedRequest, verify: Any,
                                        proxies: Any = None, cert: Any = None) -> Any:
        if self.transport is not None:
            proxies = None  # a transport is where requests go: never a proxy from the env
        return super().get_connection_with_tls_context(request, verify, proxies, cert)


class TransportAdapter(_Watched):
    """The adapter without a cache (``cache=False``): deadline-aware pools and retries."""

    def __init__(self, *, max_retries: Retry | int = 0, transport: Transport | None = None
                 ) -> None:
        self.transport = transport  # before the pools are made
        super().__init__(max_retries=max_retries)


class CachingAdapter(_Watched, CacheControlAdapter):
    """The transport adapter: cachecontrol + classification + write invalidation + retries.

    Bodies are read by the client (bounded in size and time), which then calls the
    ``store`` of the exchange's `Delivery` to store a cacheable one.
    """

    invalidating_methods = {"POST", "PUT", "PATCH", "DELETE"}  # noqa: RUF012 (base class API)
    controller: _Controller  # (made by cachecontrol's adapter from controller_class)

    def __init__(self, cache: BaseCache, *, max_retries: Retry | int = 0,
                 transport: Transport | None = None) -> None:
        self.transport = transport  # before the pools are made
        inner = cache.inner if isinstance(cache, _Namespaced) else cache
        serializer = _Serializer(keep_objects=isinstance(inner, MemoryCache))
        #: The in-memory cache, whose ``walk_pages`` bounds what a walk stores (read at each
        #: page: it may be changed later); ``None`` for the others, which keep every page.
        self._memory = inner if isinstance(inner, MemoryCache) else None
        super().__init__(cache=cache, controller_class=_Controller, serializer=serializer,
                         heuristic=_LastModified(), max_retries=max_retries)

    def send(self, request: PreparedRequest, stream: bool = False, timeout: Any = None,
             verify: bool | str = True, cert: Any = None, proxies: Any = None,
             cacheable_methods: Collection[str] | None = None) -> Response:
        resp = super().send(request, stream, timeout, verify, cert, proxies, cacheable_methods)
        notes = delivery.get()
        if notes is not None and notes.pending is not None:
            # Store from the body the client reads anyway, instead of cachecontrol's wrapper
            # that copies every body through a temporary file (a fifth of the client's time).
            store = partial(_store, self.controller, request, notes.pending)
            notes.pending = None
            if stream:
                notes.store = store
            else:
                store(resp.content)
        return resp

    def _store_directly(self, request: PreparedRequest, response: HTTPResponse,
                        from_cache: bool) -> bool:
        # Only for the client's own pipeline, which reads the body and calls the store; a
        # session used directly gets cachecontrol's own wrapper.
        return (not from_cache and delivery.get() is not None
                and request.method in self.cacheable_methods
                and response.status in (200, 203, 300)
                and not response.headers.get("content-encoding"))  # the body is stored as read

    def _passed_over(self, request: PreparedRequest, response: HTTPResponse,
                     from_cache: bool) -> bool:
        """A page of a walk past the pages the cache keeps, fetched anew and not held before:
        read, not stored. (A page the cache holds is stored again: a new copy replaces a
        stale one.)"""
        limit = self._memory.walk_pages if self._memory is not None else None
        return (limit is not None and not from_cache and response.status != 304
                and walk_page.get() > limit + 1  # page 1 is the walk's start
                and self.controller._surely_missing(request))

    def build_response(self, request: PreparedRequest, response: HTTPResponse,  # type: ignore[override]
                       from_cache: bool = False,
                       cacheable_methods: Collection[str] | None = None) -> Response:
        revalidating = not from_cache and response.status == 304
        if self._passed_over(request, response, from_cache):
            resp = HTTPAdapter.build_response(self, request, response)
            resp.from_cache = False  # type: ignore[attr-defined]  # (cachecontrol's own)
        elif self._store_directly(request, response, from_cache):
            if self.heuristic:
                response = self.heuristic.apply(response)
            resp = HTTPAdapter.build_response(self, request, response)
            resp.from_cache = False  # type: ignore[attr-defined]  # (cachecontrol's own)
            notes = delivery.get()
            assert notes is not None  # (_store_directly said so)
            notes.pending = response
        else:
            resp = super().build_response(request, response, from_cache=from_cache,
                                          cacheable_methods=cacheable_methods)
        notes = delivery.get()
        if notes is not None:
            if revalidating and resp.from_cache:  # type: ignore[attr-defined]
                # cachecontrol hands back the cached 200; the wire said 304.
                notes.outcome, notes.wire_status = "revalidated", 304
            else:
                notes.outcome = "hit" if from_cache else "network"
        if request.method in self.invalidating_methods and resp.ok and request.url:
            for header in ("Location", "Content-Location"):
                target = resp.headers.get(header)
                if target:
                    # A Location that is no http(s) URL (or none at all) names nothing
                    # cached; the client reports it. Never an error here.
                    with contextlib.suppress(Exception):
                        absolute = urljoin(request.url, target)
                        if absolute.startswith(("http://", "https://")):
                            self.cache.delete(self.controller.cache_url(absolute))
        return resp


def _store(controller: CacheController, request: PreparedRequest, response: HTTPResponse,
           body: bytes) -> None:
    controller.cache_response(request, response, body=body)


def make_cache(spec: Any, token: str | None) -> BaseCache | None:
    """Turn ``connect(cache=...)`` into a namespaced cache (``None`` for no cache).

    ``None``/``True``: a bounded in-memory cache; ``False``: none; a path: a
    [`DirectoryCache`][hyperkm.DirectoryCache]; ``"redis://host:port/db"``: a RedisCache; a
    cachecontrol
    ``BaseCache``: used as it is.
    """
    if spec is False:
        return None
    if spec is None or spec is True:
        inner: BaseCache = MemoryCache()
    elif isinstance(spec, BaseCache):
        inner = spec
    elif isinstance(spec, str) and spec.startswith(("redis://", "rediss://", "unix://")):
        inner = RedisCache.from_url(spec)
    elif isinstance(spec, (str, os.PathLike)):
        path = os.path.expanduser(os.fspath(spec))  # "~/.cache/app" means the home directory
        if os.path.exists(path) and not os.path.isdir(path):
            raise ConfigurationError(f"cache={path!r} exists and is not a directory; give a "
                                     "directory path for a persistent cache")
        inner = DirectoryCache(path)
    else:
        raise ConfigurationError(
            f"cache= must be None, False, a directory path, a redis:// URL or a cachecontrol "
            f"BaseCache, got {type(spec).__name__}")
    return _Namespaced(inner, namespace_for(token))


_retry_note: ContextVar[Any] = ContextVar("hyperkm_retry_note", default=None)


@contextlib.contextmanager
def retry_notes(note: Any) -> Iterator[None]:
    """Send notes about retries made in this thread, during the block, to ``note``."""
    token = _retry_note.set(note)
    try:
        yield
    finally:
        _retry_note.reset(token)


class _CappedRetry(Retry):
    """urllib3's Retry with ``Retry-After`` capped: a server asking for an hour must not hang
    a program for an hour."""

    RETRY_AFTER_CAP: float = 30.0

    def get_retry_after(self, response: BaseHTTPResponse) -> float | None:
        try:
            value = super().get_retry_after(response)
        except (InvalidHeader, ValueError, OverflowError):
            # "soon", "-5", "1e9": a header that does not parse is ignored (RFC 9110 says
            # delay-seconds or an HTTP-date); the status code still stands.
            return None
        if value is None:
            return None
        value = min(value, self.RETRY_AFTER_CAP)
        deadline = _deadline.current()
        return value if deadline is None else max(0.0, min(value, deadline.remaining()))

    def get_backoff_time(self) -> float:
        value = super().get_backoff_time()
        deadline = _deadline.current()
        return value if deadline is None else max(0.0, min(value, deadline.remaining()))

    def sleep(self, response: BaseHTTPResponse | None = None) -> None:
        # Say that (and why, and how long) a request waits before it is sent again: the
        # client's note hook (the CLI prints it on stderr, the shell in its trace).
        note = _retry_note.get()
        last = self.history[-1] if self.history else None
        if note is not None and last is not None:
            wait = self.get_retry_after(response) if (
                response is not None and self.respect_retry_after_header) else None
            if wait is None:
                wait = self.get_backoff_time()
            why = (f"{last.status}" if last.status else
                   type(last.error).__name__ if last.error else "a failure")
            with contextlib.suppress(Exception):  # a hook never breaks a request
                note(f"{last.method} {last.url}: answered {why}; retrying in {wait:.1f} s "
                     f"(retry {len(self.history)})")
        # urllib3's own sleep, through the bridge: under hyperkm.aio the wait is the event
        # loop's, not the thread's.
        wait = None
        if response is not None and self.respect_retry_after_header:
            wait = self.get_retry_after(response)
        if not wait:  # as urllib3: no (or a zero) Retry-After means the backoff
            wait = self.get_backoff_time()
        _bridge.sleep(wait)

    def increment(self, method: str | None = None, url: str | None = None,
                  response: BaseHTTPResponse | None = None, error: Exception | None = None,
                  _pool: Any = None, _stacktrace: Any = None) -> Any:
        deadline = _deadline.current()
        if deadline is not None and deadline.passed():
            # No retry after the request's deadline: it covers every attempt.
            raise MaxRetryError(_pool, url or "", error or TimeoutError(
                f"the request's deadline of {deadline.seconds:g} s has passed"))
        return super().increment(method, url, response, error, _pool, _stacktrace)


def make_retry(retries: int | Retry | bool | None, retry_after_cap: float) -> Retry | int:
    """GET/HEAD retried with backoff on connection errors, 502/503/504 and 429 (honouring a
    capped ``Retry-After``); other methods only when the connection could not be made."""
    if retries is False or retries == 0:
        return 0
    if isinstance(retries, Retry):
        return retries
    count = 3 if retries is None or retries is True else int(retries)
    if count < 0:
        raise ConfigurationError("retries must be >= 0")
    cls = type("CappedRetry", (_CappedRetry,), {"RETRY_AFTER_CAP": float(retry_after_cap)})
    retry: Retry = cls(total=count, connect=count, read=count, status=count, other=0,
               backoff_factor=0.1, backoff_max=5.0,
               status_forcelist=(429, 502, 503, 504), allowed_methods=frozenset({"GET", "HEAD"}),
               respect_retry_after_header=True, raise_on_status=False, raise_on_redirect=False)
    return retry


# Public classes report the module users import them from (tracebacks, reprs, help()).
for _name in ("DirectoryCache", "MemoryCache", "RedisCache"):
    globals()[_name].__module__ = "hyperkm"
