"""The fast reference resolver agrees with the standard library's urljoin on every relative
reference (an absolute URL is kept as written), and takes its fast paths where a walk's hrefs
are (absolute-path and query-only references)."""

from __future__ import annotations

from urllib.parse import urljoin

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from hyperkm import _urls
from hyperkm._urls import resolve

SEGMENT = st.text(alphabet="ab.%;:=@-_~", min_size=0, max_size=4)
PATH = st.lists(SEGMENT, max_size=5).map("/".join)
QUERY = st.one_of(st.just(""), st.text(alphabet="ab=&/.?:", max_size=6).map(lambda q: "?" + q))
FRAGMENT = st.one_of(st.just(""), st.text(alphabet="ab/.?#", max_size=4).map(lambda f: "#" + f))
AUTHORITY = st.sampled_from(["h", "h:8080", "127.0.0.1:65535", "[::1]:80", "u@h", "H.Example"])
BASE = st.builds(lambda scheme, host, path, q, f: f"{scheme}://{host}" + (
    "/" + path if path else "") + q + f, st.sampled_from(["http", "https"]), AUTHORITY, PATH,
    QUERY, FRAGMENT)
HREF = st.one_of(
    st.builds(lambda p, q, f: "/" + p + q + f, PATH, QUERY, FRAGMENT),   # absolute path
    st.builds(lambda q, f: q + f, QUERY, FRAGMENT),                     # query / fragment
    st.builds(lambda p, q: p + q, PATH, QUERY),                         # relative path
    st.builds(lambda h, p: "//" + h + "/" + p, AUTHORITY, PATH))        # network path


@settings(max_examples=3000, deadline=None)
@given(BASE, HREF)
@example("http://h/a/b?x#f", "/c/./d")
@example("http://h/a/b?x#f", "/c//d")
@example("http://h/a/b?x#f", "?y#z")
@example("http://h?x", "/c")
@example("http://h#f?x", "?y")
@example("https://h:8443", "/.well-known/x")
def test_resolve_is_urljoin(base, href):
    assert resolve(base, href) == urljoin(base, href)


@given(BASE, BASE)
def test_an_absolute_url_is_kept_as_written(base, href):
    # hyperkm sends URLs exactly as the server wrote them (urljoin would drop an empty "?")
    assert resolve(base, href) == href


@pytest.mark.parametrize(("base", "href", "expected"), [
    ("http://h:8765/core/accounts?limit=5", "/core/products/7", "http://h:8765/core/products/7"),
    ("https://api.example/v1/events?offset=100", "?offset=200&limit=100",
     "https://api.example/v1/events?offset=200&limit=100"),
    ("http://h/a", "https://other/x", "https://other/x"),
])
def test_the_fast_paths_never_call_urljoin(monkeypatch, base, href, expected):
    monkeypatch.setattr(_urls, "urljoin", lambda *a: pytest.fail(f"urljoin{a}"))
    assert resolve(base, href) == expected
