"""Every format, read from its own specification's example documents.

Sources of the fixtures in tests/fixtures/specs/:
- siren_order.json: the example of the Siren specification (github.com/kevinswiber/siren,
  README "Example").
- jsonapi_articles.json: the compound document on jsonapi.org's front page; jsonapi_errors.json:
  the error object example of JSON:API 1.1 section "Error Objects".
- collection_json_friends.json, collection_json_error.json: the examples of the
  Collection+JSON format (amundsen.com/media-types/collection/examples/).
- hal_orders.json: the example of draft-kelly-json-hal section 6.
- hal_forms_create.json: the example of the HAL-FORMS specification (rwcbook.github.io/hal-forms).
- spring_data_rest_persons.json: Spring Data REST's paged collection as its reference
  documentation shows it ("Paging and Sorting"); the first member's self is templated
  (`{?projection}`), as Spring HATEOAS writes it for projections.
- spring_hateoas_null_embedded.json: an empty collection as some Spring HATEOAS versions
  serialise it ("_embedded": null).
- html_page.html: written here (HTML has no hypermedia example document), using only
  standard HTML: <base>, <link rel>, <a rel>, microdata itemprop, a <form>.
"""

from __future__ import annotations

import json
import pathlib

import pytest

from hyperkm import Action, Field, formats

SPECS = pathlib.Path(__file__).parents[1] / "fixtures" / "specs"


def load(name: str, url: str, content_type: str = "application/json") -> formats.Document:
    return formats.parse((SPECS / name).read_bytes(), url, {"Content-Type": content_type})


# -- Siren --------------------------------------------------------------------------------------

@pytest.mark.parametrize("ctype", ["application/vnd.siren+json", "application/json"])
def test_siren_order(ctype):
    doc = load("siren_order.json", "http://api.x.io/orders/42", ctype)
    assert doc.format == "siren"
    assert doc.data == {"orderNumber": 42, "itemCount": 3, "status": "pending"}
    assert doc.envelope["class"] == ["order"]
    assert doc.links["previous"].href == "http://api.x.io/orders/41"
    assert doc.links["next"].href == "http://api.x.io/orders/43"
    # an embedded link becomes a link by its rel
    assert doc.links["http://x.io/rels/order-items"].href == "http://api.x.io/orders/42/items"
    # an embedded representation becomes an embedded document with its own self ...
    (customer,) = doc.embedded["http://x.io/rels/customer"]
    assert customer.url == "http://api.x.io/customers/pj123" and customer.has_own_url
    assert customer.data == {"customerId": "pj123", "name": "Peter Joseph"}
    # ... and a link to it, so following costs no request
    assert doc.links["http://x.io/rels/customer"].href == customer.url
    (action,) = doc.actions
    assert action == Action(name="add-item", title="Add Item", method="POST",
                            target="http://api.x.io/orders/42/items",
                            content_type="application/x-www-form-urlencoded", fields=(
                                Field("orderNumber", type="hidden", value="42"),
                                Field("productCode", type="text"),
                                Field("quantity", type="number")))


def test_siren_collection_members_are_item_sub_entities():
    body = {"class": ["events", "collection"], "properties": {"total": 3},
            "entities": [{"class": ["event"], "rel": ["item"], "properties": {"id": i},
                          "links": [{"rel": ["self"], "href": f"/events/{i}"}]}
                         for i in range(2)],
            "links": [{"rel": ["self"], "href": "/events"}, {"rel": ["next"], "href": "/p2"}]}
    doc = formats.parse(json.dumps(body).encode(), "http://h/events",
                        {"Content-Type": "application/vnd.siren+json"})
    assert [m.url for m in doc.items] == ["http://h/events/0", "http://h/events/1"]
    assert [m.data for m in doc.items] == [{"id": 0}, {"id": 1}]
    assert doc.page.total == 3


# -- JSON:API -----------------------------------------------------------------------------------

