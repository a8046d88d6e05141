"""Bookmarks that survive URL changes.

A bookmark remembers the URL a resource had *and* the trail of link relations that led to it
from the root. Opening one goes straight to the URL. A permanent redirect is followed: the
server itself says where the resource went, and the bookmark takes the new URL at no extra
cost. When the URL answers 404 or 410, hyperkm walks the trail again from the root (cheaply,
through the HTTP cache), and the bookmark is updated with the URL the links give today. That
is the point of hypermedia: clients keep working when servers move things.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import attrs

from . import _why
from ._exceptions import BookmarkError, HTTPError, HyperkmError, LinkNotFound
from ._node import Opener, R
from ._steps import Step

__all__ = ["Bookmark", "Trail", "TrailStep", "open_bookmark"]

FORMAT = "hyperkm-bookmark/1"


@attrs.frozen
class TrailStep:
    """One step of a trail: a rel (with template variables), a member, a page of a collection
    (by number), or a step that cannot be walked again (the result of a POST, a URL opened
    directly)."""

    kind: str  # "rel", "member", "page", "action" (a GET form) or "opaque"
    rel: str | None = None
    variables: tuple[tuple[str, Any], ...] = ()
    name: str | None = None
    key: str | None = None
    value: Any = None
    label: str | None = None

    def __str__(self) -> str:
        if self.kind == "member":
            text = str(self.value)
            return f"[{self.key}={text if len(text) <= 8 else text[:4] + '…'}]"
        if self.kind == "rel":
            if self.variables:
                return f"{self.rel}({','.join(f'{k}={v}' for k, v in self.variables)})"
            return str(self.rel)
        if self.kind == "page":
            return f"page {self.value}"
        if self.kind == "action":
            return f"({self.name}: {', '.join(f'{k}={v}' for k, v in self.variables)})"
        return self.label or "(?)"

    def to_json(self) -> dict[str, Any]:
        if self.kind == "rel":
            out: dict[str, Any] = {"rel": self.rel}
            if self.variables:
                out["vars"] = dict(self.variables)
            if self.name:
                out["name"] = self.name
            return out
        if self.kind == "member":
            return {"member": {self.key: self.value}}
        if self.kind == "page":
            return {"page": self.value}
        if self.kind == "action":
            return {"action": self.name, "values": dict(self.variables)}
        return {"opaque": self.label}

    @classmethod
    def from_json(cls, obj: Any) -> TrailStep:
        if isinstance(obj, dict) and isinstance(obj.get("rel"), str):
            variables = obj.get("vars") or {}
            if not isinstance(variables, dict):
                raise ValueError("'vars' must be an object")
            return cls("rel", rel=obj["rel"], variables=tuple(sorted(variables.items())),
                       name=obj.get("name") if isinstance(obj.get("name"), str) else None)
        if isinstance(obj, dict) and isinstance(obj.get("member"), dict) and \
                len(obj["member"]) == 1:
            ((key, value),) = obj["member"].items()
            return cls("member", key=str(key), value=value)
        if isinstance(obj, dict) and isinstance(obj.get("action"), str):
            values = obj.get("values") or {}
            if not isinstance(values, dict):
                raise ValueError("'values' must be an object")
            return cls("action", name=obj["action"], variables=tuple(sorted(values.items())))
        if isinstance(obj, dict) and type(obj.get("page")) is int and obj["page"] >= 1:
            return cls("page", value=obj["page"])
        if isinstance(obj, dict) and "opaque" in obj:
            return cls("opaque", label=str(obj["opaque"]))
        raise ValueError(f"not a trail step: {obj!r:.80}")


@attrs.frozen(repr=False)
class Trail:
    """The steps from the root (or from a URL opened directly) to a resource."""

    steps: tuple[TrailStep, ...]
    start: str | None = None  # None: the root; else the URL the trail starts from

    def __str__(self) -> str:
        head = "/" if self.start is None else self.start
        return " › ".join([head, *(str(s) for s in self.steps)])

    def __repr__(self) -> str:
        return f"<Trail {self}>"

    def __iter__(self) -> Iterator[TrailStep]:
        return iter(self.steps)

    def __len__(self) -> int:
        return len(self.steps)

    def __add__(self, more: tuple[TrailStep, ...]) -> Trail:
        return Trail((*self.steps, *more), self.start)


def trail_of(resource: R, member_key: str = "id") -> Trail:
    steps: list[TrailStep] = []
    node: R | None = resource
    top = resource
    while node is not None and node.step is not None:
        step = node.step
        if step.action is not None:
            # A GET form (a search): submitted again with the same values.
            steps.append(TrailStep("action", name=step.action,
                                   variables=tuple(sorted(step.variables.items()))))
        elif step.page is not None:
            # A page hangs off its collection, however it was reached (next links one by
            # one, or its URL derived): page N is walked to again, not "next" once.
            steps.append(TrailStep("page", value=step.page))
        elif step.member:
            data = node.document.data
            if not isinstance(data, dict) or data.get(member_key) is None:
                raise BookmarkError(
                    f"the member {node.url} has no field {member_key!r} to identify it; pass "
                    "member_key= naming a field that does (e.g. 'name')", url=node.url)
            steps.append(TrailStep("member", key=member_key, value=data[member_key]))
        elif step.rel is not None:
            name = step.link.name if step.link is not None else None
            steps.append(TrailStep("rel", rel=step.rel,
                                   variables=tuple(sorted(step.variables.items())), name=name))
        else:
            steps.append(TrailStep("opaque", label=step.label))
        top = node.parent if node.parent is not None else node
        node = node.parent
    steps.reverse()
    base: Trail | None = top.base_trail
    if base is not None:
        return base + tuple(steps)
    start = None if top.url == top.client.root_url else top.url
    return Trail(tuple(steps), start)


@attrs.define
class Bookmark:
    """A trail plus the URL it last resolved to (serialised as JSON)."""

    root: str
    url: str
    trail: Trail
    member_key: str = "id"

    def to_json(self) -> str:
        return json.dumps({"format": FORMAT, "root": self.root, "url": self.url,
                           "start": self.trail.start, "member_key": self.member_key,
                           "trail": [s.to_json() for s in self.trail]}, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str | bytes | Bookmark) -> Bookmark:
        if isinstance(text, Bookmark):
            return text
        try:
            obj = json.loads(text)
            if obj.get("format") != FORMAT:
                raise ValueError(f"format is {obj.get('format')!r}, not {FORMAT!r}")
            steps = tuple(TrailStep.from_json(s) for s in obj["trail"])
            start = obj.get("start")
            return cls(str(obj["root"]), str(obj["url"]),
                       Trail(steps, start if isinstance(start, str) else None),
                       str(obj.get("member_key") or "id"))
        except RecursionError as exc:
            raise BookmarkError("not a hyperkm bookmark (nested too deeply to read); "
                                "bookmarks come from resource.bookmark()") from exc
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise BookmarkError(f"not a hyperkm bookmark ({exc}); bookmarks come from "
                                "resource.bookmark()") from exc


def bookmark_of(resource: R, member_key: str = "id") -> Bookmark:
    return Bookmark(resource.client.root_url, resource.url, trail_of(resource, member_key),
                    member_key)


def _moved_permanently(resource: R) -> bool:
    received = resource.received
    return received is not None and received.moved_permanently


def open_bookmark(client: Opener[R], bookmark: str | bytes | Bookmark, *,
                  root: str | None = None) -> R:
    """Open a bookmark (see [`open`][hyperkm.open]).

    The bookmark's URLs must be on the client's origin: the client (its root and token) comes
    from the caller, never from the file.
    """
    mark = Bookmark.from_json(bookmark)
    scope = client.scope
    for what, url in (("its start", mark.trail.start), ("its URL", mark.url)):
        if url is None or scope.trusts(url):
            continue
        if what == "its URL" and root is not None:
            break  # the caller named the root: walk the trail from there, not to this URL
        raise BookmarkError(
            f"the bookmark's {what[4:]} {url} is not on the origin of this client's root "
            f"{client.root_url}; a bookmark file never chooses where requests (or your token) "
            "go. Open it with a client for that API, or pass root= the API root you trust.",
            url=url)
    else:
        return _open_direct(client, mark, root)
    resource = rewalk(client, mark, root=root)
    mark.url = resource.url
    mark.root = client.root_url
    return resource


def _open_direct(client: Opener[R], mark: Bookmark, root: str | None) -> R:
    direct = client.resource(mark.url)
    direct.base_trail = mark.trail
    try:
        _ = direct.document
        if _moved_permanently(direct):
            mark.url = direct.url  # 301/308: the server told us the new URL
        return direct
    except HTTPError as exc:
        if exc.status not in (404, 410):
            raise
    resource = rewalk(client, mark, root=root)
    # The bookmark object given is updated in place; resource.bookmark() has the new URL too.
    mark.url = resource.url
    mark.root = client.root_url
    return resource


def rewalk(client: Opener[R], mark: Bookmark, *, root: str | None = None,
           fetch_last: bool = True) -> R:
    """Walk ``mark``'s trail again from the root (or its start URL).

    With ``fetch_last=False`` the last step is followed but not fetched (a lazy resource): the
    caller fetches it and decides what its answer means (the explorer shows a request form
    for a link that answers 405 to GET; that is no broken trail)."""
    for number, step in enumerate(mark.trail, start=1):
        if step.kind == "opaque":  # refuse before sending anything
            raise BookmarkError(
                f"step {number} of {len(mark.trail)} ({step}) came from a write, which a "
                "bookmark never replays; bookmark a resource reached by links instead",
                url=mark.url, step=number)
    start_url = mark.trail.start or root or client.root_url
    node = client.resource(start_url)
    total = len(mark.trail)
    if mark.trail.start is None:
        try:
            steps = f"{total} step{'s' if total > 1 else ''}"
            with _why.because(f"re-walking the trail: the root (then {steps})"):
                _ = node.document
        except HyperkmError as exc:
            raise BookmarkError(
                f"cannot walk the bookmark's trail: its root {start_url} fails "
                f"({str(exc).splitlines()[0]}). If the API's root moved without a redirect, "
                "pass root= the new root URL.", url=start_url, step=0) from exc
        if node.url != client.root_url and (root is not None or _moved_permanently(node)):
            client.root_url = node.url  # the root moved for good: it is the root now
    for number, step in enumerate(mark.trail, start=1):
        where = node.url
        try:
            with _why.because(f"re-walking the trail: step {number} of {total} ({step})"):
                node = _follow(node, step) if step.kind == "rel" else \
                    _find_page(node, step) if step.kind == "page" else \
                    _submit_again(node, step) if step.kind == "action" else \
                    _find_member(node, step)
                if number < total or fetch_last:
                    _ = node.document
        except HyperkmError as exc:
            available = exc.available if isinstance(exc, (LinkNotFound, BookmarkError)) else []
            raise BookmarkError(
                f"the bookmark's trail is broken at step {number} of {total} ({step}) from "
                f"{where}: {str(exc).splitlines()[0]}",
                url=where, step=number, available=available) from exc
    return node


def _follow(node: R, step: TrailStep) -> R:
    links = node.links
    name = step.name if step.name and len(links.all(step.rel or "")) > 1 else None
    try:
        link = node.link(step.rel or "", name=name)
    except HyperkmError:
        if name is None:
            raise
        link = node.link(step.rel or "")  # names are labels; they may change too
    return node.follow(link, **dict(step.variables))


def _submit_again(node: R, step: TrailStep) -> R:
    """The GET form ``step.name`` of ``node``, submitted again with the same values. A form
    that now changes state (POST, ...) is not replayed: a bookmark never writes."""
    action = node.action(step.name or "")
    if action.method not in ("GET", "HEAD"):
        raise BookmarkError(
            f"the form {step.name!r} at {node.url} now sends {action.method}, which a bookmark "
            "never replays (it would change state); bookmark what it leads to instead",
            url=node.url, available=list(node.actions))
    result: R = action.submit(dict(step.variables))
    return result


def _find_page(collection: R, step: TrailStep) -> R:
    """Page ``step.value`` of the collection, walked to as iteration walks (its ``first``
    page, then ``next`` links)."""
    number, count = int(step.value), 0
    for count, page in enumerate(collection.pages(max_pages=number), start=1):
        if count == number:
            return page
    raise BookmarkError(f"the collection {collection.url} has {count} page"
                        f"{'' if count == 1 else 's'} now, not {number}",
                        url=collection.url, available=collection.document.links.rels)


def _find_member(collection: R, step: TrailStep) -> R:
    """The member whose ``key`` is ``value``: among the members the collection's first page
    already holds (no request), else by the collection's own item template when it offers one
    taking exactly that variable (one request), else by walking its pages."""
    key, value = step.key or "id", step.value
    document = collection.document
    label = f"[{key}={value}]"
    for embedded in document.items or ():
        if embedded.peek(key) == value:
            return collection.member(embedded, label)
    for link in document.links:
        template = link.template
        if template is not None and template.required == (key,):
            member = type(collection)(collection.client, link.expand(**{key: value}),
                                      parent=collection, step=Step(None, label=label,
                                                                   member=True))
            try:
                data = member.data
            except HTTPError as exc:
                if exc.status in (404, 410):  # the API's own template says: not there
                    break
                raise
            if isinstance(data, dict) and data.get(key) == value:
                return member
    else:
        for member in collection.items():
            if member.document.peek(key) == value:
                return member
    raise BookmarkError(f"no member with {key}={value!r} in {collection.url} any more",
                        url=collection.url, available=document.links.rels)


# Public classes report the module users import them from (tracebacks, reprs, help()).
for _name in ("Bookmark", "Trail", "TrailStep"):
    globals()[_name].__module__ = "hyperkm"
