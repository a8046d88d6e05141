"""Linksets (RFC 9264, ``application/linkset+json``), and so the API catalog (RFC 9727,
``/.well-known/api-catalog``).

``{"linkset": [{"anchor": URI, REL: [{"href", "type", "title", "hreflang", …}], …}, …]}``:
every link is read with its context (``Link.anchor``; the document's URL where a context
object has no ``anchor``). Relation types are used as written (an extension relation is its
URI). ``title*`` (with its language) becomes the title when there is no plain ``title``; other
target attributes are kept in ``Link.extra`` (an array of one value as the value).

An API catalog lists APIs as ``item`` links of the catalog's own context (with
``service-desc``, ``service-doc``, ``service-meta`` about each API under its own anchor):
iterating the catalog's resource reads each API's root. ``hyperkm.connect(origin,
catalog=True)`` starts there.
"""

from __future__ import annotations

from typing import Any

from .._links import Link, Links
from ._common import absolute, expect
from ._document import Document

__all__ = ["LinksetFormat"]

MEDIA_TYPE = "application/linkset+json"
#: Links a linkset may give (a hostile one of 10^6 costs little).
MAX_LINKS = 4096
_KNOWN = ("type", "title", "hreflang", "name", "profile")


class LinksetFormat:
    """Reads RFC 9264 JSON linksets."""

    name = "linkset"
    media_types: tuple[str, ...] = (MEDIA_TYPE,)
    #: A linkset is about its anchors, not itself: no self link is expected.
    names_itself = False

    def sniff(self, obj: Any) -> bool:
        """An object whose only member is ``linkset``, an array."""
        return isinstance(obj, dict) and list(obj) == ["linkset"] and isinstance(
            obj["linkset"], list)

    def parse(self, obj: Any, url: str) -> Document:
        expect(isinstance(obj, dict) and isinstance(obj.get("linkset"), list),
               '$: expected {"linkset": [...]}', obj, url)
        links: list[Link] = []
        anchors: list[str] = []
        for i, context in enumerate(obj["linkset"]):
            where = f"$.linkset[{i}]"
            expect(isinstance(context, dict), f"{where}: expected a link context object",
                   context, url)
            anchor = context.get("anchor")
            if anchor is not None:
                expect(isinstance(anchor, str) and bool(anchor.strip()),
                       f"{where}.anchor must be a URI", anchor, url)
                anchor = absolute(anchor, url)
            anchors.append(anchor or url)
            for rel, targets in context.items():
                if rel == "anchor":
                    continue
                expect(isinstance(targets, list), f"{where}.{rel} must be an array of target "
                       "objects", targets, url)
                for j, target in enumerate(targets):
                    if len(links) >= MAX_LINKS:
                        break
                    links.append(_target(rel, target, anchor or url, url, f"{where}.{rel}[{j}]"))
        return Document(url, format=self.name, data={"anchors": list(dict.fromkeys(anchors))},
                        links=Links(links))


def _target(rel: str, obj: Any, anchor: str, base: str, where: str) -> Link:
    expect(isinstance(obj, dict), f"{where}: expected a target object", obj, base)
    href = obj.get("href")
    expect(isinstance(href, str) and bool(href.strip()), f"{where}.href must be a URI", href,
           base)
    known: dict[str, Any] = {}
    for key in _KNOWN:
        value = obj.get(key)
        if isinstance(value, list):  # hreflang is an array of strings
            value = ", ".join(str(v) for v in value if isinstance(v, str)) or None
        known[key] = value if isinstance(value, str) else None
    if known["title"] is None:
        starred = obj.get("title*")
        if isinstance(starred, list) and starred and isinstance(starred[0], dict) \
                and isinstance(starred[0].get("value"), str):
            known["title"] = starred[0]["value"]
    extra = tuple(sorted(
        (str(k), v[0] if isinstance(v, list) and len(v) == 1 else v)
        for k, v in obj.items()
        if k not in (*_KNOWN, "href", "title*")
        and isinstance(v[0] if isinstance(v, list) and len(v) == 1 else v,
                       (str, int, float, bool))))
    return Link.create(rel, href.strip(), base=base, anchor=None if anchor == base else anchor,
                       extra=extra, **known)
