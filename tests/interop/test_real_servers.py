"""hyperkm against real servers nobody here wrote, each walked from its root with no URL built
by hand: links, every page (count = seeded), parallel pages where a total is stated, a member
and its relationships, and a create/update/delete checked on the server."""

from __future__ import annotations

import pytest

import hyperkm

from .conftest import JSON_SERVER_POSTS

ARTICLES, AUTHORS = 57, 23  # seeded by servers/drf_site.py
HYPERMODEL_ITEMS = 25


def walk_every_page(collection: hyperkm.Resource, expected: int) -> list[hyperkm.Resource]:
    members = list(collection.items())
    assert len(members) == expected
    assert len({m.url for m in members}) == expected or expected == 0
    return members


def parallel(collection: hyperkm.Resource, concurrency: int = 4) -> tuple[list[str], list[str]]:
    notes: list[str] = []
    collection.client.on_note.append(notes.append)
    urls = [m.url for m in collection.items(concurrency=concurrency)]
    return urls, notes


# -- Django REST framework JSON:API (djangorestframework-jsonapi) ------------------------------

def test_drf_jsonapi_walk(drf):
    root = hyperkm.connect(drf.url + "/jsonapi/")
    assert root.document.format == "jsonapi"
    assert set(root.links.rels) >= {"authors", "articles"}  # inferred from its root's data
    assert all(link.source == "inferred" for link in root.links.all("articles"))
    articles = root.follow("articles")  # page[offset]/page[limit], meta.pagination.count
    assert len(articles.items()) == ARTICLES
    members = walk_every_page(articles, ARTICLES)
    urls, notes = parallel(root.follow("articles"))
    assert urls == [m.url for m in members]
    assert any("4 at a time" in n for n in notes), notes
    authors = root.follow("authors")  # page[number]/page[size]
    assert len(authors.items()) == AUTHORS
    walk_every_page(authors, AUTHORS)
    urls, notes = parallel(root.follow("authors"))
    assert len(urls) == AUTHORS and any("4 at a time" in n for n in notes), notes
    article = articles.items()[20]
    assert article.data["title"] == "Article 20"
    assert article.follow("author").data["name"] == "Author 20"  # a relationship's link


def test_drf_jsonapi_create_update_delete(drf):
    articles = hyperkm.connect(drf.url + "/jsonapi/").follow("articles")
    author = articles.items()[3].follow("author")
    created = articles.post({"data": {"type": "articles",
                                      "attributes": {"title": "Written by hyperkm", "body": ""},
                                      "relationships": {"author": {"data": {
                                          "type": "authors", "id": author.data["id"]}}}}})
    assert created.write_response.status_code == 201
    assert created.data["title"] == "Written by hyperkm"  # the 201 body, no refetch
    try:
        created.patch({"data": {"type": "articles", "id": created.data["id"],
                                "attributes": {"title": "Changed by hyperkm"}}})
        check = hyperkm.connect(created.url, cache=False)
        assert check.data["title"] == "Changed by hyperkm"  # on the server
    finally:
        created.delete()
    with pytest.raises(hyperkm.NotFound):
        _ = hyperkm.connect(created.url, cache=False).data
    assert len(hyperkm.connect(drf.url + "/jsonapi/").follow("articles").items()) == ARTICLES


# -- Django REST framework HAL (drf-hal-json) --------------------------------------------------

def test_drf_hal_walk(drf):
    root = hyperkm.connect(drf.url + "/hal/")
    assert root.document.format == "hal" and set(root.links.rels) >= {"authors", "articles"}
    articles = root.follow("articles")  # bare-string links, an _embedded array, "count"
    assert len(articles.items()) == ARTICLES
    members = walk_every_page(articles, ARTICLES)
    urls, notes = parallel(root.follow("articles"))
    assert urls == [m.url for m in members] and any("4 at a time" in n for n in notes)
    article = articles.items()[5]
    assert article.data["title"] == "Article 5"
    assert article.follow("author").data["name"] == "Author 5"


def test_drf_hal_create_update_delete(drf):
    root = hyperkm.connect(drf.url + "/hal/")
    articles = root.follow("articles")
    author_url = articles.items()[0].link("author").href
    created = articles.post({"title": "HAL by hyperkm", "body": "",
                             "_links": {"author": author_url}})
    assert created.write_response.status_code == 201
    try:
        created.patch({"title": "HAL changed"})
        assert hyperkm.connect(created.url, cache=False).data["title"] == "HAL changed"
    finally:
        created.delete()
    with pytest.raises(hyperkm.NotFound):
        _ = hyperkm.connect(created.url, cache=False).data


# -- fastapi-hypermodel (HAL and Siren) --------------------------------------------------------

