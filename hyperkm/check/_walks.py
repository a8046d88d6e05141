"""The checks that walk: a collection's first pages, the templates met, ``templated`` flags."""

from __future__ import annotations

import itertools
import re
from typing import Any

from .. import formats
from .._exceptions import DocumentError, HyperkmError, TemplateError
from .._urls import normalised, origin_of
from ..formats._common import looks_templated
from ._judge import common_prefix, member_keys

__all__ = ["check_collection", "check_flags", "check_templates", "format_of"]

#: What the client notes when a stated total and the pages disagree (see _collection).
_TOTAL_NOTE = re.compile(r"states ([\d,]+) members, but its 'next' links led to ([\d,]+)")
#: Pages walked per collection (the first ones: enough to see how paging behaves).
MAX_PAGES = 12
#: Members per page whose own links are followed (a sample: the rest are alike).
MEMBER_SAMPLE = 2


def format_of(document: Any) -> Any:
    """The registered format that read ``document`` (None for one no longer registered)."""
    return next((f for f in formats.registered() if f.name == document.format), None)


def check_flags(checker: Any, url: str, document: Any) -> None:
    """``templated`` flags that disagree with their hrefs (formats that have the flag)."""
    fmt = format_of(document)
    reader = getattr(fmt, "link_objects", None)  # formats that have the flag say where it is
    objects: list[Any] = reader(document.raw) if reader is not None else []
    for obj in objects[:1024]:
        if not isinstance(obj, dict) or not isinstance(obj.get("href"), str):
            continue
        href, flag = obj["href"], obj.get("templated")
        flagged = flag is True or (isinstance(flag, str) and flag.lower() == "true")
        if flagged and "{" not in href:
            checker.find("templated-flag-lies", url, f"{href} is marked templated but has "
                      "no expression", f"templated: {flag!r}")
        elif not flagged and looks_templated(href):
            checker.find("templated-flag-lies", url, f"{href} has an RFC 6570 expression "
                      "but is not marked templated", f"templated: {flag!r}")


def check_collection(checker: Any, url: str, document: Any) -> None:
    """Walk the first pages of a collection: loops, totals, page sizes, prev/next."""
    if normalised(url) in checker.walked:
        return
    checker.walked.add(normalised(url))
    checker.applied("next-loop", "total-mismatch", "inconsistent-page-size",
                 "prev-next-not-inverse")
    for member in list(document.items)[:MEMBER_SAMPLE]:
        try:
            checker._links(url, member.links)
        except DocumentError as exc:
            checker._unparseable(url, exc)
    for member in document.items:
        try:
            checker._values(url, member.data)
        except DocumentError:
            break
    budget = max(0, min(MAX_PAGES, checker.budget - checker.requests - 1))
    if budget < 2:
        return
    resource = checker.client.resource(url)
    pages: list[tuple[str, int, str | None, str | None]] = []
    members: list[list[str]] = []
    before = len(checker.notes)
    stated = document.page.total
    complete = False
    try:
        for page in resource.items(prefetch=0, max_pages=budget).pages():
            doc = page.document
            prev, own = doc.links.get("prev"), doc.links.get("checker")
            pages.append((page.url, len(doc.items or ()), prev.href if prev else None,
                          own.href if own is not None and not own.templated else None))
            members.append(member_keys(doc))
            checker.visited.add(normalised(page.url))
            for member in (doc.items or ())[:50]:
                checker._values(page.url, member.data)
        complete = len(pages) < budget
    except DocumentError as exc:
        if "loops" in exc.message:
            checker.find("next-loop", url, "the collection's next links loop", exc.message)
        else:
            checker._unparseable(url, exc)
        return
    except HyperkmError as exc:
        checker.find("broken-link", url, "a page of the collection cannot be read",
                  getattr(exc, "message", str(exc)))
        return
    for note in checker.notes[before:]:
        found = _TOTAL_NOTE.search(note)
        if found:
            checker.find("total-mismatch", url, f"states {found.group(1)} members; its pages "
                      f"hold {found.group(2)}", note)
    if complete and stated is not None and len(pages) > 1:
        walked = sum(p[1] for p in pages)
        if walked != stated and not any(_TOTAL_NOTE.search(n) for n in checker.notes[before:]):
            checker.find("total-mismatch", url, f"states {stated} members; its pages hold "
                      f"{walked}", f"{len(pages)} pages")
    sizes = [p[1] for p in pages]
    full = sizes[:-1] if complete else sizes
    if len(set(full)) > 1:
        checker.find("inconsistent-page-size", url, "its full pages differ in size",
                  ", ".join(map(str, sizes)))
    for i, ((before_url, _, _, before_self), (page_url, _, prev, _)) in enumerate(
            itertools.pairwise(pages)):
        # (the first page may be reached by the collection's URL and name itself otherwise)
        if prev is None or normalised(prev) in {normalised(before_url),
                                                normalised(before_self or before_url)}:
            continue
        if checker._left():  # another URL for the same page? Its members say.
            try:
                answer = checker.client.request("GET", prev, raise_for_status=False)
                doc = formats.parse(answer.content, answer.url, answer.headers)
                if answer.status_code < 400 and member_keys(doc) == members[i]:
                    continue
            except HyperkmError:
                pass
        checker.find("prev-next-not-inverse", page_url, "its prev link does not lead "
                  "back to the page whose next led here",
                  f"prev: {prev}; came from: {before_url}")


def _pool(values: dict[str, dict[str, Any]], name: str) -> dict[str, Any]:
    """The values seen for a template variable: its own name's, else — for ``itemId``,
    ``item_id`` — the members' ``id``s."""
    found = values.get(name)
    if found:
        return found
    if name.lower().endswith("id") and name.lower() != "id":
        return values.get("id", {})
    return {}


def check_templates(checker: Any) -> None:
    """Expand each template met with values the API gave, nearest first; 404s are findings."""
    checker.applied("template-404")
    for href, (link, source) in list(checker.templates.items()):
        if not checker._left():
            return
        try:
            if origin_of(href.split("{", 1)[0] or source) != checker.origin:
                continue
        except DocumentError:
            continue
        names = list(link.variables)
        template = link.template
        required = set(template.required) if template is not None else set()
        pools = {name: _pool(checker.values, name) for name in names}
        if not required or not all(pools.get(n) for n in required):
            continue  # nothing the API gave fits: not tested
        statuses = []
        # Values from the documents nearest the template first: an {id} of
        # /events/{id} is an event's id, found on the events pages.
        literal = href.split("{", 1)[0]
        sources = sorted(pools[next(iter(required))],
                         key=lambda src: -common_prefix(src, literal))[:3]
        for src in sources:
            chosen = {n: pool.get(src, next(iter(pool.values()))) for n, pool in
                      pools.items() if pool and n in required}
            try:
                target = link.expand(**chosen)
            except TemplateError:
                continue
            try:
                answer = checker.client.request("GET", target, raise_for_status=False)
            except HyperkmError:
                break
            statuses.append((answer.status_code, target))
            if answer.status_code < 400 or not checker._left():
                break
        if statuses and all(s == 404 for s, _ in statuses):
            checker.find("template-404", source, f"the template {link.rel!r} expanded with "
                      "the API's own values answers 404",
                      "; ".join(f"{s} {t}" for s, t in statuses))
