"""The client's decisions as plain functions (hyperkm._policy): no request, no socket."""

from __future__ import annotations

import pytest

from hyperkm import DocumentError
from hyperkm._policy import (
    credential_identity,
    read_options,
    redirect_hop,
    timeout_within,
    without_credentials,
)

BASE = "https://api.example.test/orders/9"


@pytest.mark.parametrize("status", [200, 204, 304, 404, 300])
def test_an_answer_that_is_no_redirect_is_no_hop(status):
    assert redirect_hop("GET", BASE, status, "/x", BASE, None, {}) is None


def test_a_redirect_without_location_is_no_hop():
    assert redirect_hop("GET", BASE, 302, None, BASE, None, {}) is None
    assert redirect_hop("GET", BASE, 302, "", BASE, None, {}) is None


@pytest.mark.parametrize(("status", "method", "becomes"), [
    (301, "GET", "GET"), (301, "POST", "GET"), (301, "PUT", "PUT"),
    (302, "POST", "GET"), (302, "DELETE", "DELETE"),
    (303, "POST", "GET"), (303, "PUT", "GET"), (303, "PATCH", "GET"),
    (307, "POST", "POST"), (308, "PUT", "PUT"),
])
def test_which_redirects_turn_a_request_into_a_get(status, method, becomes):
    headers = {"Content-Type": "application/json", "If-Match": '"a"', "Accept": "x/y"}
    method2, url, data, kept = redirect_hop(method, BASE, status, "../receipts/1#top", BASE,
                                            b"{}", headers)
    assert (method2, url) == (becomes, "https://api.example.test/receipts/1")  # no fragment
    if becomes == "GET" and method != "GET":
        assert data is None and kept == {"Accept": "x/y"}  # no body, no precondition
    else:
        assert data == b"{}" and kept == headers  # the same request, elsewhere
    assert headers["If-Match"] == '"a"'  # the caller's headers are not changed


@pytest.mark.parametrize("location", ["ftp://x.test/", "http://[::1", "javascript:alert(1)"])
def test_a_location_hyperkm_will_not_request_is_refused(location):
    with pytest.raises(DocumentError, match="Location header of 302"):
        redirect_hop("GET", BASE, 302, location, BASE, None, {})


def test_a_request_to_another_origin_keeps_no_credential():
    headers = {"Authorization": "Bearer t", "X-Api-Key": "k", "Accept": "a/b",
               "X-Copied": "token=secret-value", "X-Other": "fine"}
    kept = without_credentials(headers, {"authorization", "x-api-key", "cookie"},
                               {"secret-value"}, ["Cookie", "User-Agent"])
    assert kept == {"Accept": "a/b", "X-Other": "fine", "Cookie": None}


def test_credential_identity_names_who_speaks():
    assert credential_identity("", [{"Accept": "x"}], {"authorization"}) is None
    one = credential_identity("t1", [{}], {"authorization"})
    assert one != credential_identity("t2", [{}], {"authorization"})
    keyed = credential_identity("", [{"X-Api-Key": "k"}], {"x-api-key"})
    assert keyed is not None and "k" in keyed


@pytest.mark.parametrize(("status", "allow", "expected"), [
    (200, "GET, post ,HEAD", {"GET", "POST", "HEAD"}),
    (204, "", set()),
    (405, "POST", {"POST"}),  # a 405 must say what is allowed
    (404, "GET", set()),  # other errors say nothing
    (500, "GET", set()),
])
def test_what_options_says(status, allow, expected):
    methods, fields = read_options(status, {"Allow": allow, "Content-Type": "text/plain"}, b"")
    assert methods == expected and fields == {}


def test_options_fields_from_a_json_body_and_garbage_ignored():
    body = (b'{"actions": {"POST": {"title": {"type": "string", "required": true, '
            b'"label": "Title"}}}}')
    methods, fields = read_options(200, {"Allow": "GET, POST",
                                         "Content-Type": "application/json"}, body)
    assert methods == {"GET", "POST"}
    assert [f.name for f in fields["POST"]] == ["title"] and fields["POST"][0].required
    assert read_options(200, {"Content-Type": "application/json"}, b"{not json")[1] == {}


class _Deadline:
    def __init__(self, left):
        self.left = left

    def remaining(self):
        return self.left


@pytest.mark.parametrize(("timeout", "left", "expected"), [
    ((5, 30), None, (5, 30)),
    ((5, 30), 2.0, (2.0, 2.0)),
    ((5, 30), 10.0, (5, 10.0)),
    (None, 3.0, 3.0),
    (7, 3.0, 3.0),
    ((None, 30), 4.0, (4.0, 4.0)),
    ((5, 30), -1.0, (0.001, 0.001)),  # passed: the socket gives up at once
])
def test_a_socket_waits_no_longer_than_the_deadline(timeout, left, expected):
    deadline = None if left is None else _Deadline(left)
    assert timeout_within(timeout, deadline) == expected
