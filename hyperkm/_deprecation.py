"""A server's word that a resource is going away: the ``Deprecation`` header (RFC 9745), the
``Sunset`` header (RFC 8594), and ``Link`` relations ``deprecation`` and ``sunset``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from email.utils import parsedate_to_datetime

import attrs

__all__ = ["Deprecation", "read_deprecation"]


@attrs.frozen
class Deprecation:
    """What the server said about ``url`` going away.

    Attributes:
        url: The resource it is about.
        since: When it was (or will be) deprecated; ``None`` when the server only said that
            it is (an old draft's ``Deprecation: true``).
        sunset: When it will stop answering (``Sunset``), if said.
        link: Where the server documents the deprecation (``rel="deprecation"``), if given.
        sunset_link: Where it documents the sunset policy (``rel="sunset"``), if given.
        announced: Whether the server said "deprecated" (a ``Deprecation`` header or link),
            not only when it will stop answering (``Sunset`` alone).
    """

    url: str
    since: dt.datetime | None = None
    sunset: dt.datetime | None = None
    link: str | None = None
    sunset_link: str | None = None
    announced: bool = True

    @property
    def deprecated(self) -> bool:
        """Whether the resource is deprecated now (a ``since`` in the future: not yet)."""
        return self.since is None or self.since <= dt.datetime.now(dt.UTC)

    def message(self) -> str:
        """One line for people: what, since when, until when, and where to read more."""
        if not self.announced:
            text = f"{self.url} will stop answering after {_day(self.sunset)} (Sunset)"
        else:
            when = f" since {_day(self.since)}" if self.since is not None else ""
            if self.since is not None and not self.deprecated:
                when = f" from {_day(self.since)}"
            text = f"{self.url} is deprecated{when}"
            if self.sunset is not None:
                text += f"; it will stop answering after {_day(self.sunset)}"
        for link in (self.link, self.sunset_link):
            if link:
                text += f"; see {link}"
                break
        return text


def _day(when: dt.datetime | None) -> str:
    return when.strftime("%Y-%m-%d") if when is not None else "?"


def _deprecation_date(value: str) -> tuple[bool, dt.datetime | None]:
    """RFC 9745's structured-field date ``@1688169599``; leniently an HTTP-date or ``true``
    (earlier drafts, still sent)."""
    value = value.strip()
    if value.startswith("@") and value[1:].lstrip("-").isdigit() and len(value) < 20:
        try:
            return True, dt.datetime.fromtimestamp(int(value[1:]), dt.UTC)
        except (OverflowError, OSError, ValueError):
            return True, None
    if value.lower() == "true":
        return True, None
    if value.lower() == "false":
        return False, None
    return True, _http_date(value)


def _http_date(value: str) -> dt.datetime | None:
    try:
        parsed = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=dt.UTC)


def read_deprecation(headers: Mapping[str, str], url: str) -> Deprecation | None:
    """What ``headers`` (of a response for ``url``) say about deprecation, or ``None``."""
    deprecation = headers.get("Deprecation") or headers.get("deprecation")
    sunset = headers.get("Sunset") or headers.get("sunset")
    link_header = headers.get("Link") or headers.get("link") or ""
    links: dict[str, str] = {}
    if "deprecation" in link_header.lower() or "sunset" in link_header.lower():
        from .formats.link_header import parse_link_header

        try:
            for link in parse_link_header(link_header, url):
                if link.rel.lower() in ("deprecation", "sunset"):
                    links.setdefault(link.rel.lower(), link.href)
        except Exception:  # a malformed Link header is the body's reader's to report
            links = {}
    if not deprecation and not sunset and not links:
        return None
    said, since = _deprecation_date(deprecation) if deprecation else (False, None)
    if deprecation and not said and not sunset:
        return None  # "Deprecation: false"
    return Deprecation(url, since=since, sunset=_http_date(sunset) if sunset else None,
                       link=links.get("deprecation"), sunset_link=links.get("sunset"),
                       announced=said or "deprecation" in links)


# Public classes report the module users import them from (tracebacks, reprs, help()).
Deprecation.__module__ = "hyperkm"
