"""Every error hyperkm raises, under one base class.

::

    HyperkmError
    ├── ConfigurationError (ValueError)   bad arguments to connect(), insecure token use
    ├── DocumentError (ValueError)        a body hyperkm cannot read as a hypermedia document
    │   └── DocumentTooLarge              a body over max_document_bytes
    ├── LinkNotFound (KeyError)           no link with that rel (names close matches)
    ├── ActionNotFound (KeyError)         no action with that name (names close matches)
    ├── FormError (ValueError)            values that do not fit an action's form (none sent)
    ├── TemplateError (ValueError)        invalid URI template, missing or unknown variables
    ├── TransportError (ConnectionError)  connection refused/reset, TLS failure, too many redirects
    │   └── Timeout (TimeoutError)
    ├── BookmarkError                     a bookmark's trail no longer leads anywhere
    ├── JobFailed                         an asynchronous job's status reports an error
    ├── JobTimeout (TimeoutError)         an asynchronous job did not finish in time
    └── HTTPError                         the server answered 4xx/5xx
        ├── ClientError                   4xx
        │   ├── BadRequest (400)
        │   ├── Unauthorized (401)
        │   ├── Forbidden (403)
        │   ├── NotFound (404)
        │   ├── NotAcceptable (406)
        │   ├── PreconditionFailed (412)
        │   ├── UnsupportedMediaType (415)
        │   ├── UnprocessableEntity (422)
        │   └── TooManyRequests (429)
        └── ServerError                   5xx

Leaves also subclass the matching builtin, so ``except KeyError`` still works for code that
treats hyperkm like a mapping. Messages say what was expected, what came, and what to do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import requests

__all__ = [
    "ActionNotFound",
    "BadRequest",
    "BookmarkError",
    "ClientError",
    "ConfigurationError",
    "DocumentError",
    "DocumentTooLarge",
    "Forbidden",
    "FormError",
    "HTTPError",
    "HyperkmError",
    "JobFailed",
    "JobTimeout",
    "LinkNotFound",
    "NotAcceptable",
    "NotFound",
    "PreconditionFailed",
    "ServerError",
    "TemplateError",
    "Timeout",
    "TooManyRequests",
    "TransportError",
    "Unauthorized",
    "UnprocessableEntity",
    "UnsupportedMediaType",
]


#: Longest error message: what a server sent (a million options, a 1 MB value) is quoted
#: in part, never whole (the full data stays on the error's attributes).
MAX_MESSAGE = 2000


def shorten(text: str, limit: int = 120) -> str:
    """``text`` cut in the middle to at most about ``limit`` characters, saying how much was
    cut (the start says what went wrong, the end says what to do)."""
    if len(text) <= limit:
        return text
    head = max(limit * 2 // 3, 1)
    tail = max(limit - head - 30, 0)
    cut = len(text) - head - tail
    return f"{text[:head]}… [{cut:,} characters cut] …{text[len(text) - tail:] if tail else ''}"


class HyperkmError(Exception):
    """Base class of every error hyperkm raises.

    Attributes:
        url: The URL involved, when known.
    """

    def __init__(self, message: str, *, url: str | None = None) -> None:
        message = shorten(message, MAX_MESSAGE)
        super().__init__(message)
        self.message = message
        self.url = url

    def __str__(self) -> str:
        # KeyError.__str__ would repr() the message; every hyperkm error reads as plain text.
        return self.message

    def _render_traceback_(self) -> list[str]:
        # IPython: the message says what went wrong and what to do; the 30 lines of frames
        # inside hyperkm do not help (``%tb`` still shows them).
        return [f"{type(self).__name__}: {self.message}"]


class ConfigurationError(HyperkmError, ValueError):
    """An argument to [`connect`][hyperkm.connect] (or a client option) cannot be used."""


class DocumentError(HyperkmError, ValueError):
    """A response body is not a document hyperkm can read (not JSON, a JSON scalar, a bad link).

    Attributes:
        response: The response whose body this is, when it came from one (a CSV export can be
            shown or saved from it without asking again).
    """

    response: Any = None


class DocumentTooLarge(DocumentError):
    """A body is larger than the client's ``max_document_bytes`` (counted after decompression).

    Attributes:
        limit: The limit in bytes.
    """

    def __init__(self, message: str, *, url: str | None = None, limit: int = 0) -> None:
        super().__init__(message, url=url)
        self.limit = limit


class FormError(HyperkmError, ValueError):
    """Values given to an action do not fit its form; nothing was sent.

    Attributes:
        problems: Every problem found, one sentence each.
        action: The action's name.
    """

    def __init__(self, message: str, *, problems: list[str], action: str | None = None,
                 url: str | None = None) -> None:
        super().__init__(message, url=url)
        self.problems = problems
        self.action = action


class ActionNotFound(HyperkmError, KeyError):
    """The representation offers no action with that name.

    Attributes:
        name: The name asked for.
        available: The actions that do exist.
        suggestions: Close matches among ``available``.
    """

    def __init__(self, message: str, *, name: str, available: list[str],
                 suggestions: list[str], url: str | None = None) -> None:
        super().__init__(message, url=url)
        self.name = name
        self.available = available
        self.suggestions = suggestions


class LinkNotFound(HyperkmError, KeyError):
    """The representation has no link with the requested relation (or name, or position).

    Attributes:
        rel: The relation asked for.
        available: The relations the representation does offer.
        suggestions: Close matches among ``available`` (``"acounts"`` -> ``["accounts"]``).
    """

    def __init__(
        self,
        message: str,
        *,
        rel: str,
        available: list[str],
        suggestions: list[str],
        url: str | None = None,
    ) -> None:
        super().__init__(message, url=url)
        self.rel = rel
        self.available = available
        self.suggestions = suggestions


class TemplateError(HyperkmError, ValueError):
    """A URI template is invalid, or its variables were not given as it requires.

    Attributes:
        template: The template text.
        missing: Required variables that were not given.
        unknown: Given variables that the template does not have.
    """

    def __init__(
        self,
        message: str,
        *,
        template: str,
        missing: tuple[str, ...] = (),
        unknown: tuple[str, ...] = (),
        url: str | None = None,
    ) -> None:
        super().__init__(message, url=url)
        self.template = template
        self.missing = missing
        self.unknown = unknown


class TransportError(HyperkmError, ConnectionError):
    """No usable HTTP answer: connection refused or dropped, TLS failure, too many redirects."""


class Timeout(TransportError, TimeoutError):
    """The server did not answer within the timeout."""


class BookmarkError(HyperkmError):
    """A bookmark cannot be used: not a bookmark, or its trail no longer exists.

    Attributes:
        step: The 1-based number of the trail step that failed (``None`` if not a step).
        available: The rels that exist where the step failed.
    """

    def __init__(self, message: str, *, url: str | None = None, step: int | None = None,
                 available: list[str] | None = None) -> None:
        super().__init__(message, url=url)
        self.step = step
        self.available = available or []


class JobFailed(HyperkmError):
    """An asynchronous job's status reports an error.

    Attributes:
        status: The last status resource (its ``data`` holds the server's words).
    """

    def __init__(self, message: str, *, url: str | None = None, status: Any = None) -> None:
        super().__init__(message, url=url)
        self.status = status


class JobTimeout(HyperkmError, TimeoutError):
    """An asynchronous job did not finish within the time given to ``wait()``.

    Attributes:
        status: The last status resource; the job may still finish later.
    """

    def __init__(self, message: str, *, url: str | None = None, status: Any = None) -> None:
        super().__init__(message, url=url)
        self.status = status


class HTTPError(HyperkmError):
    """The server answered with a 4xx or 5xx status.

    Attributes:
        status: The HTTP status code.
        server_message: The server's own error message, when its body gave one.
        response: The `requests.Response`.
        document: The parsed error body (a [`formats.Document`][hyperkm.Document]) when it was JSON.
        problem: The RFC 9457 problem details (a [`Problem`][hyperkm.Problem]: type, title,
            status, detail, instance, extensions) when the body was one, else ``None``.
    """

    def __init__(
        self,
        message: str,
        *,
        url: str,
        status: int,
        server_message: str | None = None,
        response: requests.Response | None = None,
        document: Any = None,
        problem: Any = None,
    ) -> None:
        super().__init__(message, url=url)
        self.status = status
        self.server_message = server_message
        self.response = response
        self.document = document
        self.problem = problem


class ClientError(HTTPError):
    """A 4xx answer: the request needs to change."""


class ServerError(HTTPError):
    """A 5xx answer: the server failed; retrying later may help."""


class BadRequest(ClientError):
    """400: the server rejected the request's parameters or body."""


class Unauthorized(ClientError):
    """401: no token, a wrong token, or a token withheld from another origin."""


class Forbidden(ClientError):
    """403: the token is valid but may not see this resource."""


class NotFound(ClientError, LookupError):
    """404: nothing at this URL (any longer)."""


class NotAcceptable(ClientError):
    """406: the server cannot answer in JSON."""


class PreconditionFailed(ClientError):
    """412: the resource changed since the state a write was based on (If-Match failed).

    Attributes:
        current: The resource's current state (a freshly fetched [`Resource`][hyperkm.Resource]),
            or ``None`` if it could not be fetched.
    """

    current: Any = None


class UnsupportedMediaType(ClientError):
    """415: the server does not accept the request body's content type."""


class UnprocessableEntity(ClientError):
    """422: the request was understood but cannot be carried out (e.g. a report that cannot run)."""


class TooManyRequests(ClientError):
    """429: rate limited; the server may say when to retry (``Retry-After``)."""


_BY_STATUS: dict[int, type[HTTPError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    406: NotAcceptable,
    412: PreconditionFailed,
    415: UnsupportedMediaType,
    422: UnprocessableEntity,
    429: TooManyRequests,
}


def http_error_class(status: int) -> type[HTTPError]:
    """Return the most specific [`HTTPError`][hyperkm._exceptions.HTTPError] subclass for
    ``status``."""
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    return ServerError if status >= 500 else ClientError


# Public classes report the module users import them from (tracebacks, reprs, help()).
for _name in __all__:
    globals()[_name].__module__ = "hyperkm"
