"""The bounded crawl behind ``hyperkm check``: from the root, every link followed once (GET
only, never a write, never another origin), collections walked, templates expanded with values
the API itself gave, forms asked about with OPTIONS — each answer checked against the rules."""

from __future__ import annotations

import datetime as dt
import itertools
import re
import secrets
from collections import Counter, deque
from collections.abc import Iterable
from typing import Any
from urllib.parse import urljoin

from .. import formats
from .._deprecation import read_deprecation
from .._exceptions import DocumentError, HyperkmError, TemplateError
from .._forms import Action
from .._links import Link
from .._urls import normalised, origin_of
from ..formats._common import looks_templated
from ._report import Finding, Report
from ._rules import LEVELS, RULES

__all__ = ["check"]

#: Pages walked per collection (the first ones: enough to see how paging behaves).
MAX_PAGES = 12
#: Members per page whose own links are followed (a sample: the rest are alike).
MEMBER_SAMPLE = 2
#: Documents whose values are kept per field name.
MAX_VALUES = 32
_HYPERMEDIA = {"hal", "siren", "jsonapi", "collection+json", "hydra", "activitystreams",
               "linkset"}
#: Formats whose documents name themselves: a representation of them without one lacks it.
_SELF_EXPECTED = _HYPERMEDIA | {"kissmetrics", "odata"}
_LINK_HEADER_TEMPLATE = re.compile(r"<[^>]*\{[^>]*\}[^>]*>")
_TOTAL_NOTE = re.compile(r"states ([\d,]+) members, but its 'next' links led to ([\d,]+)")


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
    """A client with the same credentials and settings, and no cache."""
    from .._connect import Client

    return Client(client.root_url, token=client._token, auth=client._oauth,
                  headers={k: v for k, v in client.headers.items() if k != "Accept"},
                  credential_headers=client.credential_headers, verify=client.verify,
                  session=client._given_session, cache=False, retries=0,
                  timeout=client.timeout, deadline=client.deadline)


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
        response = self.client.request("GET", self.root)  # the root must answer
        self._read(self.root, "root", response)
        while self.queue and self._left():
            url, rel = self.queue.popleft()
            if normalised(url) in self.visited:
                continue
            self._get(url, rel)
        if self._left():
            self._check_templates()
        if self._left():
            self._probe_accept()
        if self._left():
            self._probe_not_found()
        order = {lv: i for i, lv in enumerate(reversed(LEVELS))}
        self.findings.sort(key=lambda f: (order[f.level], list(RULES).index(f.rule), f.url))
        return Report(self.root, self.findings, self.requests, dict(self.formats),
                      self.checked, exhausted=not self._left())

    def _get(self, url: str, rel: str, source: str = "") -> tuple[Any, Any] | None:
        """GET ``url`` (a link named ``rel``); check the answer; the document, if any."""
        self.visited.add(normalised(url))
        self.applied("broken-link", "unreachable-link")
        try:
            response = self.client.request("GET", url, raise_for_status=False)
        except HyperkmError as exc:
            self.find("unreachable-link", url, f"the link {rel!r} could not be read",
                      exc.message if hasattr(exc, "message") else str(exc))
            return None
        return self._read(url, rel, response, source)

    def _read(self, url: str, rel: str, response: Any, source: str = "") -> tuple[Any, Any] | None:
        self._redirects(url, rel, response)
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

    def _redirects(self, url: str, rel: str, response: Any) -> None:
        hops = getattr(response, "hyperkm_redirects", [])
        self.applied("redirected-link", "redirect-chain")
        if len(hops) >= 2:
            self.find("redirect-chain", url, f"the link {rel!r} goes through {len(hops)} "
                      "redirects", " → ".join(f"{s} {u}" for s, u in hops) + f" → {response.url}")
        elif hops:
            self.find("redirected-link", url, f"the link {rel!r} redirects to {response.url}",
                      f"{hops[0][0]} from {hops[0][1]}")

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
        if media == "application/json" and document.format in _HYPERMEDIA:
            self.find("generic-content-type", url, f"a {document.format} document served as "
                      "application/json", "Content-Type: application/json")
        if document.format in _SELF_EXPECTED and "self" not in document.links:
            self.find("missing-self", url, f"this {document.format} representation has no "
                      "self link")
        self._flags(url, document)
        self._links(url, document.links)
        self._values(url, document.data)
        for action in document.actions:
            self._form(url, action)
        if document.items is not None:
            self._collection(url, document)

    def _flags(self, url: str, document: Any) -> None:
        """``templated`` flags that disagree with their hrefs (formats that have the flag)."""
        raw = document.raw
        objects: list[Any] = []
        if document.format == "hal" and isinstance(raw, dict):
            for value in (raw.get("_links") or {}).values():
                objects += value if isinstance(value, list) else [value]
        elif document.format == "kissmetrics" and isinstance(raw, dict):
            objects += raw.get("links") or []
            data = raw.get("data")
            if isinstance(data, dict):
                objects += data.get("links") or []
        for obj in objects[:1024]:
            if not isinstance(obj, dict) or not isinstance(obj.get("href"), str):
                continue
            href, flag = obj["href"], obj.get("templated")
            flagged = flag is True or (isinstance(flag, str) and flag.lower() == "true")
            if flagged and "{" not in href:
                self.find("templated-flag-lies", url, f"{href} is marked templated but has "
                          "no expression", f"templated: {flag!r}")
            elif not flagged and looks_templated(href):
                self.find("templated-flag-lies", url, f"{href} has an RFC 6570 expression "
                          "but is not marked templated", f"templated: {flag!r}")

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
            except DocumentError:
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

    def _collection(self, url: str, document: Any) -> None:
        if normalised(url) in self.walked:
            return
        self.walked.add(normalised(url))
        self.applied("next-loop", "total-mismatch", "inconsistent-page-size",
                     "prev-next-not-inverse")
        for member in list(document.items)[:MEMBER_SAMPLE]:
            try:
                self._links(url, member.links)
            except DocumentError as exc:
                self._unparseable(url, exc)
        for member in document.items:
            try:
                self._values(url, member.data)
            except DocumentError:
                break
        budget = max(0, min(MAX_PAGES, self.budget - self.requests - 1))
        if budget < 2:
            return
        resource = self.client.resource(url)
        pages: list[tuple[str, int, str | None, str | None]] = []
        members: list[list[str]] = []
        before = len(self.notes)
        stated = document.page.total
        complete = False
        try:
            for page in resource.items(prefetch=0, max_pages=budget).pages():
                doc = page.document
                prev, own = doc.links.get("prev"), doc.links.get("self")
                pages.append((page.url, len(doc.items or ()), prev.href if prev else None,
                              own.href if own is not None and not own.templated else None))
                members.append(_member_keys(doc))
                self.visited.add(normalised(page.url))
                for member in (doc.items or ())[:50]:
                    self._values(page.url, member.data)
            complete = len(pages) < budget
        except DocumentError as exc:
            if "loops" in exc.message:
                self.find("next-loop", url, "the collection's next links loop", exc.message)
            else:
                self._unparseable(url, exc)
            return
        except HyperkmError as exc:
            self.find("broken-link", url, "a page of the collection cannot be read",
                      getattr(exc, "message", str(exc)))
            return
        for note in self.notes[before:]:
            found = _TOTAL_NOTE.search(note)
            if found:
                self.find("total-mismatch", url, f"states {found.group(1)} members; its pages "
                          f"hold {found.group(2)}", note)
        if complete and stated is not None and len(pages) > 1:
            walked = sum(p[1] for p in pages)
            if walked != stated and not any(_TOTAL_NOTE.search(n) for n in self.notes[before:]):
                self.find("total-mismatch", url, f"states {stated} members; its pages hold "
                          f"{walked}", f"{len(pages)} pages")
        sizes = [p[1] for p in pages]
        full = sizes[:-1] if complete else sizes
        if len(set(full)) > 1:
            self.find("inconsistent-page-size", url, "its full pages differ in size",
                      ", ".join(map(str, sizes)))
        for i, ((before_url, _, _, before_self), (page_url, _, prev, _)) in enumerate(
                itertools.pairwise(pages)):
            # (the first page may be reached by the collection's URL and name itself otherwise)
            if prev is None or normalised(prev) in {normalised(before_url),
                                                    normalised(before_self or before_url)}:
                continue
            if self._left():  # another URL for the same page? Its members say.
                try:
                    answer = self.client.request("GET", prev, raise_for_status=False)
                    doc = formats.parse(answer.content, answer.url, answer.headers)
                    if answer.status_code < 400 and _member_keys(doc) == members[i]:
                        continue
                except HyperkmError:
                    pass
            self.find("prev-next-not-inverse", page_url, "its prev link does not lead "
                      "back to the page whose next led here",
                      f"prev: {prev}; came from: {before_url}")

    # -- forms ------------------------------------------------------------------------------------

    def _form(self, url: str, action: Action) -> None:
        self.applied("unsatisfiable-field")
        for field in action.fields:
            problem = _unsatisfiable(field)
            if problem:
                self.find("unsatisfiable-field", url, f"the field {field.name!r} of the form "
                          f"{action.name!r} cannot be filled: {problem}")
        if action.templated or not self._left():
            return
        try:
            if origin_of(action.target) != self.origin:
                return
        except DocumentError:
            return
        target = action.target
        if target not in self.options:
            try:
                self.options[target] = self.client.request("OPTIONS", target,
                                                           raise_for_status=False)
            except HyperkmError:
                self.options[target] = None
        answer = self.options[target]
        if answer is None or answer.status_code >= 400:
            return
        self.applied("method-not-allowed", "form-content-type-refused")
        allow = {m.strip().upper() for m in answer.headers.get("Allow", "").split(",")
                 if m.strip()}
        if allow and action.method not in allow:
            self.find("method-not-allowed", url, f"the form {action.name!r} uses "
                      f"{action.method}, which {target} does not allow",
                      f"Allow: {answer.headers.get('Allow')}")
        accepts = answer.headers.get({"POST": "Accept-Post", "PATCH": "Accept-Patch"}.get(
            action.method, "-"))
        if accepts and action.content_type and action.method in ("POST", "PATCH"):
            wanted = action.content_type.split(";")[0].strip().lower()
            offered = {a.split(";")[0].strip().lower() for a in accepts.split(",")}
            if wanted not in offered and "*/*" not in offered:
                self.find("form-content-type-refused", url, f"the form {action.name!r} sends "
                          f"{wanted}, which {target} does not accept",
                          f"Accept-{action.method.title()}: {accepts}")

    # -- templates, content negotiation, errors ---------------------------------------------------

    def _check_templates(self) -> None:
        self.applied("template-404")
        for href, (link, source) in list(self.templates.items()):
            if not self._left():
                return
            try:
                if origin_of(href.split("{", 1)[0] or source) != self.origin:
                    continue
            except DocumentError:
                continue
            names = list(link.variables)
            template = link.template
            required = set(template.required) if template is not None else set()
            pools = [self.values.get(name, {}) for name in names]
            if not required or not all(self.values.get(n) for n in required):
                continue  # nothing the API gave fits: not tested
            statuses = []
            # Values from the documents nearest the template first: an {id} of
            # /events/{id} is an event's id, found on the events pages.
            literal = href.split("{", 1)[0]
            sources = sorted(self.values[next(iter(required))],
                             key=lambda src: -_common_prefix(src, literal))[:3]
            for src in sources:
                chosen = {n: pool.get(src, next(iter(pool.values()))) for n, pool in
                          zip(names, pools, strict=False) if pool and n in required}
                try:
                    target = link.expand(**chosen)
                except TemplateError:
                    continue
                try:
                    answer = self.client.request("GET", target, raise_for_status=False)
                except HyperkmError:
                    break
                statuses.append((answer.status_code, target))
                if answer.status_code < 400 or not self._left():
                    break
            if statuses and all(s == 404 for s, _ in statuses):
                self.find("template-404", source, f"the template {link.rel!r} expanded with "
                          "the API's own values answers 404",
                          "; ".join(f"{s} {t}" for s, t in statuses))

    def _probe_accept(self) -> None:
        """Does the root's body depend on Accept, and does Vary say so?"""
        answers = []
        for accept in (None, "application/json"):
            try:
                answers.append(self.client.request(
                    "GET", self.root, raise_for_status=False,
                    headers={"Accept": accept} if accept else None))
            except HyperkmError:
                return
        types = {(a.headers.get("Content-Type") or "").split(";")[0] for a in answers}
        if len(types) > 1 and not all("accept" in a.headers.get("Vary", "").lower()
                                      for a in answers):
            self.find("vary-missing", self.root, "the body depends on Accept, and Vary does "
                      "not name it", "Content-Types: " + ", ".join(sorted(types)))

    def _probe_not_found(self) -> None:
        """How the API answers a URL that names nothing (errors should be problem details)."""
        missing = urljoin(self.root.rstrip("/") + "/", f"hyperkm-check-{secrets.token_hex(4)}")
        try:
            answer = self.client.request("GET", missing, raise_for_status=False)
        except HyperkmError:
            return
        if answer.status_code >= 400:
            self._error_answer(answer)


