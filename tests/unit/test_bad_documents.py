"""Bad input: every malformed document ends in a HyperkmError subclass, never anything else."""

import contextlib
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hyperkm
from hyperkm import DocumentError, HyperkmError, formats
from hyperkm.formats import HalFormat, KissmetricsFormat, PlainJsonFormat, parse_link_header  # noqa: F401

URL = "https://h.example/core"
JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize("body,ctype,expect", [
    (b"a,b\n1,2", "text/csv", "text/csv"),   # not a hypermedia document (HTML is)
    (b"{not json", "application/json", "does not parse"),
    (b"\xff\xfe\x00", "application/json", "not valid utf-16"),  # a BOM, then half a unit
    (b'{"a": "\xff"}', "application/json", "not valid UTF-8"),
    (b"", "application/json", "empty body"),
    (b"   ", "application/json", "empty body"),
    (b"42", "application/json", "JSON int"),
    (b'"hello"', "application/json", "JSON str"),
    (b"null", "application/json", "JSON NoneType"),
    (b"true", "application/json", "JSON bool"),
])
def test_non_documents(body, ctype, expect):
    with pytest.raises(DocumentError) as info:
        formats.parse(body, URL, {"Content-Type": ctype})
    assert expect in str(info.value)
    assert URL in str(info.value)


def test_non_json_error_quotes_content_type_and_first_bytes():
    with pytest.raises(DocumentError) as info:
        formats.parse(b"id,name\n1,Kate", URL, {"Content-Type": "text/csv"})
    assert "'text/csv'" in str(info.value) and "id,name" in str(info.value)
    assert "download()" in str(info.value)  # what to do instead


def test_an_html_page_is_read_not_refused():
    doc = formats.parse(b"<!doctype html><title>Login</title>", URL, {"Content-Type": "text/html"})
    assert doc.format == "html" and doc.data == {"title": "Login"}


def test_empty_body_allowed_for_writes():
    doc = formats.parse(b"", URL, {"Link": '</x>; rel="x"'}, allow_empty=True)
    assert doc.data is None and doc.links.rels == ["x"]


@pytest.mark.parametrize("obj", [
    {"links": [{"rel": "self"}]},                  # no href
    {"links": [{"rel": "self", "href": 7}]},       # non-string href
    {"links": [{"rel": 7, "href": "/x"}]},         # non-string rel
    {"links": [{"rel": [], "href": "/x"}]},
    {"links": [{"rel": ["a", 1], "href": "/x"}]},
    {"links": [{"rel": "a", "href": "/x", "templated": "maybe"}]},
    {"links": [{"rel": "a", "href": "/x/{id", "templated": True}]},   # invalid template
    {"links": ["/x"]},
    {"data": {"links": 5}, "links": []},
])
def test_malformed_envelopes(obj):
    with pytest.raises(DocumentError):
        formats.parse(json.dumps(obj).encode(), URL, JSON)


def test_member_with_malformed_links_fails_when_read():
    doc = formats.parse(json.dumps([{"links": 5, "id": 1}]).encode(), URL, JSON)
    with pytest.raises(DocumentError):
        list(doc.items)  # members are built (and checked) on first use
    doc = formats.parse(json.dumps([{"links": [{"rel": "self", "href": "/a"}, {"x": 1}]}]).encode(),
                        URL, JSON)
    with pytest.raises(DocumentError):
        _ = doc.items[0].links


def test_collection_items_that_are_not_objects_are_plain_state():
    doc = formats.parse(b'{"links": [], "pagination": {}, "data": [1, "two", null, [3]]}', URL,
                        JSON)
    assert [m.data for m in doc.items] == [1, "two", None, [3]]
    assert all(not m.links for m in doc.items)


def test_unknown_json_is_plain_state():
    doc = formats.parse(b'{"hello": "world", "n": [1, 2]}', URL, JSON)
    assert doc.format == "json" and doc.data == {"hello": "world", "n": [1, 2]} and not doc.links


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.sampled_from([
        "links", "data", "rel", "href", "templated", "_links", "_embedded", "pagination",
        "total", "name", "curies", "item", "self", "next", "meta", "x",
        # Siren, JSON:API, Collection+JSON and HAL-FORMS members
        "class", "properties", "entities", "actions", "fields", "method", "type", "value",
        "id", "attributes", "relationships", "included", "errors", "jsonapi", "related",
        "collection", "items", "queries", "template", "prompt", "version", "error",
        "_templates", "regex", "required", "options", "inline", "page", "totalElements",
        # Hydra, OData, ActivityStreams, linksets
        "@context", "@id", "@type", "member", "hydra:member", "view", "hydra:view",
        "totalItems", "search", "mapping", "variable", "property", "operation", "expects",
        "supportedProperty", "first", "previous", "last", "IriTemplate", "@odata.context",
        "@odata.nextLink", "@odata.count", "@odata.id", "@odata.editLink",
        "x@odata.navigationLink", "#NS.run", "target", "title", "orderedItems", "partOf",
        "prev", "actor", "url", "Link", "OrderedCollection", "linkset", "anchor", "title*",
        "hreflang",
    ]) | st.text(max_size=4),
                      children, max_size=5),
    max_leaves=25)


