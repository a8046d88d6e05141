"""The bounded crawl behind ``hyperkm check``: from the root, every link followed once (GET
only, never a write, never another origin), collections walked, templates expanded with values
the API itself gave, forms asked about with OPTIONS — each answer checked against the rules."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, deque
from collections.abc import Iterable
from typing import Any

from .. import formats
from .._deprecation import read_deprecation
from .._exceptions import DocumentError, HyperkmError, TemplateError
from .._links import Link
from .._received import Received
from .._urls import normalised, origin_of
from ._probes import check_form, probe_accept, probe_not_found
from ._report import Finding, Report
from ._rules import LEVELS, RULES
from ._walks import check_collection, check_flags, check_templates, format_of

__all__ = ["check"]

#: Documents whose values are kept per field name.
MAX_VALUES = 32
_LINK_HEADER_TEMPLATE = re.compile(r"<[^>]*\{[^>]*\}[^>]*>")


def check(client: Any, root_url: str | None = None, *, max_requests: int = 200) -> Report:
    """Crawl the API from its root and check what a client meets (see docs/check.md).

    Args:
        client: A [`Client`][hyperkm.Client]: its credentials, TLS settings and scoping are
            used (its cache is not: the check must see the server, not a copy).
        root_url: Where to start (default: the client's root).
        max_requests: The most requests the check makes.

    Raises:
        HyperkmError: the root itself cannot be read (nothing else can be checked).
    """
    return _Checker(client, root_url or client.root_url, max_requests).run()


def _probe_client(client: Any) -> Any:
    """A client of the same class, credentials and settings, and no cache."""
    return type(client)(client.root_url, token=client._token, auth=client._oauth,
                  headers={k: v for k, v in client.headers.items() if k != "Accept"},
                  credential_headers=client.credential_headers, verify=client.verify,
                  session=client._given_session, cache=False, retries=0,
                  timeout=client.timeout, deadline=client.deadline,
                  transport=client.transport)


class _Checker:
    def __init__(self, client: Any, root_url: str, max_requests: int) -> None:
        if max_requests < 1:
            raise ValueError("max_requests must be at least 1")
        self.client = _probe_client(client)
        self.root = root_url
        self.origin = origin_of(root_url)
        self.budget = max_requests
        self.requests = 0
        self.findings: list[Finding] = []
        self.seen_findings: set[tuple[str, str, str]] = set()
        self.formats: Counter[str] = Counter()
        self.checked: set[str] = set()
        self.visited: set[str] = set()
        self.walked: set[str] = set()
        self.queue: deque[tuple[str, str]] = deque()
        self.templates: dict[str, tuple[Link, str]] = {}
        self.values: dict[str, dict[str, Any]] = {}  # field -> {source: value}
        self.options: dict[str, Any] = {}
        self.revalidated = 0
        self.error_types: set[str] = set()
        self.elsewhere: set[str] = set()
        self.notes: list[str] = []
        self.client.on_exchange.append(self._count)
        self.client.on_note.append(self.notes.append)

    def _count(self, exchange: Any) -> None:
        self.requests += 1

    def _left(self) -> bool:
        return self.requests < self.budget

    def find(self, rule: str, url: str, message: str, evidence: str = "") -> None:
        key = (rule, url, message)
        if key in self.seen_findings:
            return
        self.seen_findings.add(key)
        known = RULES[rule]
        self.findings.append(Finding(rule, known.level, url, message, evidence, known.fix))

    def applied(self, *rules: str) -> None:
        self.checked.update(rules)

    # -- the crawl ------------------------------------------------------------------------------

    def run(self) -> Report:
        received = self.client.exchange("GET", self.root)  # the root must answer
        self._read(self.root, "root", received)
        while self.queue and self._left():
            url, rel = self.queue.popleft()
            if normalised(url) in self.visited:
                continue
            self._get(url, rel)
        if self._left():
            check_templates(self)
        if self._left():
            probe_accept(self)
        if self._left():
            probe_not_found(self)
        order = {lv: i for i, lv in enumerate(reversed(LEVELS))}
        self.findings.sort(key=lambda f: (order[f.level], list(RULES).index(f.rule), f.url))
        return Report(self.root, self.findings, self.requests, dict(self.formats),
                      self.checked, exhausted=not self._left())

    def _get(self, url: str, rel: str, source: str = "") -> tuple[Any, Any] | None:
        """GET ``url`` (a link named ``rel``); check the answer; the document, if any."""
        self.visited.add(normalised(url))
        self.applied("broken-link", "unreachable-link")
        try:
            received = self.client.exchange("GET", url, raise_for_status=False)
        except DocumentError as exc:  # a URL (or a redirect's Location) no client may use
            self.find("broken-link", url, f"the link {rel!r} names no usable URL", exc.message)
            return None
        except HyperkmError as exc:
            self.find("unreachable-link", url, f"the link {rel!r} could not be read",
                      exc.message if hasattr(exc, "message") else str(exc))
            return None
        return self._read(url, rel, received, source)

    def _read(self, url: str, rel: str, received: Received, source: str = ""
              ) -> tuple[Any, Any] | None:
        self._redirects(url, rel, received)
        response = received.response
        self._lifecycle(response)
        if response.status_code >= 400:
            self._error_answer(response)
            if response.status_code in (405, 406):
                return None  # a POST-only link (a report's run), or a format not offered
            self.find("broken-link", response.url,
                      f"the link {rel!r}" + (f" in {source}" if source else "")
                      + f" answers {response.status_code}",
                      f"{response.status_code} {response.reason}")
            return None
        if response.status_code == 204 or not response.content:
            return None
        self._caching(response)
        self.applied("unparseable-document", "link-missing-member", "invalid-template",
                     "template-in-link-header")
        link_header = response.headers.get("Link", "")
        if _LINK_HEADER_TEMPLATE.search(link_header):
            self.find("template-in-link-header", response.url,
                      "the Link header carries URI templates as targets",
                      _LINK_HEADER_TEMPLATE.search(link_header).group(0))  # type: ignore[union-attr]
        try:
            document = formats.parse(response.content, response.url, response.headers)
            _ = document.links, document.actions
        except DocumentError as exc:
            self._unparseable(response.url, exc)
            return None
        media = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if media.startswith("text/") and media != "text/html":
            return None  # an export (CSV), not a document
        self.formats[document.format] += 1
        try:
            self._document(response, document)
        except DocumentError as exc:  # a member or a form read late, and malformed
            self._unparseable(response.url, exc)
        return document, response

    def _unparseable(self, url: str, exc: DocumentError) -> None:
        text = exc.message
        if "URI template" in text or "not a valid variable name" in text:
            self.find("invalid-template", url, "a link's URI template does not parse", text)
        elif "'href'" in text or "'rel'" in text or ".href must" in text:
            self.find("link-missing-member", url, "a link lacks a required member", text)
        else:
            self.find("unparseable-document", url, "the document does not read as its "
                      "format", text)

    # -- what an answer says ----------------------------------------------------------------

    def _redirects(self, url: str, rel: str, received: Received) -> None:
        hops, response = received.redirects, received.response
        self.applied("redirected-link", "redirect-chain")
        if len(hops) >= 2:
            self.find("redirect-chain", url, f"the link {rel!r} goes through {len(hops)} "
                      "redirects", " → ".join(f"{s} {u}" for s, u in hops) + f" → {response.url}")
        elif hops:
            self.find("redirected-link", url, f"the link {rel!r} redirects to {response.url}",
                      f"{hops[0][0]} from {hops[0][1]}")
        if hops:
            try:
                landed = origin_of(response.url)
            except DocumentError:
                return
            if self.origin[0] == "https" and landed[0] == "http":
                self.find("plain-http-link", url, f"the link {rel!r} redirects to plain http",
                          response.url)
            elif landed != self.origin:
                self.find("other-origin-link", url, f"the link {rel!r} redirects to another "
                          f"origin ({landed[0]}://{landed[1]}:{landed[2]})", response.url)

    def _lifecycle(self, response: Any) -> None:
        self.applied("deprecated", "sunset-passed")
        said = read_deprecation(response.headers, response.url)
        if said is None:
            return
        if said.sunset is not None and said.sunset < dt.datetime.now(dt.UTC):
            self.find("sunset-passed", response.url, said.message(),
                      f"Sunset: {response.headers.get('Sunset')}")
        else:
            self.find("deprecated", response.url, said.message(),
                      "; ".join(f"{h}: {response.headers[h]}" for h in ("Deprecation", "Sunset")
                                if h in response.headers))

    def _error_answer(self, response: Any) -> None:
        self.applied("error-not-problem-details")
        media = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if media != "application/problem+json" and media not in self.error_types:
            self.error_types.add(media)
            self.find("error-not-problem-details", response.url,
                      f"an error answer ({response.status_code}) is {media or 'untyped'}, not "
                      "problem details", f"Content-Type: {media or '(none)'}")

    def _caching(self, response: Any) -> None:
        headers = response.headers
        url = response.url
        self.applied("no-validator", "cache-control-missing", "cache-control-contradictory",
                     "vary-missing")
        etag = headers.get("ETag")
        if not etag and not headers.get("Last-Modified"):
            self.find("no-validator", url, "the answer has no ETag or Last-Modified",
                      f"Cache-Control: {headers.get('Cache-Control', '(none)')}")
        control = headers.get("Cache-Control")
        if control is None:
            self.find("cache-control-missing", url, "the answer has no Cache-Control")
        else:
            directives = {d.strip().split("=")[0].lower(): d.strip() for d in control.split(",")
                          if d.strip()}
            max_age = directives.get("max-age", "max-age=0").split("=")[-1].strip('"')
            clashes = []
            if "no-store" in directives and ("public" in directives or (
                    max_age.isdigit() and int(max_age) > 0) or "immutable" in directives):
                clashes.append("no-store with reuse")
            if "public" in directives and "private" in directives:
                clashes.append("public and private")
            if "no-cache" in directives and "immutable" in directives:
                clashes.append("no-cache and immutable")
            if clashes:
                self.find("cache-control-contradictory", url, ", ".join(clashes),
                          f"Cache-Control: {control}")
            sent = response.request.headers if response.request is not None else {}
            vary = {v.strip().lower() for v in headers.get("Vary", "").split(",")}
            if "authorization" in {k.lower() for k in sent} and (
                    "public" in directives or "s-maxage" in directives) and \
                    "authorization" not in vary and "*" not in vary:
                self.find("vary-missing", url, "a per-credential answer may be kept by shared "
                          "caches, and Vary does not name Authorization",
                          f"Cache-Control: {control}; Vary: {headers.get('Vary', '(none)')}")
        if etag and self.revalidated < 3 and self._left():
            self.revalidated += 1
            self.applied("no-304")
            try:
                again = self.client.request("GET", url, headers={"If-None-Match": etag},
                                            raise_for_status=False)
            except HyperkmError:
                return
            if again.status_code != 304:
                self.find("no-304", url, "If-None-Match with the answer's own ETag got "
                          f"{again.status_code}, not 304", f"ETag: {etag}")

    def _document(self, response: Any, document: Any) -> None:
        url = response.url
        media = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        self.applied("content-type-mismatch", "generic-content-type", "missing-self",
                     "other-origin-link", "plain-http-link", "templated-flag-lies")
        raw = document.raw
        claimed = next((f for f in formats.registered() if media and media in f.media_types),
                       None)
        if claimed is not None and raw is not None and not claimed.sniff(raw):
            other = next((f for f in formats.registered()
                          if f is not claimed and f.name != "json" and f.sniff(raw)), None)
            if other is not None:
                self.find("content-type-mismatch", url,
                          f"served as {media} ({claimed.name}), but the body is "
                          f"{other.name}", f"Content-Type: {response.headers['Content-Type']}")
        fmt = format_of(document)
        own_types = [m for m in getattr(fmt, "media_types", ()) if m.endswith("+json")]
        if media == "application/json" and own_types:
            self.find("generic-content-type", url, f"a {document.format} document served as "
                      f"application/json, not {own_types[0]}", "Content-Type: application/json")
        if getattr(fmt, "names_itself", False) and "self" not in document.links:
            self.find("missing-self", url, f"this {document.format} representation has no "
                      "self link")
        check_flags(self, url, document)
        self._links(url, document.links)
        self._values(url, document.data)
        for action in document.actions:
            check_form(self, url, action)
        if document.items is not None:
            check_collection(self, url, document)

    def _links(self, url: str, links: Iterable[Link]) -> None:
        secure = self.origin[0] == "https"
        for link in links:
            if link.rel == "curies":
                continue
            if link.templated:
                self.templates.setdefault(link.href, (link, url))
                template = link.template
                if template is None or template.required:
                    continue
                try:  # only optional variables ({?limit,offset}): followable as it is
                    link = Link.create(link.rel, link.expand(), base=None)
                except (TemplateError, DocumentError):
                    continue
            try:
                where = origin_of(link.href)
            except DocumentError as exc:  # not an http(s) URL every parser reads alike
                self.find("broken-link", url, f"the link {link.rel!r} names no usable URL",
                          exc.message)
                continue
            if secure and where[0] == "http":
                self.find("plain-http-link", url, f"the link {link.rel!r} is plain http",
                          link.href)
                continue
            if where != self.origin:
                if link.href not in self.elsewhere:  # once per target, not per page
                    self.elsewhere.add(link.href)
                    self.find("other-origin-link", url, f"the link {link.rel!r} leads to "
                              f"{where[0]}://{where[1]}:{where[2]}", link.href)
                continue
            if normalised(link.href) not in self.visited:
                self.queue.append((link.href, link.rel))

    def _values(self, source: str, data: Any) -> None:
        if not isinstance(data, dict):
            return
        for key, value in list(data.items())[:256]:
            if isinstance(value, (str, int)) and not isinstance(value, bool) and \
                    len(str(value)) < 200:
                kept = self.values.setdefault(key, {})
                if len(kept) < MAX_VALUES and source not in kept:
                    kept[source] = value

    # -- collections ----------------------------------------------------------------------------
