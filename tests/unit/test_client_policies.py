"""The client's policies, without a socket: every request goes to a MockTransport (and a test
that opened one would fail — see the ``no_sockets`` fixture). Credential scoping, redirects,
retries, the cache, limits and error mapping run exactly as they do over the network; the
integration and hostile suites test the same policies over real sockets."""

from __future__ import annotations

import io
import json
import socket
from email.utils import formatdate

import pytest

import hyperkm
from hyperkm.testing import MockTransport, Request, Response, UnmatchedRequest

API = "https://api.example.test"
HAL = "application/hal+json"


@pytest.fixture(autouse=True)
def no_sockets(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a socket was opened under a mock transport")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def hal(links: dict, **state) -> Response:
    return Response.of_json({"_links": {rel: {"href": href} for rel, href in links.items()},
                             **state}, content_type=HAL)


def auth_of(request: Request) -> str | None:
    return request.header("Authorization")


def test_the_token_goes_to_the_roots_origin_only():
    mock = MockTransport()
    mock.get(f"{API}/", hal({"mine": "/mine", "theirs": "https://cdn.example.test/x"}))
    mock.get(f"{API}/mine", hal({}, name="mine"))
    mock.get("https://cdn.example.test/x", hal({}, name="theirs"))
    root = hyperkm.connect(f"{API}/", token="secret", transport=mock)
    assert root.follow("mine").data["name"] == "mine"
    assert root.follow("theirs").data["name"] == "theirs"
    sent = {r.url: auth_of(r) for r in mock.requests}
    assert sent == {f"{API}/": "Bearer secret", f"{API}/mine": "Bearer secret",
                    "https://cdn.example.test/x": None}


def test_no_token_over_plain_http_to_a_host_that_is_not_loopback():
    mock = MockTransport()
    mock.get("http://api.example.test/", hal({}, name="root"))
    root = hyperkm.connect("http://api.example.test/", token="secret", transport=mock)
    assert root.data["name"] == "root"
    assert auth_of(mock.requests[0]) is None
    assert root.client.token_withheld("http://api.example.test/") is not None


def test_a_redirect_to_another_origin_drops_the_token_and_an_https_upgrade_keeps_it():
    mock = MockTransport()
    mock.get("http://api.example.test/", Response(301, {"Location": f"{API}/"}))
    mock.get(f"{API}/", hal({"away": "/away"}))
    mock.get(f"{API}/away", Response(302, {"Location": "https://elsewhere.test/x"}))
    mock.get("https://elsewhere.test/x", hal({}, name="elsewhere"))
    root = hyperkm.connect("http://api.example.test/", token="secret", transport=mock)
    assert root.follow("away").data["name"] == "elsewhere"
    sent = [(r.url, auth_of(r)) for r in mock.requests]
    assert sent == [("http://api.example.test/", None),  # plain HTTP, not loopback
                    (f"{API}/", "Bearer secret"),  # the HTTPS upgrade of the same host
                    (f"{API}/away", "Bearer secret"),
                    ("https://elsewhere.test/x", None)]


def test_credential_headers_of_the_callers_are_scoped_like_the_token():
    mock = MockTransport()
    mock.get(f"{API}/", hal({"theirs": "https://cdn.example.test/x"}))
    mock.get("https://cdn.example.test/x", hal({}))
    root = hyperkm.connect(f"{API}/", transport=mock, headers={"X-Api-Key": "k"})
    _ = root.follow("theirs").data
    assert [r.header("X-Api-Key") for r in mock.requests] == ["k", None]


def test_a_get_answered_503_is_retried_after_retry_after_and_a_post_never():
    mock = MockTransport()
    busy = Response(503, {"Retry-After": "0"})
    route = mock.get(f"{API}/", [busy, busy, hal({}, name="root")])
    post = mock.post(f"{API}/", busy)
    root = hyperkm.connect(f"{API}/", token="t", transport=mock)
    assert root.data["name"] == "root"
    assert len(route.calls) == 3
    with pytest.raises(hyperkm.ServerError) as caught:
        root.post({"a": 1})
    assert len(post.calls) == 1
    assert caught.value.status == 503


def test_a_dropped_connection_is_retried_then_reported():
    mock = MockTransport()
    attempts = []

    def drop(request):
        attempts.append(request)
        raise ConnectionResetError("peer went away")

    mock.get(f"{API}/", drop)
    with pytest.raises(hyperkm.TransportError) as caught:
        _ = hyperkm.connect(f"{API}/", transport=mock, retries=2).data
    assert len(attempts) == 3  # the first try and two retries
    assert API in str(caught.value)


def test_etags_are_revalidated_and_a_fresh_copy_is_served_without_a_request():
    mock = MockTransport()

    def etagged(request):
        if request.header("If-None-Match") == '"v1"':
            return Response(304, {"ETag": '"v1"'})
        return Response(200, {"ETag": '"v1"', "Cache-Control": "private, no-cache",
                              "Content-Type": HAL}, json.dumps({"name": "root"}).encode())

    mock.get(f"{API}/", etagged)
    # Freshness is counted from Date, which a real server sends (RFC 9110 §6.6.1); a mock
    # says it too.
    now = formatdate(usegmt=True)
    mock.get(f"{API}/fresh", Response.of_json({"n": 1}, headers={"Cache-Control": "max-age=60",
                                                                 "Date": now}))
    root = hyperkm.connect(f"{API}/", transport=mock)
    outcomes = []
    root.client.on_exchange.append(lambda e: outcomes.append(e.outcome))
    assert root.data == {"name": "root"}
    assert root.refresh().data == {"name": "root"}
    assert [r.header("If-None-Match") for r in mock.requests] == [None, '"v1"']
    assert root.client.resource(f"{API}/fresh").data == {"n": 1}
    assert root.client.resource(f"{API}/fresh").data == {"n": 1}  # fresh: from the cache
    assert outcomes == ["network", "revalidated", "network", "hit"]
    assert len(mock.requests) == 3


def _hung_on(response) -> list[str]:
    """Attributes of hyperkm's hung on a library's response object (there must be none)."""
    return [name for name in vars(response) if "hyperkm" in name]


def test_how_an_answer_came_is_hyperkms_own_record_not_attributes_on_the_response():
    mock = MockTransport()
    etag = {"ETag": '"v1"', "Cache-Control": "private, no-cache"}
    mock.get(f"{API}/", lambda r: Response(304, etag) if r.header("If-None-Match") else
             Response.of_json({"_links": {"old": {"href": "/old"}}}, headers=etag,
                              content_type=HAL))
    mock.get(f"{API}/old", Response(301, {"Location": "/moved"}))
    mock.get(f"{API}/moved", Response(308, {"Location": "/new"}))
    mock.get(f"{API}/new", Response.of_json({"here": True}))
    root = hyperkm.connect(f"{API}/", token="t", transport=mock)
    assert root.link("old").href == f"{API}/old"  # (fetched)
    assert root.received.outcome == "network" and root.received.token_sent
    assert root.received.redirects == () and root.received.wire_status == 200
    root.refresh()
    assert root.received.outcome == "revalidated" and root.received.wire_status == 304
    assert root.received.response is root.response and root.response.status_code == 200
    moved = root.follow("old")
    assert moved.data == {"here": True}
    assert moved.received.redirects == ((301, f"{API}/old"), (308, f"{API}/moved"))
    assert moved.received.moved_permanently and not moved.received.see_other
    for resource in (root, moved):
        assert _hung_on(resource.response) == []
        with pytest.raises(AttributeError):
            resource.received.outcome = "hit"  # frozen


def test_a_body_over_the_limit_is_refused():
    mock = MockTransport()
    mock.get(f"{API}/", Response.of_json({"blob": "x" * 5000}))
    with pytest.raises(hyperkm.DocumentTooLarge):
        _ = hyperkm.connect(f"{API}/", transport=mock, max_document_bytes=1000).data


def test_errors_are_mapped_with_the_servers_words_and_advice():
    mock = MockTransport()
    mock.get(f"{API}/", hal({"gone": "/gone", "locked": "/locked"}))
    mock.get(f"{API}/gone", Response.of_json(
        {"type": "about:blank", "title": "No such order", "status": 404},
        status=404, content_type="application/problem+json"))
    mock.get(f"{API}/locked", Response(401, {"WWW-Authenticate": "Bearer"}))
    root = hyperkm.connect(f"{API}/", token="t", transport=mock)
    with pytest.raises(hyperkm.NotFound) as missing:
        _ = root.follow("gone").data
    assert "No such order" in str(missing.value)
    assert missing.value.problem is not None and missing.value.problem.title == "No such order"
    with pytest.raises(hyperkm.Unauthorized) as refused:
        _ = root.follow("locked").data
    assert "token" in str(refused.value)


def test_a_header_field_that_repeats_reaches_the_links():
    mock = MockTransport()
    mock.get(f"{API}/", Response(200, [("Content-Type", "application/json"),
                                       ("Link", f'<{API}/p2>; rel="next"'),
                                       ("Link", f'<{API}/p0>; rel="prev"')], b"{}"))
    root = hyperkm.connect(f"{API}/", transport=mock)
    assert {"next", "prev"} <= set(root.links.rels)


def test_middleware_sees_each_request_on_its_origin():
    mock = MockTransport()
    mock.get(f"{API}/", hal({}))
    root = hyperkm.connect(f"{API}/", transport=mock)
    root.client.use(lambda out: out.headers.__setitem__("X-Trace", "7"))
    _ = root.data
    assert mock.requests[0].header("X-Trace") == "7"


def test_a_request_no_route_answers_is_a_clear_error_and_never_the_network():
    mock = MockTransport()
    mock.get(f"{API}/", hal({"orders": "/orders"}))
    root = hyperkm.connect(f"{API}/", transport=mock)
    with pytest.raises(UnmatchedRequest) as caught:
        _ = root.follow("orders").data
    assert isinstance(caught.value, hyperkm.HyperkmError)
    assert f"GET {API}/orders" in str(caught.value)
    assert f"GET {API}/" in str(caught.value)  # what is declared


def test_routes_match_methods_queries_and_answer_in_turn():
    mock = MockTransport()
    any_query = mock.get(f"{API}/items", Response.of_json({"any": True}))
    one_query = mock.get(f"{API}/items?page=2", Response.of_json({"page": 2}))
    client = hyperkm.connect(f"{API}/", transport=mock, cache=False).client
    assert client.resource(f"{API}/items?page=2").data == {"page": 2}
    assert client.resource(f"{API}/items?page=9").data == {"any": True}
    assert (len(one_query.calls), len(any_query.calls)) == (1, 1)
    turns = mock.put(f"{API}/items/1", [Response(204), Response(412)])
    assert turns.method == "PUT" and not turns.called


def test_a_transport_that_is_no_transport_is_refused():
    with pytest.raises(hyperkm.ConfigurationError, match="handle"):
        hyperkm.connect(f"{API}/", transport=object())


def test_a_handler_must_answer_with_a_response():
    mock = MockTransport(handler=lambda request: {"not": "a response"})
    with pytest.raises(TypeError, match=r"hyperkm\.testing\.Response"):
        _ = hyperkm.connect(f"{API}/", transport=mock).data


def test_compressed_bodies_are_inflated_and_kept_for_revalidation(tmp_path):
    import gzip

    mock = MockTransport()

    def handler(request):
        if request.header("If-None-Match") == '"z"':
            return Response(304, {"ETag": '"z"'})
        return Response(200, {"Content-Type": "application/json", "Content-Encoding": "gzip",
                              "ETag": '"z"', "Cache-Control": "no-cache"},
                        gzip.compress(json.dumps({"name": "zipped"}).encode()))

    mock.get(f"{API}/", handler)
    for cache in (None, str(tmp_path / "cache")):  # in memory, and on disk
        options = {} if cache is None else {"cache": cache}
        root = hyperkm.connect(f"{API}/", transport=mock, **options)
        assert root.data == {"name": "zipped"}
        assert root.refresh().data == {"name": "zipped"}
    assert [r.header("If-None-Match") for r in mock.requests] == [None, '"z"', None, '"z"']


def test_writes_created_and_see_other_through_a_transport(tmp_path):
    mock = MockTransport()
    mock.get(f"{API}/", hal({"orders": "/orders"}))
    mock.post(f"{API}/orders", Response(201, {"Location": "/orders/9"}))
    mock.get(f"{API}/orders/9", Response.of_json({"id": 9}, headers={"ETag": '"a"'}))
    mock.put(f"{API}/orders/9", Response(303, {"Location": "/orders/9/receipt"}))
    mock.get(f"{API}/orders/9/receipt", Response.of_json({"ok": True}))
    mock.delete(f"{API}/orders/9", Response(204))
    root = hyperkm.connect(f"{API}/", token="t", transport=mock)
    order = root.follow("orders").post({"total": 3})
    assert order.url == f"{API}/orders/9" and order.data == {"id": 9}
    receipt = order.put({"id": 9, "total": 4})
    assert receipt.data == {"ok": True}
    assert receipt.received.see_other and _hung_on(receipt.response) == []
    assert order.url == f"{API}/orders/9"  # the receipt is not the order's new state
    order.delete()
    sent = [(r.method, r.url, r.header("If-Match")) for r in mock.requests]
    assert ("PUT", f"{API}/orders/9", '"a"') in sent  # the ETag it read
    assert ("GET", f"{API}/orders/9/receipt", None) in sent  # 303: the answer is a GET
    assert mock.requests[1].json() == {"total": 3}


def test_a_download_streams_through_a_transport(tmp_path):
    mock = MockTransport()
    mock.get(f"{API}/export.csv", body="a,b\n1,2\n", content_type="text/csv")
    resource = hyperkm.connect(f"{API}/", transport=mock).client.resource(f"{API}/export.csv")
    target = tmp_path / "out.csv"
    resource.download(target)
    assert target.read_text() == "a,b\n1,2\n"


def test_pages_fetched_in_parallel_through_a_transport():
    total, size = 95, 10
    mock = MockTransport()

    def page(request):
        query = dict(p.split("=") for p in request.url.split("?", 1)[1].split("&"))
        offset, limit = int(query["offset"]), int(query["limit"])
        members = [{"id": i} for i in range(offset, min(offset + limit, total))]
        following = offset + limit
        links = {"self": {"href": request.url}}
        if following < total:
            links["next"] = {"href": f"{API}/things?limit={limit}&offset={following}"}
        return Response.of_json({"_links": links, "_embedded": {"item": members},
                                 "total": total}, content_type=HAL)

    mock.get(f"{API}/", Response.of_json(
        {"_links": {"things": {"href": "/things{?limit,offset}", "templated": True}}},
        content_type=HAL))
    mock.get(f"{API}/things", page)
    root = hyperkm.connect(f"{API}/", transport=mock)
    notes = []
    root.client.on_note.append(notes.append)
    things = root.follow("things", limit=size, offset=0).items(concurrency=4)
    assert [t.data["id"] for t in things] == list(range(total))
    assert any("4 at a time" in n for n in notes), notes
    assert len({r.url for r in mock.requests}) == len(mock.requests)  # no page twice


def test_hyperkm_check_lints_an_api_behind_a_transport():
    mock = MockTransport()
    mock.get(f"{API}/", hal({"broken": "/nowhere"}))
    mock.get(f"{API}/nowhere", Response.of_json({"title": "no"}, status=404))
    mock.add("OPTIONS", f"{API}/", Response(204, {"Allow": "GET"}))
    mock.add("OPTIONS", f"{API}/nowhere", Response(404))
    report = hyperkm.connect(f"{API}/", transport=mock).client.check(max_requests=20)
    assert any(f.url == f"{API}/nowhere" for f in report.findings), report.text()


def test_a_cookie_a_transport_sets_goes_back_to_its_origin_only():
    mock = MockTransport()
    mock.get(f"{API}/", Response(200, {"Content-Type": HAL, "Set-Cookie": "sid=abc; Path=/"},
                                 json.dumps({"_links": {
                                     "mine": {"href": "/mine"},
                                     "theirs": {"href": "https://cdn.example.test/x"}}})
                                 .encode()))
    mock.get(f"{API}/mine", hal({}))
    mock.get("https://cdn.example.test/x", hal({}))
    root = hyperkm.connect(f"{API}/", transport=mock)
    _ = root.follow("mine").data, root.follow("theirs").data
    assert [r.header("Cookie") for r in mock.requests] == [None, "sid=abc", None]


@pytest.mark.parametrize(("etag", "sent"), [('"v1"', '"v1"'), ('W/"v1"', None)])
def test_a_weak_etag_is_not_sent_as_if_match(etag, sent):
    # RFC 9110 §13.1.1: If-Match compares strongly; a weak tag never matches (Django answers
    # every such write 412), so it is not sent — and the trace says why.
    mock = MockTransport()
    mock.get(f"{API}/orders/9", Response.of_json({"id": 9}, headers={"ETag": etag}))
    mock.patch(f"{API}/orders/9", Response(204))
    order = hyperkm.connect(f"{API}/orders/9", transport=mock)
    notes = []
    order.client.on_note.append(notes.append)
    _ = order.data
    order.patch({"id": 9, "total": 1})
    assert mock.requests[1].method == "PATCH"
    assert mock.requests[1].header("If-Match") == sent
    assert any("weak" in n for n in notes) == (sent is None)
    order.patch({"id": 9}, if_match='W/"v1"')  # asked for: sent as given
    patches = [r for r in mock.requests if r.method == "PATCH"]
    assert patches[-1].header("If-Match") == 'W/"v1"'


@pytest.mark.parametrize(("status", "headers", "expected"), [
    (502, {}, "502 Bad Gateway from GET"),  # no reason phrase (HTTP/2 has none): the RFC's
    (599, {}, "599 from GET"),
    (503, {"Retry-After": "120"}, "(it asks for 120 s)"),
    (429, {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"},
     "(it asks to wait until Wed, 21 Oct 2015 07:28:00 GMT)"),
])
def test_error_messages_read_well_whatever_the_server_left_out(status, headers, expected):
    mock = MockTransport()
    mock.get(f"{API}/", Response(status, {"Content-Type": "text/html", **headers}, b"<h1>x</h1>"))
    with pytest.raises(hyperkm.HTTPError) as caught:
        _ = hyperkm.connect(f"{API}/", transport=mock, retries=0).data
    assert expected in str(caught.value)
    assert "  " not in str(caught.value)


def _github_issues(total: int):
    """GitHub's paging: a bare array, a Link header with next/last (and first/prev), no
    total anywhere."""
    from urllib.parse import parse_qs, urlsplit

    def handler(request):
        query = parse_qs(urlsplit(request.url).query)
        page, per = int(query.get("page", ["1"])[0]), int(query.get("per_page", ["30"])[0])
        items = [{"id": i} for i in range((page - 1) * per, min(page * per, total))]
        last = max(1, -(-total // per))
        links = [f'<{API}/issues?per_page={per}&page={page + 1}>; rel="next"'] \
            if page < last else []
        links.append(f'<{API}/issues?per_page={per}&page={last}>; rel="last"')
        return Response.of_json(items, headers={"Link": ", ".join(links)})

    return handler


@pytest.mark.parametrize("total", [95, 100, 7])
def test_pages_in_parallel_from_a_last_link_when_no_total_is_stated(total):
    mock = MockTransport()
    mock.get(f"{API}/issues", _github_issues(total))
    issues = hyperkm.connect(f"{API}/issues?per_page=10", transport=mock)
    notes = []
    issues.client.on_note.append(notes.append)
    assert [i.data["id"] for i in issues.items(concurrency=4)] == list(range(total))
    pages = -(-total // 10)
    if pages > 1:
        assert any(f"fetching {pages} pages 4 at a time" in n for n in notes), notes
    assert len(mock.requests) == pages  # each page once, none past the last


def test_a_last_link_off_the_sequence_is_not_trusted():
    mock = MockTransport()

    def handler(request):
        page = 2 if "page=2" in request.url else 1
        links = [f'<{API}/issues?per_page=10&page=2>; rel="next"'] if page == 1 else []
        links.append(f'<{API}/issues?per_page=10&cursor=zz>; rel="last"')  # not a page number
        return Response.of_json([{"id": (page - 1) * 10 + i} for i in range(10)],
                                headers={"Link": ", ".join(links)})

    mock.get(f"{API}/issues", handler)
    issues = hyperkm.connect(f"{API}/issues?per_page=10", transport=mock)
    notes = []
    issues.client.on_note.append(notes.append)
    assert len(list(issues.items(concurrency=4))) == 20
    assert any("one by one" in n and "'last' link" in n for n in notes), notes


def test_no_total_and_no_last_link_walks_next_and_says_so():
    mock = MockTransport()

    def handler(request):
        page = 2 if "page=2" in request.url else 1
        links = f'<{API}/issues?per_page=10&page=2>; rel="next"' if page == 1 else ""
        return Response.of_json([{"id": i} for i in range(10)],
                                headers={"Link": links} if links else {})

    mock.get(f"{API}/issues", handler)
    issues = hyperkm.connect(f"{API}/issues?per_page=10", transport=mock)
    notes = []
    issues.client.on_note.append(notes.append)
    assert len(list(issues.items(concurrency=4))) == 20
    assert notes and "one by one" in notes[0] and "no total (nor a 'last' link)" in notes[0]


@pytest.mark.parametrize("total", [95, 100, 7, 11])
def test_len_of_a_collection_with_a_last_link_reads_two_pages(total):
    mock = MockTransport()
    mock.get(f"{API}/issues", _github_issues(total))
    issues = hyperkm.connect(f"{API}/issues?per_page=10", transport=mock)
    assert len(issues.items()) == total
    assert len(mock.requests) == min(2, -(-total // 10))  # the first page and the last


def test_a_handler_slower_than_the_deadline_is_a_timeout():
    import time

    mock = MockTransport()
    mock.get(f"{API}/", lambda request: (time.sleep(0.4), Response.of_json({"a": 1}))[1])
    with pytest.raises(hyperkm.Timeout):
        _ = hyperkm.connect(f"{API}/", transport=mock, deadline=0.1).data
    assert len(mock.requests) == 1  # not retried past the deadline


def _job_api(mock, accepted_headers, polls, results=None):
    mock.get(f"{API}/", hal({"jobs": "/jobs"}))
    mock.post(f"{API}/jobs", Response(202, {**accepted_headers, "Retry-After": "0"}))
    for url, answers in polls.items():
        mock.get(url, answers)
    for url, answer in (results or {}).items():
        mock.get(url, answer)
    return hyperkm.connect(f"{API}/", transport=mock).follow("jobs").post({"x": 1})


def test_a_job_whose_monitor_is_named_by_operation_location():
    # Microsoft REST API guidelines: 202 + Operation-Location; the status says Running, then
    # Succeeded with resourceLocation.
    mock = MockTransport()
    job = _job_api(mock, {"Operation-Location": f"{API}/operations/1"}, {
        f"{API}/operations/1": [Response.of_json({"status": "NotStarted"}),
                                Response.of_json({"status": "Running", "percentComplete": 50}),
                                Response.of_json({"status": "Succeeded",
                                                  "resourceLocation": f"{API}/results/1"})]},
        {f"{API}/results/1": Response.of_json({"answer": 42})})
    assert job.url == f"{API}/operations/1"
    assert job.wait(interval=0.01, timeout=5).data == {"answer": 42}


def test_an_arm_job_polls_the_monitor_and_ends_at_the_location():
    # Azure Resource Manager: Azure-AsyncOperation to poll, Location for the result.
    mock = MockTransport()
    job = _job_api(mock, {"Azure-AsyncOperation": f"{API}/ops/7", "Location": f"{API}/vm/1"},
                   {f"{API}/ops/7": [Response.of_json({"status": "InProgress"}),
                                     Response.of_json({"status": "Succeeded"})]},
                   {f"{API}/vm/1": Response.of_json({"name": "vm1"})})
    assert job.wait(interval=0.01, timeout=5).data == {"name": "vm1"}
    failed = _job_api(MockTransport(), {"Azure-AsyncOperation": f"{API}/ops/8"},
                      {f"{API}/ops/8": Response.of_json(
                          {"status": "Failed", "error": {"code": "Quota"}})})
    with pytest.raises(hyperkm.JobFailed, match="Quota"):
        failed.wait(interval=0.01, timeout=5)


def test_a_location_that_answers_202_until_the_result_is_there():
    # Polling the Location itself: 202 while it runs, then 200 with the result (no status).
    mock = MockTransport()
    job = _job_api(mock, {"Location": f"{API}/vm/2"}, {
        f"{API}/vm/2": [Response(202, {"Retry-After": "0"}), Response(202, {"Retry-After": "0"}),
                        Response.of_json({"name": "vm2", "size": "large"})]})
    assert job.wait(interval=0.01, timeout=5).data == {"name": "vm2", "size": "large"}


def test_a_google_style_operation_is_done_when_it_says_so():
    mock = MockTransport()
    job = _job_api(mock, {"Location": f"{API}/operations/op-1"}, {
        f"{API}/operations/op-1": [
            Response.of_json({"name": "operations/op-1", "done": False}),
            Response.of_json({"name": "operations/op-1", "done": True,
                              "response": {"id": 5}})]})
    assert job.wait(interval=0.01, timeout=5).data["response"] == {"id": 5}


@pytest.mark.parametrize("where", ["http://[::1", "ftp://x.test/r", "javascript:alert(1)"])
def test_a_result_location_hyperkm_will_not_request_is_a_document_error(where):
    job = _job_api(MockTransport(), {"Operation-Location": f"{API}/operations/2"}, {
        f"{API}/operations/2": Response.of_json({"status": "Succeeded",
                                                 "resourceLocation": where})})
    with pytest.raises(hyperkm.DocumentError, match="the result the job"):
        job.wait(interval=0.01, timeout=5)


def test_a_mock_answer_copied_from_a_real_one_reads_whole():
    # Headers copied from a real response may say chunked; a transport's body is whole. A
    # Content-Length that promises more than the body is a truncated answer, as on the wire.
    mock = MockTransport()
    mock.get(f"{API}/a", Response(200, {"Content-Type": "application/json",
                                        "Transfer-Encoding": "chunked"}, b'{"a": 1}'))
    mock.get(f"{API}/b", Response(200, {"Content-Type": "application/json",
                                        "Content-Length": "99"}, b'{"b": 1}'))
    client = hyperkm.connect(f"{API}/a", transport=mock, retries=0).client
    assert client.resource(f"{API}/a").data == {"a": 1}
    with pytest.raises(hyperkm.TransportError):
        _ = client.resource(f"{API}/b").data


def test_head_and_304_keep_the_content_length_of_the_body_they_do_not_carry():
    mock = MockTransport()

    def handler(request):
        if request.header("If-None-Match"):
            return Response(304, {"ETag": '"h"', "Content-Length": "8"})
        return Response(200, {"Content-Type": "application/json", "ETag": '"h"',
                              "Cache-Control": "no-cache", "Content-Length": "8"}, b'{"h": 1}')

    mock.get(f"{API}/h", handler)
    mock.add("HEAD", f"{API}/h", Response(200, {"Content-Length": "8"}, b'{"h": 1}'))
    root = hyperkm.connect(f"{API}/h", transport=mock, retries=0)
    assert root.data == {"h": 1} and root.refresh().data == {"h": 1}
    head = root.client.request("HEAD", f"{API}/h")
    assert head.status_code == 200 and head.content == b""


@pytest.mark.parametrize(("status", "headers", "expected"), [
    (403, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1893456000"},
     "rate limit is used up (RateLimit-Remaining: 0); it resets at 00:00:00 UTC"),
    (429, {"RateLimit-Remaining": "0", "RateLimit-Reset": "30"}, "it resets in 30 s"),
    (403, {"X-RateLimit-Remaining": "12"}, "may not see this resource"),
    (403, {}, "may not see this resource"),
])
def test_a_used_up_rate_limit_is_said_so_not_taken_for_a_permission(status, headers, expected):
    mock = MockTransport()
    mock.get(f"{API}/", Response.of_json({"message": "API rate limit exceeded"}, status=status,
                                         headers=headers))
    with pytest.raises(hyperkm.HTTPError) as caught:
        _ = hyperkm.connect(f"{API}/", transport=mock, retries=0).data
    assert expected in str(caught.value)


def _envelope_pages(kind: str, total: int = 7, size: int = 3):
    """Paging envelopes as Django REST framework, Laravel, Azure and GitHub's search write
    them (their documented shapes), three members a page."""
    from urllib.parse import parse_qs, urlsplit

    def handler(request):
        page = int(parse_qs(urlsplit(request.url).query).get("page", ["1"])[0])
        items = [{"id": i} for i in range((page - 1) * size, min(page * size, total))]
        last = -(-total // size)
        following = f"{API}/things?page={page + 1}" if page < last else None
        previous = f"{API}/things?page={page - 1}" if page > 1 else None
        if kind == "drf":  # rest_framework.pagination.PageNumberPagination
            body = {"count": total, "next": following, "previous": previous, "results": items}
        elif kind == "laravel":  # LengthAwarePaginator::toArray()
            body = {"current_page": page, "data": items, "first_page_url": f"{API}/things?page=1",
                    "from": (page - 1) * size + 1, "last_page": last, "next_page_url": following,
                    "path": f"{API}/things", "per_page": size, "prev_page_url": previous,
                    "to": (page - 1) * size + len(items), "total": total}
        elif kind == "azure":  # Azure REST: value + nextLink, none on the last page
            body = {"value": items, **({"nextLink": following} if following else {})}
        else:  # GitHub search: total_count + items, pages in the Link header
            body = {"total_count": total, "incomplete_results": False, "items": items}
        headers = {"Link": f'<{following}>; rel="next"'} if following and kind == "github" \
            else {}
        return Response.of_json(body, headers=headers)

    return handler


@pytest.mark.parametrize("kind", ["drf", "laravel", "azure", "github"])
def test_paging_envelopes_of_plain_json_are_collections(kind):
    mock = MockTransport()
    mock.get(f"{API}/things", _envelope_pages(kind))
    things = hyperkm.connect(f"{API}/things", transport=mock)
    assert [t.data["id"] for t in things.items()] == list(range(7))
    assert len(things.items()) == 7
    assert "next" in things.links.rels
    assert things.document.format == "json"


def test_an_object_that_merely_holds_a_list_is_no_collection():
    mock = MockTransport()
    mock.get(f"{API}/user", Response.of_json({"name": "x", "data": [{"a": 1}], "roles": []}))
    user = hyperkm.connect(f"{API}/user", transport=mock)
    assert user.document.items is None  # a list among other state, with no paging words
    assert user.data["data"] == [{"a": 1}]


@pytest.mark.parametrize("reset", ["9" * 30, "99999999999", "-5", "soon"])
def test_a_rate_limit_reset_no_clock_can_show_is_left_out_not_raised(reset):
    mock = MockTransport()
    mock.get(f"{API}/", Response(403, {"X-RateLimit-Remaining": "0",
                                       "X-RateLimit-Reset": reset}))
    with pytest.raises(hyperkm.Forbidden, match="rate limit is used up"):
        _ = hyperkm.connect(f"{API}/", transport=mock, retries=0).data


def test_a_paging_envelopes_next_href_is_bounded():
    mock = MockTransport()
    mock.get(f"{API}/c", Response.of_json({"results": [{"id": 1}], "count": 1,
                                           "next": f"{API}/c?x=" + "a" * 20000}))
    things = hyperkm.connect(f"{API}/c", transport=mock)
    assert [t.data["id"] for t in things.items()] == [1]
    assert "next" not in things.links.rels


def test_a_last_link_to_an_absurd_page_is_not_believed():
    mock = MockTransport()

    def handler(request):
        links = [f'<{API}/issues?per_page=10&page=2>; rel="next"',
                 f'<{API}/issues?per_page=10&page={10 ** 40}>; rel="last"']
        return Response.of_json([{"id": i} for i in range(10)],
                                headers={"Link": ", ".join(links)} if "page=2" not in
                                request.url else {})

    mock.get(f"{API}/issues", handler)
    issues = hyperkm.connect(f"{API}/issues?per_page=10", transport=mock)
    assert len(issues.items()) == 20  # counted by walking, not 10^41


def test_members_of_a_page_are_never_pages_themselves():
    # An order holds its line items and a total: as a member of a list it stays one member.
    mock = MockTransport()
    mock.get(f"{API}/orders", Response.of_json(
        [{"id": 1, "items": [{"sku": "a"}], "total": 3}, {"id": 2, "items": [], "total": 0}]))
    orders = hyperkm.connect(f"{API}/orders", transport=mock)
    members = list(orders.items())
    assert [m.data["id"] for m in members] == [1, 2]
    assert all(m.document.items is None for m in members)
    assert members[0].data["items"] == [{"sku": "a"}]
    # and where plain JSON itself reads the list (no other format claims it)
    from hyperkm.formats import PlainJsonFormat

    page = PlainJsonFormat().parse([{"id": 1, "items": [{"sku": "a"}], "total": 3}], API)
    assert page.items is not None and page.items[0].items is None


def test_a_transport_may_hand_a_body_over_as_it_comes():
    closed, asked = [], []

    class Chunks:
        def __init__(self, chunks):
            self._chunks = iter(chunks)

        def __iter__(self):
            return self

        def __next__(self):
            return next(self._chunks)

        def close(self):
            closed.append(True)

    def export(request):
        asked.append(request.stream)  # the client says it reads the body as it comes
        return Response(200, {"Content-Type": "text/csv"}, stream=Chunks([b"a,b\n"] * 1000))

    mock = MockTransport()
    mock.get(f"{API}/export.csv", export)
    mock.get(f"{API}/doc", lambda r: Response(200, {"Content-Type": "application/json"},
                                              stream=Chunks([b'{"a"', b": 1}"])))
    mock.get(f"{API}/huge", lambda r: Response(200, {"Content-Type": "application/json"},
                                               stream=Chunks([b" " * 4096] * 100)))
    root = hyperkm.connect(f"{API}/", transport=mock, max_document_bytes=100_000)
    out = io.BytesIO()
    assert root.client.resource(f"{API}/export.csv").download(out) == 4000
    assert out.getvalue() == b"a,b\n" * 1000
    assert asked == [True] and closed == [True]  # read to its end, and closed
    assert root.client.resource(f"{API}/doc").data == {"a": 1}  # a document: read whole
    assert asked == [True] and len(closed) == 2
    with pytest.raises(hyperkm.DocumentTooLarge):
        _ = root.client.resource(f"{API}/huge").data


@pytest.mark.parametrize("verify", [False, "/etc/ssl/corp-ca.pem"])
def test_verify_beside_a_transport_of_ones_own_is_refused_not_ignored(verify):
    with pytest.raises(hyperkm.ConfigurationError, match="give it there"):
        hyperkm.connect(f"{API}/", transport=MockTransport(), verify=verify)
    from hyperkm import aio
    from hyperkm.transports import AsyncHttpxTransport

    with pytest.raises(hyperkm.ConfigurationError, match="give it there"):
        aio.connect(f"{API}/", transport=AsyncHttpxTransport(), verify=verify)
    assert hyperkm.connect(f"{API}/", transport=MockTransport(), verify=True) is not None


def test_a_stream_that_breaks_midway_is_a_transport_error_and_leaves_no_file(tmp_path):
    def broken():
        yield b"x" * 1000
        yield b""  # an empty chunk is no end
        raise ConnectionError("the peer went away")

    mock = MockTransport()
    mock.get(f"{API}/export.csv", lambda r: Response(200, {"Content-Type": "text/csv"},
                                                     stream=broken()))
    root = hyperkm.connect(f"{API}/", transport=mock, retries=0)
    with pytest.raises(hyperkm.TransportError) as info:
        root.client.resource(f"{API}/export.csv").download(tmp_path / "out.csv")
    assert f"{API}/export.csv" in str(info.value)
    assert list(tmp_path.iterdir()) == []
