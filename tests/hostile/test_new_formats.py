"""Hostile documents in Hydra, OData, ActivityStreams and linksets: deep nesting, a huge
``@graph``, paging links that loop or lead back to the collection, and a million links —
each bounded as the older formats are: a DocumentError, or a bounded reading, never a hang."""

from __future__ import annotations

import json

import pytest

import hyperkm
from hyperkm import formats
from hyperkm.formats import activitystreams, hydra, linkset, odata
from tests.support import ScriptedServer

URL = "http://h.example/x"
HYDRA = {"Content-Type": "application/ld+json"}
ODATA = {"Content-Type": "application/json;odata.metadata=minimal"}
AS2 = {"Content-Type": "application/activity+json"}
LINKSET = {"Content-Type": "application/linkset+json"}
MILLION = 1_000_000


def parse(body, headers):
    return formats.parse(body if isinstance(body, bytes) else json.dumps(body).encode(), URL,
                         headers)


@pytest.mark.parametrize("headers", [HYDRA, ODATA, AS2, LINKSET])
def test_deep_nesting_is_a_document_error(headers):
    deep = '{"@context": "/c", "a": ' + "[" * 100_000 + "]" * 100_000 + "}"
    with pytest.raises(hyperkm.DocumentError, match="nested too deeply"):
        parse(deep.encode(), headers)


def test_a_huge_graph_is_state_not_walked():
    graph = [{"@id": f"/n/{i}", "next": {"@id": f"/n/{i + 1}"}} for i in range(100_000)]
    doc = parse({"@context": "/c", "@id": "/x", "@graph": graph}, HYDRA)
    assert len(doc.links) == 1 and len(doc.data["@graph"]) == 100_000


@pytest.mark.parametrize(("body", "headers", "bound"), [
    ({"@context": "/c", **{f"p{i}": {"@id": f"/t/{i}"} for i in range(MILLION)}}, HYDRA,
     hydra.MAX_LINKS),
    ({"@odata.context": "/$metadata#x",
      **{f"p{i}@odata.navigationLink": f"/t/{i}" for i in range(MILLION)}}, ODATA,
     odata.MAX_LINKS),
    ({"@context": "https://www.w3.org/ns/activitystreams", "type": "Note",
      "tag": [{"type": "Link", "href": f"/t/{i}"} for i in range(MILLION)]}, AS2,
     activitystreams.MAX_LINKS),
    ({"linkset": [{"item": [{"href": f"/t/{i}"} for i in range(MILLION)]}]}, LINKSET,
     linkset.MAX_LINKS),
])
def test_a_million_links_are_bounded(body, headers, bound):
    doc = parse(body, headers)
    assert 0 < len(doc.links) <= bound + 8


def test_a_hydra_search_of_a_million_variables_is_bounded():
    mapping = [{"variable": f"v{i}"} for i in range(MILLION)]
    doc = parse({"@context": "/c", "search": {"@type": "IriTemplate", "template": "/s{?v0}",
                                              "mapping": mapping}}, HYDRA)
    (search,) = doc.actions
    assert len(search.fields) <= 256


def looping(kind: str) -> dict:
    """Pages whose next link leads back to the first, in each format's own spelling."""
    if kind == "hydra":
        page = {"@context": "/c", "@id": "/items", "member": [{"@id": "/i/1", "n": 1}],
                "view": {"@id": "/items", "next": "/items?p=2"}}
        again = {**page, "view": {"@id": "/items?p=2", "next": "/items"}}
        return {"/items": (200, HYDRA, page), "/items?p=2": (200, HYDRA, again)}
    if kind == "odata":
        page = {"@odata.context": "/$metadata#items", "value": [{"n": 1}],
                "@odata.nextLink": "/items?p=2"}
        again = {**page, "@odata.nextLink": "/items"}
        return {"/items": (200, ODATA, page), "/items?p=2": (200, ODATA, again)}
    page = {"@context": "https://www.w3.org/ns/activitystreams", "id": "/items",
            "type": "OrderedCollectionPage", "orderedItems": [{"id": "/i/1"}],
            "next": "/items?p=2"}
    again = {**page, "id": "/items?p=2", "next": "/items"}
    return {"/items": (200, AS2, page), "/items?p=2": (200, AS2, again)}


@pytest.mark.parametrize("kind", ["hydra", "odata", "activitystreams"])
def test_paging_that_loops_is_stopped(kind):
    with ScriptedServer(looping(kind)) as api:
        with pytest.raises(hyperkm.DocumentError, match="loops"):
            list(hyperkm.connect(api.url + "/items").items())
        assert len(api.requests) <= 3


def test_a_collection_whose_first_page_is_itself_ends():
    outbox = {"@context": "https://www.w3.org/ns/activitystreams", "id": "/outbox",
              "type": "OrderedCollection", "totalItems": 3, "first": "/outbox"}
    with ScriptedServer({"/outbox": (200, AS2, outbox)}) as api:
        assert list(hyperkm.connect(api.url + "/outbox").items()) == []
        assert len(api.requests) <= 2
