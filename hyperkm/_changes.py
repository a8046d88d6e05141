"""What a resource does besides being read: writes (with If-Match), waiting for a job, and
downloading a body as it is. A mixin of [`Resource`][hyperkm.Resource]; each method works on
any resource class (it returns the caller's class)."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any, BinaryIO, overload

from . import _deadline, _jobs, _writes
from ._exceptions import Timeout
from ._node import Node, R

__all__ = ["CLIENT_DEADLINE", "Changes"]


class _ClientDeadline:
    """The default of ``download(deadline=...)``: the client's own deadline."""

    def __repr__(self) -> str:
        return "the client's deadline"


CLIENT_DEADLINE = _ClientDeadline()


class Changes:
    """Writes, jobs and downloads (see the module's docstring)."""

    __slots__ = ()

    @overload
    def download(self: Node, to: None = None, *, deadline: float | _ClientDeadline | None = ...
                 ) -> bytes: ...
    @overload
    def download(self: Node, to: str | os.PathLike[str] | BinaryIO, *,
                 deadline: float | _ClientDeadline | None = ...) -> int: ...

    def download(self: Node, to: str | os.PathLike[str] | BinaryIO | None = None, *,
                 deadline: float | _ClientDeadline | None = CLIENT_DEADLINE) -> bytes | int:
        """The raw body at this URL, whatever its media type (a CSV export, an image).

        Args:
            to: A path or a binary file object: the body is streamed there, with no size
                limit, and the number of bytes written is returned. A path is written to a
                new file beside it and renamed when complete, so a failed download leaves
                nothing behind and an existing file is replaced only by a whole one. Without
                ``to``, the body is returned as bytes (within the client's
                ``max_document_bytes``).
            deadline: Seconds the whole download may take, body included (default: the
                client's ``deadline``); ``None`` bounds it by the socket timeouts only, for a
                large file on a slow link.

        Raises:
            HTTPError, TransportError: as for any request.
            Timeout: the download took longer than ``deadline``.
            DocumentTooLarge: without ``to``, the body is over ``max_document_bytes``.
        """
        from ._download import stream_to, too_slow

        if to is None:
            return self.client.request("GET", self.url, headers={"Accept": "*/*"}).content
        seconds = self.client.deadline if isinstance(deadline, _ClientDeadline) else deadline
        with _deadline.running(seconds) as bound:
            try:
                response = self.client.request("GET", self.url, headers={"Accept": "*/*"},
                                                stream=True)
            except Timeout as exc:
                if bound is None or not bound.passed():
                    raise
                # A transport that reads bodies whole (httpx's, a test's) ran out of time
                # on the body before the stream began: say it as the download's deadline.
                raise too_slow(self.url, bound, 0) from exc
            return stream_to(response, to, bound)

    def wait(self: R, *, timeout: float = 300.0, interval: float = 1.0, max_interval: float = 10.0,
             on_progress: Callable[[Any, R], None] | None = None) -> R:
        """Poll this asynchronous job's status until it is done; return the result resource.

        The job is done when its status answers 201 or 303 with ``Location``, says
        ``completed: true`` (or a finished ``status``), or links to its results
        (``query-results``, ``results``, ``result``). Between polls it honours ``Retry-After``,
        else waits ``interval`` seconds, growing to ``max_interval``.

        Args:
            timeout: Seconds to wait in all.
            interval: First pause between polls.
            max_interval: Longest pause between polls.
            on_progress: Called after every poll with the ``progress`` the server gave (0..1)
                or ``None``, and the status resource.

        Raises:
            JobFailed: the status reports an ``error`` (or a failed ``status``).
            JobTimeout: not done within ``timeout``.
            HTTPError: the status answered 4xx/5xx (with the server's message).
        """
        result: R = _jobs.wait(self, timeout=timeout, interval=interval,
                                      max_interval=max_interval, retry_after_cap=30.0,
                                      on_progress=on_progress)
        return result

    # -- writes -------------------------------------------------------------------------

    def post(self: R, json: Any = None, *, headers: Mapping[str, str] | None = None) -> R:
        """POST ``json`` to this resource.

        Returns:
            The resource named by the response's ``Location`` (a new resource, or the status of
            an asynchronous job after ``202 Accepted``), else the response's own document.
        """
        return _write(self, "POST", json, None, headers)

    def put(self: R, json: Any = None, *, if_match: str | bool | None = None,
            headers: Mapping[str, str] | None = None) -> R:
        """PUT ``json``, with ``If-Match`` set to the ETag of the state at hand.

        Args:
            json: The new representation.
            if_match: An ETag to send instead, or ``False`` to send no ``If-Match``.
            headers: Extra request headers.

        Raises:
            PreconditionFailed: the resource changed since it was read; ``.current`` holds
                its current state.
        """
        return _write(self, "PUT", json, if_match, headers)

    def patch(self: R, json: Any = None, *, if_match: str | bool | None = None,
              headers: Mapping[str, str] | None = None) -> R:
        """PATCH ``json`` (``If-Match`` as in `put`); returns this resource, updated from
        the response when the server sends the new representation."""
        return _write(self, "PATCH", json, if_match, headers)

    def delete(self: R, *, if_match: str | bool | None = None,
               headers: Mapping[str, str] | None = None) -> R:
        """DELETE this resource (``If-Match`` as in `put`)."""
        return _write(self, "DELETE", None, if_match, headers)


def _write(resource: R, method: str, json_body: Any, if_match: str | bool | None,
           headers: Mapping[str, str] | None) -> R:
    return _writes.write(resource, method, resource.url, json_body=json_body,
                          headers=headers, if_match=if_match)
