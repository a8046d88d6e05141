"""The client's decisions, as plain functions of what was asked and what came — no I/O: where
a redirect leads and what goes along, which credentials a request to another origin keeps,
what names a credential for the cache, what OPTIONS said, how long a socket may wait."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Collection, Iterable, Mapping
from typing import Any
from urllib.parse import urldefrag

from . import formats
from ._urls import join_checked

__all__ = ["MAX_REDIRECTS", "REDIRECTS", "credential_identity", "read_options",
           "redirect_hop", "timeout_within", "without_credentials"]

REDIRECTS = (301, 302, 303, 307, 308)
#: How many redirects one request may follow before hyperkm gives up.
MAX_REDIRECTS = 10

#: Request headers that describe the body or condition the write, dropped when a redirect
#: turns the request into a GET (RFC 9110 §15.4.4, §13.1).
NOT_AFTER_SEE_OTHER = frozenset({
    "content-type", "content-encoding", "content-language", "content-location",
    "content-length", "if-match", "if-none-match", "if-unmodified-since",
    "if-modified-since", "if-range"})


def redirect_hop(method: str, url: str, status: int, location: str | None, base: str,
                 data: bytes | None, headers: dict[str, str]
                 ) -> tuple[str, str, bytes | None, dict[str, str]] | None:
    """Where a redirect leads: the next request's method, URL, body and headers — or ``None``
    when the answer is no redirect (``base`` is the URL the answer came from).

    Raises:
        DocumentError: the ``Location`` is no URL hyperkm will request.
    """
    if status not in REDIRECTS or not location:
        return None
    target = join_checked(base, location, source=f"the Location header of {status} from {url}",
                          url=url)
    # RFC 9110 15.4: 303 always becomes GET; 301/302 turn POST into GET in practice.
    if status == 303 or (status in (301, 302) and method == "POST"):
        # The GET that follows reads another resource: the body's headers and the write's
        # preconditions (an If-Match of the resource written) do not go along — a receipt's
        # GET with the order's If-Match would be answered 412.
        headers = {k: v for k, v in headers.items() if k.lower() not in NOT_AFTER_SEE_OTHER}
        method, data = "GET", None
    return method, urldefrag(target)[0], data, headers


def without_credentials(headers: Mapping[str, Any], credential_headers: Collection[str],
                        secrets: Collection[str], session_headers: Iterable[str]
                        ) -> dict[str, Any]:
    """``headers`` for a request to another origin: no credential header (given to the
    client or set on its session — ``None`` tells requests to drop a session's), and no
    header that carries a credential under another name (a middleware may have copied one)."""
    kept = {k: v for k, v in headers.items() if k.lower() not in credential_headers}
    if secrets:
        kept = {k: v for k, v in kept.items()
                if not isinstance(v, str) or not any(s in v for s in secrets)}
    for name in session_headers:
        if name.lower() in credential_headers:
            kept[name] = None
    return kept


def credential_identity(token: str, headers: Iterable[Mapping[str, Any]],
                        credential_headers: Collection[str], session: Any = None
                        ) -> str | None:
    """Everything that makes a request speak for someone (the token, credential headers, a
    session's auth and cookies), as one string: what names the cache's namespace."""
    parts = [token]
    for source in headers:
        parts += sorted(f"{k.lower()}={v!r}" for k, v in source.items()
                        if k.lower() in credential_headers)
    if session is not None:
        if session.auth is not None:
            auth = session.auth
            parts.append("auth=" + repr(sorted(vars(auth).items()) if hasattr(
                auth, "__dict__") else auth))
        parts += sorted(f"cookie={c.domain}|{c.name}={c.value}" for c in session.cookies)
    identity = "\0".join(parts)
    return identity if identity.strip("\0") else None


def read_options(status: int, headers: Mapping[str, str], body: bytes
                 ) -> tuple[frozenset[str], dict[str, tuple[Any, ...]]]:
    """What an ``OPTIONS`` answer says: the methods (``Allow``) and the fields each takes
    (Django REST framework's metadata shape in a JSON body)."""
    # 2xx answers carry Allow, and so must a 405 (RFC 9110 15.5.6); other errors say nothing
    allow = headers.get("Allow", "") if status < 400 or status == 405 else ""
    methods = frozenset(m.strip().upper() for m in allow.split(",") if m.strip())
    fields: dict[str, tuple[Any, ...]] = {}
    if status < 300 and "json" in headers.get("Content-Type", ""):
        with contextlib.suppress(ValueError, RecursionError):
            fields = formats.described_fields(json.loads(body))
    return methods, fields


def timeout_within(timeout: Any, deadline: Any) -> Any:
    """The socket timeout for a request: the client's, but never past what is left of the
    deadline."""
    if deadline is None:
        return timeout
    left = max(deadline.remaining(), 0.001)
    if timeout is None:
        return left
    if isinstance(timeout, tuple):
        return tuple(min(t, left) if t is not None else left for t in timeout)
    return min(timeout, left)
