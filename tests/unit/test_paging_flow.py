"""A collection walk's decisions, sans I/O: the flow is sent documents by hand — no client, no
socket. `Items` drives the same flow over HTTP (tests/integration/test_collections.py)."""

from __future__ import annotations

import json

import pytest

from hyperkm import DocumentError, formats
from hyperkm._paging import Hand, Read, Walked, paging

API = "https://api.example.test"
HAL = {"Content-Type": "application/hal+json"}


def page(url: str, ids: list[int], next: str | None = None, total: int | None = None,
         templated: bool = False):
    links = {"self": {"href": url}}
    if next is not None:
        links["next"] = {"href": next, "templated": templated} if templated else {"href": next}
    body = {"_links": links, "_embedded": {"items": [{"id": i} for i in ids]}}
    if total is not None:
        body["total"] = total
    return formats.parse(json.dumps(body).encode(), url, HAL)


def walk(flow, documents: dict[str, object]):
    """Drive ``flow``, answering each Read from ``documents`` by URL; the steps, and how it
    ended."""
    steps = []
    try:
        step = flow.send(None)
        while True:
            steps.append(step)
            step = flow.send(documents[step.url] if isinstance(step, Read) else None)
    except StopIteration as stop:
        return steps, stop.value


def test_pages_are_read_by_next_and_handed_over_in_order():
    docs = {f"{API}/c": page(f"{API}/c", [1, 2], "/c?page=2", total=5),
            f"{API}/c?page=2": page(f"{API}/c?page=2", [3, 4], "?page=3"),
            f"{API}/c?page=3": page(f"{API}/c?page=3", [5])}
    steps, walked = walk(paging(f"{API}/c", f"{API}/c"), docs)
    assert steps == [Read(f"{API}/c"), Hand(), Read(f"{API}/c?page=2", "next", 2), Hand(),
                     Read(f"{API}/c?page=3", "next", 3), Hand()]
    assert walked == Walked(stated=5, members=5, pages=3, ended=True)
    assert walked.disagreement(f"{API}/c") is None


def test_a_stated_total_the_pages_do_not_reach_is_said():
    docs = {f"{API}/c": page(f"{API}/c", [1, 2], "/c?page=2", total=10),
            f"{API}/c?page=2": page(f"{API}/c?page=2", [3])}
    _, walked = walk(paging(f"{API}/c", f"{API}/c"), docs)
    said = walked.disagreement(f"{API}/c")
    assert said is not None and "states 10 members" in said and "led to 3 in 2 pages" in said


def test_a_walk_from_a_later_page_does_not_hold_the_total_against_it():
    docs = {f"{API}/c?page=2": page(f"{API}/c?page=2", [3], total=10)}
    _, walked = walk(paging(f"{API}/c?page=2", f"{API}/c"), docs)
    assert walked.stated is None and walked.disagreement(f"{API}/c") is None


def test_an_empty_page_ends_the_walk_even_if_it_says_next():
    docs = {f"{API}/c": page(f"{API}/c", [1], "/c?page=2"),
            f"{API}/c?page=2": page(f"{API}/c?page=2", [], "/c?page=3")}
    steps, walked = walk(paging(f"{API}/c", f"{API}/c"), docs)
    assert [s.url for s in steps if isinstance(s, Read)] == [f"{API}/c", f"{API}/c?page=2"]
    assert walked.ended and walked.pages == 2


def test_max_pages_cuts_the_walk_short_and_no_total_is_held_against_it():
    docs = {f"{API}/c": page(f"{API}/c", [1], "/c?page=2", total=99)}
    steps, walked = walk(paging(f"{API}/c", f"{API}/c", max_pages=1), docs)
    assert steps == [Read(f"{API}/c"), Hand()]
    assert not walked.ended and walked.disagreement(f"{API}/c") is None


def test_next_links_that_loop_back_are_refused_after_the_page_before():
    docs = {f"{API}/c": page(f"{API}/c", [1], "/c?page=2"),
            f"{API}/c?page=2": page(f"{API}/c?page=2", [2], "/c")}
    flow = paging(f"{API}/c", f"{API}/c")
    with pytest.raises(DocumentError, match="pagination loops: the 'next' link of page 2"):
        walk(flow, docs)


def test_a_next_template_that_needs_variables_is_refused():
    docs = {f"{API}/c": page(f"{API}/c", [1], "/c/{cursor}", templated=True)}
    with pytest.raises(DocumentError, match="is a template that needs variables"):
        walk(paging(f"{API}/c", f"{API}/c"), docs)


def test_a_next_template_with_optional_variables_is_followed_without_them():
    docs = {f"{API}/c": page(f"{API}/c", [1], "/c?page=2{&sort}", templated=True),
            f"{API}/c?page=2": page(f"{API}/c?page=2", [2])}
    steps, _ = walk(paging(f"{API}/c", f"{API}/c"), docs)
    assert Read(f"{API}/c?page=2", "next", 2) in steps


def test_a_page_that_lists_no_members_is_no_collection():
    docs = {f"{API}/c": formats.parse(b'{"name": "not a list"}', f"{API}/c",
                                      {"Content-Type": "application/json"})}
    with pytest.raises(DocumentError, match="is not a collection"):
        walk(paging(f"{API}/c", f"{API}/c"), docs)


def test_members_that_begin_on_a_first_page_are_read_from_there():
    collection = formats.parse(json.dumps({
        "@context": "https://www.w3.org/ns/activitystreams", "type": "OrderedCollection",
        "totalItems": 2, "first": f"{API}/c?page=1"}).encode(), f"{API}/c",
        {"Content-Type": "application/activity+json"})
    first = formats.parse(json.dumps({
        "@context": "https://www.w3.org/ns/activitystreams", "type": "OrderedCollectionPage",
        "orderedItems": [{"id": f"{API}/n/1"}, {"id": f"{API}/n/2"}]}).encode(),
        f"{API}/c?page=1", {"Content-Type": "application/activity+json"})
    steps, walked = walk(paging(f"{API}/c", f"{API}/c"),
                         {f"{API}/c": collection, f"{API}/c?page=1": first})
    assert steps == [Read(f"{API}/c"), Read(f"{API}/c?page=1", "first", 1), Hand()]
    assert walked == Walked(stated=2, members=2, pages=1, ended=True)
