"""The emulator as a WSGI application (werkzeug): routing, auth, ETags, faults, statistics."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, MapAdapter, Rule
from werkzeug.wrappers import Request, Response

from ._common import STARTED, ApiError
from .core import CoreApi
from .dataset import TOKENS, Dataset
from .faults import Faults
from .layouts import LAYOUTS
from .oauth import OAuthServer
from .queries import QueryApi
from .reading import MAX_BODY_BYTES, format_for
from .render import (
    FORMATS,
    MEDIA_TYPES,
    Rep,
    error_body,
    link_header,
    link_template_header,
    render,
)

__all__ = ["MAX_BODY_BYTES", "DemoApp", "DemoConfig", "Stats"]

log = logging.getLogger("hyperkm.demo")

_METHODS = {"product": ["GET", "PATCH", "PUT"], "event": ["GET", "PATCH", "PUT"],
            "property": ["GET", "PATCH", "PUT"], "report_run": ["POST"]}
_DATE = {"type": "datetime", "required": True, "read_only": False}
_EDITABLE = {"display_name": {"type": "string", "required": False, "label": "Display name"},
             "description": {"type": "string", "required": False, "label": "Description"}}
#: What OPTIONS says of the bodies each endpoint takes (Django REST framework's ``actions``
#: metadata: a real convention for describing a request body where the format has no forms).
_DESCRIBED: dict[str, dict[str, Any]] = {
    "report_run": {"POST": {"start_date": {**_DATE, "label": "Start (ISO 8601 date-time)"},
                            "end_date": {**_DATE, "label": "End (ISO 8601 date-time)"}}},
    **{kind: {"PATCH": _EDITABLE, "PUT": _EDITABLE} for kind in ("product", "event")},
    "property": {method: {**_EDITABLE, "is_visible": {
        "type": "boolean", "required": False, "label": "Visible"}} for method in ("PATCH", "PUT")}}


class DemoConfig:
    """Settings of one emulator instance (all have safe defaults).

    Args:
        format: ``"km"`` (KISSmetrics envelopes), ``"hal"`` (with HAL-FORMS), ``"array"``
            (bare JSON arrays paged by ``Link`` headers), ``"siren"``, ``"jsonapi"``,
            ``"collection+json"`` or ``"html"``: the format served by default.
        formats: More formats to serve by content negotiation (``Accept``); the default
            format answers ``application/json`` and ``*/*``.
        layout: ``"km"`` (the real API's paths) or ``"alt"`` (different paths and names).
        max_age: ``Cache-Control`` max-age in seconds (default 0: clients must revalidate).
        latency_ms: Delay added to every request.
        fail_rate: Fraction of requests answered 503 with ``Retry-After``.
        drop_rate: Fraction of requests whose connection is dropped without an answer.
        job_polls: Status polls before a report run completes.
        job_seconds: Or seconds after which it completes (whichever comes first).
        tokens: token -> account id; defaults to `demo.dataset.TOKENS`.
        page_size: Members per page when a request does not say (``limit``; default 20, as
            the real API).
        hrefs: ``"absolute"`` (the real API's, the default) or ``"relative"``: links,
            templates and ``Location`` as absolute-path references (``/core/accounts``), as
            many real servers write them.
        token_ttl: Seconds an OAuth2 access token from the emulator's token endpoint lives
            (default 300; see `demo.oauth`).
    """

    def __init__(
        self,
        *,
        format: str = "km",
        formats: tuple[str, ...] | list[str] = (),
        layout: str = "km",
        seed: int = 0,
        events: int = 45,
        properties: int = 8,
        max_age: int = 0,
        latency_ms: float = 0.0,
        fail_rate: float = 0.0,
        drop_rate: float = 0.0,
        retry_after: int = 1,
        job_polls: int = 2,
        job_seconds: float | None = None,
        result_rows: int = 137,
        tokens: dict[str, str] | None = None,
        page_size: int = 20,
        hrefs: str = "absolute",
        token_ttl: float = 300.0,
    ) -> None:
        for name in (format, *formats):
            if name not in FORMATS:
                raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {name!r}")
        if hrefs not in ("absolute", "relative"):
            raise ValueError(f"hrefs must be 'absolute' or 'relative', got {hrefs!r}")
        self.hrefs = hrefs
        if layout not in LAYOUTS:
            raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}, got {layout!r}")
        for name, rate in (("fail_rate", fail_rate), ("drop_rate", drop_rate)):
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {rate!r}")
        if events < 0 or properties < 0 or result_rows < 0:
            raise ValueError("sizes must not be negative")
        self.format = format
        #: Every format served, the default first.
        self.formats: tuple[str, ...] = tuple(dict.fromkeys((format, *formats)))
        self.layout = layout
        self.seed = seed
        self.events = events
        self.properties = properties
        self.max_age = max_age
        self.latency_ms = latency_ms
        self.fail_rate = fail_rate
        self.drop_rate = drop_rate
        self.retry_after = retry_after
        self.job_polls = job_polls
        self.job_seconds = job_seconds
        self.result_rows = result_rows
        if not 1 <= page_size <= 100:
            raise ValueError(f"page_size must be between 1 and 100, got {page_size!r}")
        self.page_size = page_size
        self.tokens = dict(tokens or TOKENS)
        if token_ttl <= 0:
            raise ValueError(f"token_ttl must be positive, got {token_ttl!r}")
        self.token_ttl = token_ttl


class Stats:
    """Request statistics, safe to read while the server runs."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests = 0
        self.conditional = 0
        self.not_modified = 0
        self.bytes_sent = 0
        self.by_status: Counter[int] = Counter()
        self.by_method: Counter[str] = Counter()
        self.paths: Counter[str] = Counter()
        self.faults = 0
        self.drops = 0

    def record(self, method: str, path: str, status: int, size: int, conditional: bool) -> None:
        with self._lock:
            self.requests += 1
            self.by_status[status] += 1
            self.by_method[method] += 1
            self.paths[path] += 1
            self.bytes_sent += size
            if conditional:
                self.conditional += 1
            if status == 304:
                self.not_modified += 1

    def reset(self) -> None:
        with self._lock:
            self.__init__()  # type: ignore[misc]

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {"requests": self.requests, "conditional": self.conditional,
                    "not_modified": self.not_modified, "bytes_sent": self.bytes_sent,
                    "by_status": dict(self.by_status), "by_method": dict(self.by_method),
                    "faults": self.faults, "drops": self.drops}


class DemoApp:
    """The WSGI application. Thread-safe: the server handles requests concurrently."""

    def __init__(self, config: DemoConfig | None = None) -> None:
        self.config = config or DemoConfig()
        self.data = Dataset(seed=self.config.seed, events=self.config.events,
                            properties=self.config.properties)
        self.stats = Stats()
        self._lock = threading.Lock()
        #: The Core API's endpoints (directory, accounts, products, events, properties,
        #: reports, metrics, writes) and the Query API's (report runs as jobs).
        self.core = CoreApi(self)
        self.queries = QueryApi(self)
        self.faults = Faults(self.config)
        self.layout = self.config.layout
        #: The scheme://host:port links are built with (set by the server that runs the app).
        #: Never the request's Host header: a client must not choose the links it is served.
        self.base_url: str | None = None
        self._write_lock = threading.Lock()  # If-Match check and update happen as one step
        self._rendered: dict[tuple[Any, ...], tuple[int, list[tuple[str, str]], bytes]] = {}
        self._map = self._build_map(self.layout)
        self._old_map: Map | None = None
        self.moved_mode: str | None = None
        #: The OAuth2 authorization server (its tokens see the first token's account).
        self.oauth = OAuthServer(next(iter(self.config.tokens.values())),
                                 token_ttl=self.config.token_ttl)

    # -- layout ---------------------------------------------------------------------------

    @staticmethod
    def _build_map(layout: str) -> Map:
        return Map([Rule(path, endpoint=endpoint, methods=_METHODS.get(endpoint, ["GET"]))
                    for endpoint, path in LAYOUTS[layout].items()],
                   strict_slashes=False, merge_slashes=False)

    def switch_layout(self, layout: str, *, mode: str = "404") -> None:
        """Serve ``layout`` from now on. Old URLs answer 404 (``mode="404"``) or 301 to the new
        URL (``mode="301"``)."""
        if layout not in LAYOUTS:
            raise ValueError(f"unknown layout {layout!r}; choose from {', '.join(LAYOUTS)}")
        if mode not in ("404", "301"):
            raise ValueError("mode must be '404' or '301'")
        with self._lock:
            if layout != self.layout:
                self._old_map = self._build_map(self.layout)
                self.layout = layout
                self._map = self._build_map(layout)
            self.moved_mode = mode

    def root_path(self) -> str:
        return LAYOUTS[self.layout]["root"]

    # -- faults -----------------------------------------------------------------------------

    def fail_next(self, count: int = 1, *, retry_after: int | None = None) -> None:
        """Answer the next ``count`` requests with 503 + Retry-After."""
        self.faults.fail_next(count, retry_after=retry_after)

    def drop_next(self, count: int = 1) -> None:
        """Drop the connection of the next ``count`` requests without answering."""
        self.faults.drop_next(count)

    # -- WSGI -------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        if self.config.latency_ms:
            time.sleep(self.config.latency_ms / 1000.0)
        fault = self.faults.next()
        if fault and fault[0] == "drop":
            with self.stats._lock:
                self.stats.drops += 1
            sock = environ.get("werkzeug.socket")
            if isinstance(sock, socket.socket):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
            # Abort the request handler: werkzeug closes the (already dead) connection.
            raise ConnectionAbortedError("demo: connection dropped on purpose")
        if fault:
            with self.stats._lock:
                self.stats.faults += 1
            response = self._error_response(request, ApiError(
                503, "Service temporarily unavailable (injected fault); retry later.",
                ["unavailable"], {"Retry-After": str(fault[1])}))
        elif self.oauth.handles(request.path):
            response = self.oauth.handle(request, self.base_url or request.host_url.rstrip("/"))
        else:
            response = self._cached_dispatch(request)
        conditional = "If-None-Match" in request.headers or "If-Modified-Since" in request.headers
        # werkzeug keeps the body of a 304 but never sends it (nor for HEAD): count what goes.
        sends_body = response.status_code not in (204, 304) and request.method != "HEAD"
        size = (response.calculate_content_length() or 0) if sends_body else 0
        self.stats.record(request.method, request.path, response.status_code, size, conditional)
        return response(environ, start_response)

    def _cached_dispatch(self, request: Request) -> Response:
        """GET answers that carry an ETag are kept (by URL, format, credentials, layout and the
        data's write count) and served again without rebuilding them — as a real API behind a
        cache would; conditional requests still get their 304."""
        if request.method not in ("GET", "HEAD"):
            return self._dispatch(request)
        header = request.headers.get("Authorization", "")
        account = self._account_for(header)
        if account is None:
            return self._dispatch(request)  # no answer to keep: it will be a 401
        # Everything an answer depends on: hrefs are absolute on the request's own host, a
        # revoked or re-assigned token must not be served from here.
        key = (request.full_path, request.host_url, format_for(request, self.config.formats),
               header, account, self.layout, self.moved_mode, self.data.writes,
               self.queries.runs)
        hit = self._rendered.get(key)
        if hit is not None:
            status, headers, body = hit
            response = Response(body, status=status, headers=headers)
            response.make_conditional(request)
            return response
        response = self._dispatch(request)
        if response.status_code == 200 and "ETag" in response.headers and \
                not response.direct_passthrough:
            body = response.get_data()
            headers = [(k, v) for k, v in response.headers.items()
                       if k.lower() not in ("content-length",)]
            with self._lock:
                if len(self._rendered) >= 512:
                    self._rendered.clear()
                self._rendered[key] = (200, headers, body)
        return response

    def _dispatch(self, request: Request) -> Response:
        try:
            adapter = self._bind(self._map, request)
            if request.method == "OPTIONS":
                return self._options(request, adapter)
            try:
                endpoint, args = adapter.match()
            except NotFound:
                moved = self._moved(request)
                if moved is not None:
                    return moved
                raise
            account = self._authenticate(request)
            self._negotiate(request)
            # The Core API's endpoints are this class's; the Query API's, its own class's.
            handler = (getattr(self.core, endpoint, None) or getattr(self.queries, endpoint))
            return handler(request, adapter, account, **args)  # type: ignore[no-any-return]
        except ApiError as exc:
            return self._error_response(request, exc)
        except MethodNotAllowed as exc:
            allowed = sorted(exc.valid_methods or [])
            return self._error_response(request, ApiError(
                405, f"{request.method} is not allowed here; use {', '.join(allowed)}.",
                ["method_not_allowed"], {"Allow": ", ".join(allowed)}))
        except NotFound:
            return self._error_response(request, ApiError(
                404, f"Nothing is at {request.path}. Start from the root directory.",
                ["not_found"]))
        except HTTPException as exc:  # pragma: no cover - werkzeug's other routing errors
            return self._error_response(request, ApiError(exc.code or 400, exc.description or "",
                                                        ["invalid_request"]))

    def _options(self, request: Request, adapter: MapAdapter) -> Response:
        """``OPTIONS``: an emulator extension (the real API did not answer it) telling what
        each resource accepts, for clients of formats that carry no forms."""
        allowed = set(adapter.allowed_methods())
        if not allowed:
            raise NotFound()
        self._authenticate(request)
        endpoint = adapter.match(method=sorted(allowed - {"OPTIONS"})[0])[0] \
            if allowed - {"OPTIONS"} else ""
        described = _DESCRIBED.get(endpoint)
        if described is None:
            response = Response(status=204)
        else:  # the request bodies it takes, in Django REST framework's metadata shape
            response = Response(json.dumps({"name": endpoint, "actions": described}),
                                mimetype="application/json")
        response.headers["Allow"] = ", ".join(sorted(allowed | {"OPTIONS"}))
        return response

    def _bind(self, map_: Map, request: Request) -> MapAdapter:
        if self.base_url is None:  # a bare WSGI app (no server told it its address)
            return map_.bind_to_environ(request.environ)
        scheme, _, netloc = self.base_url.partition("://")
        return map_.bind(netloc, script_name=request.script_root or "/", url_scheme=scheme,
                         path_info=request.path, default_method=request.method,
                         query_args=request.query_string.decode("latin-1"))

    def _moved(self, request: Request) -> Response | None:
        if self._old_map is None or self.moved_mode != "301":
            return None
        try:
            endpoint, args = self._bind(self._old_map, request).match()
        except HTTPException:
            return None
        new = self._bind(self._map, request).build(endpoint, args, force_external=True)
        if request.query_string:
            new += "?" + request.query_string.decode("latin-1")
        response = Response(json.dumps({"meta": {"status": 301, "message": f"Moved to {new}",
                                                 "errors": []}, "links": []}),
                            status=301, mimetype="application/json")
        response.headers["Location"] = new
        return response

    # -- request checks -----------------------------------------------------------------------

    def _account_for(self, header: str) -> str | None:
        """The account an ``Authorization`` header's bearer token belongs to, if any."""
        return self._who(header)[0]

    def _who(self, header: str) -> tuple[str | None, str]:
        """The account of a bearer token (a fixed one, or an OAuth2 access token) and, if
        none, why."""
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer":
            return None, "The bearer token is not valid."
        token = token.strip()
        account = self.config.tokens.get(token)
        if account is not None:
            return account, ""
        return self.oauth.check(token)

    def _authenticate(self, request: Request) -> str:
        header = request.headers.get("Authorization", "")
        account, reason = self._who(header)
        if account is None:
            why = "Authentication required: send Authorization: Bearer <token>." if not header \
                else reason
            raise ApiError(401, why, ["unauthorized"],
                         {"WWW-Authenticate": 'Bearer realm="hyperkm-demo"'
                          + ("" if not header else ', error="invalid_token"')})
        return account

    def _negotiate(self, request: Request) -> None:
        if not request.headers.get("Accept"):
            return
        if format_for(request, self.config.formats) is None:
            offered = ", ".join(dict.fromkeys(MEDIA_TYPES[f] for f in self.config.formats))
            raise ApiError(406, f"This API serves {offered}.", ["not_acceptable"])

    # -- responses ----------------------------------------------------------------------------

    def _error_response(self, request: Request, exc: ApiError) -> Response:
        fmt = format_for(request, self.config.formats) or self.config.format
        body = error_body(fmt, exc.status, exc.message, exc.errors,
                          (self.base_url or "") + request.path)
        mimetype = ("application/problem+json" if fmt == "hydra" else MEDIA_TYPES[fmt]
                    if fmt not in ("hal", "km", "array") else "application/json")
        response = Response(body if isinstance(body, str) else json.dumps(body),
                            status=exc.status, mimetype=mimetype)
        for key, value in exc.headers.items():
            response.headers[key] = value
        response.headers["Cache-Control"] = "no-store"
        return response

    def _respond(self, request: Request, rep: Rep, *, status: int = 200,
                 cacheable: bool = True, last_modified: datetime | None = None,
                 headers: dict[str, str] | None = None) -> Response:
        fmt = format_for(request, self.config.formats) or self.config.format
        base = self.base_url or request.host_url.rstrip("/")
        curie = base + LAYOUTS[self.layout]["rels"] + "#{rel}"
        rendered = render(rep, fmt, curie)
        body = rendered if isinstance(rendered, str) else json.dumps(rendered)
        response = Response(body, status=status, mimetype=MEDIA_TYPES[fmt])
        if len(self.config.formats) > 1:
            response.vary.add("Accept")  # caches must keep the formats apart
        if any(not x.templated for x in rep.all_links()):
            response.headers["Link"] = link_header(rep, fmt, curie)
        if any(x.templated for x in rep.all_links()):
            response.headers["Link-Template"] = link_template_header(rep, fmt, curie)
        for key, value in (headers or {}).items():
            response.headers[key] = value
        if not cacheable:
            response.headers["Cache-Control"] = "no-cache"
            return response
        response.headers["Cache-Control"] = (
            f"private, max-age={self.config.max_age}, must-revalidate")
        response.set_etag(hashlib.sha1(body.encode("utf-8")).hexdigest()[:24])
        response.last_modified = last_modified or STARTED
        if request.method in ("GET", "HEAD") and status == 200:
            response.make_conditional(request)
        return response

    # -- link helpers --------------------------------------------------------------------------

    def _url(self, adapter: MapAdapter, endpoint: str, **values: Any) -> str:
        # hrefs="relative": absolute-path references ("/core/accounts/…"), as many real
        # servers write them; a client resolves them against the document's URL (RFC 3986 5).
        return str(adapter.build(endpoint, values,
                                 force_external=self.config.hrefs == "absolute"))

    def _template(self, adapter: MapAdapter, endpoint: str, suffix: str = "") -> str:
        # Build with a placeholder and turn it into an RFC 6570 expression.
        marker = "HYPERKMVAR"
        url = self._url(adapter, endpoint, id=marker) if "<id>" in LAYOUTS[self.layout][endpoint] \
            else self._url(adapter, endpoint)
        return url.replace(marker, "{id}") + suffix
