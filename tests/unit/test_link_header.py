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
