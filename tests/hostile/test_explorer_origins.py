"""The explorer follows a link to another origin as the library does — without the token —
and the page says that it is on another origin."""

from __future__ import annotations

import json

from werkzeug.test import Client

import hyperkm
from hyperkm.explore.app import ExplorerApp

from .conftest import RawServer, respond

TOKEN = "secret-token-for-the-api-only"


def test_a_page_on_another_origin_is_marked_and_gets_no_token():
    other = RawServer(lambda req, conn, srv: respond(conn, 200, {"links": [], "data": {
        "where": "elsewhere"}}), host="127.0.0.2")
    api = RawServer(lambda req, conn, srv: respond(conn, 200, json.dumps({
        "links": [{"rel": "partner", "href": other.url + "/p"}], "data": {"where": "api"}})))
    try:
        app = ExplorerApp(hyperkm.connect(api.url + "/core", token=TOKEN), secret="s")
        client = Client(app)
        home = client.get("/?s=s", headers={"Host": "127.0.0.1"}).get_data(as_text=True)
        assert 'id="foreign"' not in home
        moved = client.get("/go?s=s&t=&rel=partner", headers={"Host": "127.0.0.1"})
        assert moved.status_code == 303
        page = client.get(moved.headers["Location"], headers={"Host": "127.0.0.1"})
        text = page.get_data(as_text=True)
        assert "elsewhere" in text
        assert 'id="foreign"' in text and "http://127.0.0.2:" in text
        assert other.requests and all("authorization" not in r.headers for r in other.requests)
        assert all(r.headers.get("authorization") == f"Bearer {TOKEN}" for r in api.requests)
    finally:
        other.close()
        api.close()
