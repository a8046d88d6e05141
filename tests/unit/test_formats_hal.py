import json

import pytest

from hyperkm import DocumentError, formats

BASE = "https://h.example/api/orders"
HAL = {"Content-Type": "application/hal+json"}

ORDERS = {
    "_links": {
        "self": {"href": "/api/orders?page=1"},
        "next": {"href": "?page=2"},
        "curies": [{"name": "ea", "href": "https://h.example/rels/{rel}", "templated": True}],
        "ea:find": {"href": "/api/orders{/id}", "templated": True},
        "ea:admin": [{"href": "/admins/2", "title": "Fred"},
                     {"href": "/admins/5", "title": "Kate"}],
    },
    "total": 2,
    "_embedded": {"ea:order": [
        {"_links": {"self": {"href": "/api/orders/123"}}, "total": 30.0, "status": "shipped"},
        {"_links": {"self": {"href": "/api/orders/124"}}, "total": 20.0, "status": "processing"},
    ]},
}


def parse(obj, headers=HAL):
    return formats.parse(json.dumps(obj).encode(), BASE, headers)


def test_hal_links_single_and_array_and_relative():
    doc = parse(ORDERS)
    assert doc.format == "hal"
    assert doc.url == "https://h.example/api/orders?page=1"
    assert doc.links["next"].href == "https://h.example/api/orders?page=2"
    assert [x.title for x in doc.links.all("ea:admin")] == ["Fred", "Kate"]
    assert doc.data == {"total": 2}


def test_curies_resolve_both_ways():
    doc = parse(ORDERS)
    assert doc.links.find("ea:find").expand(id=7) == "https://h.example/api/orders/7"
    assert doc.links.find("https://h.example/rels/find").templated
    assert "curies" not in doc.links


def test_embedded_array_is_the_collection_and_members_carry_state():
    doc = parse(ORDERS)
    assert doc.is_collection and doc.page.total == 2
    assert [m.url for m in doc.items] == ["https://h.example/api/orders/123",
                                          "https://h.example/api/orders/124"]
    assert doc.items[0].data == {"total": 30.0, "status": "shipped"}


def test_detected_by_shape_without_media_type():
    doc = parse(ORDERS, headers={"Content-Type": "application/json"})
    assert doc.format == "hal"


def test_item_embedded_rel_wins():
    doc = parse({"_embedded": {"item": [{"a": 1}], "other": [{"b": 2}]}})
    assert [m.data for m in doc.items] == [{"a": 1}]
    assert doc.items[0].has_own_url is False


def test_single_embedded_object_is_not_a_collection():
    doc = parse({"_links": {"self": {"href": "/x"}}, "_embedded": {"author": {"name": "x"}}})
    assert doc.items is None and doc.embedded["author"][0].data == {"name": "x"}


@pytest.mark.parametrize("body", [{"_links": []}, {"_links": {"self": 5}},
                                  {"_links": {"self": {"title": "no href"}}},
                                  {"_embedded": 7}, {"_embedded": {"item": [1]}},
                                  {"_links": {"curies": {"href": "/r/{rel}", "templated": True}}}])
def test_malformed_hal_is_a_document_error(body):
    with pytest.raises(DocumentError):
        doc = parse(body)
        list(doc.items or ())  # members are built when first used: a bad one fails then
