"""Forms as pure values: validation (every problem at once) and encoding by content type."""

from __future__ import annotations

import json

import pytest

from hyperkm import Action, ActionNotFound, Actions, Field, FormError
from hyperkm._actions import encode

FORM = Action(name="order", method="POST", target="https://shop.example/orders",
              content_type="application/json", fields=(
                  Field("product", required=True, options=("tea", "coffee")),
                  Field("quantity", type="number", min=1, max=10, value=1),
                  Field("code", pattern=r"[A-Z]{3}-\d+", min_length=5, max_length=9),
                  Field("id", value="o-7", read_only=True),
              ))


def problems(**values):
    with pytest.raises(FormError) as info:
        FORM.validate(values)
    return info.value.problems


def test_every_problem_at_once():
    found = problems(quantity="lots", code="abc", colour="red")
    assert "unknown field 'colour'" in found
    assert "'product' is required" in found
    assert any("must be a number" in p for p in found)
    assert any("must match" in p for p in found)
    assert any("at least 5 characters" in p for p in found)


@pytest.mark.parametrize("values,expected", [
    ({"product": "milk"}, "must be one of 'tea', 'coffee'"),
    ({"product": "tea", "quantity": 0}, "at least 1"),
    ({"product": "tea", "quantity": 11}, "at most 10"),
    ({"product": "tea", "quantity": True}, "must be a number"),
    ({"product": "tea", "id": "o-8"}, "read-only"),
    ({"product": "tea", "code": "ABC-1234567"}, "at most 9 characters"),
])
def test_each_kind_of_problem(values, expected):
    assert any(expected in p for p in problems(**values))


def test_defaults_filled_and_read_only_values_never_sent():
    assert FORM.validate(product="tea") == {"product": "tea", "quantity": 1}
    assert FORM.validate(product="tea", id="o-7", quantity="3") == {"product": "tea",
                                                                     "quantity": 3}


def test_json_encoding():
    url, body, ctype = encode(FORM, {"product": "tea", "quantity": 2})
    assert url == "https://shop.example/orders" and ctype == "application/json"
    assert json.loads(body) == {"product": "tea", "quantity": 2}


def test_form_urlencoded_and_get_query_encoding():
    form = Action("f", "POST", "https://h/x", content_type="application/x-www-form-urlencoded")
    assert encode(form, {"a": "1 2", "b": True})[1] == b"a=1+2&b=true"
    query = Action("q", "GET", "https://h/search?lang=en", content_type="")
    url, body, ctype = encode(query, {"q": "tea & cake"})
    assert url == "https://h/search?lang=en&q=tea+%26+cake" and body is None and ctype is None


def test_collection_json_encoding_and_templated_targets():
    action = Action("edit", "PUT", "https://h/items/{id}", templated=True,
                    content_type="application/vnd.collection+json", fields=(Field("name"),))
    assert action.variables == ("id",)
    url, body, _ = encode(action, action.validate(id="7", name="Kate"))
    assert url == "https://h/items/7"
    assert json.loads(body) == {"template": {"data": [{"name": "name", "value": "Kate"}]}}


def test_free_form_actions_accept_any_field():
    action = Action("cancel", "POST", "https://h/o/7/cancel", free_form=True)
    assert action.validate(reason="late") == {"reason": "late"}


def test_unbound_actions_say_how_to_get_a_bound_one():
    with pytest.raises(FormError, match=r"resource\.actions"):
        FORM.submit(product="tea")


def test_actions_mapping_and_not_found():
    actions = Actions((FORM, Action("refund", "POST", "https://h/r")), "https://h/o/7")
    assert list(actions) == ["order", "refund"] and "name" in repr(actions)
    with pytest.raises(ActionNotFound) as info:
        actions["ordr"]
    assert info.value.suggestions == ["order"] and isinstance(info.value, KeyError)
    with pytest.raises(ActionNotFound, match="allowed_methods"):
        Actions((), "https://h/o/7")["cancel"]  # no forms at all: say how to ask the server


def test_numbers_typed_as_text_are_sent_as_numbers():
    assert FORM.validate(product="tea", quantity="3") == {"product": "tea", "quantity": 3}
    page = Action("page", "GET", "https://h/e", fields=(Field("offset", type="number"),))
    assert page.validate(offset="2.5") == {"offset": 2.5}


def test_a_hostile_pattern_cannot_hang_the_client():
    import time

    evil = Action("x", "POST", "https://h/x", fields=(Field("name", pattern=r"(a+)+$"),))
    started = time.perf_counter()
    with pytest.raises(FormError):  # checked, in linear time (RE2)
        evil.validate(name="a" * 40 + "!")
    assert evil.validate(name="a" * 40) == {"name": "a" * 40}
    assert time.perf_counter() - started < 1
    # RE2 has no lookaround: such a pattern is left to the server, not run by backtracking
    unknown = Action("z", "POST", "https://h/z", fields=(Field("n", pattern=r"(?=a)(a+)+$"),))
    assert unknown.validate(n="a" * 40 + "!") == {"n": "a" * 40 + "!"}
    safe = Action("y", "POST", "https://h/y", fields=(Field("code", pattern=r"[A-Z]{3}-\d+"),))
    with pytest.raises(FormError):
        safe.validate(code="abc")
