"""URLs as the transport sees them: one parser decides where a request goes.

requests (through urllib3's ``parse_url``) and ``urllib.parse`` disagree on some strings:
``https://evil.example\\@api.example/x`` is ``api.example`` to ``urlsplit`` but
``evil.example`` to urllib3, which is where the connection is made. A token policy judged with
one parser and a transport that connects with the other would leak the token. So hyperkm

- decides origins with urllib3's ``parse_url``, the transport's own parser, and
- refuses, before anything is sent, URLs on which parsers are known to disagree: backslashes,
  control characters, white space or non-ASCII characters in the authority, and userinfo
  (``user@host``), which no link in a document has a reason to carry.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from urllib.parse import urljoin, urlsplit, urlunsplit

from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url

from ._exceptions import DocumentError

__all__ = ["Origin", "as_written", "check_url", "format_origin", "is_loopback", "normalised",
           "origin_of", "resolve"]

Origin = tuple[str, str, int]

DEFAULT_PORTS = {"http": 80, "https": 443}

# Anywhere in a URL: C0 controls, DEL and the backslash (WHATWG parsers read "\" as "/",
# RFC 3986 parsers as data, so the two see different hosts).
_NEVER = re.compile(r"[\x00-\x1f\x7f\\]")
# The authority hyperkm accepts: a registered name or an IP literal, and a numeric port.
# Nothing else (no "@", no "%", no non-ASCII), so every parser finds the same host.
_AUTHORITY = re.compile(r"(?:[A-Za-z0-9\-._~!$&'()*+,;=]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{0,5})?")


def _authority(url: str) -> str | None:
    start = url.find("//")
    if start == -1 or not url[:start].rstrip(":").isalpha():
        return None
    rest = url[start + 2:]
    end = len(rest)
    for stop in "/?#":
        at = rest.find(stop)
        if at != -1 and at < end:
            end = at
    return rest[:end]


def check_url(url: str, *, source: str = "a link") -> str:
    """Return ``url`` if it is an absolute http(s) URL every parser reads alike.

    Args:
        url: The URL about to be requested.
        source: Where it came from, for the error (``"the Location header of …"``).

    Raises:
        DocumentError: naming the URL and why it is refused.
    """
    why = _problem(url)
    if why is not None:
        raise DocumentError(
            f"refusing to request {url!r} (from {source}): {why}. Parsers disagree on such "
            "URLs about which host they name, so hyperkm never sends a request (or a token) "
            "to one; the server sent a malformed or hostile link.", url=url)
    return url


def join_checked(base: str, reference: str, *, source: str, url: str | None = None) -> str:
    """``reference`` (a Location, a result URL a server names) resolved against ``base`` and
    checked as `check_url` does; one it cannot even parse (``http://[::1``) is refused the
    same way, naming ``source``.

    Raises:
        DocumentError: the reference is unparseable or names no URL hyperkm will request.
    """
    try:
        joined = urljoin(base, reference.strip())
    except ValueError as exc:
        raise DocumentError(f"refusing to follow {source} ({reference[:200]!r}): {exc}; the "
                            "server sent a malformed URL.", url=url or base) from exc
    return check_url(joined, source=source)


def _problem(url: str) -> str | None:
    if not isinstance(url, str):
        return f"expected a string, got {type(url).__name__}"
    bad = _NEVER.search(url)
    if bad is not None:
        return f"it contains the character {bad.group()!r}"
    scheme = url.split(":", 1)[0].lower()
    if scheme not in DEFAULT_PORTS:
        return "it is not an absolute http:// or https:// URL"
    authority = _authority(url)
    if not authority:
        return "it names no host"
    if "@" in authority:
        return "it carries user information ('user@host') in its authority"
    if not _AUTHORITY.fullmatch(authority):
        return f"its authority {authority!r} is not a plain host[:port]"
    return None


def origin_of(url: str) -> Origin:
    """The (scheme, host, port) origin of ``url`` as the transport will connect to it.

    Raises:
        DocumentError: ``url`` is refused by `check_url`, or urllib3 cannot parse it.
    """
    check_url(url)
    try:
        parts = parse_url(url)
    except LocationParseError as exc:
        raise DocumentError(f"{url!r} is not a valid URL ({exc})", url=url) from exc
    scheme = (parts.scheme or "").lower()
    host = (parts.host or "").lower()
    if not host:
        raise DocumentError(f"{url!r} names no host", url=url)
    return scheme, host, parts.port or DEFAULT_PORTS[scheme]


def format_origin(origin: Origin) -> str:
    scheme, host, port = origin
    return f"{scheme}://{host}" + ("" if DEFAULT_PORTS[scheme] == port else f":{port}")


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine (``localhost``, 127.0.0.0/8, ``::1``)."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


_UNSENDABLE = re.compile(r"[^\x21-\x7e]")


def as_written(url: str) -> str:
    """``url`` as it goes on the wire: exactly as the server (or the caller) wrote it, after
    reference resolution — ``page[offset]=2`` stays ``page[offset]=2``, ``%7E`` stays ``%7E``.
    Only what cannot be sent at all (spaces, controls, non-ASCII) is percent-encoded (UTF-8).

    requests re-quotes every URL (``[`` becomes ``%5B``, ``%7E`` becomes ``~``), which breaks
    signed URLs and servers that compare query strings literally.
    """
    start = url.find("//")
    end = -1
    if start != -1:  # the authority ends at the first "/", "?" or "#" after "//"
        stops = [i for i in (url.find(c, start + 2) for c in "/?#") if i != -1]
        end = min(stops) if stops else len(url)
    if end != -1:
        head = url[:end]
        if head != head.lower():  # scheme and host compare without case: in lower case
            url = head.lower() + url[end:]
        if url.startswith("/", end) and "/." in url:
            url = _without_dot_segments(url, end)
    if _UNSENDABLE.search(url) is None:
        return url
    return _UNSENDABLE.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode("utf-8")),
                           url)


def _without_dot_segments(url: str, start: int) -> str:
    """RFC 3986 5.2.4 on the path of ``url`` (which starts at ``start``): part of resolving
    any reference, an absolute one too."""
    cut = min((i for i in (url.find("?", start), url.find("#", start)) if i != -1),
              default=len(url))
    path = url[start:cut]
    if "/." not in path:
        return url
    out: list[str] = []
    for segment in path.split("/")[1:]:
        if segment == "..":
            if out:
                out.pop()
        elif segment != ".":
            out.append(segment)
    if path.endswith(("/.", "/..")):
        out.append("")
    return url[:start] + "/" + "/".join(out) + url[cut:]


# In a query, these keep their meaning only unencoded (RFC 3986 3.4; form encoding): the
# rest of the percent-encoded characters compare equal to their characters.
_QUERY_DELIMITERS = frozenset("&=+;#%")
_PERCENT = re.compile(r"%([0-9A-Fa-f]{2})")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def _decode(text: str, keep: frozenset[str] | None) -> str:
    """Percent-decode what compares equal decoded: unreserved characters (RFC 3986 6.2.2.2)
    in a path; in a query everything but its delimiters (``keep``). Hex upper-cased."""
    def one(match: re.Match[str]) -> str:
        char = chr(int(match.group(1), 16))
        if keep is None:
            return char if char in _UNRESERVED else "%" + match.group(1).upper()
        return "%" + match.group(1).upper() if char in keep or ord(char) > 0x7E \
            or ord(char) < 0x21 else char
    return _PERCENT.sub(one, text)


def normalised(url: str) -> str:
    """``url`` in a form where spellings of the same resource compare equal: no fragment, no
    empty query (``?``), lower-case scheme and host, no default port, ``/`` for an empty path.

    Percent-encodings that do not change what a URL means compare equal to their
    characters (``%7E`` and ``~``; in a query ``%5B`` and ``[``), and hex digits compare
    without case: URLs are compared by equivalence, never by re-encoding one of them.

    Used to detect pagination loops written differently (``page#x``, ``page?``), and to match
    derived page URLs against the server's own ``next``.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    netloc = host if port is None or DEFAULT_PORTS.get(scheme) == port else f"{host}:{port}"
    path = _decode(parts.path, None) if "%" in parts.path else parts.path
    query = _decode(parts.query, _QUERY_DELIMITERS) if "%" in parts.query else parts.query
    return urlunsplit((scheme, netloc, path or "/", query, ""))


# -- resolving references (RFC 3986 section 5.2), fast where it is simple -----------------------

def resolve(base: str, href: str) -> str:
    """``href`` resolved against ``base`` (RFC 3986 5.2), as ``urljoin`` resolves it.

    Every link of every member goes through here, so the common cases skip ``urllib.parse``
    (whose ``urljoin`` parses both strings each time — a third of a walk whose hrefs are
    relative): an absolute http(s) URL is itself; an absolute-path reference (``/core/x``)
    is the base's ``scheme://authority`` followed by it; a query-only reference (``?page=2``)
    replaces the base's query. A path with dot segments or empty segments, and every other
    kind of reference, goes to ``urljoin`` (which removes them), so the result is always the
    standard library's (a property test holds the two to it).
    """
    if href.startswith(("https://", "http://")):
        return href
    # (urljoin drops an empty query or fragment: such references take the slow path)
    if "#" in href or href.endswith("?"):
        return urljoin(base, href)
    first = href[:1]
    if first == "/":
        cut = href.find("?")
        path = href if cut == -1 else href[:cut]
        # dot segments and empty segments are removed, and so are empty ";params"
        if "/." not in path and "//" not in path and ";" not in path:
            prefix = _scheme_and_authority(base)
            if prefix is not None:
                return prefix + href
    elif first == "?" and "#" not in base and ";" not in base and base.startswith(
            ("https://", "http://")):
        cut = base.find("?")
        return (base if cut == -1 else base[:cut]) + href
    return urljoin(base, href)


@functools.lru_cache(maxsize=512)
def _scheme_and_authority(base: str) -> str | None:
    """``http://host:port`` of an absolute http(s) URL; ``None`` for anything else."""
    if base.startswith("https://"):
        start = 8
    elif base.startswith("http://"):
        start = 7
    else:
        return None
    end = len(base)
    for stop in "/?#":
        at = base.find(stop, start)
        if at != -1 and at < end:
            end = at
    return base[:end]
