"""HTML (``text/html``, ``application/xhtml+xml``), read with the standard library's parser.

- Links: ``<link rel href>`` and ``<a rel href>`` (``title``, ``type``, ``hreflang`` kept; a
  space-separated ``rel`` gives one link per relation), resolved against ``<base href>``
  when the page has one. Anchors without ``rel`` are prose, not hypermedia controls.
- State: ``{"title": <title>}``, plus the page's top-level microdata properties
  (``itemprop``; values from ``content``, ``href``, ``datetime``, ``value`` or the text), so a
  page can carry fields a program reads.
- Members: top-level microdata items with an ``itemid`` (their URL), each with its own
  properties and links — or, failing those, ``rel="item"`` links, fetched when needed.
- Forms: ``<form>`` elements are actions (``action``, ``method``, ``enctype``; inputs,
  selects and text areas with ``required``, ``pattern``, ``min``/``max``, ``minlength``/
  ``maxlength``, ``readonly`` and their labels).
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from .._exceptions import DocumentError
from .._forms import FORM_URLENCODED, Action, Field
from .._links import Link, Links
from ._common import absolute, looks_templated
from ._document import Document, Page

__all__ = ["HtmlFormat"]

_VALUE_ATTRS = {"meta": "content", "a": "href", "link": "href", "time": "datetime",
                "data": "value", "meter": "value", "img": "src"}
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                   "source", "track", "wbr"})
#: Parsing stops being worth it (and a hostile page could nest without end) past this.
MAX_DEPTH = 512


class HtmlFormat:
    """Reads links, microdata and forms from HTML pages."""

    name = "html"
    media_types: tuple[str, ...] = ("text/html", "application/xhtml+xml")

    def sniff(self, obj: Any) -> bool:
        return False  # never claims JSON

    def parse(self, obj: Any, url: str) -> Document:  # pragma: no cover - JSON never comes here
        raise DocumentError(f"expected HTML from {url}, got JSON", url=url)

    def parse_text(self, text: str, url: str) -> Document:
        reader = _Reader(url)
        try:
            reader.feed(text)
            reader.close()
        except RecursionError as exc:  # pragma: no cover - the parser is iterative
            raise DocumentError(f"the HTML page at {url} is nested too deeply", url=url) from exc
        return reader.document()


class _Scope:
    """A microdata item being read (the page itself is the outermost one)."""

    def __init__(self, itemid: str | None) -> None:
        self.itemid = itemid
        self.props: dict[str, Any] = {}
        self.links: list[tuple[str, dict[str, str]]] = []


class _Reader(HTMLParser):
    def __init__(self, url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.url = url
        self.base: str | None = None
        self.title: str | None = None
        self.page = _Scope(None)
        self.items: list[_Scope] = []
        self.stack: list[tuple[str, _Scope | None, str | None, list[str]]] = []
        self.scopes: list[_Scope] = [self.page]
        self.forms: list[dict[str, Any]] = []
        self.form: dict[str, Any] | None = None
        self.labels: dict[str, str] = {}
        self.select: dict[str, Any] | None = None
        self.label_for: str | None = None
        self.text_target: list[str] | None = None

    # -- the parser's callbacks -------------------------------------------------------------

    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        attrs = {k: v or "" for k, v in attrs_list}
        if tag == "base" and self.base is None and attrs.get("href"):
            self.base = absolute(attrs["href"], self.url)
        scope = self.scopes[-1]
        rel = attrs.get("rel")
        if tag in ("a", "link") and rel and attrs.get("href"):
            scope.links.append((rel, attrs))
        if tag == "form":
            self.form = {"attrs": attrs, "fields": []}
            self.forms.append(self.form)
        elif tag in ("input", "textarea", "select", "button") and self.form is not None:
            self._field(tag, attrs)
        elif tag == "option" and self.select is not None:
            self.select["options"].append(attrs.get("value"))
            if "selected" in attrs:
                self.select["value"] = attrs.get("value")
        elif tag == "label":
            self.label_for = attrs.get("for")
        if tag in _VOID:
            self._property(tag, attrs, scope, None)
            return
        if len(self.stack) >= MAX_DEPTH:
            self.stack.append((tag, None, None, []))
            return
        new_scope = None
        if "itemscope" in attrs and "itemprop" not in attrs:
            new_scope = _Scope(absolute(attrs["itemid"], self._base()) if attrs.get("itemid")
                               else None)
            if len(self.scopes) == 1:
                self.items.append(new_scope)
            self.scopes.append(new_scope)
        text: list[str] = []
        self.stack.append((tag, new_scope, attrs.get("itemprop") if "itemscope" not in attrs
                           else None, text))
        if "itemprop" in attrs and "itemscope" not in attrs:
            value = attrs.get(_VALUE_ATTRS.get(tag, ""))
            if value is not None and tag in _VALUE_ATTRS:
                self._set(scope, attrs["itemprop"], absolute(value, self._base())
                          if tag in ("a", "link", "img") else value)
                self.stack[-1] = (tag, new_scope, None, text)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.form = None
        elif tag == "select":
            self.select = None
        elif tag == "label":
            self.label_for = None
        # Close up to the matching open tag (HTML lets authors omit end tags).
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                for _, scope, prop, text in reversed(self.stack[i:]):
                    if prop:
                        self._set(self.scopes[-1] if scope is None else self.scopes[-2], prop,
                                  " ".join("".join(text).split()))
                    if scope is not None and len(self.scopes) > 1:
                        self.scopes.pop()
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1][0] == "title" and self.title is None:
            self.title = " ".join(data.split())
        for _, _, prop, text in self.stack:
            if prop:
                text.append(data)
        if self.label_for:
            self.labels[self.label_for] = (self.labels.get(self.label_for, "") + data).strip()

    # -- pieces ---------------------------------------------------------------------------------

    def _base(self) -> str:
        return self.base or self.url

    def _set(self, scope: _Scope, name: str, value: Any) -> None:
        for key in name.split():
            scope.props.setdefault(key, value)

    def _property(self, tag: str, attrs: dict[str, str], scope: _Scope, _: Any) -> None:
        prop = attrs.get("itemprop")
        attr = _VALUE_ATTRS.get(tag)
        if prop and attr and attrs.get(attr) is not None:
            value = attrs[attr]
            self._set(scope, prop, absolute(value, self._base())
                      if tag in ("a", "link", "img") else value)

    def _field(self, tag: str, attrs: dict[str, str]) -> None:
        assert self.form is not None
        if tag == "button" or attrs.get("type") in ("submit", "button", "reset", "image"):
            return
        field: dict[str, Any] = {"tag": tag, **attrs,
                                 "options": [] if tag == "select" else None}
        if tag == "select":
            self.select = field
        if attrs.get("name"):
            self.form["fields"].append(field)

    def _links(self, found: list[tuple[str, dict[str, str]]]) -> list[Link]:
        base = self._base()
        links = []
        for rels, attrs in found:
            extra: dict[str, Any] = {k: attrs[k] for k in ("title", "type", "hreflang")
                                     if attrs.get(k)}
            for rel in rels.split():
                try:
                    href = attrs["href"].strip()
                    links.append(Link.create(rel, href, base=base,
                                             templated=looks_templated(href), **extra))
                except DocumentError:
                    continue  # one bad anchor does not make the page unreadable
        return links

    def _actions(self) -> tuple[Action, ...]:
        actions = []
        for number, form in enumerate(self.forms):
            attrs = form["attrs"]
            method = (attrs.get("method") or "GET").upper()
            enctype = attrs.get("enctype") or FORM_URLENCODED
            name = attrs.get("name") or attrs.get("id") or f"form{number}"
            target = absolute(attrs.get("action") or self.url, self._base())
            fields = tuple(self._make_field(f) for f in form["fields"])
            title = attrs.get("title") or attrs.get("aria-label")
            actions.append(Action(name, method, target, title=title,
                                  content_type="" if method == "GET" else enctype,
                                  fields=fields))
        return tuple(actions)

    def _make_field(self, f: dict[str, Any]) -> Field:
        def number(key: str) -> float | None:
            try:
                return float(f[key]) if f.get(key) not in (None, "") else None
            except ValueError:
                return None

        def integer(key: str) -> int | None:
            value = number(key)
            return int(value) if value is not None else None

        kind = "select" if f["tag"] == "select" else (
            "textarea" if f["tag"] == "textarea" else (f.get("type") or "text"))
        options = tuple(f["options"]) if f.get("options") else None
        return Field(name=f["name"], type=kind, required="required" in f,
                     value=f.get("value") or None, options=options,
                     pattern=f.get("pattern") or None, min=number("min"), max=number("max"),
                     min_length=integer("minlength"), max_length=integer("maxlength"),
                     read_only="readonly" in f,
                     prompt=self.labels.get(f.get("id", "")) or f.get("placeholder")
                     or f.get("title") or None)

    def document(self) -> Document:
        links = self._links(self.page.links)
        state: dict[str, Any] = {"title": self.title}
        state.update(self.page.props)
        members = [Document(item.itemid, format="html", data=item.props,
                            links=Links(self._links(item.links)))
                   for item in self.items if item.itemid]
        total = state.get("total")
        page = Page(total=int(total)) if members and isinstance(total, str) and \
            total.isdigit() else Page()
        return Document(self.url, format="html", data=state, links=Links(links),
                        items=members or None, page=page, actions=self._actions())
