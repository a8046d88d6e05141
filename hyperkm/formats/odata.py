"""OData v4 JSON (Microsoft Graph, Dataverse, SAP, Business Central).

Recognised by the ``odata.metadata`` (or v3's ``odata``) parameter of ``Content-Type``, or by
``@odata.*`` control information at the top of the object.

- Relative URLs resolve against the payload's context URL, as OData says.
- ``value`` (an array) holds a collection's members; ``@odata.nextLink`` is ``next``,
  ``@odata.deltaLink`` is ``delta``, ``@odata.count`` the total.
- ``@odata.id`` is ``self`` (``@odata.readLink`` where there is no id), ``@odata.editLink``
  ``edit`` (and ``self`` when neither is given), ``@odata.context`` ``describedby`` (the
  ``$metadata`` the payload follows), ``@odata.mediaReadLink``/``mediaEditLink``
  ``enclosure``/``edit-media``.
- ``X@odata.navigationLink`` is a link named ``X``; ``X@odata.associationLink`` ``X/$ref``.
- Advertised operations (``"#Namespace.Name": {"title", "target"}``, as ``full`` metadata
  lists them) are POST actions named ``Name``. (OData functions are invoked with GET, but
  only ``$metadata`` tells a function from an action; hyperkm does not read it.)
- Annotations (``@odata.etag``, ``@Microsoft.Graph.tips``, ``X@odata.type``) are not state.

A member without ``@odata.id``/``editLink`` (Microsoft Graph's ``minimal`` metadata) has no
URL of its own: OData builds it from the entity set and the key declared in ``$metadata``,
which hyperkm does not read. Its state is at hand; to follow links from it, ask the server
for ``odata.metadata=full`` or follow a link that names it.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from .._actions import JSON, Action
from .._links import Link, Links
from ._common import absolute, count, expect, looks_templated
from ._document import NOT_QUICK, Document, LazyMembers, Page

__all__ = ["ODataFormat"]

#: Links a document may give (a hostile object of 10^6 navigation links costs little).
MAX_LINKS = 1024
_DOC_LINKS = (("@odata.nextLink", "next"), ("@odata.deltaLink", "delta"),
              ("@odata.context", "describedby"))
_OWN_LINKS = (("@odata.editLink", "edit"), ("@odata.mediaReadLink", "enclosure"),
              ("@odata.mediaEditLink", "edit-media"))


class ODataFormat:
    """Reads OData v4 JSON payloads."""

    name = "odata"
    media_types: tuple[str, ...] = ()
    #: Its documents name themselves: one without a self link lacks it (hyperkm check).
    names_itself = True

    def claims(self, content_type: str) -> bool:
        """``application/json;odata.metadata=minimal`` (v4) or ``;odata=verbose`` (v3's
        parameter name, which v4 servers still answer to)."""
        params = [p.strip().lower() for p in content_type.split(";")[1:]]
        return any(p.startswith(("odata.metadata=", "odata=")) for p in params)

    def error_message(self, obj: Any) -> str | None:
        """OData's (and Microsoft Graph's) ``{"error": {"code", "message", "details"}}``."""
        odata = obj.get("error") if isinstance(obj, dict) else None
        if not isinstance(odata, dict) or not isinstance(odata.get("message"), str):
            return None
        code = odata.get("code")
        raw = odata.get("details")
        details = [d["message"] for d in raw[:5] if isinstance(d, dict) and isinstance(
            d.get("message"), str)] if isinstance(raw, list) else []
        return (str(odata["message"]) + (f" ({code})" if isinstance(code, str) and code else "")
                + (f": {'; '.join(details)}" if details else ""))

    def sniff(self, obj: Any) -> bool:
        return isinstance(obj, dict) and any(
            isinstance(k, str) and k.startswith("@odata.") for k in list(obj)[:64])

    def parse(self, obj: Any, url: str) -> Document:
        expect(isinstance(obj, dict), "$: expected an OData JSON object", obj, url)
        context = _control(obj, "context")
        # Relative URLs in a payload are relative to its context URL (OData JSON 4.01,
        # "Relative URLs"), itself relative to the request URL.
        base = absolute(context, url) if isinstance(context, str) and context.strip() else url
        links = _own_links(obj, base, "$")
        for key, rel in _DOC_LINKS:
            href = _control(obj, key[len("@odata."):])
            if href is not None:
                expect(isinstance(href, str) and bool(href.strip()), f"$.{key} must be a URL",
                       href, url)
                links.append(Link.create(rel, href.strip(), base=url if rel == "describedby"
                                         else base))
        actions = _actions(obj, base, "$")
        value = obj.get("value")
        # A collection: "value" and control information only (an entity may have a
        # property called "value" among others).
        if isinstance(value, list) and all(k == "value" or _is_annotation(k) for k in obj):
            raw_count = _control(obj, "count")
            # (IEEE754Compatible=true writes numbers as strings)
            total = count(int(raw_count) if isinstance(raw_count, str) and raw_count.isdigit()
                          and len(raw_count) <= 15 else raw_count)
            members = LazyMembers(value, partial(_member_at, base, url), _quick_state)
            return Document(url, format=self.name, items=members, links=Links(links),
                            actions=actions, page=Page(total=total))
        return Document(url, format=self.name, data=_state(obj), links=Links(links),
                        actions=actions)


def _control(obj: Any, name: str) -> Any:
    """Control information ``@odata.NAME`` — or ``@NAME``, as OData 4.01 allows."""
    value = obj.get("@odata." + name)
    return obj.get("@" + name) if value is None else value


def _is_annotation(key: str) -> bool:
    return key.startswith(("@", "#")) or "@" in key


def _state(obj: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if not _is_annotation(k)}


def _quick_state(raw: Any) -> Any:
    return _state(raw) if type(raw) is dict else NOT_QUICK


def _own_links(obj: dict[str, Any], base: str, where: str) -> list[Link]:
    links: list[Link] = []
    own = _control(obj, "id")
    if own is None:
        own = _control(obj, "readLink")
    edit = _control(obj, "editLink")
    for key, value in (("@odata.id", own), ("@odata.editLink", edit)):
        if value is not None:
            expect(isinstance(value, str) and bool(value.strip()), f"{where}.{key} must be a URL",
                   value, base)
    if own is not None or edit is not None:
        links.append(Link.create("self", str(own or edit).strip(), base=base))
    for key, rel in _OWN_LINKS:
        href = _control(obj, key[len("@odata."):])
        if isinstance(href, str) and href.strip():
            links.append(Link.create(rel, href.strip(), base=base))
    for key, value in obj.items():
        if len(links) >= MAX_LINKS:
            break
        if not isinstance(key, str) or "@" not in key or key.startswith("@"):
            continue
        name, _, annotation = key.partition("@")
        annotation = annotation.removeprefix("odata.")
        if annotation not in ("navigationLink", "associationLink"):
            continue
        expect(isinstance(value, str) and bool(value.strip()), f"{where}.{key} must be a URL",
               value, base)
        rel = name if annotation == "navigationLink" else f"{name}/$ref"
        # (OData has no templates; an href with an {expression} can only be one)
        links.append(Link.create(rel, value.strip(), base=base,
                                 templated=looks_templated(value)))
    return links


def _actions(obj: dict[str, Any], base: str, where: str) -> tuple[Action, ...]:
    actions = []
    for key, value in list(obj.items())[:MAX_LINKS]:
        if not isinstance(key, str) or not key.startswith("#") or not isinstance(value, dict):
            continue
        target = value.get("target")
        expect(isinstance(target, str) and bool(target.strip()),
               f"{where}.{key}.target must be a URL", target, base)
        name = key[1:].rsplit(".", 1)[-1] or key[1:]
        title = value.get("title") if isinstance(value.get("title"), str) else None
        actions.append(Action(name, "POST", absolute(str(target), base), title=title,
                              content_type=JSON, free_form=True))
    return tuple(actions)


def _member_at(base: str, page: str, raw: Any, i: int) -> Document:
    where = f"$.value[{i}]"
    if type(raw) is not dict:  # a collection of primitive values: plain state
        return Document.member(page, "odata", raw, None, False)
    own = next((v for v in (_control(raw, "id"), _control(raw, "readLink"),
                            _control(raw, "editLink")) if v is not None), None)
    has_own = isinstance(own, str) and bool(own.strip())
    url = absolute(str(own), base) if has_own else page
    return Document.member(url, "odata", raw, partial(_member_links, raw, base, where),
                           has_own, state=_state,
                           actions=partial(_actions, raw, base, where))


def _member_links(raw: dict[str, Any], base: str, where: str) -> Links:
    return Links(_own_links(raw, base, where))
