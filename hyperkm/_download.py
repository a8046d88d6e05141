"""Streaming a response body to a file: no size limit, nothing left behind on failure."""

from __future__ import annotations

import os
from typing import BinaryIO

import requests
import urllib3

from ._deadline import Deadline
from ._exceptions import Timeout
from ._files import replace_atomically
from ._http import translate

__all__ = ["stream_to", "too_slow"]

CHUNK = 64 * 1024


def stream_to(response: requests.Response, to: str | os.PathLike[str] | BinaryIO,
              deadline: Deadline | None = None) -> int:
    """Write ``response``'s body to ``to`` (a path or a binary file); return bytes written.

    A path is written to a new file beside it and renamed when the body is complete; on
    failure that file (which hyperkm created) is removed and the error raised, and an existing
    file at ``PATH`` is left as it was.
    """
    url = response.url
    with response:
        if not isinstance(to, (str, os.PathLike)):
            return _copy(response, to, url, deadline)
        with replace_atomically(to) as f:
            return _copy(response, f, url, deadline)


def _copy(response: requests.Response, out: BinaryIO, url: str,
          deadline: Deadline | None) -> int:
    written = 0
    chunks = response.iter_content(CHUNK)
    while True:
        try:
            chunk = next(chunks, None)
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
            if deadline is not None and deadline.passed():
                raise too_slow(url, deadline, written) from exc
            translate(exc, "GET", url, None)  # the server's side failed mid-body
        if deadline is not None and deadline.expired:
            # The watchdog cut the connection: what was read is a truncated body.
            raise too_slow(url, deadline, written)
        if chunk is None:
            return written
        out.write(chunk)  # a local failure (a full disk) is raised as it is
        written += len(chunk)


def too_slow(url: str, deadline: Deadline, written: int) -> Timeout:
    return Timeout(f"GET {url}: the download took longer than its deadline of "
                   f"{deadline.seconds:g} s ({written:,} bytes written). Pass a longer "
                   "download(deadline=...), or deadline=None for the socket timeouts only.",
                   url=url)
