"""What an explorer page shows of a resource — the view model its templates render: links and
members with the explorer pages they lead to, forms, the last exchange and the raw body."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from werkzeug.wrappers import Response

from .._bookmarks import Trail, TrailStep
from .._exceptions import BookmarkError
from .._links import SOURCES
from .._resource import Resource
from .trace import Trace

__all__ = ["INPUT_TYPES", "crumbs", "decode_trail", "encode_trail", "form", "option_text",
           "redirect", "view"]

#: The most of a raw body a page shows (the whole of it is at the resource's URL).
RAW_SHOWN = 256 * 1024

#: The field types HTML inputs know; others are text.
INPUT_TYPES = {"number": "number", "integer": "number", "range": "range", "email": "email",
               "url": "url", "date": "date", "time": "time", "datetime-local": "datetime-local",
               "month": "month", "week": "week", "tel": "tel", "password": "password",
               "hidden": "hidden", "color": "color", "search": "search"}


def encode_trail(trail: Iterable[TrailStep]) -> str:
    data = json.dumps([s.to_json() for s in trail], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def decode_trail(text: str) -> Trail:
    if not text:
        return Trail(())
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        steps = json.loads(raw)
        if not isinstance(steps, list) or len(steps) > 64:
            raise ValueError("not a list of at most 64 steps")
        return Trail(tuple(TrailStep.from_json(s) for s in steps))
    except (ValueError, TypeError, RecursionError) as exc:
        raise BookmarkError(f"this explorer URL does not hold a trail ({exc})") from exc


def option_text(value: Any) -> str:
    """How a value from the API is written into a page: a string as it is, anything else as
    JSON — plain text either way, for the template to escape (never marked safe)."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False,
                                                           default=str)


def redirect(location: str) -> Response:
    response = Response(status=303)
    response.headers["Location"] = location
    return response


def crumbs(route: Callable[..., str], trail: Trail) -> list[tuple[str, str]]:
    """The breadcrumb of a trail: each step and the explorer page it leads to."""
    crumbs = [("/", route("/"))]
    for n in range(1, len(trail) + 1):
        crumbs.append((str(trail.steps[n - 1]),
                       route("/", t=encode_trail(trail.steps[:n]))))
    return crumbs


def view(resource: Resource, trail: Trail | None, route: Callable[..., str], client: Any,
         trace: Trace) -> dict[str, Any]:
    """What a page shows of a resource: its links, members, forms, last exchange and raw
    body, each with the explorer page it leads to."""
    document = resource.document
    t = encode_trail(trail) if trail is not None else None
    steps = trail.steps if trail is not None else ()

    def page_of(step: TrailStep) -> str:
        return route("/", t=encode_trail((*steps, step)))

    links = []
    for link in document.links:
        entry: dict[str, Any] = {"link": link, "docs": _http_only(document.links.docs(
            link.rel)), "source": SOURCES.get(link.source, link.source)}
        template = link.template
        # a template with only optional variables ({?limit,offset}) is a link as well
        followable = template is None or not template.required
        if t is not None and followable:
            several = len(document.links.all(link.rel)) > 1
            entry["href"] = page_of(TrailStep("rel", rel=link.rel,
                                              name=link.name if several else None))
        elif not link.templated and client.scope.trusts(link.href):
            entry["href"] = route("/u", u=link.href)
        links.append(entry)
    members, columns = [], None
    if document.items is not None:
        raw_columns = document.envelope.get("columns")
        if isinstance(raw_columns, list):
            columns = [str(c.get("display_name", c)) if isinstance(c, dict) else str(c)
                       for c in raw_columns]
        for position, item in enumerate(document.items):
            data = item.data
            key = item.peek("id")
            if t is not None and isinstance(key, (str, int)):
                href = page_of(TrailStep("member", key="id", value=key))
            elif item.has_own_url and client.scope.trusts(item.url):
                href = route("/u", u=item.url)
            else:
                href = None
            members.append({"data": data, "href": href, "position": position})
        if columns is None:
            fields: list[str] = []
            for m in members:
                if isinstance(m["data"], dict):
                    fields += [k for k in m["data"] if k not in fields]
            columns = fields[:8] or ["value"]
            for m in members:
                m["cells"] = [m["data"].get(c) if isinstance(m["data"], dict) else m["data"]
                              for c in columns]
        else:
            for m in members:
                m["cells"] = m["data"] if isinstance(m["data"], list) else [m["data"]]
    response = resource.response
    asked = response.url if response is not None else resource.url  # may differ from self
    exchange = trace.last_for(asked)
    # Embedded documents other than the members (those are in the members table).
    embedded = [(rel, doc) for rel, docs in document.embedded.items()
                if docs is not document.items for doc in docs]
    return {"document": document, "links": links, "members": members, "columns": columns,
            "embedded": embedded,
            "exchange": exchange, "trace": trace.recent(),
            "raw": _shortened(response.text if response is not None else json.dumps(
                document.raw, indent=2) if document.raw is not None else ""),
            # a member listed without forms fetches its own representation for them
            "actions": [form(a) for a in resource.actions.values()],
            "input_types": INPUT_TYPES,
            # A trail may lead off the API's origin (links go where the API says): the
            # page says so, and that no credentials were sent there.
            "foreign": None if client.scope.trusts(resource.url) else
            _origin(resource.url),
            # The server's Deprecation / Sunset headers (RFC 9745, RFC 8594)
            "deprecation": _said(resource.deprecation)}


def form(action: Any) -> dict[str, Any]:
    """An action as a form: the fields to fill, and the read-only ones to show."""
    return {"action": action, "fields": [f for f in action.fields if not f.read_only],
            "shown": [f for f in action.fields if f.read_only]}


def _shortened(text: str) -> str:
    if len(text) <= RAW_SHOWN:
        return text
    return text[:RAW_SHOWN] + f"\n… ({len(text) - RAW_SHOWN:,} more characters)"


def _said(deprecation: Any) -> str | None:
    return deprecation.message() if deprecation is not None else None


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _http_only(url: str | None) -> str | None:
    """A URL fit to be a link in the page: http(s) only (never ``javascript:``)."""
    if not url or any(ord(c) <= 0x20 or ord(c) == 0x7F for c in url):
        return None  # browsers drop tabs and newlines: "java\tscript:" is javascript:
    if urlsplit(url).scheme.lower() in ("http", "https"):
        return url
    return None