@pytest.mark.parametrize("ctype", ["application/vnd.api+json", "application/json"])
def test_jsonapi_compound_document(ctype):
    doc = load("jsonapi_articles.json", "http://example.com/articles", ctype)
    assert doc.format == "jsonapi"
    assert doc.links["next"].href == "http://example.com/articles?page[offset]=2"
    assert doc.links["last"].href == "http://example.com/articles?page[offset]=10"
    (article,) = doc.items
    assert article.url == "http://example.com/articles/1"
    assert article.data == {"id": "1", "type": "articles", "title": "JSON:API paints my bikeshed!"}
    assert article.links["author"].href == "http://example.com/articles/1/author"
    assert article.links.find("author", name="relationship").href == \
        "http://example.com/articles/1/relationships/author"
    assert article.links["comments"].href == "http://example.com/articles/1/comments"
    # the included author sits at the relationship's related URL: no request to follow it
    (author,) = article.embedded["author"]
    assert author.url == "http://example.com/articles/1/author"
    assert author.data["firstName"] == "Dan"
    # every included resource is embedded by type and id
    assert doc.embedded["comments:12"][0].data["body"] == "I like XML better"
    assert doc.embedded["people:9"][0].url == "http://example.com/people/9"


def test_jsonapi_errors_document_is_state():
    doc = load("jsonapi_errors.json", "http://example.com/people", "application/vnd.api+json")
    assert doc.data["errors"][0]["title"] == "Invalid Attribute"


def test_jsonapi_null_links_and_meta_totals():
    body = {"data": [{"type": "events", "id": "1"}], "meta": {"total": 7},
            "links": {"next": None, "self": {"href": "/events", "title": "Events"}}}
    doc = formats.parse(json.dumps(body).encode(), "http://h/x",
                        {"Content-Type": "application/vnd.api+json"})
    assert doc.page.total == 7 and "next" not in doc.links
    assert doc.links["self"].title == "Events"


# -- Collection+JSON ----------------------------------------------------------------------------

@pytest.mark.parametrize("ctype", ["application/vnd.collection+json", "application/json"])
def test_collection_json_friends(ctype):
    doc = load("collection_json_friends.json", "http://example.org/friends/", ctype)
    assert doc.format == "collection+json"
    assert doc.links["self"].href == "http://example.org/friends/"
    assert doc.links["feed"].href == "http://example.org/friends/rss"
    assert [m.url for m in doc.items] == [
        "http://example.org/friends/jdoe", "http://example.org/friends/msmith",
        "http://example.org/friends/rwilliams"]
    jdoe = doc.items[0]
    assert jdoe.data == {"full-name": "J. Doe", "email": "jdoe@example.org"}
    assert jdoe.links["avatar"].title == "Avatar"
    # a query is a templated link and a GET form
    search = doc.links["search"]
    assert search.templated and search.expand(search="kate") == \
        "http://example.org/friends/search?search=kate"
    query, create = doc.actions
    assert (query.name, query.method, query.fields[0].name) == ("search", "GET", "search")
    # the template is the collection's create form
    assert (create.name, create.method, create.target) == (
        "create", "POST", "http://example.org/friends/")
    assert [f.name for f in create.fields] == ["full-name", "email", "blog", "avatar"]
    assert create.fields[0].prompt == "Full Name"


def test_collection_json_error_is_state():
    doc = load("collection_json_error.json", "http://example.org/friends/")
    assert doc.data["error"]["code"] == "X1C2"


# -- HAL, HAL-FORMS and Spring ------------------------------------------------------------------

def test_hal_spec_orders():
    doc = load("hal_orders.json", "http://example.org/orders", "application/hal+json")
    assert doc.data == {"currentlyProcessing": 14, "shippedToday": 20}
    assert [m.url for m in doc.items] == ["http://example.org/orders/123",
                                          "http://example.org/orders/124"]
    assert doc.items[0].data["status"] == "shipped"
    assert doc.items[1].links["customer"].href == "http://example.org/customers/12369"
    assert doc.links["find"].expand(id=7) == "http://example.org/orders?id=7"


def test_spring_data_rest_paging():
    doc = load("spring_data_rest_persons.json", "http://localhost:8080/persons",
               "application/hal+json")
    # templated self expanded with no variables; totalElements is the size
    assert doc.url == "http://localhost:8080/persons"
    assert doc.page.total == 50
    assert doc.links["next"].expand() == "http://localhost:8080/persons?page=1&size=5"
    assert [m.url for m in doc.items] == ["http://localhost:8080/persons/1",
                                          "http://localhost:8080/persons/2"]
    assert doc.items[0].data == {"firstName": "Frodo", "lastName": "Baggins"}


