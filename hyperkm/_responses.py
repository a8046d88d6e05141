"""What a response means, decided without sending anything: its body read within bounds, and
an HTTP error's message — the server's own words, what was asked, and what to do next."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

import requests

from . import formats
from ._exceptions import DocumentError, DocumentTooLarge, HTTPError, Timeout, http_error_class
from ._http import TokenScope
from ._problem import Problem, read_problem

__all__ = ["bearer_of", "deadline_passed", "http_error", "invalid_token", "read_body",
           "too_large"]


def read_body(response: requests.Response, method: str, url: str, limit: int | None,
              store: Callable[[bytes], None] | None = None) -> int:
    """Read the body into ``response.content``, within ``limit`` bytes after decompression (a
    gzip bomb is cut off while it inflates), then ``store`` it (the cache's, when the adapter
    keeps this answer). Returns the body's size."""
    declared = response.headers.get("Content-Length", "")
    if limit is not None and declared.isdigit() and int(declared) > limit \
            and not response.headers.get("Content-Encoding"):
        response.close()
        raise too_large(method, url, limit, f"it declares {int(declared):,} bytes")
    if declared.isdigit() and not response.headers.get("Content-Encoding") \
            and response.raw is not None:
        # The size is known and within the limit: one read into one buffer (urllib3 refuses a
        # body shorter than declared; the deadline bounds the time).
        body = response.raw.read()
    else:
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_content(64 * 1024):
            size += len(chunk)
            if limit is not None and size > limit:
                response.close()
                raise too_large(method, url, limit, "it is larger")
            chunks.append(chunk)
        body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
    response._content = body
    response._content_consumed = True  # type: ignore[attr-defined]
    if store is not None:
        store(body)
    return len(body)


def http_error(response: requests.Response, token_sent: bool, *, scope: TokenScope,
               token: str | None, oauth: Any) -> HTTPError:
    """The [`HTTPError`][hyperkm.HTTPError] subclass for a 4xx/5xx answer."""
    status = response.status_code
    url = response.url
    method = response.request.method or "GET"
    document = None
    with contextlib.suppress(DocumentError):
        document = formats.parse(response.content, url, response.headers, allow_empty=True)
    problem = read_problem(_error_body(response), response.headers.get("Content-Type"),
                           url, status)
    server_message = _server_message(response, document, problem)
    reason = response.reason or _phrase(status)  # HTTP/2 and some servers send none
    message = f"{status} {reason} from {method} {url}" if reason else \
        f"{status} from {method} {url}"
    if server_message:
        message += f": {server_message}"
    if problem is not None and problem.type != "about:blank":
        message += f" (problem type {problem.type})"
    message += f". {_hint(status, url, token_sent, response, scope, token, oauth)}"
    cls = http_error_class(status)
    return cls(message, url=url, status=status, server_message=server_message,
               response=response, document=document, problem=problem)


def _hint(status: int, url: str, token_sent: bool, response: requests.Response,
          scope: TokenScope, token: str | None, oauth: Any) -> str:
    if status == 401:
        if oauth is not None:
            if not token_sent:
                return f"The token was withheld: {scope.reason_withheld(url)}."
            return ("The server rejected the OAuth2 access token even after it was "
                    "renewed; check the client's scopes and registration.")
        if token and not token_sent:
            return f"The token was withheld: {scope.reason_withheld(url)}."
        if not token:
            return "No token was sent; pass token= to hyperkm.connect() or set HYPERKM_TOKEN."
        return "The server rejected the token; check that it is valid and not revoked."
    limited = _rate_limited(response.headers) if status in (403, 429) else None
    if limited:
        return limited
    if status == 403:
        return "The token is valid but may not see this resource."
    if status == 404:
        return "Nothing is there (any longer); start again from a link the API gave you."
    if status == 406:
        return "The server cannot answer in JSON at this URL."
    if status == 412:
        return "The resource changed since you read it; refresh it and try again."
    if status == 415:
        sent = (response.request.headers.get("Content-Type") if response.request is not None
                else None) or "no Content-Type"
        accepts = response.headers.get("Accept-Post") or response.headers.get("Accept-Patch")
        return (f"The server does not accept the body as it was sent ({sent})"
                + (f"; it accepts {accepts}" if accepts else "")
                + ". Send the media type it expects: a form's own contentType, or "
                "headers={'Content-Type': ...}.")
    if status in (429, 503):
        after = (response.headers.get("Retry-After") or "").strip()
        if not after:
            return "The server is busy; retry later."
        return "The server is busy; retry later " + (
            f"(it asks for {after} s)." if after.isdigit() else f"(it asks to wait until {after}).")
    if status >= 500:
        return "The server failed; retrying later may help."
    return "Check the request's variables and body."


