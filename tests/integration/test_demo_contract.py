"""The emulator against the reference pages: shapes, statuses, ETags, auth, jobs, variants.

These use plain `requests`, so they test the server, not hyperkm's client.
"""

import csv
import io
import json
import random
import threading

import pytest
import requests

import hyperkm
from hyperkm.demo import DemoConfig, running
from hyperkm.demo.dataset import (
    ACCOUNT_A,
    ACCOUNT_B,
    PRODUCT_OTHER,
    PRODUCT_SAAS,
    PRODUCT_SITE,
    REPORT_PEOPLE,
)

FIXTURE_DIR = __import__("pathlib").Path(__file__).parent.parent / "fixtures"


def fixture(name):
    return json.loads((FIXTURE_DIR / f"{name}.json").read_text())


class Api:
    def __init__(self, demo, token=None):
        self.demo = demo
        self.session = requests.Session()
        self.session.headers.update({"Authorization": f"Bearer {token or demo.token}",
                                     "Accept": "application/json"})

    def url(self, path):
        return self.demo.base_url + path

    def get(self, path, **kw):
        return self.session.get(path if path.startswith("http") else self.url(path), **kw)

    def request(self, method, path, **kw):
        return self.session.request(method, path if path.startswith("http") else self.url(path),
                                    **kw)


@pytest.fixture
def api(demo):
    return Api(demo)


def rels(obj):
    return [link["rel"] for link in obj["links"]]


# -- shapes --------------------------------------------------------------------------------------

def test_root_directory(api):
    r = api.get("/core")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/json")
    body = r.json()
    ref = fixture("core_root_directory")
    assert set(body) == set(ref) == {"links", "data"}
    assert body["data"]["name"] == ref["data"]["name"]
    assert body["data"]["description"] == ref["data"]["description"]
    directory = {x["rel"]: x for x in body["data"]["links"]}
    for rel in ("self", "accounts", "products", "reports", "events", "properties", "metrics",
                "rels"):
        assert rel in directory, rel
    for rel in ("account", "product", "report", "event", "property", "metric"):
        assert directory[rel]["templated"] is True
        assert directory[rel]["href"].endswith("/{id}")
    assert directory["events"]["href"].endswith("/core/events{?limit,offset}")
    assert rels(body) == ["self"]
    for link in body["data"]["links"]:
        assert set(link) == {"templated", "href", "rel", "name"}


@pytest.mark.parametrize("path,ref,expected_rels", [
    (f"/core/accounts/{ACCOUNT_A}", "core_account_detail", ["self", "products"]),
    (f"/core/products/{PRODUCT_SAAS}", "core_product_detail",
     ["self", "account", "reports", "events", "properties", "metrics"]),
    (f"/core/reports/{REPORT_PEOPLE}", "core_report_detail",
     ["self", "run", "product", "account", "queries"]),  # queries: an emulator extension
    ("/core/events/d71bf5f0-3de7-0131-aa07-1231392acb4b", "core_event_detail",
     ["self", "product"]),
    ("/core/properties/6234e85e-2941-11e4-a20e-12313932e372", "core_property_detail",
     ["self", "product"]),
])
def test_item_shapes_match_the_reference(api, path, ref, expected_rels):
    body = api.get(path).json()
    reference = fixture(ref)
    assert set(body) == set(reference), "exactly the reference's fields"
    assert rels(body) == expected_rels
    assert body["id"] == reference["id"]
    # The page spells the account and product "My Saas ..." in their detail examples but
    # "My SaaS ..." in the lists; the emulator keeps the lists' spelling.
    if ref not in ("core_product_detail", "core_account_detail"):
        assert body["name"] == reference["name"]


@pytest.mark.parametrize("path,ref", [("/core/accounts", "core_accounts_list"),
                                      ("/core/products", "core_products_list"),
                                      ("/core/reports", "core_reports_list"),
                                      ("/core/events", "core_events_list"),
                                      ("/core/properties", "core_properties_list")])
