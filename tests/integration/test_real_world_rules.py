"""Rules found against real servers, each checked over real HTTP on loopback."""

from __future__ import annotations

import json

import pytest

import hyperkm
from hyperkm.demo import running

from ..hostile.conftest import RawServer, respond


def test_jsonapi_is_asked_for_without_parameters():
    seen = []
    server = RawServer(lambda req, conn, srv: (seen.append(req.headers["accept"]), respond(
        conn, 200, {"data": []}, content_type="application/vnd.api+json")))
    try:
        _ = hyperkm.connect(server.url + "/x").data
    finally:
        server.close()
    offered = [part.strip() for part in seen[0].split(",")]
    assert "application/vnd.api+json" in offered  # no ";q=": servers answer 406 to that


def test_a_415_says_what_was_sent():
    server = RawServer(lambda req, conn, srv: respond(
        conn, 415 if req.method == "POST" else 200,
        {"errors": [{"title": "Unsupported media type"}]} if req.method == "POST" else
        {"data": [], "links": {"self": "/x"}}, {"Accept-Post": "application/vnd.api+json"},
        content_type="application/vnd.api+json"))
    try:
        root = hyperkm.connect(server.url + "/x")
        _ = root.data
        with pytest.raises(hyperkm.UnsupportedMediaType) as info:
            root.post({"a": 1}, headers={"Content-Type": "application/json"})
        message = str(info.value)
        assert "application/json" in message and "application/vnd.api+json" in message
        assert "send JSON" not in message
    finally:
        server.close()


def test_a_stated_total_the_next_chain_does_not_meet_is_reported(caplog):
    def handle(request, conn, server):
        page = int(request.target.rsplit("=", 1)[1]) if "page=" in request.target else 1
        body = {"links": [{"rel": "self", "href": request.target}],
                "pagination": {"total": 10},
                "data": [{"n": page * 10 + i} for i in range(3)]}
        if page < 2:
            body["links"].append({"rel": "next", "href": f"/items?page={page + 1}"})
        respond(conn, 200, json.dumps(body))

    server = RawServer(handle)
    try:
        collection = hyperkm.connect(server.url + "/items")
        notes: list[str] = []
        collection.client.on_note.append(notes.append)
        assert len(list(collection.items())) == 6
        assert any("states 10 members" in n and "led to 6" in n for n in notes), notes
        assert any("states 10 members" in r.getMessage() for r in caplog.records)
    finally:
        server.close()


def test_an_inferred_template_may_omit_its_segment_to_read_but_never_to_write():
    def handle(request, conn, server):
        base = server.url
        if request.target == "/repo":
            respond(conn, 200, {"url": base + "/repo",
                                "issues_url": base + "/repo/issues{/number}"})
        elif request.method == "GET":
            respond(conn, 200, [{"url": base + "/repo/issues/1", "number": 1}])
        else:
            respond(conn, 204, b"")

    server = RawServer(handle)
    try:
        repo = hyperkm.connect(server.url + "/repo")
        issues = repo.follow("issues")  # {/number} left out: the collection
        assert issues.url == server.url + "/repo/issues"
        assert [m.url for m in issues.items()] == [server.url + "/repo/issues/1"]
        with pytest.raises(hyperkm.TemplateError, match=r"\{/number\}"):
            issues.delete()
        assert all(r.method == "GET" for r in server.requests)  # nothing was sent
        repo.follow("issues", number=1).delete()  # one member: allowed
        assert server.requests[-1].method == "DELETE"
    finally:
        server.close()


def test_demo_html_members_have_rel_item_and_siren_choices_are_options():
    with running(format="html") as demo:
        root = hyperkm.connect(demo.root_url, token=demo.token)
        accounts = root.follow("accounts")
        _ = accounts.data
        page = accounts.response.text
        assert 'rel="item"' in page
    with running(format="siren") as demo:
        root = hyperkm.connect(demo.root_url, token=demo.token)
        report = root.follow("accounts").items()[0].follow("products").items()[0].follow(
            "events").items()[0].refresh()  # its update form has a checkbox with choices
        response = report.response
        fields = [f for a in json.loads(response.text).get("actions", [])
                  for f in a.get("fields", [])]
        with_choices = [f for f in fields if "options" in f]
        assert with_choices, fields
        assert not any(isinstance(f.get("value"), list) for f in fields)  # never the choices
        assert any(f.options for a in report.actions.values() for f in a.fields)  # read