def _member_keys(document: Any) -> list[str]:
    """What tells a page's members apart: their URLs, else their states."""
    keys = []
    for member in list(document.items or ())[:100]:
        try:
            keys.append(member.url if member.has_own_url else repr(member.data)[:200])
        except DocumentError:
            keys.append("?")
    return keys


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _unsatisfiable(field: Any) -> str | None:
    if field.min is not None and field.max is not None and field.min > field.max:
        return f"min {field.min} is above max {field.max}"
    lo, hi = field.min_length, field.max_length
    if lo is not None and hi is not None and lo > hi:
        return f"minLength {lo} is above maxLength {hi}"
    if field.pattern:
        try:
            re.compile(field.pattern)
        except (re.error, RecursionError, OverflowError):
            from .. import _patterns

            if _patterns._compiled(field.pattern) is None:
                return f"the pattern /{field.pattern[:80]}/ does not compile"
    if field.required and field.read_only and field.value is None:
        return "it is required and read-only, with no value"
    if field.options is not None:
        if field.required and not field.options:
            return "it is required, and offers no option"
        if field.value is not None and field.value not in field.options and not isinstance(
                field.value, list):
            return f"its value {field.value!r} is not one of its options"
    value = field.value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if field.min is not None and value < field.min:
            return f"its value {value} is below its min {field.min}"
        if field.max is not None and value > field.max:
            return f"its value {value} is above its max {field.max}"
    return None
