"""Hydra, OData, ActivityStreams and linksets, read from their specifications' own examples and
the documents the APIs that send them publish (provenance in each fixture)."""

from __future__ import annotations

import json
import logging

import pytest

from hyperkm import DocumentError
from hyperkm.formats import accept_header, parse

from .test_real_documents import load


def read(name: str, content_type: str):
    document, url = load(name)
    return parse(json.dumps(document).encode(), url, {"Content-Type": content_type})


# -- Hydra ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["apiplatform3_books", "apiplatform2_books"])
def test_hydra_collections_in_both_spellings(name):
    doc = read(name, "application/ld+json; charset=utf-8")
    assert doc.format == "hydra"
    assert doc.page.total == 50
    assert doc.links["self"].href.startswith("https://localhost/books?page=")
    assert doc.links["collection"].href == "https://localhost/books"
    assert doc.links["next"].href.startswith("https://localhost/books?page=")
    assert doc.links["first"].href == "https://localhost/books?page=1"
    first = doc.items[0]
    assert first.url == "https://localhost/books/1"
    assert first.data["title"] == "Dune" and "@id" not in first.data
    assert first.data["@type"] in ("Book", "https://schema.org/Book")  # shown, not dropped


def test_hydra_search_template_is_a_link_and_a_get_action(caplog):
    with caplog.at_level(logging.WARNING, logger="hyperkm"):
        doc = read("apiplatform3_books", "application/ld+json")
    search = doc.links["search"]
    assert search.templated
    assert search.expand(title="Dune") == "https://localhost/books?title=Dune"
    # API Platform's bracketed filter names are read percent-encoded (a valid RFC 6570 name)
    assert search.expand(**{"order%5Btitle%5D": "asc"}) == \
        "https://localhost/books?order%5Btitle%5D=asc"
    action = next(a for a in doc.actions if a.name == "search")
    assert action.method == "GET" and [f.name for f in action.fields] == [
        "title", "author.name", "order%5Btitle%5D"]
    assert set(action.variables) == {f.name for f in action.fields}


def test_api_platform_relations_are_inferred_links_and_stay_state():
    doc = read("apiplatform3_books", "application/ld+json")
    book = doc.items[0]
    assert book.links["author"].href == "https://localhost/authors/1"
    assert book.links["author"].source == "inferred"
    assert [x.href for x in book.links.all("reviews")] == [
        "https://localhost/reviews/3", "https://localhost/reviews/9"]
    assert book.data["author"] == "/authors/1"  # still state: nothing said it is a link
    assert "isbn" not in book.links  # a value that is no IRI


def test_hydra_spec_example_operation_view_and_references():
    doc = read("hydra_spec_comments", "application/ld+json")
    assert doc.page.total == 4980  # a JSON-LD literal written as a string
    assert doc.links["self"].href == "http://api.example.com/an-issue/comments?page=3"
    assert doc.links["prev"].href == "http://api.example.com/an-issue/comments?page=2"
    assert doc.links["last"].href.endswith("page=498")
    # members given as references only are linked members
    assert [x.href for x in doc.links.all("item")] == [
        "http://api.example.com/comments/429", "http://api.example.com/comments/430"]
    (create,) = doc.actions
    assert (create.name, create.method, create.title) == ("create", "POST",
                                                           "Creates a new comment")
    assert create.target == "http://api.example.com/an-issue/comments" and create.free_form


def test_hydra_node_links_operations_and_inline_expects():
    body = {
        "@context": {"@vocab": "http://schema.org/", "h": "http://www.w3.org/ns/hydra/core#",
                     "owner": {"@id": "owner", "@type": "@id"}},
        "@id": "/reports/7", "@type": "Report", "name": "Revenue", "owner": "/people/1",
        "run": {"@id": "/reports/7/run", "h:operation": [{
            "method": "POST", "title": "Run the report",
            "expects": {"h:supportedProperty": [
                {"property": "start_date", "required": True},
                {"property": "http://schema.org/endDate", "required": False,
                 "writeable": True}]}}]},
    }
    doc = parse(json.dumps(body).encode(), "http://h.example/reports/7",
                {"Content-Type": "application/ld+json"})
    assert doc.url == "http://h.example/reports/7"
    assert doc.links["owner"].href == "http://h.example/people/1"
    assert doc.links["owner"].source == "body"  # the context said so
    assert doc.links["run"].href == "http://h.example/reports/7/run"
    (run,) = doc.actions
    assert (run.name, run.method, run.target) == ("run", "POST", "http://h.example/reports/7/run")
    assert [(f.name, f.required) for f in run.fields] == [("start_date", True),
                                                          ("endDate", False)]
    assert doc.data == {"@type": "Report", "name": "Revenue", "owner": "/people/1"}


