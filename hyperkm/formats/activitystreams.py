"""ActivityStreams 2.0 (``application/activity+json``): Mastodon and ActivityPub servers.

- ``id`` is ``self``; ``type`` stays in the state.
- A ``Collection``/``OrderedCollection`` states ``totalItems`` and its pages: ``first``,
  ``last``, ``current``. When it holds no items itself (Mastodon's outboxes, followers) its
  members begin at ``first``, which iteration follows.
- A ``CollectionPage``/``OrderedCollectionPage`` holds ``orderedItems`` (or ``items``) and
  ``next``, ``prev``, ``partOf`` (``up`` too), ``first``, ``last``.
- Members that are objects are embedded (each at its own ``id``); members given as IRIs are
  linked members (``item`` links).
- Links: the properties ActivityStreams and ActivityPub define as references (``actor``,
  ``attributedTo``, ``inbox``, ``outbox``, ``followers``, ``url``, ``inReplyTo``, …) when
  their value is an IRI, a ``Link`` object (``{"type": "Link", "href", "rel", "name",
  "mediaType"}``) or an object with an ``id``; any other property whose value is a ``Link``
  object. An embedded object stays in the state as well: it is data.

ActivityStreams has no forms: ActivityPub's writes are POSTs of activities to an ``outbox``,
which a client does with ``resource.follow("outbox").post(activity)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from .._links import Link, Links
from ._common import absolute, count, expect, looks_templated
from ._document import NOT_QUICK, Document, LazyMembers, Page

__all__ = ["ActivityStreamsFormat"]

MEDIA_TYPE = "application/activity+json"
_NS = "https://www.w3.org/ns/activitystreams"
_COLLECTIONS = frozenset({"Collection", "OrderedCollection", "CollectionPage",
                          "OrderedCollectionPage"})
#: Properties whose values are references (ActivityStreams 2 vocabulary, ActivityPub).
REFERENCES = frozenset({
    "actor", "attachment", "attributedTo", "audience", "bcc", "bto", "cc", "context",
    "current", "first", "generator", "icon", "image", "inReplyTo", "instrument", "last",
    "location", "next", "object", "origin", "partOf", "prev", "preview", "replies", "result",
    "tag", "target", "to", "url", "inbox", "outbox", "followers", "following", "liked",
    "likes", "shares", "streams", "featured", "featuredTags", "sharedInbox", "proxyUrl",
    "oauthAuthorizationEndpoint", "oauthTokenEndpoint", "uploadMedia", "devices",
})
_RELS = {"partOf": "up"}  # also said as its IANA name
MAX_LINKS = 1024


class ActivityStreamsFormat:
    """Reads ActivityStreams 2.0 documents."""

    name = "activitystreams"
    media_types: tuple[str, ...] = (MEDIA_TYPE,)
    #: Its documents name themselves: one without a self link lacks it (hyperkm check).
    names_itself = True

    def claims(self, content_type: str) -> bool:
        """``application/ld+json; profile="https://www.w3.org/ns/activitystreams"``."""
        media, _, params = content_type.partition(";")
        return media.strip().lower() == "application/ld+json" and _NS in params

    def sniff(self, obj: Any) -> bool:
        """An object whose ``@context`` names the ActivityStreams namespace."""
        if not isinstance(obj, dict):
            return False
        context = obj.get("@context")
        contexts = context if isinstance(context, list) else [context]
        return any(isinstance(c, str) and c.rstrip("/#") == _NS for c in contexts[:16])

    def parse(self, obj: Any, url: str) -> Document:
        expect(isinstance(obj, dict), "$: expected an ActivityStreams object", obj, url)
        links = _links(obj, url, "$")
        kinds = obj.get("type")
        kinds = {k for k in (kinds if isinstance(kinds, list) else [kinds])
                 if isinstance(k, str)} & _COLLECTIONS
        raw_items = obj.get("orderedItems", obj.get("items"))
        total = count(obj.get("totalItems"))
        if not kinds and raw_items is None:
            return Document(url, format=self.name, data=_state(obj), links=Links(links))
        first_page = obj.get("first")
        if raw_items is None and type(first_page) is dict and kinds & {
                "Collection", "OrderedCollection"}:
            # The first page embedded (Mastodon's replies): its items are the collection's
            # first members, and its next link goes on from there.
            raw_items = first_page.get("orderedItems", first_page.get("items"))
            following = first_page.get("next")
            if isinstance(following, str) and following.strip() and "next" not in obj:
                links.append(Link.create("next", following.strip(), base=url))
        if raw_items is None:
            raw_items = []
        expect(isinstance(raw_items, list), "$.orderedItems must be an array", raw_items, url)
        first = next((x.href for x in links if x.rel == "first"), None)
        # A collection that holds no items itself starts at its first page.
        start = first if not raw_items and kinds & {"Collection", "OrderedCollection"} \
            else None
        if raw_items and all(isinstance(x, str) for x in raw_items):
            links += [Link.create("item", x.strip(), base=url)
                      for x in raw_items[:MAX_LINKS] if x.strip()]
            return Document(url, format=self.name, data=_state(obj), links=Links(links),
                            page=Page(total=total))
        members = LazyMembers(raw_items, partial(_member_at, url), _quick_state)
        return Document(url, format=self.name, items=members, links=Links(links),
                        page=Page(total=total, first=start))


def _state(obj: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in obj.items()
            if k not in ("@context", "id", "orderedItems", "items") and not _is_link(v)}


def _quick_state(raw: Any) -> Any:
    return _state(raw) if type(raw) is dict else NOT_QUICK


def _is_link(value: Any) -> bool:
    return type(value) is dict and value.get("type") in ("Link", "Mention", "Hashtag") \
        and isinstance(value.get("href"), str)


def _links(obj: Mapping[str, Any], base: str, where: str) -> list[Link]:
    links: list[Link] = []
    own = obj.get("id")
    if own is not None:
        expect(isinstance(own, str) and bool(own.strip()), f"{where}.id must be an IRI", own,
               base)
        links.append(Link.create("self", own.strip(), base=base))
    for key, value in obj.items():
        if len(links) >= MAX_LINKS:
            break
        if not isinstance(key, str) or key in ("id", "@context"):
            continue
        values = value if isinstance(value, list) else [value]
        for v in values[:MAX_LINKS]:
            link = _link(key, v, base, key in REFERENCES)
            if link is not None:
                links.append(link)
                if key in _RELS:
                    links.append(Link.create(_RELS[key], link.href, base=base))
    return links


def _link(key: str, value: Any, base: str, reference: bool) -> Link | None:
    if isinstance(value, str):
        if reference and value.strip() and not value.startswith("as:"):
            return Link.create(key, value.strip(), base=base)
        return None
    if type(value) is not dict:
        return None
    if _is_link(value):
        name = value.get("name")
        href = value["href"].strip()
        # (AS2 has no templates; an href with an {expression} can only be one)
        return Link.create(key, href, base=base, templated=looks_templated(href),
                           name=name if isinstance(name, str) else None,
                           type=value.get("mediaType") if isinstance(
                               value.get("mediaType"), str) else None)
    own = value.get("id")
    if reference and isinstance(own, str) and own.strip():
        return Link.create(key, own.strip(), base=base)
    return None


def _member_at(base: str, raw: Any, i: int) -> Document:
    if type(raw) is not dict:
        return Document.member(base, "activitystreams", raw, None, False)
    own = raw.get("id")
    has_own = isinstance(own, str) and bool(own.strip())
    url = absolute(str(own), base) if has_own else base
    return Document.member(url, "activitystreams", raw,
                           partial(_member_links, raw, base, f"$.orderedItems[{i}]"), has_own,
                           state=_state)


def _member_links(raw: Mapping[str, Any], base: str, where: str) -> Links:
    return Links(_links(raw, base, where))
