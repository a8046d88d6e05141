"""What a write's answer means, decided sans I/O (`_writes.lead_of`, `_writes.body_kind`):
from a status and headers, no client. The writes themselves run over HTTP in
tests/integration/test_actions.py and test_created.py."""

from __future__ import annotations

import pytest
from requests.structures import CaseInsensitiveDict

from hyperkm import DocumentError
from hyperkm._writes import Lead, body_kind, lead_of

API = "https://api.example.test"
ORDERS = f"{API}/orders"


def lead(status, headers=None, *, method="POST", url=ORDERS, resource=ORDERS, body=True):
    return lead_of(method, url, resource, status, CaseInsensitiveDict(headers or {}), url, body)


def test_201_with_location_leads_there_and_its_body_is_read_if_it_is_that_resource():
    assert lead(201, {"Location": "/orders/9"}) == Lead("located", f"{ORDERS}/9", "Location",
                                                        "if-its-own")
    assert lead(201, {"Location": "/orders/9"}, body=False).body == ""


def test_content_location_says_the_body_is_the_located_resource():
    said = lead(200, {"Location": "/orders/9", "Content-Location": "9"}, method="PUT",
                url=f"{ORDERS}/", resource=f"{ORDERS}/")
    assert said == Lead("located", f"{ORDERS}/9", "Location", "is")
    other = lead(200, {"Location": "/orders/9", "Content-Location": "/receipts/1"})
    assert other.body == ""  # the body is about something else: not read as the order


@pytest.mark.parametrize("header", ["Operation-Location", "Azure-AsyncOperation"])
def test_a_202_polls_the_monitor_microsofts_apis_name(header):
    said = lead(202, {"Location": "/orders/9", header: "/operations/1"})
    assert said.url == f"{API}/operations/1" and said.header == header
    assert lead(202, {"Location": "/jobs/3"}).url == f"{API}/jobs/3"


def test_a_location_hyperkm_will_not_request_is_an_error_naming_the_header():
    with pytest.raises(DocumentError, match="the Location header of 201 from POST"):
        lead(201, {"Location": "javascript:alert(1)"})


def test_204_to_the_resource_itself_reads_it_again_and_elsewhere_leads_there_lazily():
    assert lead(204, method="PUT") == Lead("refresh")
    assert lead(204, method="POST", url=f"{ORDERS}/9/cancel") == Lead(
        "lazy", f"{ORDERS}/9/cancel")
    assert lead(204, method="DELETE") == Lead("body")  # gone: the (empty) answer is the result


def test_without_location_the_body_decides():
    assert lead(200) == Lead("body")


def kind(status=200, *, method="PUT", url=ORDERS, resource=ORDERS, answer=ORDERS,
         document=ORDERS, body=True, state=True, redirected=False):
    return body_kind(method, url, resource, status, answer, document, body, state, redirected)


def test_a_201_whose_body_names_itself_is_the_created_resource():
    assert kind(201, method="POST", document=f"{ORDERS}/9") == "created"
    assert kind(201, method="POST", document=ORDERS) == "answer"  # no URL of its own
    assert kind(201, method="POST", document=f"{ORDERS}/9", body=False) == "answer"


def test_a_put_or_patch_answered_with_state_updates_the_resource_unless_redirected():
    assert kind(method="PUT") == "updated"
    assert kind(method="PATCH") == "updated"
    assert kind(method="PUT", redirected=True) == "answer"  # 303: a receipt, not the order
    assert kind(method="PUT", state=False) == "answer"
    assert kind(method="PUT", url=f"{ORDERS}/9/items") == "answer"  # another resource's
    assert kind(method="POST") == "answer"
