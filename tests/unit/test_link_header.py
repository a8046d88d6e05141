from hyperkm.formats import parse_link_header

BASE = "https://h.example/core/events?offset=20"


def test_basic_and_multiple_rels():
    links = parse_link_header('<?offset=40>; rel="next", </core/events>; rel="first start"', BASE)
    assert [(x.rel, x.href) for x in links] == [
        ("next", "https://h.example/core/events?offset=40"),
        ("first", "https://h.example/core/events"),
        ("start", "https://h.example/core/events")]


def test_kissmetrics_templated_parameter():
    links = parse_link_header(
        '<https://h.example/r?limit=50&offset=0>; rel="self"; templated="false", '
        '<https://h.example/e/{id}>; rel="event"; templated="true"', BASE)
    assert [x.templated for x in links] == [False, True]
    assert links[1].expand(id="x") == "https://h.example/e/x"


def test_quoted_commas_semicolons_and_ext_values():
    links = parse_link_header(
        '<https://h.example/a,b>; rel=next; title="a, b; c", '
        "<https://h.example/c>; rel=prev; title*=UTF-8'de'n%c3%a4chstes", BASE)
    assert links[0].href == "https://h.example/a,b" and links[0].title == "a, b; c"
    assert links[1].title == "nächstes"


def test_several_header_fields():
    links = parse_link_header(['</a>; rel="a"', '</b>; rel="b"'], BASE)
    assert [x.rel for x in links] == ["a", "b"]


def test_malformed_entries_are_skipped_not_fatal():
    links = parse_link_header('garbage, </ok>; rel="ok", <no-rel>; title="x", <unterminated', BASE)
    assert [x.rel for x in links] == ["ok"]


def test_empty_and_whitespace():
    assert parse_link_header("", BASE) == []
    assert parse_link_header(" , ,", BASE) == []


# -- a document's Link header is read when its links are first asked for --------------------

import json  # noqa: E402
import logging  # noqa: E402

import pytest  # noqa: E402

from hyperkm import formats  # noqa: E402

_PAGE = {"links": [{"rel": "self", "href": "/p?o=0"}, {"rel": "next", "href": "/p?o=10"}],
         "pagination": {}, "data": [{"id": 1}]}
_HAL = {"_links": {"curies": [{"name": "km", "href": "/rels#{rel}", "templated": True}],
                   "self": {"href": "/p"}, "km:event": {"href": "/e/{id}", "templated": True}}}


@pytest.mark.parametrize("body,header", [
    (_PAGE, '</p?o=10>; rel="next", </p?o=0>; rel="first"'),      # mirrors + adds
    (_PAGE, '</other>; rel="next"'),                              # same rel, another target
    (_PAGE, '</p?o=90>; rel="last", </x>; rel="NEXT"'),           # case, header-only rels
    (_HAL, '</e/{id}>; rel="event"; templated="true", </y>; rel="up"'),  # CURIE in the body
    (_HAL, '</z/{id}>; rel="event"; templated="true"'),           # CURIE'd rel, another target
])
def test_a_link_is_the_same_whether_or_not_the_header_was_read(body, header):
    for rel in ("next", "NEXT", "first", "last", "self", "event", "km:event", "up", "nope"):
        lazy = formats.parse(json.dumps(body).encode(), BASE, {"Link": header})
        read = formats.parse(json.dumps(body).encode(), BASE, {"Link": header})
        _ = read.links  # the header merged first
        assert lazy._first_link(rel) == read.links.get(rel), rel
        assert lazy.links == read.links


def test_the_header_is_not_read_for_a_rel_the_body_has(caplog):
    doc = formats.parse(json.dumps(_PAGE).encode(), BASE,
                        {"Link": '</p?o=0>; rel="first", <broken; rel=x'})
    with caplog.at_level(logging.WARNING, logger="hyperkm"):
        assert doc._first_link("next").href == "https://h.example/p?o=10"
        assert caplog.records == []  # the malformed header entry was not even looked at
        assert doc._first_link("first").href == "https://h.example/p?o=0"  # only the header has it
        assert "malformed Link header" in caplog.text


def test_each_link_says_whether_it_came_from_the_body_the_header_or_both():
    from hyperkm.formats import parse

    body = b'{"links": [{"rel": "self", "href": "http://h/a"}, {"rel": "up", "href": "http://h/"}]}'
    doc = parse(body, "http://h/a", {
        "Content-Type": "application/json",
        "Link": '<http://h/a>; rel="self", <http://h/b>; rel="next"',
        "Link-Template": '"/a{?q}"; rel="search"'})
    sources = {link.rel: link.source for link in doc.links}
    assert sources == {"self": "both", "up": "body", "next": "header", "search": "header"}
    assert doc.links["search"].templated and doc.links["search"].href == "http://h/a{?q}"