def test_hypermodel_walk_and_forms(hypermodel):
    fmt, server = hypermodel
    items = hyperkm.connect(server.url + "/items")
    assert items.document.format == fmt
    members = walk_every_page(items, HYPERMODEL_ITEMS)
    member = members[7]
    assert member.data["name"] == "Item 7"
    assert member.url == server.url + "/items/item07"  # relative hrefs, resolved
    # its templated "find" (a HAL link; a Siren action whose href is a template)
    found = (items.follow("find", id_="item11") if fmt == "hal"
             else items.action("find").submit(id_="item11"))
    assert found.data["name"] == "Item 11"
    with pytest.raises(hyperkm.TemplateError):
        items.follow("find") if fmt == "hal" else items.action("find").submit()


def test_hypermodel_update(hypermodel):
    fmt, server = hypermodel
    member = hyperkm.connect(server.url + "/items").items()[2]
    member.put({"name": f"Renamed over {fmt}", "price": 2.5}, if_match=False)
    assert hyperkm.connect(member.url, cache=False).data["name"] == f"Renamed over {fmt}"


# -- json-server (npm) -------------------------------------------------------------------------

def test_json_server_walk_and_crud(json_server):
    # Its root is an HTML page for people; the API starts at a collection, paged by Link
    # headers, its size in X-Total-Count.
    posts = hyperkm.connect(json_server.url + "/posts?_page=1&_limit=5")
    assert len(posts.items()) == JSON_SERVER_POSTS
    titles = [m.data["title"] for m in posts.items()]
    assert titles == [f"Post {i}" for i in range(1, JSON_SERVER_POSTS + 1)]
    notes: list[str] = []
    posts.client.on_note.append(notes.append)
    again = [m.data["title"] for m in posts.items(concurrency=4)]
    assert again == titles and any("4 at a time" in n for n in notes), notes
    # json-server writes Location as the request's URL + "/" + id, query included (its own
    # fault: "/posts?_page=1&_limit=5/38"), so writes go to its unpaged collection URL, which
    # its first page's `first` link... does not give either: start there, as its docs do.
    collection = hyperkm.connect(json_server.url + "/posts")
    assert len(collection.items()) == JSON_SERVER_POSTS  # one page: the array, no Link header
    created = collection.post({"title": "From hyperkm", "authorId": 2})
    assert created.write_response.status_code == 201
    assert created.url == json_server.url + f"/posts/{JSON_SERVER_POSTS + 1}"
    assert created.data["title"] == "From hyperkm"
    created.patch({"title": "Patched"})
    assert hyperkm.connect(created.url, cache=False).data["title"] == "Patched"
    created.delete()
    with pytest.raises(hyperkm.NotFound):
        _ = hyperkm.connect(created.url, cache=False).data


def test_drf_options_describes_a_request_body(drf):
    """What a real server's OPTIONS answer says of its POST body (DRF's metadata) is what
    the shell asks for and the explorer's request form is pre-filled with."""
    root = hyperkm.connect(drf.url + "/hal/")
    articles = root.follow("articles")
    assert "POST" in root.client.allowed_methods(articles.url)
    fields = {f.name: f for f in root.client.described_fields(articles.url, "POST")}
    assert {"title", "body"} <= set(fields)
    assert fields["title"].required and fields["title"].max_length is not None
    assert "id" not in fields  # read-only fields are not asked for
    assert root.client.described_fields(articles.url, "DELETE") == ()


# -- hyperkm check on servers nobody here wrote ---------------------------------------------------

def test_check_reads_every_real_server_and_reports_their_faults(drf, hypermodel, json_server):
    """``hyperkm check`` on the real servers: no crash, their documents read, and their known
    faults reported — no validators (DRF, fastapi-hypermodel send no ETag), HTML error pages
    (DRF's 404), no self link on DRF's JSON:API documents (it is optional there)."""
    fmt, server = hypermodel
    reports = {
        "drf-jsonapi": hyperkm.connect(drf.url + "/jsonapi/").client.check(max_requests=150),
        "drf-hal": hyperkm.connect(drf.url + "/hal/").client.check(max_requests=150),
        "hypermodel": hyperkm.connect(server.url + "/items").client.check(max_requests=150),
        "json-server": hyperkm.connect(
            json_server.url + "/posts?_page=1&_limit=5").client.check(max_requests=150),
    }
    formats = {"drf-jsonapi": "jsonapi", "drf-hal": "hal", "hypermodel": fmt,
               "json-server": "kissmetrics"}
    for name, report in reports.items():
        assert report.requests > 2 and formats[name] in report.formats, name
        assert not report.exhausted, name
        assert "broken-link" not in report.failed(), name  # their links work
    def rules(name: str) -> set[str]:
        return {f.rule for f in reports[name].findings}

    assert {"no-validator", "error-not-problem-details"} <= rules("drf-jsonapi")
    assert "missing-self" in rules("drf-jsonapi")
    assert {"no-validator", "error-not-problem-details"} <= rules("drf-hal")
    assert "no-validator" in rules("hypermodel")
    assert any(f.evidence == "Content-Type: text/html" for f in reports["drf-hal"].findings)