def _touch(doc):
    """Read everything a user could read, including lazily parsed member links."""
    _ = doc.data, doc.links.rels, doc.page, doc.embedded, doc.actions
    for action in doc.actions:
        _ = action.variables, action.describe()
    for member in doc.items or ():
        _ = member.data, member.links.rels, member.url, member.peek("id")
    for docs in doc.embedded.values():
        for d in docs:
            _touch(d)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(json_values)
def test_property_every_format_raises_only_hyperkm_errors(value):
    body = json.dumps(value).encode()
    media_types = ["application/json", "application/json;odata.metadata=minimal",
                   'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
                   *(m for f in formats.registered() for m in f.media_types if "json" in m)]
    for media_type in media_types:
        with contextlib.suppress(HyperkmError):
            _touch(formats.parse(body, URL, {"Content-Type": media_type}))
    for fmt in formats.registered():
        if isinstance(value, (dict, list)):
            with contextlib.suppress(HyperkmError):
                _touch(fmt.parse(value, URL))


_OFFLINE = None


def _offline_client():
    global _OFFLINE
    if _OFFLINE is None:  # nothing listens there: a `next` link fails fast, without retries
        _OFFLINE = hyperkm.connect("http://127.0.0.1:9/", retries=0, cache=False).client
    return _OFFLINE


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(json_values)
def test_property_walking_any_page_raises_only_hyperkm_errors(value):
    """Members of a walk are flyweights built when used: every way of using one must end in
    a HyperkmError too."""
    body = json.dumps(value).encode()
    for media_type in ["application/json", *(m for f in formats.registered()
                                             for m in f.media_types if "json" in m)]:
        with contextlib.suppress(HyperkmError):
            doc = formats.parse(body, URL, {"Content-Type": media_type})
            page = hyperkm.Resource(_offline_client(), URL, document=doc)
            for member in page.items(prefetch=0, max_pages=1):
                with contextlib.suppress(HyperkmError):
                    _ = member.url, str(member.step), repr(member), member.fetched
                with contextlib.suppress(HyperkmError):
                    _ = member.data, member.links.rels, member.trail, dir(member)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=60), st.text(max_size=60))
def test_property_arbitrary_bytes_and_link_headers(body, header):
    with contextlib.suppress(HyperkmError):
        _touch(formats.parse(body, URL, {"Content-Type": "application/json", "Link": header}))
    parse_link_header(header, URL)  # never raises: malformed entries are skipped


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('<>/="\' abrelinkhfotmsupc?&#;:.-')), max_size=120))
def test_property_html_never_escapes_the_error_tree(text):
    with contextlib.suppress(HyperkmError):
        _touch(formats.parse(text.encode(), URL, {"Content-Type": "text/html"}))


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-be", "utf-32"])
@pytest.mark.parametrize("media_type", ["application/json", "application/hal+json"])
def test_a_byte_order_mark_is_read_past_in_its_encoding(encoding, media_type):
    # RFC 8259 section 8.1: a BOM must not be sent, and a parser may ignore it (ASP.NET does
    # send one). It used to be "Unexpected UTF-8 BOM".
    text = json.dumps({"_links": {"self": {"href": "/x"}}, "name": "é"}, ensure_ascii=False)
    body = text.encode(encoding)
    if encoding == "utf-16-be":
        body = b"\xfe\xff" + body
    document = formats.parse(body, "https://a.test/x", {"Content-Type": media_type})
    assert document.data["name"] == "é"


def test_a_declared_charset_does_not_make_json_other_than_utf8():
    body = json.dumps({"name": "é"}, ensure_ascii=False).encode("latin-1")
    with pytest.raises(DocumentError, match=r"charset=iso-8859-1.*RFC 8259"):
        formats.parse(body, "https://a.test/x",
                      {"Content-Type": "application/json; charset=ISO-8859-1"})
    with pytest.raises(DocumentError, match="not valid utf-16"):
        formats.parse(b"\xff\xfe{\x00\x00\xd8", "https://a.test/x",
                      {"Content-Type": "application/json"})