def test_lists_are_envelopes_of_reference_shaped_items(api, path, ref):
    body = api.get(path).json()
    assert set(body) == {"links", "pagination", "data"}
    assert set(body["pagination"]) == {"total", "offset", "limit"}
    reference = fixture(ref)[0]
    assert all(set(item) == set(reference) for item in body["data"])
    ids = [item["id"] for item in body["data"]]
    if ref != "core_accounts_list":
        assert len(ids) == len(set(ids))
    # the reference's own record is there
    total = body["pagination"]["total"]
    everything = api.get(path, params={"limit": 100}).json()["data"]
    assert len(everything) == min(total, 100)
    assert reference["id"] in {item["id"] for item in everything}
    extensions = {"core_products_list": {"metrics"}, "core_reports_list": {"queries"}}
    assert {i["rel"] for i in everything[0]["links"]} == {x["rel"] for x in reference["links"]} \
        | extensions.get(ref, set())


def test_pagination_links_and_limits(api):
    body = api.get(f"/core/products/{PRODUCT_SAAS}/events").json()
    assert body["pagination"] == {"total": 45, "offset": 0, "limit": 20}
    links = {x["rel"]: x["href"] for x in body["links"]}
    assert set(links) >= {"self", "first", "last", "next"} and "prev" not in links
    assert links["next"].endswith("?limit=20&offset=20")
    assert links["last"].endswith("?limit=20&offset=40")
    page3 = api.get(links["last"]).json()
    assert len(page3["data"]) == 5 and "next" not in rels(page3) and "prev" in rels(page3)
    assert api.get("/core/events", params={"limit": 100}).json()["pagination"]["limit"] == 100
    beyond = api.get("/core/events", params={"offset": 10_000}).json()
    assert beyond["data"] == [] and beyond["pagination"]["total"] == 57


@pytest.mark.parametrize("params,message", [({"limit": "abc"}, ":limit must be an integer"),
                                            ({"limit": 0}, ":limit"), ({"limit": 101}, ":limit"),
                                            ({"offset": "x"}, ":offset must be an integer"),
                                            ({"offset": -1}, ":offset")])
def test_bad_paging_parameters_are_400_with_the_v2_error_body(api, params, message):
    r = api.get("/core/events", params=params)
    assert r.status_code == 400
    body = r.json()
    assert body["links"] == [] and body["meta"]["status"] == 400
    assert message in body["meta"]["message"] and body["meta"]["errors"] == ["invalid_parameter"]


def test_link_header_mirrors_the_body(api):
    # RFC 8288: a Link target is a URI, never a template; templates go in Link-Template
    # (RFC 9652), so a standard client that follows the header never gets a 404.
    r = api.get(f"/core/products/{PRODUCT_SAAS}/events")
    header, templates = r.headers["Link"], r.headers.get("Link-Template", "")
    assert "{" not in header and "templated" not in header
    for link in r.json()["links"]:
        if link["templated"]:
            assert f'"{link["href"]}"; rel="{link["rel"]}"' in templates
        else:
            assert f'<{link["href"]}>; rel="{link["rel"]}"' in header


@pytest.mark.parametrize("fmt", ["km", "hal", "siren", "jsonapi", "collection+json", "html"])
def test_headers_carry_the_bodys_links_with_the_same_rels_in_every_format(fmt):
    from hyperkm.formats import parse_link_header, parse_link_template

    with running(format=fmt) as demo:
        root = hyperkm.connect(demo.root_url, token=demo.token)
        body = root.document.links
        headers = root.headers
        in_link = parse_link_header(headers["Link"], root.url)
        in_template = parse_link_template(headers.get("Link-Template", ""), root.url)
        assert in_link and in_template
        assert all(not link.templated and "{" not in link.href for link in in_link)
        for link in [*in_link, *in_template]:
            # the same relation as the body's (HAL's km: CURIE expands to the header's URI)
            assert any(b.href == link.href for b in body.all(link.rel)), (link.rel, link.href)