@pytest.mark.parametrize(("body", "message"), [
    ({"@context": "/c", "member": 5}, "member must be an array"),
    ({"@context": "/c", "@id": 5}, "@id must be an IRI"),
    ({"@context": "/c", "view": []}, "view must be an object"),
    ({"@context": "/c", "view": {"next": 3}}, "view.next must be an IRI"),
    ({"@context": "/c", "search": {"@type": "IriTemplate", "template": "/x{?a"}}, "search"),
    ({"@context": "/c", "operation": [{"method": 3}]}, "method must be an HTTP method"),
])
def test_malformed_hydra_is_a_document_error(body, message):
    with pytest.raises(DocumentError, match=message.replace("[", r"\[").replace("{", r"\{")):
        doc = parse(json.dumps(body).encode(), "http://h/x",
                    {"Content-Type": "application/ld+json"})
        _ = doc.links, doc.actions, [m.links for m in doc.items or ()]


# -- OData ---------------------------------------------------------------------------------------

def test_graph_users_page_members_next_and_context():
    doc = read("msgraph_users", "application/json;odata.metadata=minimal;odata.streaming=true")
    assert doc.format == "odata"
    assert len(doc.items) == 3 and doc.items[0].data["displayName"] == "Adele Vance"
    assert "@odata.etag" not in doc.items[0].data
    assert doc.links["next"].href.startswith("https://graph.microsoft.com/v1.0/users?$top=3")
    assert doc.links["describedby"].href == "https://graph.microsoft.com/v1.0/$metadata#users"
    # Graph's minimal metadata names no member URL: members have none of their own
    assert not doc.items[0].has_own_url


def test_odata_by_shape_without_the_parameter():
    doc = read("odata_trippin_people", "application/json; charset=utf-8")
    assert doc.format == "odata" and doc.page.total == 20
    person = doc.items[0]
    assert person.url == "https://services.odata.org/V4/TripPinServiceRW/People('russellwhyte')"
    assert person.links["edit"].href == person.url
    assert "%24skiptoken=8" in doc.links["next"].href  # as written


def test_odata_entity_links_relative_to_the_context_and_actions():
    doc = read("odata_spec_customer", "application/json;odata.metadata=full")
    assert doc.url == "http://host/service/Customers(2)"
    assert doc.data == {"ID": 2, "Name": "Patricia",
                        "Address": {"Street": "Main Street", "City": "Redmond"}}
    assert doc.links["self"].href == "http://host/service/Customers(2)"
    assert doc.links["edit"].href == "http://host/service/Customers(2)"
    assert doc.links["Orders"].href == "http://host/service/Customers(2)/Orders"
    assert doc.links["Orders/$ref"].href == "http://host/service/Customers(2)/Orders/$ref"
    (remove,) = doc.actions
    assert (remove.name, remove.method, remove.title) == ("RemoveAllOrders", "POST",
                                                          "Remove all orders")
    assert remove.target == "http://host/service/Customers(2)/Model.RemoveAllOrders"


def test_odata_entity_with_a_value_property_is_no_collection():
    body = {"@odata.context": "http://h/$metadata#Settings/$entity", "name": "x",
            "value": [1, 2]}
    doc = parse(json.dumps(body).encode(), "http://h/Settings('x')",
                {"Content-Type": "application/json"})
    assert doc.items is None and doc.data == {"name": "x", "value": [1, 2]}


@pytest.mark.parametrize(("body", "message"), [
    ({"@odata.context": "/$metadata#x", "@odata.nextLink": 7, "value": []}, "nextLink"),
    ({"@odata.context": "/$metadata#x", "a@odata.navigationLink": []}, "navigationLink"),
    ({"@odata.context": "/$metadata#x", "#NS.run": {"target": None}}, "target"),
])
def test_malformed_odata_is_a_document_error(body, message):
    with pytest.raises(DocumentError, match=message):
        doc = parse(json.dumps(body).encode(), "http://h/x", {"Content-Type": "application/json"})
        _ = doc.links, doc.actions


# -- ActivityStreams -----------------------------------------------------------------------------

