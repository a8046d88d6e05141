"""Turn the emulator's neutral representations into KISSmetrics JSON, HAL or bare arrays."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["FORMATS", "L", "Rep", "link_header", "render"]

FORMATS = ("km", "hal", "array")

# IANA-registered relations (RFC 8288 registry) stay unprefixed in HAL; the API's own get a CURIE.
_IANA = {"self", "next", "prev", "first", "last", "item", "collection", "up", "related",
         "edit", "describedby", "export"}


@dataclass
class L:
    """A link in the emulator's neutral form."""

    rel: str
    href: str
    name: str
    templated: bool = False

    def km(self) -> dict[str, Any]:
        return {"templated": self.templated, "href": self.href, "rel": self.rel,
                "name": self.name}


@dataclass
class Rep:
    """A representation before formatting.

    ``envelope`` puts state under ``data`` next to ``links`` (the root directory, job status);
    ``directory`` are links that the KISSmetrics format keeps inside ``data.links``.
    """

    state: Any = None
    links: list[L] = field(default_factory=list)
    members: list[Rep] | None = None
    pagination: dict[str, int] | None = None
    envelope: bool = False
    directory: list[L] = field(default_factory=list)
    meta: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def all_links(self) -> list[L]:
        return [*self.links, *self.directory]


def render(rep: Rep, fmt: str, curie_href: str) -> Any:
    """The JSON value for ``rep`` in format ``fmt`` (``km``, ``hal`` or ``array``)."""
    if fmt == "hal":
        return _hal(rep, curie_href, top=True)
    if rep.members is not None:
        members = [_km_item(m) for m in rep.members]
        if fmt == "array":
            return members  # paging travels in the Link header
        body: dict[str, Any] = {}
        if rep.meta is not None:
            body["meta"] = rep.meta
        body.update({"links": [x.km() for x in rep.links], "pagination": rep.pagination,
                     "data": members, **rep.extra})
        return body
    if rep.envelope:
        data = dict(rep.state or {})
        if rep.directory:
            data = {"links": [x.km() for x in rep.directory], **data}
        body = {}
        if rep.meta is not None:
            body["meta"] = rep.meta
        body.update({"links": [x.km() for x in rep.links], "data": data, **rep.extra})
        return body
    return _km_item(rep)


def _km_item(rep: Rep) -> Any:
    if rep.state is not None and not isinstance(rep.state, dict):
        return rep.state  # a result row is a bare JSON array, as in the v2 results example
    return {"links": [x.km() for x in rep.all_links()], **(rep.state or {})}


def _hal_rel(rel: str) -> str:
    return rel if rel in _IANA else f"km:{rel}"


def _hal(rep: Rep, curie_href: str, top: bool) -> dict[str, Any]:
    links: dict[str, Any] = {}
    if top:
        links["curies"] = [{"name": "km", "href": curie_href, "templated": True}]
    for x in rep.all_links():
        obj: dict[str, Any] = {"href": x.href, "name": x.name}
        if x.templated:
            obj["templated"] = True
        key = _hal_rel(x.rel)
        if key in links:
            existing = links[key]
            links[key] = [*(existing if isinstance(existing, list) else [existing]), obj]
        else:
            links[key] = obj
    body: dict[str, Any] = {"_links": links}
    if rep.members is not None:
        body["_embedded"] = {"item": [_hal(m, curie_href, top=False) for m in rep.members]}
        if rep.pagination:
            body.update(rep.pagination)
        body.update(rep.extra)
    elif rep.state is not None:
        body.update(rep.state if isinstance(rep.state, dict) else {"value": rep.state})
    if rep.members is None:
        body.update(rep.extra)
    return body


def link_header(rep: Rep) -> str:
    """An RFC 8288 ``Link`` field mirroring the body's links, as the v2 API sent it."""
    return ", ".join(
        f'<{x.href}>; rel="{x.rel}"; templated="{str(x.templated).lower()}"'
        for x in rep.all_links())
