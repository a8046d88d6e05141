"""The same client code against every format the emulator serves, over real HTTP.

Traversal, iteration across all pages, len(), bookmarks after the URLs moved, the report
run -> poll -> results flow, and `hyperkm get --all`: nothing here knows which format it reads.
"""

from __future__ import annotations

import json

import pytest
import requests

import hyperkm
from hyperkm.cli import main
from hyperkm.demo import running
from hyperkm.demo.dataset import PRODUCT_SAAS, REPORT_PEOPLE
from hyperkm.demo.layouts import LAYOUTS
from hyperkm.demo.render import FORMATS, MEDIA_TYPES

from .test_traversal import ident, traverse

EXPECTED_FORMAT = {"km": "kissmetrics", "array": "kissmetrics", "hal": "hal", "siren": "siren",
                   "jsonapi": "jsonapi", "collection+json": "collection+json", "html": "html",
                   "hydra": "hydra", "odata": "odata", "activitystreams": "activitystreams"}


def state(resource) -> dict:
    """The state a program compares: HTML pages add their <title>, members have none."""
    return {k: v for k, v in resource.data.items() if k != "title"}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(("layout", "hrefs"), [("km", "absolute"), ("alt", "absolute"),
                                               ("km", "relative"), ("alt", "relative")])
def test_traversal(fmt, layout, hrefs):
    with running(format=fmt, layout=layout, events=45, hrefs=hrefs) as demo:
        if hrefs == "relative":  # the server really writes references, not URLs
            raw = requests.get(demo.root_url, headers={"Authorization": f"Bearer {demo.token}"},
                               timeout=5).text
            accounts = LAYOUTS[layout]["accounts"]
            origin = demo.root_url[:demo.root_url.index("/", len("http://"))]
            assert accounts in raw and origin + accounts not in raw
        account, product, members, chosen, event = traverse(demo.root_url, demo.token)
        assert all(m.url.startswith(demo.root_url.split("/core")[0].split("/api")[0])
                   for m in members)  # made absolute
        assert account.data["name"] == "My SaaS Account"
        assert ident(product) == PRODUCT_SAAS
        assert len(members) == 45 and len({ident(m) for m in members}) == 45
        assert state(event) == state(chosen) and event.url == chosen.url
        assert event.document.format == EXPECTED_FORMAT[fmt]
        # member state came embedded: the list pages were the only event requests
        assert sum(n for p, n in demo.stats.paths.items()
                   if "/core/events/" in p or "/event-library/entries/" in p) == 1


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("hrefs", ["absolute", "relative"])
def test_iteration_len_and_slicing(fmt, hrefs):
    with running(format=fmt, hrefs=hrefs) as demo:
        root = hyperkm.connect(demo.root_url, token=demo.token)
        items = root.follow("events", limit=10).items()
        ids = [ident(m) for m in items]
        assert len(ids) == 57 and len(set(ids)) == 57
        assert len(items) == 57
        assert [ident(m) for m in items[12:15]] == ids[12:15]
        with running(format="km") as reference:
            expected = [m.data["id"] for m in hyperkm.connect(
                reference.root_url, token=reference.token).follow("events").items()]
        assert ids == expected  # same members, same order, whatever the format


@pytest.mark.parametrize("fmt", FORMATS)
def test_bookmarks_survive_the_layout_switch(fmt):
    with running(format=fmt) as demo:
        root = hyperkm.connect(demo.root_url, token=demo.token)
        product = next(p for p in root.follow("products").items()
                       if ident(p) == PRODUCT_SAAS)
        event = product.follow("events").items()[25]
        # ActivityStreams keeps "id" for the IRI: the API's own id is "kmId" there
        key = "kmId" if fmt == "activitystreams" else "id"
        marks = [product.follow("events").bookmark(member_key=key),
                 event.bookmark(member_key=key)]
        expected = [None, state(event)]
        demo.switch_layout("alt", mode="404")
        for mark, data in zip(marks, expected, strict=False):
            opened = hyperkm.open(mark, token=demo.token, root=demo.root_url)
            assert "/api/v9/" in opened.url
            if data is not None:
                assert state(opened) == data
            else:
                assert len(opened.items()) == 45


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f != "array"])
@pytest.mark.parametrize("hrefs", ["absolute", "relative"])
def test_report_run_poll_results(fmt, hrefs):
    with running(format=fmt, job_polls=1, result_rows=30, hrefs=hrefs) as demo:
        root = hyperkm.connect(demo.root_url, token=demo.token)
        report = root.follow("report", id=REPORT_PEOPLE)
        job = report.follow("run").post({"start_date": "2015-06-02", "end_date": "2015-06-09"})
        results = job.wait(interval=0.01)
        rows = list(results.items())
        assert len(rows) == 30


@pytest.mark.parametrize("fmt", FORMATS)
def test_cli_get_all(fmt, capsys):
    with running(format=fmt) as demo:
        code = main(["get", demo.root_url, "--token", demo.token, "events", "--all",
                     "--format", "json"])
        out = capsys.readouterr().out.splitlines()
        assert code == 0 and len(out) == 57
        assert all("id" in json.loads(line) or "kmId" in json.loads(line) for line in out)


def test_content_negotiation():
    others = tuple(f for f in FORMATS if f not in ("km", "array"))
    with running(format="km", formats=others) as demo:
        auth = {"Authorization": f"Bearer {demo.token}"}
        for fmt in others:
            response = requests.get(demo.root_url, timeout=5,
                                    headers={**auth, "Accept": MEDIA_TYPES[fmt]})
            assert response.headers["Content-Type"].startswith(MEDIA_TYPES[fmt])
            assert "Accept" in response.headers["Vary"]
        plain = requests.get(demo.root_url, timeout=5,
                             headers={**auth, "Accept": "application/json"})
        assert "links" in plain.json() and isinstance(plain.json()["links"], list)
        # hyperkm itself reads whichever the server chose
        root = hyperkm.connect(demo.root_url, token=demo.token)
        assert root.document.format == "hal"
        events = root.follow("events")
        assert len(list(events.items())) == 57


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_servers_own_error_message_in_every_format(fmt):
    with running(format=fmt) as demo:
        root = hyperkm.connect(demo.root_url, token=demo.token)
        with pytest.raises(hyperkm.NotFound) as info:
            _ = root.follow("event", id="no-such-event").data
        if fmt != "html":
            assert "No event no-such-event is visible" in info.value.server_message
        assert info.value.status == 404
