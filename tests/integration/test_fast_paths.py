"""The walk's short roads, over real HTTP: requests sent directly by hyperkm's Session, and
collection members that build their documents only when used."""

from __future__ import annotations

import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from werkzeug.wrappers import Response

import hyperkm
from hyperkm._http import Session
from hyperkm.demo import running
from tests.support import ScriptedServer


def test_cookies_from_a_direct_request_persist_and_go_back(monkeypatch):
    def login(request):
        response = Response("{}", mimetype="application/json")
        response.set_cookie("session", "abc")
        return response

    with ScriptedServer({"/login": login, "/next": (200, {}, {}),
                         "/moved": (302, {"Location": "/next"}, "")}) as server:
        session = Session()
        first = session.request("GET", server.url + "/login", allow_redirects=False,
                                auth=lambda r: r)
        assert first.elapsed.total_seconds() > 0
        assert session.cookies.get("session") == "abc"
        session.request("GET", server.url + "/next", allow_redirects=False, auth=lambda r: r)
        assert server.requests[-1].cookies.get("session") == "abc"
        session.cookies.clear()
        moved = session.request("GET", server.url + "/moved", allow_redirects=False,
                                auth=lambda r: r)
        assert moved.status_code == 302
        assert moved.next is not None and moved.next.url == server.url + "/next"


def _pages(pages: int, per_page: int, ids: bool) -> dict:
    routes = {}
    for n in range(pages):
        links = [{"rel": "self", "href": f"/p{n}"}]
        if n + 1 < pages:
            links.append({"rel": "next", "href": f"/p{n + 1}"})
        members = []
        for i in range(n * per_page, (n + 1) * per_page):
            member = {"name": f"m{i}", "links": [{"rel": "self", "href": f"/m/{i}"},
                                                  {"rel": "up", "href": f"/p{n}"}]}
            if ids:
                member["id"] = i
            members.append(member)
        routes[f"/p{n}"] = (200, {"Content-Type": "application/json"},
                            {"links": links, "pagination": {}, "data": members})
    routes["/m/4"] = (200, {"Content-Type": "application/json"},
                      {"id": 4, "name": "fresh", "links": [{"rel": "self", "href": "/m/4"}]})
    return routes


def test_members_are_whole_resources_when_used():
    with ScriptedServer(_pages(3, 3, ids=True)) as server:
        root = hyperkm.connect(server.url + "/p0")
        members = [m for m in root.items(prefetch=0)]  # list() would ask len() first
        assert len(server.requests) == 3  # the pages, nothing for the members
        assert [m.url for m in members] == [f"{server.url}/m/{i}" for i in range(9)]
        fifth = members[4]
        assert fifth.fetched
        assert [str(m.step) for m in members[:2]] == ["[id=0]", "[id=1]"]
        assert fifth.step.member and fifth.parent.url == server.url + "/p0"
        assert fifth.data == {"id": 4, "name": "m4"}  # state without the links
        assert fifth.links.get("up").href == server.url + "/p1"
        assert "name='m4'" in repr(fifth) and "up" in dir(fifth)
        assert str(fifth.trail).endswith("[id=4]")
        assert len(server.requests) == 3  # nothing of that sent a request
        assert fifth.refresh().data["name"] == "fresh"  # its own URL, fetched
        assert server.requests[-1].path == "/m/4"
        assert fifth == members[4] and {fifth, members[4]} == {fifth}


def test_members_without_ids_are_labelled_by_their_position_across_pages():
    with ScriptedServer(_pages(3, 3, ids=False)) as server:
        root = hyperkm.connect(server.url + "/p0")
        labels = [str(m.step) for m in root.items(prefetch=0)]
        assert labels == [f"[{i}]" for i in range(9)]
        # a member asked for its step before anything else, and one that never is
        member = root.items(prefetch=0)[7]
        assert member.step.label == "[7]" and member.url.endswith("/m/7")


def _reachable(start, stop):
    """Data reachable from ``start`` through references, not entering ``stop`` nor code
    (functions and modules lead to every global of the process)."""
    import gc
    import types

    code = (type, types.FunctionType, types.ModuleType, types.BuiltinFunctionType,
            types.MethodType, types.FrameType, types.CodeType)
    seen, todo = {id(start): start}, [start]
    while todo:
        for ref in gc.get_referents(todo.pop()):
            if id(ref) not in seen and not any(ref is s for s in stop) and not isinstance(
                    ref, code):
                seen[id(ref)] = ref
                todo.append(ref)
    return seen.values()


def test_a_member_kept_does_not_keep_its_page():
    # A loop's last member is alive while the next page is read: if it held its page, every
    # page would survive garbage collections (and cost full ones on a long walk).
    with ScriptedServer(_pages(3, 3, ids=True)) as server:
        root = hyperkm.connect(server.url + "/p0", cache=False)
        kept = None
        for position, member in enumerate(root.items(prefetch=0)):
            if position == 4:  # not asking it anything: it stays a flyweight
                kept = member
        for used in (False, True):
            if used:
                assert kept.data["id"] == 4  # and once its document is built
            ids = {o.get("id") for o in _reachable(kept, (root.client, root))
                   if type(o) is dict and "name" in o}
            assert 4 in ids or used  # its own object (until built into its document)
            assert not ids & {3, 5}, ids  # the rest of its page is gone


def test_a_member_used_from_many_threads_at_once_is_built_right():
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible, for races to show
    try:
        _use_from_many_threads()
    finally:
        sys.setswitchinterval(interval)


