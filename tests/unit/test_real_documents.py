"""Documents real servers sent (captured from the interop tier's servers; provenance in each
fixture), read at the class level: every leniency hyperkm has for what real servers bend."""

from __future__ import annotations

import json
import logging
import pathlib

import pytest

from hyperkm import DocumentError
from hyperkm.formats import parse

REAL = pathlib.Path(__file__).parents[1] / "fixtures" / "real"


def load(name: str) -> tuple[dict, str]:
    fixture = json.loads((REAL / f"{name}.json").read_text())
    url = fixture["provenance"].rsplit("GET ", 1)[1]
    return fixture["document"], url


def read(name: str, media_type: str):
    document, url = load(name)
    return parse(json.dumps(document).encode(), url, {"Content-Type": media_type})


def test_drf_jsonapi_root_is_links_not_a_resource():
    doc = read("drf_jsonapi_root", "application/vnd.api+json")
    assert doc.data != {"id": None, "type": None}
    assert {link.rel for link in doc.links} == {"authors", "articles"}
    assert {link.source for link in doc.links} == {"inferred"}


def test_jsonapi_data_that_is_no_resource_and_no_links_is_refused():
    with pytest.raises(DocumentError, match="not a JSON:API resource object"):
        parse(b'{"data": {"count": 3}}', "http://h/x", {"Content-Type": "application/vnd.api+json"})


@pytest.mark.parametrize(("name", "total"), [("drf_jsonapi_articles", 57),
                                             ("drf_jsonapi_authors", 23)])
def test_drf_jsonapi_meta_pagination_count(name, total):
    doc = read(name, "application/vnd.api+json")
    assert doc.page.total == total
    assert doc.links["next"].href.count("page%5B") >= 1  # as the server wrote it


def test_drf_hal_bare_string_links_and_embedded_array(caplog):
    with caplog.at_level(logging.WARNING, logger="hyperkm"):
        doc = read("drf_hal_articles", "application/hal+json")
        members = list(doc.items)
    assert doc.page.total == 57 and len(members) == 10
    assert doc.links["next"].href.endswith("?page=2")
    assert "previous" not in doc.links  # "previous": null is no link
    assert members[0].url.endswith("/hal/articles/1/")
    assert members[0].links["author"].href.endswith("/hal/authors/1/")


def test_drf_hal_root_without_links_reads_its_urls():
    doc = read("drf_hal_root", "application/hal+json")
    assert {link.rel for link in doc.links} == {"authors", "articles"}


def test_hypermodel_siren_members_named_items_and_templated_actions():
    doc = read("hypermodel_siren_items", "application/vnd.siren+json")
    members = list(doc.items)
    assert len(members) == 25 and members[0].url.endswith("/items/item00")
    find = next(a for a in doc.actions if a.name == "find")
    assert find.templated and find.variables == ("id_",)


def test_hypermodel_hal_relative_hrefs_resolved():
    doc = read("hypermodel_hal_items", "application/hal+json")
    assert doc.links["find"].templated
    assert next(iter(doc.items)).url.startswith("http://127.0.0.1:")


def test_github_style_plain_json():
    # The shape of GitHub's REST API (docs.github.com, "Get a repository"), abridged.
    repo = {"id": 1296269, "name": "Hello-World",
            "url": "https://api.github.com/repos/octocat/Hello-World",
            "html_url": "https://github.com/octocat/Hello-World",
            "issues_url": "https://api.github.com/repos/octocat/Hello-World/issues{/number}",
            "pulls_url": "https://api.github.com/repos/octocat/Hello-World/pulls{/number}",
            "description": "This your first repo!", "homepage": "https://github.com"}
    doc = parse(json.dumps(repo).encode(), "https://api.github.com/repos/octocat/Hello-World",
                {"Content-Type": "application/json"})
    rels = {link.rel: link for link in doc.links}
    assert rels["self"].href == repo["url"] and rels["html"].href == repo["html_url"]
    issues = rels["issues"]
    assert issues.templated and issues.source == "inferred"
    # {/number} may be left out (the collection) when following an inferred template...
    assert issues.expand() == "https://api.github.com/repos/octocat/Hello-World/issues"
    assert issues.expand(number=7).endswith("/issues/7")
    assert doc.data["description"] == repo["description"]  # the values stay state too


def test_github_style_lists_are_collections_of_members_at_their_url():
    listing = [{"id": i, "url": f"https://api.github.com/repos/o/r/issues/{i}", "title": "t"}
               for i in range(3)]
    doc = parse(json.dumps(listing).encode(), "https://api.github.com/repos/o/r/issues",
                {"Content-Type": "application/json"})
    members = list(doc.items)
    assert [m.url for m in members] == [x["url"] for x in listing]
    assert all(m.has_own_url for m in members)


def test_json_server_arrays_take_their_total_from_x_total_count():
    body = json.dumps([{"id": 1, "title": "a"}, {"id": 2, "title": "b"}]).encode()
    doc = parse(body, "http://h/posts?_page=1&_limit=2",
                {"Content-Type": "application/json", "X-Total-Count": "37",
                 "Link": '<http://h/posts?_page=2&_limit=2>; rel="next"'})
    assert doc.page.total == 37 and len(list(doc.items)) == 2
    assert doc.links["next"].href.endswith("_page=2&_limit=2")
    gitlab = parse(body, "http://h/p", {"Content-Type": "application/json", "X-Total": "9"})
    assert gitlab.page.total == 9