def test_spring_null_embedded_is_an_empty_collection_not_an_error():
    doc = load("spring_hateoas_null_embedded.json", "http://localhost:8080/employees",
               "application/hal+json")
    assert doc.embedded == {} and doc.links["self"].href == "http://localhost:8080/employees"


@pytest.mark.parametrize("ctype", ["application/prs.hal-forms+json", "application/hal+json"])
def test_hal_forms_template(ctype):
    doc = load("hal_forms_create.json", "http://api.example.org/rels/create", ctype)
    (action,) = doc.actions
    assert (action.name, action.method, action.target, action.content_type, action.title) == (
        "default", "POST", "http://api.example.org/rels/create", "application/json", "Create")
    title, completed = action.fields
    assert title == Field("title", required=True, prompt="Title")
    assert completed.pattern == "^(true|false)$" and completed.value == "false"


# -- HTML ---------------------------------------------------------------------------------------

def test_html_links_microdata_and_forms():
    doc = load("html_page.html", "http://example.org/people/frodo", "text/html; charset=utf-8")
    assert doc.format == "html"
    assert doc.data == {"title": "Frodo Baggins", "name": "Frodo Baggins", "home": "The Shire"}
    # resolved against <base href>, one link per rel, anchors without rel ignored
    assert doc.links["next"].href == "http://example.org/people/sam"
    assert doc.links["friend"].title == "Samwise" and "nofollow" in doc.links
    assert doc.links["alternate"].type == "application/json"
    assert doc.links["alternate"].href == "http://example.org/people/frodo.json"
    assert "about" not in {link.href.rsplit("/", 1)[-1] for link in doc.links}
    (form,) = doc.actions
    assert (form.name, form.method, form.target) == (
        "rename", "POST", "http://example.org/people/frodo/name")
    name, race = form.fields
    assert name.required and name.pattern == "[A-Z].*" and name.prompt == "New name"
    assert race.options == ("hobbit", "elf") and race.value == "hobbit"


def test_html_members_from_microdata_items():
    page = b"""<title>Events</title><ul>
      <li itemscope itemid="/events/1"><span itemprop="name">A</span>
          <a rel="product" href="/products/9">p</a></li>
      <li itemscope itemid="/events/2"><span itemprop="name">B</span></li></ul>
      <a rel="next" href="/events?page=2">next</a>"""
    doc = formats.parse(page, "http://h/events", {"Content-Type": "text/html"})
    assert [m.url for m in doc.items] == ["http://h/events/1", "http://h/events/2"]
    assert [m.data for m in doc.items] == [{"name": "A"}, {"name": "B"}]
    assert doc.items[0].links["product"].href == "http://h/products/9"
    assert doc.links["next"].href == "http://h/events?page=2"


# -- shape sniffing never misreads another format -----------------------------------------------

@pytest.mark.parametrize("name,expected", [
    ("siren_order.json", "siren"), ("jsonapi_articles.json", "jsonapi"),
    ("jsonapi_errors.json", "jsonapi"), ("collection_json_friends.json", "collection+json"),
    ("hal_orders.json", "hal"), ("spring_data_rest_persons.json", "hal"),
])
def test_shape_detection_without_a_media_type(name, expected):
    assert formats.parse((SPECS / name).read_bytes(), "http://h/x", {}).format == expected


def test_kissmetrics_envelopes_stay_kissmetrics(fixture_json):
    for name in ("core_root_directory", "core_products_list", "core_events_list"):
        doc = formats.parse(json.dumps(fixture_json(name)).encode(), "https://api.kissmetrics.com/core",
                            {"Content-Type": "application/json"})
        assert doc.format == "kissmetrics"


def test_an_empty_jsonapi_collection_is_recognised_by_shape():
    body = {"data": [], "links": {"self": "/articles"}, "meta": {"total": 0}}
    doc = formats.parse(json.dumps(body).encode(), "http://h/articles", {})
    assert doc.format == "jsonapi" and list(doc.items) == [] and doc.page.total == 0
