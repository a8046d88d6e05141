"""201 Created: the body is the new resource when it says it is (RFC 9110 15.3.2)."""

from __future__ import annotations

import json

import pytest

import hyperkm

from ..hostile.conftest import RawServer, respond

JSONAPI = "application/vnd.api+json"


def server_answering(created: dict | None, headers: dict[str, str]):
    def handle(request, conn, srv):
        if request.method == "POST":
            respond(conn, 201, json.dumps(created) if created is not None else b"",
                    {k: v.replace("{base}", srv.url) for k, v in headers.items()},
                    content_type=JSONAPI)
        elif request.target == "/articles":
            respond(conn, 200, json.dumps({"data": [], "links": {"self": "/articles"}}),
                    content_type=JSONAPI)
        else:
            respond(conn, 200, json.dumps({"data": {"type": "articles", "id": "9",
                                                    "attributes": {"title": "fetched"},
                                                    "links": {"self": request.target}}}),
                    content_type=JSONAPI)
    return RawServer(handle)


def article(number: str, title: str) -> dict:
    return {"data": {"type": "articles", "id": number, "attributes": {"title": title},
                     "links": {"self": f"/articles/{number}"}}}


def test_a_201_body_that_is_the_new_resource_is_used_without_a_fetch():
    server = server_answering(article("58", "new"), {"Location": "{base}/articles/58"})
    try:
        articles = hyperkm.connect(server.url + "/articles")
        assert articles.document.format == "jsonapi"  # read first
        created = articles.post({"data": {"type": "articles"}})
        assert created.url == server.url + "/articles/58"
        assert created.data["title"] == "new"
        assert [r.method for r in server.requests] == ["GET", "POST"]  # no GET of the new one
        # the write went in the format it was read in: JSON:API (else: 415)
        assert server.requests[1].headers["content-type"] == JSONAPI
    finally:
        server.close()


def test_a_201_body_about_something_else_is_not_taken_for_the_resource():
    server = server_answering({"data": None, "meta": {"message": "queued"}},
                              {"Location": "{base}/articles/58"})
    try:
        created = hyperkm.connect(server.url + "/articles").post({"x": 1})
        assert created.url == server.url + "/articles/58"
        assert created.data["title"] == "fetched"  # fetched: the body was not this resource
    finally:
        server.close()


def test_a_201_without_location_whose_body_has_a_self_link():
    server = server_answering(article("77", "no location"), {})
    try:
        created = hyperkm.connect(server.url + "/articles").post({"x": 1})
        assert created.url == server.url + "/articles/77"
        assert created.data["title"] == "no location"
    finally:
        server.close()


@pytest.mark.parametrize("location", ["javascript:alert(1)", "http://a\\@b/x", "http://[::1"])
def test_an_unusable_location_says_what_came(location):
    server = server_answering(None, {"Location": location})
    try:
        with pytest.raises(hyperkm.DocumentError) as info:
            hyperkm.connect(server.url + "/articles").post({"x": 1})
        assert "Location" in str(info.value) and "201" in str(info.value)
    finally:
        server.close()


def test_a_write_answered_with_see_other_reads_the_other_resource_plainly():
    # PUT with If-Match → 303 → GET of a receipt: the GET carries neither the write's
    # precondition (the receipt would answer 412) nor its body headers, and the resource
    # written keeps its own state (the receipt is not its new representation).
    seen = []

    def handle(request, conn, srv):
        seen.append((request.method, request.target, request.headers.get("if-match"),
                     request.headers.get("content-type")))
        if request.method == "PUT":
            respond(conn, 303, b"", {"Location": "/receipts/1"})
        elif request.target == "/receipts/1":
            if request.headers.get("if-match"):
                respond(conn, 412, {"message": "precondition failed"})
            else:
                respond(conn, 200, {"receipt": True})
        else:
            respond(conn, 200, {"id": 9, "total": 3}, {"ETag": '"a"'})

    server = RawServer(handle)
    try:
        order = hyperkm.connect(server.url + "/orders/9", cache=False)
        assert order.data == {"id": 9, "total": 3}
        answer = order.put({"id": 9, "total": 4})
        assert answer.data == {"receipt": True}
        assert order.url == server.url + "/orders/9"
        assert order.data == {"id": 9, "total": 3}
        assert seen[1][:3] == ("PUT", "/orders/9", '"a"')
        assert seen[2] == ("GET", "/receipts/1", None, None)
    finally:
        server.close()
