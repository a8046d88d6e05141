"""hyperkm: navigate hypermedia APIs by link relations, starting from one URL.

>>> root = hyperkm.connect("https://api.example.com/core", token="...")   # doctest: +SKIP
>>> events = root.follow("products").items()[0].follow("events")          # doctest: +SKIP
"""

from __future__ import annotations

import logging
from typing import Any

from ._cache import DirectoryCache, MemoryCache, RedisCache
from ._client import Client, Exchange
from ._collection import Items
from ._exceptions import (
    BadRequest,
    ClientError,
    ConfigurationError,
    DocumentError,
    Forbidden,
    HTTPError,
    HyperkmError,
    JobFailed,
    JobTimeout,
    LinkNotFound,
    NotAcceptable,
    NotFound,
    PreconditionFailed,
    ServerError,
    TemplateError,
    Timeout,
    TooManyRequests,
    TransportError,
    Unauthorized,
    UnprocessableEntity,
    UnsupportedMediaType,
)
from ._links import Link, Links
from ._resource import Resource, Step
from .formats import Document

__version__ = "0.1.0"

__all__ = [
    "BadRequest",
    "Client",
    "ClientError",
    "ConfigurationError",
    "DirectoryCache",
    "Document",
    "DocumentError",
    "Exchange",
    "Forbidden",
    "HTTPError",
    "HyperkmError",
    "Items",
    "JobFailed",
    "JobTimeout",
    "Link",
    "LinkNotFound",
    "Links",
    "MemoryCache",
    "NotAcceptable",
    "NotFound",
    "PreconditionFailed",
    "RedisCache",
    "Resource",
    "ServerError",
    "Step",
    "TemplateError",
    "Timeout",
    "TooManyRequests",
    "TransportError",
    "Unauthorized",
    "UnprocessableEntity",
    "UnsupportedMediaType",
    "__version__",
    "connect",
]

logging.getLogger("hyperkm").addHandler(logging.NullHandler())


def connect(url: str, *, token: str | None = None, **options: Any) -> Resource:
    """Connect to a hypermedia API and return its root :class:`Resource` (not yet fetched).

    Args:
        url: The API root, e.g. ``"https://api.kissmetrics.com/core"``.
        token: Bearer token; defaults to the ``HYPERKM_TOKEN`` environment variable. It is sent
            only to the root's origin, and never over plain HTTP except to loopback hosts.
        **options: Passed to :class:`Client`: ``timeout`` (seconds or a (connect, read) pair),
            ``verify`` (bool or CA bundle path), ``session`` (your ``requests.Session``),
            ``headers``, ``cache`` (default in-memory; ``False``, a directory path, a
            ``redis://`` URL or a cache object), ``retries``, ``retry_after_cap``.

    Raises:
        ConfigurationError: ``url`` is not an absolute http(s) URL, or an option is unusable.
    """
    try:
        client = Client(url, token=token, **options)
    except TypeError as exc:  # an unknown keyword
        raise ConfigurationError(f"hyperkm.connect(): {exc}. Known options: timeout, verify, "
                                 "session, headers, cache, retries, retry_after_cap.") from exc
    return client.root