def test_mastodon_outbox_starts_at_its_first_page():
    doc = read("mastodon_outbox", "application/activity+json; charset=utf-8")
    assert doc.format == "activitystreams"
    assert doc.page.total == 75421
    assert doc.page.first == "https://mastodon.social/users/Gargron/outbox?page=true"
    assert doc.items is not None and len(doc.items) == 0
    assert doc.data == []  # the collection itself lists nothing


def test_mastodon_outbox_page_members_and_paging():
    doc = read("mastodon_outbox_page", 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"')
    assert doc.format == "activitystreams"
    assert doc.links["next"].href.endswith("max_id=113567&page=true")
    assert doc.links["prev"].href.endswith("min_id=113570&page=true")
    assert doc.links["up"].href == doc.links["partOf"].href
    create, announce = doc.items
    assert create.url.endswith("/statuses/113570/activity")
    assert create.data["type"] == "Create" and create.data["object"]["content"] == "<p>Hello</p>"
    assert create.links["actor"].href == "https://mastodon.social/users/Gargron"
    assert create.links["object"].href == "https://mastodon.social/users/Gargron/statuses/113570"
    assert announce.links["object"].href == "https://example.social/users/alice/statuses/42"
    assert doc.page.first is None  # a page is no collection to start elsewhere


def test_as2_spec_collection_and_actor():
    doc = read("as2_spec_ordered_collection", "application/activity+json")
    assert doc.page.total == 2 and [m.data["name"] for m in doc.items] == [
        "A Simple Note", "Another Simple Note"]
    actor = read("as2_spec_actor", "application/activity+json")
    assert actor.url == "https://kenzoishii.example.com/"
    for rel in ("inbox", "outbox", "followers", "following", "liked", "icon"):
        assert actor.links[rel].href.startswith("https://kenzoishii.example.com/")
    assert actor.data["preferredUsername"] == "kenzoishii"


def test_as2_link_objects_are_links_anywhere():
    body = {"@context": "https://www.w3.org/ns/activitystreams", "type": "Note",
            "attachment": {"type": "Link", "href": "/media/1.png", "mediaType": "image/png",
                           "name": "a picture"},
            "homepage": {"type": "Link", "href": "https://example.com/"}}
    doc = parse(json.dumps(body).encode(), "https://s.example/notes/1",
                {"Content-Type": "application/activity+json"})
    assert doc.links["attachment"].href == "https://s.example/media/1.png"
    assert doc.links["attachment"].type == "image/png"
    assert doc.links["homepage"].href == "https://example.com/"
    assert doc.data == {"type": "Note"}


# -- linksets and the API catalog ---------------------------------------------------------------

def test_api_catalog_items_and_anchored_links():
    doc = read("rfc9727_api_catalog", "application/linkset+json")
    assert doc.format == "linkset"
    items = doc.links.all("item")
    assert [x.href for x in items] == [
        "https://developer.example.com/apis/foo_api", "https://developer.example.com/apis/bar_api",
        "https://developer.example.com/apis/cantona_api"]
    assert all(x.anchor is None for x in items)  # about the catalog itself
    desc = doc.links["service-desc"]
    assert desc.anchor == "https://developer.example.com/apis/foo_api"
    assert desc.type == "application/yaml"


def test_rfc9264_example_title_star_hreflang_and_extension_rels():
    doc = read("rfc9264_linkset", "application/linkset+json")
    nxt = doc.links["next"]
    assert nxt.anchor == "http://example.net/bar" and nxt.title == "Next chapter"
    assert nxt.hreflang == "en, de"
    index = doc.links["https://example.org/rel/item-index"]
    assert index.href == "http://example.org/index" and index.anchor is None


@pytest.mark.parametrize("body", [{"linkset": {}}, {"linkset": [3]},
                                  {"linkset": [{"next": {"href": "/x"}}]},
                                  {"linkset": [{"next": [{"href": 5}]}]},
                                  {"linkset": [{"anchor": 5, "next": []}]}])
def test_malformed_linksets_are_document_errors(body):
    with pytest.raises(DocumentError):
        parse(json.dumps(body).encode(), "http://h/x", {"Content-Type": "application/linkset+json"})


# -- detection and negotiation ------------------------------------------------------------------

def test_accept_header_names_every_registered_format():
    accept = accept_header()
    for media_type in ("application/hal+json", "application/vnd.api+json",
                       "application/vnd.siren+json", "application/vnd.collection+json",
                       "application/ld+json", "application/activity+json",
                       "application/linkset+json", "application/json", "text/html"):
        assert media_type in accept
    assert "application/vnd.api+json;" not in accept  # JSON:API takes no parameters
    assert accept.endswith("text/html;q=0.3")


def test_other_json_ld_is_not_taken_for_hydra_members():
    # ActivityStreams is JSON-LD too: sniffed by its context, never read as Hydra
    doc = parse(json.dumps({"@context": "https://www.w3.org/ns/activitystreams",
                            "type": "Note", "id": "https://s/n/1"}).encode(), "https://s/n/1",
                {"Content-Type": "application/ld+json"})
    assert doc.format == "activitystreams"


# -- PayPal's link arrays -----------------------------------------------------------------------

def test_paypal_redirect_stays_a_link_and_post_is_an_action():
    doc = read("paypal_payment", "application/json")
    assert doc.links["approval_url"].href.startswith("https://www.sandbox.paypal.com/")
    assert [(a.name, a.method) for a in doc.actions] == [("execute", "POST")]


def test_hydra_embedded_nodes_and_iri_terms_are_links_too():
    body = {"@context": "http://www.w3.org/ns/hydra/context.jsonld", "@id": "/books/1",
            "@type": "Book", "title": "Dune",
            "author": {"@id": "/people/7", "@type": "Person", "name": "Frank Herbert"},
            "reviews": [{"@id": "/reviews/1", "rating": 5}, {"@id": "/reviews/2", "rating": 4}],
            "entrypoint": "/"}
    doc = parse(json.dumps(body).encode(), "https://h.example/books/1",
                {"Content-Type": "application/ld+json"})
    assert doc.links["author"].href == "https://h.example/people/7"
    assert doc.data["author"]["name"] == "Frank Herbert"  # still state
    assert [x.href for x in doc.links.all("reviews")] == ["https://h.example/reviews/1",
                                                           "https://h.example/reviews/2"]
    assert doc.links["entrypoint"].href == "https://h.example/"


def test_odata_401_control_information_without_the_prefix():
    body = {"@context": "https://h.example/svc/$metadata#People", "@count": "3",
            "@nextLink": "People?$skiptoken=2",
            "value": [{"@id": "People('a')", "Name": "A"}, {"@id": "People('b')", "Name": "B"}]}
    doc = parse(json.dumps(body).encode(), "https://h.example/svc/People",
                {"Content-Type": "application/json;odata.metadata=minimal"})
    assert doc.format == "odata" and doc.page.total == 3
    assert doc.links["next"].href == "https://h.example/svc/People?$skiptoken=2"
    assert doc.items[0].url == "https://h.example/svc/People('a')"


def test_as2_collection_with_its_first_page_embedded():
    body = {"@context": "https://www.w3.org/ns/activitystreams",
            "id": "https://m.example/users/a/statuses/1/replies", "type": "Collection",
            "first": {"type": "CollectionPage",
                      "next": "https://m.example/users/a/statuses/1/replies?page=true",
                      "partOf": "https://m.example/users/a/statuses/1/replies",
                      "items": ["https://m.example/users/b/statuses/9"]}}
    doc = parse(json.dumps(body).encode(), body["id"],
                {"Content-Type": "application/activity+json"})
    assert doc.links["next"].href.endswith("replies?page=true")
    assert [x.href for x in doc.links.all("item")] == ["https://m.example/users/b/statuses/9"]


def test_a_linksets_table_says_what_each_link_is_about():
    doc = read("rfc9727_api_catalog", "application/linkset+json")
    table = doc.links.table()
    assert table.splitlines()[0].split()[-1] == "about"
    assert "https://developer.example.com/apis/foo_api" in table.splitlines()[-1]
    assert "(this document)" in table


@pytest.mark.parametrize(("body", "said"), [
    ({"errors": [{"title": "Invalid", "detail": "name is blank"}]}, "Invalid: name is blank"),
    ({"class": ["error"], "properties": {"message": "no such report"}}, "no such report"),
    ({"collection": {"error": {"title": "Gone", "message": "deleted", "code": "410"}}},
     "Gone: deleted (410)"),
    ({"meta": {"status": 400, "message": "Bad dates", "errors": ["start_date"]}},
     "Bad dates (start_date)"),
    ({"error": {"code": "BadRequest", "message": "Invalid filter"}},
     "Invalid filter (BadRequest)"),
    ({"detail": [{"loc": ["body", "name"], "msg": "field required"}]},
     "body.name: field required"),
    ({"name": ["This field is required."]}, "name: This field is required"),
    ({"error": "nope"}, "nope"),
])
def test_each_format_reads_its_own_error_bodies(body, said):
    from hyperkm.formats import error_message

    assert error_message(body) == said
