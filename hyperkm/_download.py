"""Streaming a response body to a file: no size limit, nothing left behind on failure."""

from __future__ import annotations

import os
from typing import BinaryIO

import requests
import urllib3

from ._files import replace_atomically
from ._http import translate

__all__ = ["stream_to"]

CHUNK = 64 * 1024


def stream_to(response: requests.Response, to: str | os.PathLike[str] | BinaryIO) -> int:
    """Write ``response``'s body to ``to`` (a path or a binary file); return bytes written.

    A path is written to a new file beside it and renamed when the body is complete; on
    failure that file (which hyperkm created) is removed and the error raised, and an existing
    file at ``PATH`` is left as it was.
    """
    url = response.url
    with response:
        if not isinstance(to, (str, os.PathLike)):
            return _copy(response, to, url)
        with replace_atomically(to) as f:
            return _copy(response, f, url)


def _copy(response: requests.Response, out: BinaryIO, url: str) -> int:
    written = 0
    chunks = response.iter_content(CHUNK)
    while True:
        try:
            chunk = next(chunks, None)
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
            translate(exc, "GET", url, None)  # the server's side failed mid-body
        if chunk is None:
            return written
        out.write(chunk)  # a local failure (a full disk) is raised as it is
        written += len(chunk)