def _rate_limited(headers: Any) -> str | None:
    """What a 403 or 429 says of a rate limit that is used up: GitHub's ``X-RateLimit-*``
    (a 403 there means "wait", not "forbidden") and the IETF draft's ``RateLimit-*``."""
    remaining = headers.get("X-RateLimit-Remaining") or headers.get("RateLimit-Remaining")
    if remaining is None or remaining.strip() != "0":
        return None
    reset = (headers.get("X-RateLimit-Reset") or headers.get("RateLimit-Reset") or "").strip()
    when = ""
    if reset.isdigit() and len(reset) <= 12:  # a longer number is no time at all
        value = int(reset)
        if value > 1_000_000_000:  # an epoch time (GitHub), else seconds from now (IETF)
            with contextlib.suppress(OverflowError, OSError, ValueError):
                stamp = datetime.fromtimestamp(value, tz=UTC)
                when = f"; it resets at {stamp:%H:%M:%S} UTC"
        else:
            when = f"; it resets in {value} s"
    return (f"The API's rate limit is used up (RateLimit-Remaining: 0){when}. Wait, or use a "
            "token with a higher limit; this is not a permission problem.")


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:  # a status no RFC names (599, 499)
        return ""


def deadline_passed(method: str, url: str, seconds: float) -> Timeout:
    return Timeout(
        f"{method} {url} took longer than its deadline of {seconds:g} s (connect, reads and "
        "retries in all); the server is too slow or stalled. Retry, or pass a larger "
        "deadline= to hyperkm.connect().", url=url)


def too_large(method: str, url: str, limit: int, what: str) -> DocumentTooLarge:
    return DocumentTooLarge(
        f"{method} {url}: the body is over the limit of {limit:,} bytes ({what}, counted after "
        "decompression); nothing more was read. If this resource is really that large, pass a "
        "larger max_document_bytes= to hyperkm.connect() (None lifts the limit), or use "
        "resource.download(path) to stream it to a file.", url=url, limit=limit)


def _error_body(response: requests.Response) -> Any:
    try:
        return json.loads(response.content) if response.content else None
    except (ValueError, RecursionError):
        return None


def _server_message(response: requests.Response, document: formats.Document | None,
                    problem: Problem | None = None) -> str | None:
    """The server's own words about an error, from any of the error bodies we know."""
    if problem is not None and problem.message():
        return problem.message()  # RFC 9457 first: its "errors" extension is not JSON:API's
    said = formats.error_message(_error_body(response))  # as each format reads its errors
    if said:
        return said
    ctype = response.headers.get("Content-Type", "")
    if ctype.startswith("text/plain") and response.text.strip():
        return response.text.strip()[:200]
    return None


def invalid_token(response: requests.Response) -> bool:
    """A 401 saying the bearer token is no good (RFC 6750 ``error="invalid_token"``)."""
    return "invalid_token" in response.headers.get("WWW-Authenticate", "")


def bearer_of(response: requests.Response) -> str | None:
    sent = response.request.headers.get("Authorization", "") if response.request else ""
    return sent[7:] if sent.startswith("Bearer ") else None