def _use_from_many_threads():
    with ScriptedServer(_pages(2, 30, ids=True)) as server:
        root = hyperkm.connect(server.url + "/p0")
        members = [m for m in root.items(prefetch=0)]  # flyweights: nothing built yet
        sent = len(server.requests)
        with ThreadPoolExecutor(8) as pool:
            for i, member in enumerate(members):
                start = threading.Barrier(8)

                def use(_, member=member, start=start):
                    start.wait()  # all at once, on a member nobody has built yet
                    return member.url, member.document.data["id"], str(member.step)

                results = set(pool.map(use, range(8)))
                assert results == {(f"{server.url}/m/{i}", i, f"[id={i}]")}
        assert len(server.requests) == sent  # no member was fetched instead of built


@pytest.mark.parametrize("fmt", ["km", "hal", "siren", "jsonapi", "collection+json"])
def test_members_of_every_format_used_from_many_threads_agree(fmt):
    # A member's state, forms and label are made from its raw object on first use; threads
    # racing to that first use must all see the state, never the state made twice.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        with running(format=fmt, events=40) as demo:
            product = hyperkm.connect(demo.root_url, token=demo.token).follow(
                "products").items()[0]
            expected = [(e.data, str(e.step), len(e.document.actions))
                        for e in product.follow("events").items(prefetch=0)]
            members = [e for e in product.follow("events").items(prefetch=0)]
            with ThreadPoolExecutor(8) as pool:
                for member, want in zip(members, expected, strict=True):
                    start = threading.Barrier(8)

                    def use(_, member=member, start=start):
                        start.wait()
                        peeked = member.document.peek("id")
                        return (member.data, str(member.step),
                                len(member.document.actions)), peeked

                    for got, peeked in pool.map(use, range(8)):
                        assert got == want and peeked == want[0]["id"]
    finally:
        sys.setswitchinterval(interval)


@pytest.mark.parametrize("fmt", ["km", "hal", "siren", "jsonapi", "collection+json", "array"])
@pytest.mark.parametrize("hrefs", ["absolute", "relative"])
def test_a_members_state_is_read_without_building_it_and_stays_the_same(fmt, hrefs):
    with running(format=fmt, hrefs=hrefs) as demo:
        events = hyperkm.connect(demo.root_url, token=demo.token).follow("events")
        quick, built = list(events.items()), list(events.items())
        for member in built:
            _ = member.url  # builds the document first: the ordinary road
        for fast, slow in zip(quick, built, strict=True):
            data = fast.data
            assert fast._source is not None  # read from the raw value: nothing built
            assert data == slow.data and data is fast.data
            assert fast.url == slow.url and fast.url.startswith("http")  # now built
            assert fast.data is data and fast.document.data is data  # the same object
            assert fast.links.rels == slow.links.rels


@pytest.mark.parametrize(("fmt", "member"), [
    ("hal", {"_links": [], "name": "x"}),          # _links must be an object
    ("hal", "not an object"),
    ("siren", {"rel": ["item"], "properties": [1], "links": []}),
    ("siren", {"rel": ["item"], "properties": {}, "links": {"self": 1}}),
    ("jsonapi", {"id": "1", "attributes": {}}),    # no type: not a resource object
    ("jsonapi", {"id": "1", "type": "t", "attributes": [1]}),
    ("collection+json", {"href": "/x", "data": {"name": "a"}}),
    ("km", {"name": "x", "links": {"self": "/x"}}),
])
def test_a_malformed_member_is_refused_the_same_on_the_quick_road(fmt, member):
    from hyperkm import formats

    bodies = {
        "hal": ({"_links": {"self": {"href": "/c"}}, "_embedded": {"item": [member]}},
                "application/hal+json"),
        "siren": ({"class": ["collection"], "entities": [member], "links": []},
                  "application/vnd.siren+json"),
        "jsonapi": ({"data": [member]}, "application/vnd.api+json"),
        "collection+json": ({"collection": {"version": "1.0", "href": "/c", "items": [member]}},
                            "application/vnd.collection+json"),
        "km": ({"data": [member], "links": []}, "application/json"),
    }
    import json

    body, media = bodies[fmt]
    page = hyperkm.Resource(hyperkm.connect("http://127.0.0.1:9/c").client, "http://h/c",
                            document=formats.parse(json.dumps(body).encode(), "http://h/c",
                                                   {"Content-Type": media}))
    try:
        [first] = list(page.items(max_pages=1))
    except hyperkm.DocumentError:
        return  # refused with the page (Siren's members must be sub-entities)
    with pytest.raises(hyperkm.DocumentError):
        _ = first.data


def test_a_siren_pages_forms_are_read_when_asked_and_a_bad_one_is_refused_then():
    import json

    from hyperkm import formats

    page = {"class": ["collection"], "links": [{"rel": ["self"], "href": "/c"}],
            "entities": [{"rel": ["item"], "properties": {"n": 1}}],
            "actions": [{"name": "add", "href": "/c", "method": "POST",
                         "fields": [{"name": "n", "type": "number"}]}]}
    doc = formats.parse(json.dumps(page).encode(), "http://h/c",
                        {"Content-Type": "application/vnd.siren+json"})
    assert [a.name for a in doc.actions] == ["add"] and doc.actions[0].target == "http://h/c"
    page["actions"] = [{"name": "add"}]  # no href
    doc = formats.parse(json.dumps(page).encode(), "http://h/c",
                        {"Content-Type": "application/vnd.siren+json"})
    assert len(doc.items) == 1  # the page itself reads
    with pytest.raises(hyperkm.DocumentError, match="href must be a non-empty string"):
        _ = doc.actions
