"""Small helpers every format plug-in shares."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from .._actions import Action
from .._exceptions import DocumentError, TemplateError
from .._links import Link
from .._templates import parse_template
from .._urls import resolve

__all__ = ["absolute", "actions_from_links", "count", "expect", "lenient", "looks_templated",
           "self_url"]

log = logging.getLogger("hyperkm")
_LENIENCIES_SEEN: set[str] = set()


def lenient(kind: str, message: str, *args: Any) -> None:
    """Log, once per process and kind, that a document bent its format's rules and how it
    was read anyway (real servers do: see docs/formats.md, "Leniencies")."""
    if kind not in _LENIENCIES_SEEN:
        _LENIENCIES_SEEN.add(kind)
        log.warning(message, *args)


def expect(condition: bool, message: str, value: Any, base: str) -> None:
    """Raise a [`DocumentError`][hyperkm._exceptions.DocumentError] naming the field, what came and
    the URL unless
    ``condition`` holds."""
    if not condition:
        raise DocumentError(f"{message}, got {type(value).__name__} {value!r:.80} in {base}. "
                            "The server sent a malformed document.", url=base)


def absolute(href: str, base: str) -> str:
    """``href`` resolved against ``base`` (RFC 3986 section 5); absolute ones untouched."""
    href = href.strip()
    return resolve(base, href)


def looks_templated(href: str) -> bool:
    """Whether ``href`` is an RFC 6570 template although its format has no way to say so
    (Siren, JSON:API, Collection+JSON, HTML): braces are not allowed in a URI (RFC 3986), so
    an href with a valid ``{expression}`` can only be a template."""
    if "{" not in href:
        return False
    try:
        return bool(parse_template(href).variables)
    except TemplateError:
        return False


def count(value: Any) -> int | None:
    """A stated count when ``value`` is a non-negative integer (or an integral float)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer() and value >= 0:
        return int(value)
    return value if isinstance(value, int) and value >= 0 else None


def self_url(links: Iterable[Link], fallback: str) -> str:
    """The URL a ``self`` link names: a plain one, else a template expanded with no
    variables (Spring's ``…/items/1{?projection}``: RFC 6570 drops unset ones), else
    ``fallback``."""
    templated = None
    for link in links:
        if link.rel == "self":
            if not link.templated:
                return link.href
            templated = templated or link
    if templated is not None:
        try:
            return templated.expand()
        except TemplateError:
            pass
    return fallback


def actions_from_links(links: Iterable[Link]) -> tuple[Action, ...]:
    """Link objects with a ``method`` member (``{"rel", "href", "method": "POST"}``, as PayPal
    and others write them): a method other than GET makes the link an action named by its
    rel. Its fields are not listed, so any values are sent. PayPal's ``REDIRECT`` says to send
    a person's browser there: it stays a link, and makes no action."""
    actions = []
    for link in links:
        if not link.extra:
            continue
        method = dict(link.extra).get("method")
        if isinstance(method, str) and method.strip().upper() not in (
                "", "GET", "HEAD", "REDIRECT"):
            actions.append(Action(name=link.rel, method=method.strip().upper(),
                                  target=link.href, title=link.title or link.name,
                                  templated=link.templated, free_form=True))
    return tuple(actions)
