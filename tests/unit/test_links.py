import pytest

from hyperkm import DocumentError, Link, LinkNotFound, Links, TemplateError


def make(*pairs, curies=None):
    return Links([Link.create(rel, href, base="https://api.example/core") for rel, href in pairs],
                 curies=curies)


def test_from_json_resolves_relative_hrefs_rfc3986():
    link = Link.from_json({"rel": "next", "href": "../products?offset=20"},
                          base="https://api.example/core/accounts/1")
    assert link.href == "https://api.example/core/products?offset=20"


@pytest.mark.parametrize("value,expected", [(None, False), (True, True), (False, False),
                                            ("false", False), ("true", True), (" FALSE ", False)])
def test_templated_accepts_the_shapes_kissmetrics_sent(value, expected):
    obj = {"rel": "x", "href": "/a/{id}"}
    if value is not None:
        obj["templated"] = value
    assert Link.from_json(obj, base="https://h/").templated is expected


@pytest.mark.parametrize("value", [1, 0, "yes", [], {}])
def test_templated_of_odd_types_is_a_document_error(value):
    with pytest.raises(DocumentError) as info:
        Link.from_json({"rel": "x", "href": "/a", "templated": value}, base="https://h/")
    assert "templated" in str(info.value)


@pytest.mark.parametrize("obj", [{"rel": "x"}, {"rel": "x", "href": 3}, {"rel": "x", "href": ""},
                                 {"href": "/a"}, {"rel": 5, "href": "/a"}, "just a string", None])
def test_link_objects_without_usable_href_or_rel(obj):
    with pytest.raises(DocumentError):
        Link.from_json(obj, base="https://h/")


def test_invalid_template_in_a_link_is_a_document_error():
    with pytest.raises(DocumentError) as info:
        Link.from_json({"rel": "x", "href": "/a/{id", "templated": True}, base="https://h/")
    assert "invalid URI template" in str(info.value)


def test_expand_resolves_templates_and_checks_variables():
    link = Link.create("event", "/core/events/{id}", templated=True, base="https://h/core")
    assert link.variables == ("id",)
    assert link.expand(id="abc") == "https://h/core/events/abc"
    with pytest.raises(TemplateError):
        link.expand()


def test_expand_of_a_template_starting_with_an_expression():
    link = Link.create("x", "{/id}", templated=True, base="https://h/core/events")
    assert link.expand(id="7") == "https://h/7"


def test_plain_link_refuses_variables():
    link = Link.create("self", "/a", base="https://h/")
    with pytest.raises(TemplateError):
        link.expand(id=1)


def test_link_is_frozen_and_hashable():
    link = Link.create("self", "/a", base="https://h/")
    with pytest.raises(AttributeError):
        link.href = "x"
    assert {link, Link.create("self", "/a", base="https://h/")} == {link}


def test_lookup_and_suggestions():
    links = make(("self", "/core"), ("accounts", "/core/accounts"), ("products", "/p"))
    assert links["accounts"].href == "https://api.example/core/accounts"
    assert "ACCOUNTS" in links  # registered rels compare case-insensitively (RFC 8288 2.1.1)
    with pytest.raises(LinkNotFound) as info:
        links.find("acounts")
    err = info.value
    assert err.rel == "acounts" and err.suggestions == ["accounts"]
    assert err.available == ["self", "accounts", "products"]
    assert 'did you mean "accounts"' in str(err)
    assert isinstance(err, KeyError)


def test_choose_among_links_sharing_a_rel():
    links = Links([Link.create("item", "/a", name="A", base="https://h/"),
                   Link.create("item", "/b", name="B", base="https://h/")])
    assert links.find("item").href == "https://h/a"
    assert links.find("item", name="B").href == "https://h/b"
    assert links.find("item", index=1).href == "https://h/b"
    assert links.find("item", index=-1).href == "https://h/b"
    with pytest.raises(LinkNotFound) as info:
        links.find("item", name="C")
    assert "A, B" in str(info.value)
    with pytest.raises(LinkNotFound):
        links.find("item", index=2)


def test_curies_prefixed_and_expanded_forms_resolve():
    curies = {"km": "https://h/rels/{rel}"}
    links = Links([Link.create("km:events", "/e", base="https://h/")], curies=curies)
    assert links.find("km:events").href == "https://h/e"
    assert links.find("https://h/rels/events").href == "https://h/e"
    # shorthand: the unprefixed rel finds the only CURIE'd one
    assert links.find("events").href == "https://h/e"


def test_curie_shorthand_is_refused_when_ambiguous():
    curies = {"a": "https://a/{rel}", "b": "https://b/{rel}"}
    links = Links([Link.create("a:x", "/1", base="https://h/"),
                   Link.create("b:x", "/2", base="https://h/")], curies=curies)
    assert "x" not in links
    assert links.find("b:x").href == "https://h/2"


def test_merged_skips_links_already_present():
    a = make(("self", "/core"))
    merged = a.merged([Link.create("self", "https://api.example/core"),
                       Link.create("next", "https://api.example/n")])
    assert [link.rel for link in merged] == ["self", "next"]


def test_table_shows_templates_with_variables():
    links = Links([Link.create("event", "/e/{id}", templated=True, base="https://h/")])
    assert "[vars: id]" in links.table()
