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

import ipaddress
import re
from urllib.parse import urlsplit, urlunsplit

from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url

from ._exceptions import DocumentError

__all__ = ["Origin", "check_url", "format_origin", "is_loopback", "normalised", "origin_of"]

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


def normalised(url: str) -> str:
    """``url`` in a form where spellings of the same resource compare equal: no fragment, no
    empty query (``?``), lower-case scheme and host, no default port, ``/`` for an empty path.

    Used to detect pagination loops written differently (``page#x``, ``page?``).
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
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))