def test_rel_registry(api):
    body = api.get("/core/rels").json()
    names = {r["name"] for r in body["data"]["rels"]}
    assert {"accounts", "events", "run", "query-status", "query-results", "export"} <= names
    assert body["data"]["title"] and body["data"]["description"]


def test_product_scoped_and_account_scoped_collections(api):
    site = api.get(f"/core/products/{PRODUCT_SITE}/reports").json()
    assert {r["id"] for r in site["data"]} == {REPORT_PEOPLE}
    products = api.get(f"/core/accounts/{ACCOUNT_A}/products").json()
    assert {p["id"] for p in products["data"]} == {PRODUCT_SAAS, PRODUCT_SITE}
    metrics = api.get(f"/core/products/{PRODUCT_SAAS}/metrics").json()
    assert metrics["pagination"]["total"] == 3
    props = api.get(f"/core/products/{PRODUCT_SITE}/properties").json()
    assert "6234e85e-2941-11e4-a20e-12313932e372" in {p["id"] for p in props["data"]}


def test_generated_items_resolve_by_id(api):
    page = api.get(f"/core/products/{PRODUCT_SAAS}/events", params={"offset": 40}).json()
    for item in page["data"]:
        detail = api.get(f"/core/events/{item['id']}")
        assert detail.status_code == 200 and detail.json()["id"] == item["id"]
    assert api.get("/core/events/00000000-0000-0000-0000-000000000000").status_code == 404
    assert api.get("/core/events/not-a-uuid").status_code == 404


# -- auth -------------------------------------------------------------------------------------

def test_401_without_or_with_a_wrong_token(demo):
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic abc"}):
        r = requests.get(demo.root_url, headers=headers)
        assert r.status_code == 401
        assert r.headers["WWW-Authenticate"].startswith("Bearer")
        assert r.json()["meta"]["status"] == 401


def test_tokens_see_only_their_account(demo):
    a, b = Api(demo, "demo-token"), Api(demo, "demo-token-other")
    assert [x["id"] for x in a.get("/core/accounts").json()["data"]] == [ACCOUNT_A]
    assert [x["id"] for x in b.get("/core/accounts").json()["data"]] == [ACCOUNT_B]
    assert {p["id"] for p in b.get("/core/products").json()["data"]} == {PRODUCT_OTHER}
    for path in (f"/core/accounts/{ACCOUNT_A}", f"/core/products/{PRODUCT_SAAS}",
                 f"/core/reports/{REPORT_PEOPLE}", f"/core/products/{PRODUCT_SAAS}/events",
                 "/core/events/d71bf5f0-3de7-0131-aa07-1231392acb4b"):
        assert b.get(path).status_code == 404, path
        assert a.get(path).status_code == 200, path
    assert a.get(f"/core/products/{PRODUCT_OTHER}").status_code == 404
    assert b.get("/core/events").json()["pagination"]["total"] == 7


# -- HTTP semantics --------------------------------------------------------------------------

def test_unknown_path_404_and_wrong_method_405_with_json(api):
    r = api.get("/nope")
    assert r.status_code == 404 and r.json()["meta"]["errors"] == ["not_found"]
    r = api.request("DELETE", "/core/accounts")
    assert r.status_code == 405 and "GET" in r.headers["Allow"]
    assert r.json()["meta"]["status"] == 405
    r = api.get(f"/query/reports/{REPORT_PEOPLE}/run")
    assert r.status_code == 405 and r.headers["Allow"] == "POST"


def test_406_when_json_is_not_acceptable(api):
    assert api.get("/core", headers={"Accept": "text/html"}).status_code == 406
    assert api.get("/core", headers={"Accept": "application/hal+json"}).status_code == 200
    assert api.get("/core", headers={"Accept": "*/*"}).status_code == 200


