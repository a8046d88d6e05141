import json

import pytest

from hyperkm import formats

BASE = "https://api.kissmetrics.com/core"
JSON = {"Content-Type": "application/json; charset=utf-8"}


def parse(obj, url=BASE, headers=JSON):
    return formats.parse(json.dumps(obj).encode(), url, headers)


def test_root_directory_reads_links_at_top_level_and_inside_data(fixture_json):
    doc = parse(fixture_json("core_root_directory"))
    assert doc.format == "kissmetrics"
    assert doc.data == {"description": "API access for KISSmetrics", "name": "KISSmetrics API"}
    assert doc.links.rels == ["self", "accounts"]
    assert doc.links["accounts"].href == "https://api.kissmetrics.com/core/accounts"
    assert len(doc.links.all("self")) == 1  # the same self link twice is one link


@pytest.mark.parametrize("name", ["core_accounts_list", "core_products_list", "core_reports_list",
                                  "core_events_list", "core_properties_list"])
def test_bare_array_lists_are_collections_of_embedded_members(fixture_json, name):
    raw = fixture_json(name)
    doc = parse(raw, url=BASE + "/things")
    assert doc.is_collection and len(doc.items) == len(raw) == 1
    member = doc.items[0]
    assert "links" not in member.data
    assert member.data["id"] == raw[0]["id"]
    assert member.url == raw[0]["links"][0]["href"]  # its self link
    assert member.links.rels == [link["rel"] for link in raw[0]["links"]]
    assert doc.data == [member.data]


def test_products_list_keeps_the_other_origin_of_the_documented_typo(fixture_json):
    doc = parse(fixture_json("core_products_list"), url=BASE + "/products")
    product = doc.items[0]
    assert product.links["events"].href.startswith("https://apikissmetrics.com/")


@pytest.mark.parametrize("name", ["core_account_detail", "core_product_detail",
                                  "core_report_detail", "core_event_detail",
                                  "core_property_detail"])
def test_items_are_state_without_links(fixture_json, name):
    raw = fixture_json(name)
    doc = parse(raw)
    assert not doc.is_collection
    assert doc.data == {k: v for k, v in raw.items() if k != "links"}


def test_pagination_links_envelope(fixture_json):
    doc = parse(fixture_json("core_link_envelopes"))
    assert doc.links["next"].href == "https://api.kissmetrics.com/core/products?limit=1&offset=2"
    assert {link.name for link in doc.links} == {"First", "Last", "Next", "Previous"}


def test_list_envelope_with_pagination():
    body = {"links": [{"rel": "next", "href": "/core/events?offset=20", "templated": False}],
            "pagination": {"total": 45, "offset": 0, "limit": 20},
            "data": [{"links": [{"rel": "self", "href": "/core/events/1"}], "id": "1"}]}
    doc = parse(body, url=BASE + "/events")
    assert doc.page.total == 45 and doc.page.limit == 20
    assert doc.items[0].url == "https://api.kissmetrics.com/core/events/1"
    assert doc.links["next"].href == "https://api.kissmetrics.com/core/events?offset=20"


def test_v2_status_envelope(fixture_json):
    doc = parse(fixture_json("query_v2_status_completed"))
    assert doc.data == {"completed": True, "progress": 1.0}
    assert doc.meta == {"status": 201}
    assert "query-results" in doc.links


def test_v2_results_rows_are_members(fixture_json):
    doc = parse(fixture_json("query_v2_results"))
    assert doc.is_collection
    assert doc.items[0].data == [12345, "bob@kissmetrics.com"]
    assert doc.page.total == 1
    assert "export" in doc.links


def test_v1_results_is_state_with_links(fixture_json):
    doc = parse(fixture_json("query_v1_results"))
    assert doc.data["rows"] == [[12345, "bob@kissmetrics.com", 22]]
    guid = "ce3db280-50da-11e4-916c-0800200c9a66"
    assert doc.links["next"].href.endswith(f"offset=50&query_guid={guid}")
    assert "columns" in doc.data


def test_v1_run_accepted_is_plain_state(fixture_json):
    doc = parse(fixture_json("query_v1_run_accepted"))
    assert doc.format == "json" and doc.data["success"] is True and not doc.links


def test_rel_as_an_array_gives_one_link_per_rel():
    doc = parse({"links": [{"rel": ["self", "canonical"], "href": "/a"}]})
    assert doc.links.rels == ["self", "canonical"]


def test_envelope_extras_are_kept():
    doc = parse({"links": [], "data": [[1]], "pagination": {}, "columns": [{"n": 1}]})
    assert doc.envelope == {"columns": [{"n": 1}]}


def test_link_header_is_merged_with_the_body(fixture_json):
    headers = {**JSON, "Link": '<https://api.kissmetrics.com/core/rels>; rel="rels"; '
               'templated="false", <https://api.kissmetrics.com/core>; rel="self"'}
    doc = parse(fixture_json("core_root_directory"), headers=headers)
    assert doc.links.rels == ["self", "accounts", "rels"]


def test_bare_array_paged_by_link_headers():
    headers = {**JSON, "Link": '</core/events?offset=2>; rel="next"'}
    doc = parse([{"id": 1}, {"id": 2}], url=BASE + "/events", headers=headers)
    assert doc.is_collection and [m.data for m in doc.items] == [{"id": 1}, {"id": 2}]
    assert doc.links["next"].href == "https://api.kissmetrics.com/core/events?offset=2"
    assert not doc.items[0].has_own_url


def test_fast_member_documents_set_every_slot_init_sets():
    # Document.member() bypasses __init__ for speed; it must not miss a slot __init__ sets.
    from hyperkm.formats import Document

    full = Document("https://h/x", format="kissmetrics", data={"a": 1})
    fast = Document.member("https://h/x", "kissmetrics", {"a": 1, "links": []},
                           lambda: formats.parse(b"{}", "https://h/x").links, True)
    for slot in Document.__slots__:
        assert hasattr(full, slot) and hasattr(fast, slot), slot
    assert fast.data == {"a": 1} and fast.links.rels == [] and fast.page.total is None
