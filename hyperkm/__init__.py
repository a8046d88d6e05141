"""hyperkm: navigate hypermedia APIs by link relations, starting from one URL.

>>> root = hyperkm.connect("https://api.example.com/core", token="...")   # doctest: +SKIP
>>> events = root.follow("products").items()[0].follow("events")          # doctest: +SKIP
"""

from __future__ import annotations

import logging

from ._bookmarks import Bookmark, Trail, TrailStep
from ._cache import DirectoryCache, MemoryCache, RedisCache
from ._client import Exchange
from ._collection import Items
from ._connect import Client, connect, open
from ._exceptions import (
    ActionNotFound,
    BadRequest,
    BookmarkError,
    ClientError,
    ConfigurationError,
    DocumentError,
    DocumentTooLarge,
    Forbidden,
    FormError,
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
from ._forms import Action, Actions, Field
from ._links import Link, Links
from ._resource import Resource
from ._steps import Step
from ._version import __version__
from .formats import Document

__all__ = [
    "Action",
    "ActionNotFound",
    "Actions",
    "BadRequest",
    "Bookmark",
    "BookmarkError",
    "Client",
    "ClientError",
    "ConfigurationError",
    "DirectoryCache",
    "Document",
    "DocumentError",
    "DocumentTooLarge",
    "Exchange",
    "Field",
    "Forbidden",
    "FormError",
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
    "Trail",
    "TrailStep",
    "TransportError",
    "Unauthorized",
    "UnprocessableEntity",
    "UnsupportedMediaType",
    "__version__",
    "connect",
    "open",
]

logging.getLogger("hyperkm").addHandler(logging.NullHandler())
