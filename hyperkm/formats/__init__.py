"""Hypermedia formats: each turns (body, headers, URL) into the same [`Document`][hyperkm.Document].

Detection goes by media type first (``application/vnd.siren+json`` is Siren), then, for JSON,
by an unambiguous shape, in registration order; JSON that no format claims is plain state
without links, never an error. ``Link`` headers (RFC 8288) are merged into whatever the body
said, whatever its format.

To add a format write a class with ``name``, ``media_types``, ``sniff(obj) -> bool`` and
``parse(obj, url) -> Document`` (JSON formats) or ``parse_text(text, url) -> Document``
(formats that are not JSON, read by media type only), and pass an instance to
`register`. The navigator never needs to change.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import partial
from typing import Any, Protocol

from attrs import evolve

from .._exceptions import DocumentError
from .._links import Links
from ._common import lenient
from ._document import Document, Page
from .activitystreams import ActivityStreamsFormat
from .collection_json import CollectionJsonFormat
from .hal import HalFormat
from .html import HtmlFormat
from .hydra import HydraFormat
from .jsonapi import JsonApiFormat
from .kissmetrics import KissmetricsFormat
from .link_header import parse_link_header, parse_link_template
from .linkset import LinksetFormat
from .odata import ODataFormat
from .options import described_fields
from .plain import PlainJsonFormat
from .siren import SirenFormat

__all__ = [
    "ActivityStreamsFormat",
    "CollectionJsonFormat",
    "Document",
    "Format",
    "HalFormat",
    "HtmlFormat",
    "HydraFormat",
    "JsonApiFormat",
    "KissmetricsFormat",
    "LinksetFormat",
    "ODataFormat",
    "Page",
    "PlainJsonFormat",
    "SirenFormat",
    "accept_header",
    "described_fields",
    "error_message",
    "loads",
    "parse",
    "parse_json",
    "parse_link_header",
    "parse_link_template",
    "register",
    "registered",
    "unregister",
]


class Format(Protocol):
    """What a format plug-in provides.

    Optional, besides: ``accept`` (the ``Accept`` header entries it asks servers for, e.g.
    ``("application/hal+json",)``; by default its media types at ``q=0.95``),
    ``claims(content_type) -> bool`` (for a media type its ``media_types`` cannot name: a
    parameter, as OData's ``odata.metadata``) and ``parse_text(text, url)`` for formats that
    are not JSON; ``error_message(obj)`` (the server's words in an error body of this
    format); for ``hyperkm check``: ``names_itself`` (a document without a self link
    lacks one) and ``link_objects(obj)`` (the raw link objects whose ``templated`` flag is
    compared with their href).
    """

    name: str
    media_types: tuple[str, ...]

    def sniff(self, obj: Any) -> bool:
        """Whether this format recognises the decoded JSON ``obj`` by its shape."""

    def parse(self, obj: Any, url: str) -> Document:
        """Turn the decoded JSON ``obj`` retrieved from ``url`` into a
        [`Document`][hyperkm.Document]."""


# Shape sniffing order: the formats with the most specific shapes first; KISSmetrics envelopes
# (the seed's own) after them, so an envelope is never read as anything else. ActivityStreams
# before Hydra: both are JSON-LD, and only its context tells them apart.
_FORMATS: list[Format] = [HalFormat(), SirenFormat(), JsonApiFormat(), CollectionJsonFormat(),
                          ActivityStreamsFormat(), HydraFormat(), ODataFormat(),
                          LinksetFormat(), KissmetricsFormat(), HtmlFormat()]
#: Nesting hyperkm reads (HAL ``_embedded`` levels); deeper documents are refused.
MAX_DEPTH = 64
_PLAIN = PlainJsonFormat()


def accept_header() -> str:
    """The ``Accept`` header for the formats registered now: each format's ``accept``
    entries (by default its media types at ``q=0.95``), in registration order, then plain
    JSON, problem details and HTML. A client builds it when it is made."""
    entries: list[str] = []
    for fmt in _FORMATS:
        wanted = getattr(fmt, "accept", None)
        if wanted is None:
            wanted = tuple(f"{m};q=0.95" for m in fmt.media_types
                           if m not in ("text/html", "application/json"))
        entries += [e for e in wanted if e not in entries]
    entries += ["application/json;q=0.9", "application/problem+json;q=0.5"]
    if any(e.startswith("text/html") for e in entries):  # HTML last: JSON is preferred
        entries = [e for e in entries if not e.startswith("text/html")] + ["text/html;q=0.3"]
    return ", ".join(entries)


#: The order error bodies are read in: the shapes that say the most first (a JSON:API or
#: OData error before a bare ``error`` string).
_ERROR_ORDER = ("odata", "jsonapi", "siren", "collection+json", "kissmetrics")


def error_message(body: Any) -> str | None:
    """The server's own words in a decoded error body, as the registered formats read error
    bodies (a format may provide ``error_message(obj)``), plain JSON's conventions last."""
    if not isinstance(body, dict):
        return None
    ranked = sorted(_FORMATS, key=lambda f: _ERROR_ORDER.index(f.name)
                    if f.name in _ERROR_ORDER else len(_ERROR_ORDER))
    for fmt in [*ranked, _PLAIN]:
        reader = getattr(fmt, "error_message", None)
        if reader is not None:
            said = reader(body)
            if said:
                return str(said)
    return None


def register(fmt: Format, *, first: bool = True) -> None:
    """Add a format; by default it is tried before the built-in ones."""
    if first:
        _FORMATS.insert(0, fmt)
    else:
        _FORMATS.append(fmt)


def unregister(name: str) -> None:
    """Remove the format called ``name`` (a built-in one too)."""
    _FORMATS[:] = [f for f in _FORMATS if f.name != name]


def registered() -> list[Format]:
    """The formats in the order they are tried."""
    return [*_FORMATS, _PLAIN]


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def _is_json_media_type(media_type: str) -> bool:
    # application/json, application/hal+json, application/problem+json, text/json, ...
    if not media_type:
        return True  # nothing declared: let the body speak for itself
    _, _, subtype = media_type.partition("/")
    return subtype == "json" or subtype.endswith("+json")


def parse_json(obj: Any, url: str, *, media_type: str = "", content_type: str = ""
               ) -> Document:
    """Parse an already-decoded JSON value retrieved from ``url``.

    Args:
        obj: The decoded JSON.
        url: Where it came from (relative references resolve against it).
        media_type: Its media type without parameters, if known.
        content_type: The whole ``Content-Type``, if known (formats that claim a parameter).

    Raises:
        DocumentError: ``obj`` is a JSON scalar, or a link in it is malformed.
    """
    if not isinstance(obj, (dict, list)):
        raise DocumentError(
            f"expected a JSON object or array from {url}, got the JSON "
            f"{type(obj).__name__} {json.dumps(obj)[:80]}. The server sent a value, "
            "not a document; check that this URL is an API resource.", url=url)
    if content_type and ";" in content_type:
        for fmt in _FORMATS:
            claims = getattr(fmt, "claims", None)
            if claims is not None and claims(content_type):
                return fmt.parse(obj, url)
    for fmt in _FORMATS:
        if media_type and media_type in fmt.media_types:
            return fmt.parse(obj, url)
    for fmt in _FORMATS:
        if fmt.sniff(obj):
            return fmt.parse(obj, url)
    return _PLAIN.parse(obj, url)


#: Byte order marks: UTF-8, UTF-16 (and UTF-32 LE, which starts alike), UTF-32 BE.
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")


def _charset(content_type: str | None) -> str | None:
    for parameter in (content_type or "").split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"').lower() or None
    return None


def parse(
    body: bytes | str,
    url: str,
    headers: Mapping[str, str] | None = None,
    *,
    allow_empty: bool = False,
) -> Document:
    """Parse a response body into a [`Document`][hyperkm.Document], merging ``Link`` headers.

    Args:
        body: The raw body.
        url: The URL the body was retrieved from: relative hrefs resolve against it.
        headers: Response headers (``Content-Type`` and ``Link`` are read), case-insensitive.
        allow_empty: Accept an empty body as a document without state (writes, 202, 204).

    Raises:
        DocumentError: not JSON (quoting the content type and the first bytes), a JSON scalar,
            an empty body where one was expected, or a malformed link.
    """
    headers = headers or {}
    content_type = _get(headers, "content-type")
    media_type = _media_type(content_type)
    link_header = _get(headers, "link") or ""
    link_template = _get(headers, "link-template") or ""
    if isinstance(body, bytes) and body.startswith(_BOMS):
        # RFC 8259 section 8.1: a byte order mark must not be sent, and a parser may ignore
        # it (ASP.NET and files saved on Windows send one). Read past it, in its encoding.
        lenient("bom", "hyperkm: %s starts with a byte order mark, which JSON sent over a "
                "network must not carry (RFC 8259 section 8.1); read past it", url)
        try:
            body = body.decode(json.detect_encoding(body)).lstrip("\ufeff")
        except UnicodeDecodeError as exc:
            raise DocumentError(f"{url} starts with a byte order mark, but its body is not "
                                f"valid {exc.encoding}. The server sent a malformed body.",
                                url=url) from exc
    if isinstance(body, bytes):
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            if _is_json_media_type(media_type):
                # RFC 8259 section 8.1: JSON exchanged between systems is UTF-8. Replacing bad
                # bytes would silently change the data.
                charset = _charset(content_type)
                declared = (f" It declares charset={charset}, which JSON does not have: "
                            "JSON between systems is UTF-8 (RFC 8259 section 8.1)."
                            if charset and charset.replace("-", "") != "utf8" else "")
                raise DocumentError(
                    f"expected UTF-8 JSON from {url}, but byte {exc.start} is not valid UTF-8 "
                    f"({body[max(0, exc.start - 20):exc.start + 1]!r}).{declared} The server "
                    "sent a malformed body.", url=url) from exc
            text = body.decode("utf-8", errors="replace")
    else:
        text = body
    if not text.strip():
        if allow_empty:
            return Document(url, format="empty", links=Links(parse_link_header(link_header, url)))
        raise DocumentError(
            f"expected a JSON document from {url}, got an empty body"
            + (f" (Content-Type: {content_type})" if content_type else "")
            + ". The server answered without content; check the URL or retry.", url=url)
    if not _is_json_media_type(media_type):
        textual = next((f for f in _FORMATS if media_type in f.media_types
                        and hasattr(f, "parse_text")), None)
        if textual is None:
            raise DocumentError(
                f"expected a hypermedia document from {url}, got Content-Type "
                f"{content_type!r} starting with {text[:60]!r}, which hyperkm does not read "
                "as one. To get the body as it is (a CSV export, an image), use "
                "resource.download() (or 'save FILE' in the shell).", url=url)
        document = textual.parse_text(text, url)
        return _with_link_header(_header_total(document, headers), link_header, url,
                                 link_template)
    obj = loads(text, url, content_type)
    try:
        document = parse_json(obj, url, media_type=media_type,
                              content_type=content_type or "")
    except RecursionError as exc:  # absurdly nested HAL _embedded
        raise _too_deep(url) from exc
    document.raw = obj
    return _with_link_header(_header_total(document, headers), link_header, url, link_template)


#: Headers that state a collection's size when its body does not: json-server and many
#: Express and Rails APIs (X-Total-Count), GitLab (X-Total).
TOTAL_HEADERS = ("x-total-count", "x-total")


def _header_total(document: Document, headers: Mapping[str, str]) -> Document:
    if document.items is None or document.page.total is not None:
        return document
    for name in TOTAL_HEADERS:
        value = (_get(headers, name) or "").strip()
        if value.isdigit() and len(value) <= 15:  # an absurd total is no total
            page = document.page
            document.page = Page(total=int(value), offset=page.offset, limit=page.limit,
                                 first=page.first)
            break
    return document


def _with_link_header(document: Document, link_header: str, url: str,
                      link_template: str = "") -> Document:
    if not link_header and not link_template:
        return document
    body = document.links
    # Read when the links are first asked for: a page walked for its `next` (which its body
    # has) never needs the header.
    document._defer_links(body, partial(_merge_link_header, body, link_header, url,
                                        link_template))
    return document


def _merge_link_header(body: Links, link_header: str, url: str, link_template: str = ""
                       ) -> Links:
    known = {(link.rel.lower(), link.href) for link in body}
    # A header entry that repeats a body link adds nothing — also when the body spells the
    # rel as a HAL CURIE (km:run) and the header with the URI it stands for, or plainly —
    # but the body's link is then said to come from both.
    repeated: set[tuple[str, str]] = set()
    found = parse_link_header(link_header, url, known, repeated) if link_header else []
    if link_template:  # RFC 9652: templates, merged like Link
        found += parse_link_template(link_template, url)
    extra = []
    for link in found:
        same = [b for b in body.all(link.rel) if b.href == link.href]
        if same:
            repeated.update((b.rel.lower(), b.href) for b in same)
        else:
            extra.append(link)
    if repeated:
        body = Links([evolve(b, source="both") if (b.rel.lower(), b.href) in repeated else b
                      for b in body], curies=body.curies)
    return body.merged(extra) if extra else body


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON (RFC 8259 has no NaN or Infinity)")


def loads(text: str, url: str, content_type: str | None = None) -> Any:
    """Decode JSON strictly: no ``NaN``/``Infinity``, and nesting deeper than Python can
    follow is a [`DocumentError`][hyperkm._exceptions.DocumentError], never a ``RecursionError``.

    Raises:
        DocumentError: ``text`` is not JSON.
    """
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except RecursionError as exc:
        raise _too_deep(url) from exc
    except ValueError as exc:
        raise DocumentError(
            f"expected JSON from {url} (Content-Type {content_type or 'not given'}), but the "
            f"body does not parse ({exc}); it starts with {text[:60]!r}.", url=url) from exc


def _too_deep(url: str) -> DocumentError:
    return DocumentError(
        f"the document from {url} is nested too deeply to read (objects and arrays inside "
        "each other beyond what hyperkm follows); the server sent a malformed or hostile "
        "body.", url=url)


def _get(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None and not hasattr(headers, "lower_items"):  # not a CaseInsensitiveDict
        for key, v in headers.items():
            if key.lower() == name:
                return v
    return value
