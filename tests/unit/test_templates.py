import pytest

from hyperkm import TemplateError
from hyperkm._templates import expand, parse_template


def test_required_and_optional_variables():
    t = parse_template("/events/{id}{?limit,offset}")
    assert t.names == ("id", "limit", "offset")
    assert t.required == ("id",)


def test_missing_path_variable_is_refused_not_dropped():
    # uritemplate alone would give "/events/"
    with pytest.raises(TemplateError) as info:
        expand("/events/{id}")
    assert info.value.missing == ("id",)
    assert "'id'" in str(info.value) and "No request was sent" in str(info.value)


def test_none_counts_as_missing():
    with pytest.raises(TemplateError):
        expand("/events/{id}", id=None)


def test_unknown_variable_is_refused():
    with pytest.raises(TemplateError) as info:
        expand("/events/{id}", id="1", idd="2")
    assert info.value.unknown == ("idd",)


def test_query_variables_are_optional():
    assert expand("/events{?limit,offset}") == "/events"
    assert expand("/events{?limit,offset}", limit=5) == "/events?limit=5"


def test_booleans_expand_lowercase():
    assert expand("/x{?visible}", visible=True) == "/x?visible=true"
    assert expand("/x{?visible}", visible=False) == "/x?visible=false"


@pytest.mark.parametrize("op", ["+", "#", ".", "/", ";"])
def test_path_style_operators_are_required(op):
    assert parse_template(f"/a{{{op}x}}").required == ("x",)


def test_level4_modifiers_and_lists():
    assert expand("/a{/path*}", path=["b", "c"]) == "/a/b/c"
    assert expand("/a/{name:3}", name="abcdef") == "/a/abc"


def test_values_are_percent_encoded():
    assert expand("/a/{id}", id="x y/z") == "/a/x%20y%2Fz"


@pytest.mark.parametrize("text", ["/x/{unclosed", "/x/}{", "/x/{}", "/x/{a b}", "/x/{=a}",
                                  "/x/{a,,b}", "/x/{a:0}", "/x/{{a}}", "/x/}"])
def test_invalid_templates_are_errors(text):
    with pytest.raises(TemplateError) as info:
        parse_template(text)
    assert "invalid URI template" in str(info.value)


def test_unsupported_value_type():
    with pytest.raises(TemplateError):
        expand("/a/{id}", id=object())


@pytest.mark.parametrize(("template", "expected"), [
    ("/t{?offset}", "/t?offset=0"),
    ("/t{?limit,offset}", "/t?limit=10&offset=0"),
    ("/t?x=1{&offset}", "/t?x=1&offset=0"),
    ("/t{;offset}", "/t;offset=0"),
    ("/t{/offset}", "/t/0"),
    ("/t/{offset}", "/t/0"),
    ("/t{.offset}", "/t.0"),
    ("/t{#offset}", "/t#0"),
    ("/t/{+offset}", "/t/0"),
])
def test_zero_is_a_value_in_every_form(template, expected):
    # uritemplate takes a falsy value for an empty one in the query forms: ?offset= instead of
    # ?offset=0 asked offset-paged APIs for no page at all (found through a mock transport).
    values = {"offset": 0, "limit": 10} if "limit" in template else {"offset": 0}
    assert expand(template, values) == expected


def test_zero_inside_lists_and_pairs():
    assert expand("/t{?ids*}", ids=[0, 1]) == "/t?ids=0&ids=1"
    assert expand("/t{?filter*}", filter={"page": 0}) == "/t?page=0"
    assert expand("/t{?flag}", flag=False) == "/t?flag=false"
    assert expand("/t{?x}", x=0.0) == "/t?x=0.0"