def test_every_header_is_sent_once_and_the_connection_kept(demo):
    # requests folds repeated headers into one ("a, a"): read the raw head off the socket.
    import socket

    host, port = demo.base_url.split("//")[1].split("/")[0].rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=5) as conn:
        for _ in range(2):  # the same connection answers twice
            conn.sendall(f"GET /core HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: "
                         f"Bearer {demo.token}\r\nAccept: application/json\r\n\r\n".encode())
            head = b""
            while b"\r\n\r\n" not in head:
                head += conn.recv(65536)
            head, _, body = head.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            assert lines[0].startswith("HTTP/1.1 200")
            names = [line.split(":", 1)[0].lower() for line in lines[1:]]
            assert sorted(names) == sorted(set(names)), names
            assert {"date", "server", "etag", "content-length"} <= set(names)
            length = int(next(line.split(":", 1)[1] for line in lines[1:]
                              if line.lower().startswith("content-length")))
            while len(body) < length:
                body += conn.recv(65536)


def test_etags_and_304(api):
    r = api.get("/core/accounts")
    etag = r.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert r.headers["Cache-Control"] == "private, max-age=0, must-revalidate"
    again = api.get("/core/accounts", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    since = api.get("/core/accounts", headers={"If-Modified-Since": r.headers["Last-Modified"]})
    assert since.status_code == 304
    assert api.get("/core/accounts", headers={"If-None-Match": '"other"'}).status_code == 200
    stats = api.demo.stats.snapshot()
    assert stats["not_modified"] == 2 and stats["conditional"] == 3


def test_max_age_is_configurable():
    with running(max_age=60) as demo:
        r = Api(demo).get("/core")
        assert r.headers["Cache-Control"] == "private, max-age=60, must-revalidate"


def test_patch_with_if_match(api):
    path = f"/core/products/{PRODUCT_SAAS}/events"
    event_url = api.get(path).json()["data"][0]["links"][0]["href"]
    first = api.get(event_url)
    etag = first.headers["ETag"]
    body = {"display_name": "Renamed", "is_visible": False}
    r = api.request("PATCH", event_url, json=body, headers={"If-Match": etag})
    assert r.status_code == 200 and r.json()["display_name"] == "Renamed"
    assert r.headers["ETag"] != etag
    stale = api.request("PATCH", event_url, json={"description": "x"}, headers={"If-Match": etag})
    assert stale.status_code == 412 and stale.json()["meta"]["errors"] == ["precondition_failed"]
    assert api.get(event_url).json()["description"] is None
    # the change is visible in the list too
    assert api.get(path).json()["data"][0]["display_name"] == "Renamed"


def test_kept_answers_never_outlive_a_write_a_token_or_a_format(demo):
    """The emulator keeps rendered GET answers; nothing it keeps may be served stale."""
    demo.app.config.tokens["kept-token"] = demo.app.config.tokens["demo-token"]
    api = Api(demo, "kept-token")
    path = f"/core/products/{PRODUCT_SAAS}/events"
    first, again = api.get(path), api.get(path)
    assert again.status_code == 200 and again.content == first.content
    etag = first.headers["ETag"]
    assert api.get(path, headers={"If-None-Match": etag}).status_code == 304
    head = api.request("HEAD", path)
    assert head.status_code == 200 and head.content == b"" and head.headers["ETag"] == etag
    # a write anywhere: the next answer is rebuilt
    event_url = first.json()["data"][0]["links"][0]["href"]
    r = api.request("PATCH", event_url, json={"display_name": "Kept?"},
                    headers={"If-Match": api.get(event_url).headers["ETag"]})
    assert r.status_code == 200
    after = api.get(path)
    assert after.headers["ETag"] != etag
    assert after.json()["data"][0]["display_name"] == "Kept?"
    assert api.get(path, headers={"If-None-Match": etag}).status_code == 200
    # a token taken away is refused at once, though its answer was kept
    del demo.app.config.tokens["kept-token"]
    assert api.get(path).status_code == 401


def test_kept_answers_are_kept_per_format():
    with running(format="km", formats=("hal",)) as demo:
        api = Api(demo)
        path = f"/core/products/{PRODUCT_SAAS}/events"
        km = [api.get(path).content for _ in range(2)]
        hal = [api.get(path, headers={"Accept": "application/hal+json"}) for _ in range(2)]
        assert km[0] == km[1] and hal[0].content == hal[1].content
        assert "_links" in hal[1].json() and "_links" not in json.loads(km[1])
        assert hal[1].headers["Content-Type"].startswith("application/hal+json")


@pytest.mark.parametrize("kwargs,status", [
    ({"data": "display_name=x", "headers": {"Content-Type": "text/plain"}}, 415),
    ({"data": b"{oops", "headers": {"Content-Type": "application/json"}}, 400),
    ({"json": []}, 400), ({"json": {}}, 400), ({"json": {"name": "x"}}, 400),
    ({"json": {"is_visible": "yes"}}, 400),
])
def test_patch_rejects_bad_bodies(api, kwargs, status):
    r = api.request("PATCH", f"/core/products/{PRODUCT_SAAS}", **kwargs)
    assert r.status_code == status and r.json()["meta"]["status"] == status


# -- report runs ---------------------------------------------------------------------------------

def test_run_poll_results_export(api):
    run_url = api.get(f"/core/reports/{REPORT_PEOPLE}").json()["links"][1]["href"]
    r = api.request("POST", run_url, json={"start_date": "2015-06-02T20:00:00-04:00",
                                           "end_date": "2015-06-09T19:59:59-04:00"})
    assert r.status_code == 202
    body = r.json()
    assert body["meta"] == {"status": 202} and body["data"]["message"] == "success"
    assert rels(body) == ["query-status"]
    status_url = r.headers["Location"]
    assert body["links"][0]["href"] == status_url
    progress = []
    while True:
        s = api.get(status_url)
        if s.status_code == 201:
            break
        assert s.status_code == 200 and s.json()["data"]["completed"] is False
        progress.append(s.json()["data"]["progress"])
    assert progress == sorted(progress) and len(progress) == 2 and all(0 < p < 1 for p in progress)
    done = s.json()
    assert done["data"] == {"completed": True, "progress": 1.0}
    assert rels(done) == ["self", "query-results"]
    results_url = s.headers["Location"]
    rows = []
    url = results_url
    while url:
        page = api.get(url).json()
        assert [c["display_name"] for c in page["columns"]] == ["KMID", "Person", "Visited Site"]
        rows += page["data"]
        url = next((x["href"] for x in page["links"] if x["rel"] == "next"), None)
    assert len(rows) == page["pagination"]["total"] == 137
    export = api.get(next(x["href"] for x in page["links"] if x["rel"] == "export"))
    assert export.headers["Content-Type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(export.text)))
    assert table[0] == ["KMID", "Person", "Visited Site"] and len(table) == 138
    assert [int(v) for v in table[1][:1]] == [rows[0][0]]


def test_run_accepts_the_v1_body_shape_with_unix_seconds(api):
    r = api.request("POST", f"/query/reports/{REPORT_PEOPLE}/run",
                    json={"report": {"start_date": 1388534400, "end_date": 1391212800}})
    assert r.status_code == 202


@pytest.mark.parametrize("kwargs,status,fragment", [
    ({"json": {"start_date": "2015-06-02"}}, 400, "end_date"),
    ({"json": {"start_date": "yesterday", "end_date": "2015-06-09"}}, 400, "ISO 8601"),
    ({"json": {"start_date": "2015-06-09", "end_date": "2015-06-02"}}, 400, "after"),
    ({"json": ["x"]}, 400, "JSON object"),
    ({"data": b"not json", "headers": {"Content-Type": "application/json"}}, 400, "valid JSON"),
    ({"data": b'{"start_date":1,"end_date":2}', "headers": {"Content-Type": "text/plain"}}, 415,
     "Content-Type"),
    ({"data": b'{"start_date":1,"end_date":2}'}, 415, "Content-Type"),
])
def test_run_rejects_bad_requests(api, kwargs, status, fragment):
    r = api.request("POST", f"/query/reports/{REPORT_PEOPLE}/run", **kwargs)
    assert r.status_code == status
    assert fragment in r.json()["meta"]["message"]


def test_only_people_search_reports_run(api):
    reports = api.get("/core/reports").json()["data"]
    funnel = next(r for r in reports if r["report_type"] == "funnel")
    run = next(x["href"] for x in funnel["links"] if x["rel"] == "run")
    r = api.request("POST", run, json={"start_date": "2015-06-02", "end_date": "2015-06-09"})
    assert r.status_code == 422
    assert "only people_search_v2" in r.json()["meta"]["message"]


def test_job_completes_after_seconds_too():
    with running(job_polls=1000, job_seconds=0.0) as demo:
        api = Api(demo)
        r = api.request("POST", f"/query/reports/{REPORT_PEOPLE}/run",
                        json={"start_date": "2015-06-02", "end_date": "2015-06-09"})
        assert api.get(r.headers["Location"]).status_code == 201


def test_jobs_are_private_to_their_account(demo):
    a, b = Api(demo, "demo-token"), Api(demo, "demo-token-other")
    r = a.request("POST", f"/query/reports/{REPORT_PEOPLE}/run",
                  json={"start_date": "2015-06-02", "end_date": "2015-06-09"})
    assert b.get(r.headers["Location"]).status_code == 404


# -- variants ---------------------------------------------------------------------------------

def test_hal_format():
    with running(format="hal") as demo:
        api = Api(demo)
        r = api.get("/core/products")
        assert r.headers["Content-Type"].startswith("application/hal+json")
        body = r.json()
        assert body["_links"]["curies"][0]["name"] == "km"
        assert body["_links"]["curies"][0]["templated"] is True
        assert "km:product" in body["_links"] and body["_links"]["km:product"]["templated"]
        items = body["_embedded"]["item"]
        assert {i["id"] for i in items} == {PRODUCT_SAAS, PRODUCT_SITE}
        assert "km:events" in items[0]["_links"] and "self" in items[0]["_links"]
        assert body["total"] == 2
        root = api.get("/core").json()
        assert "km:accounts" in root["_links"] and root["name"] == "KISSmetrics API"


def test_array_format_pages_with_link_headers():
    with running(format="array") as demo:
        r = Api(demo).get(f"/core/products/{PRODUCT_SAAS}/events")
        assert isinstance(r.json(), list) and len(r.json()) == 20
        assert r.links["next"]["url"].endswith("offset=20")


@pytest.mark.parametrize("mode", ["404", "301"])
def test_layout_switch_while_running(mode):
    with running() as demo:
        api = Api(demo)
        old = api.get(f"/core/products/{PRODUCT_SAAS}/events?limit=5")
        assert old.status_code == 200
        demo.switch_layout("alt", mode=mode)
        assert demo.root_url.endswith("/api/v9/directory")
        r = api.get(f"/core/products/{PRODUCT_SAAS}/events?limit=5", allow_redirects=False)
        if mode == "404":
            assert r.status_code == 404
        else:
            assert r.status_code == 301
            assert r.headers["Location"].endswith(
                f"/api/v9/apps/{PRODUCT_SAAS}/event-library?limit=5")
            followed = api.get(r.headers["Location"]).json()
            assert [e["id"] for e in followed["data"]] == [e["id"] for e in old.json()["data"]]
        assert api.get(demo.root_url).status_code == 200
        assert api.get("/core").status_code == (404 if mode == "404" else 200)


def test_tls_and_plain_http_301(tmp_path):
    trustme = pytest.importorskip("trustme")
    import ssl

    ca = trustme.CA()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    with running(tls=context) as demo:
        r = requests.get(demo.http_url + "?x=1", allow_redirects=False)
        assert r.status_code == 301 and r.headers["Location"] == demo.root_url + "?x=1"
        ok = requests.get(demo.root_url, verify=str(bundle),
                          headers={"Authorization": f"Bearer {demo.token}"})
        assert ok.status_code == 200 and ok.json()["links"][0]["href"].startswith("https://")


# -- faults ----------------------------------------------------------------------------------------

def test_forced_503_with_retry_after_and_drops(api):
    api.demo.app.fail_next(1, retry_after=7)
    r = api.get("/core")
    assert r.status_code == 503 and r.headers["Retry-After"] == "7"
    assert r.json()["meta"]["errors"] == ["unavailable"]
    api.demo.app.drop_next(1)
    with pytest.raises(requests.ConnectionError):
        api.get("/core")
    assert api.get("/core").status_code == 200
    stats = api.demo.stats.snapshot()
    assert stats["faults"] == 1 and stats["drops"] == 1


def test_fail_rate_and_latency():
    with running(fail_rate=0.5, seed=3, latency_ms=5) as demo:
        api = Api(demo)
        statuses = [api.get("/core").status_code for _ in range(40)]
        assert set(statuses) == {200, 503}
        assert 5 <= statuses.count(503) <= 35


def test_config_rejects_nonsense():
    for kwargs in ({"format": "xml"}, {"layout": "x"}, {"fail_rate": 2}, {"events": -1}):
        with pytest.raises(ValueError):
            DemoConfig(**kwargs)


# -- size, load and robustness --------------------------------------------------------------------

def test_hundred_thousand_events():
    with running(events=100_000) as demo:
        api = Api(demo)
        first = api.get(f"/core/products/{PRODUCT_SAAS}/events").json()
        assert first["pagination"]["total"] == 100_000
        last = api.get(next(x["href"] for x in first["links"] if x["rel"] == "last")).json()
        assert len(last["data"]) == 20
        deep = last["data"][-1]
        assert api.get(f"/core/events/{deep['id']}").json() == deep


def test_load_8_clients_x_500_requests_consistent_etags(demo):
    paths = ["/core", "/core/accounts", "/core/products", f"/core/products/{PRODUCT_SAAS}/events",
             f"/core/products/{PRODUCT_SAAS}", "/core/events?limit=50&offset=20", "/core/rels"]
    etags = {}
    errors = []
    lock = threading.Lock()

    def client(n):
        api = Api(demo)
        rng = random.Random(n)
        for _ in range(500):
            path = rng.choice(paths)
            r = api.get(path)
            with lock:
                if r.status_code != 200:
                    errors.append((path, r.status_code))
                etags.setdefault(path, set()).add(r.headers.get("ETag"))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    assert all(len(tags) == 1 and None not in tags for tags in etags.values())
    assert demo.stats.snapshot()["requests"] == 4000


@pytest.mark.parametrize("seed", range(3))
def test_malformed_requests_never_500(api, seed):
    rng = random.Random(seed)
    junk = ["", "-1", "1e3", "99999999999999999999", "%00", "null", "[]", "ü", "1;DROP", " 5"]
    paths = ["/core/events", f"/core/products/{PRODUCT_SAAS}/events", "/core/accounts/%00",
             "/core/events/" + "x" * 300, "/core//events", "/core/reports/../accounts"]
    for _ in range(40):
        params = {rng.choice(["limit", "offset", "x"]): rng.choice(junk)}
        r = api.get(rng.choice(paths), params=params)
        assert r.status_code < 500, (r.url, r.status_code)
        assert r.headers["Content-Type"].startswith("application/json")
    bodies = [b"", b"{", b"[]", b"null", b'{"start_date": []}', b'{"start_date": 1e400}',
              b'{"report": 5}', b'{"start_date": 99999999999999, "end_date": 1}', b"\xff\xfe"]
    for body in bodies:
        for target in (f"/query/reports/{REPORT_PEOPLE}/run", f"/core/events/{PRODUCT_SAAS}",
                       f"/core/products/{PRODUCT_SAAS}"):
            method = "POST" if target.endswith("/run") else "PATCH"
            r = api.request(method, target, data=body,
                            headers={"Content-Type": "application/json"})
            assert r.status_code < 500, (target, body, r.status_code, r.text)
