"""hyperkm: navigate hypermedia APIs by link relations, starting from one URL.

>>> root = hyperkm.connect("https://api.example.com/core", token="...")   # doctest: +SKIP
>>> events = root.follow("products").items()[0].follow("events")          # doctest: +SKIP
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:  # the names, for type checkers and documentation tools
    from ._actions import Action, Actions, Field
    from ._bookmarks import Bookmark, Trail, TrailStep
    from ._cache import DirectoryCache, MemoryCache, RedisCache
    from ._client import Client, connect, open
    from ._collection import Items
    from ._deprecation import Deprecation
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
    from ._exchanges import Exchange, Outgoing, Reply
    from ._links import Link, Links
    from ._oauth import OAuth2
    from ._problem import Problem
    from ._received import Received
    from ._resource import Resource
    from ._steps import Step
    from ._transport import Transport
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
    "Deprecation",
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
    "OAuth2",
    "Outgoing",
    "PreconditionFailed",
    "Problem",
    "Received",
    "RedisCache",
    "Reply",
    "Resource",
    "ServerError",
    "Step",
    "TemplateError",
    "Timeout",
    "TooManyRequests",
    "Trail",
    "TrailStep",
    "Transport",
    "TransportError",
    "Unauthorized",
    "UnprocessableEntity",
    "UnsupportedMediaType",
    "__version__",
    "connect",
    "open",
]

logging.getLogger("hyperkm").addHandler(logging.NullHandler())

# Imported when first used (PEP 562), so that `import hyperkm` — and `hyperkm --help` — cost
# little: a program pays for HTTP, caching and formats when it connects.
_EXCEPTIONS = ("ActionNotFound", "BadRequest", "BookmarkError", "ClientError",
               "ConfigurationError", "DocumentError", "DocumentTooLarge", "Forbidden",
               "FormError", "HTTPError", "HyperkmError", "JobFailed", "JobTimeout",
               "LinkNotFound", "NotAcceptable", "NotFound", "PreconditionFailed", "ServerError",
               "TemplateError", "Timeout", "TooManyRequests", "TransportError", "Unauthorized",
               "UnprocessableEntity", "UnsupportedMediaType")
_LAZY = {
    **dict.fromkeys(_EXCEPTIONS, "._exceptions"),
    **dict.fromkeys(("Bookmark", "Trail", "TrailStep"), "._bookmarks"),
    **dict.fromkeys(("DirectoryCache", "MemoryCache", "RedisCache"), "._cache"),
    "Exchange": "._exchanges", "Outgoing": "._exchanges", "Reply": "._exchanges",
    "Items": "._collection", "OAuth2": "._oauth",
    **dict.fromkeys(("Client", "connect", "open"), "._client"),
    **dict.fromkeys(("Action", "Actions", "Field"), "._actions"),
    **dict.fromkeys(("Link", "Links"), "._links"),
    "Resource": "._resource", "Step": "._steps", "Document": ".formats",
    "Problem": "._problem", "Received": "._received", "Deprecation": "._deprecation",
    "Transport": "._transport",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        if name == "formats":
            return importlib.import_module(".formats", __name__)
        raise AttributeError(f"module 'hyperkm' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # once is enough
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
