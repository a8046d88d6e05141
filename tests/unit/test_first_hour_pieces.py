"""Pure pieces behind the first-hour fixes: what an OPTIONS body describes, example values for
raw patterns, why a request was sent, the explorer's trace groups and its cleaned SVG map."""

from __future__ import annotations

import datetime
import re
import shutil
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hyperkm import Field
from hyperkm._examples import example
from hyperkm._patterns import fullmatch
from hyperkm._why import because, current
from hyperkm.cli.mapper import Graph
from hyperkm.explore.app import map_picture
from hyperkm.explore.trace import Trace
from hyperkm.formats import described_fields

# Django REST framework's documented OPTIONS answer ("Metadata", the SimpleMetadata example:
# https://www.django-rest-framework.org/api-guide/metadata/), as published.
DRF_DOCUMENTED = {
    "name": "To Do List",
    "description": "List existing 'To Do' items, or create a new item.",
    "renders": ["application/json", "text/html"],
    "parses": ["application/json", "application/x-www-form-urlencoded", "multipart/form-data"],
    "actions": {"POST": {"note": {"type": "string", "required": False, "read_only": False,
                                  "label": "title", "max_length": 100}}},
}


def test_drf_metadata_becomes_fields():
    fields = described_fields(DRF_DOCUMENTED)
    assert fields == {"POST": (Field("note", "text", required=False, max_length=100,
                                     prompt="title"),)}


def test_choices_numbers_and_read_only_fields():
    fields = described_fields({"actions": {"put": {
        "id": {"type": "integer", "read_only": True},
        "size": {"type": "choice", "required": True,
                 "choices": [{"value": "s", "display_name": "S"}, {"value": "m"}]},
        "count": {"type": "integer", "min_value": 1, "max_value": 9}}}})["PUT"]
    assert [f.name for f in fields] == ["size", "count"]  # a read-only field is not asked for
    assert fields[0].options == ("s", "m") and fields[0].required
    assert (fields[1].type, fields[1].min, fields[1].max) == ("integer", 1, 9)


@pytest.mark.parametrize("body", [None, [], "x", {"actions": []}, {"actions": {"POST": 1}},
                                  {"actions": {"POST": {"a": "not a dict"}}}, {"name": "x"}])
def test_bodies_that_describe_nothing_give_no_fields(body):
    assert all(not fields for fields in described_fields(body).values())


def test_a_huge_description_is_bounded():
    body = {"actions": {"POST": {f"f{n}": {"type": "string"} for n in range(100_000)}}}
    assert len(described_fields(body)["POST"]) == 200


# -- examples for raw patterns -----------------------------------------------------------------

DATE_TIME = r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?"


def test_a_date_pattern_gets_todays_date():
    assert example(DATE_TIME, "datetime") == datetime.date.today().isoformat()


@pytest.mark.parametrize(("pattern", "kind", "expected"), [
    (r"[^@\s]+@[^@\s]+", "email", "name@example.com"),
    (r"https?://.+", "url", "https://example.com/"),
    (r"[A-Z]{3}-\d{2,4}", "text", "AAA-11"),
    (r"(red|green|blue)", "text", "red"),
    (r"\d+", "integer", "1"),
    (r"\d{2}:\d{2}", "time", "09:30"),
])
def test_examples(pattern, kind, expected):
    assert example(pattern, kind) == expected


@pytest.mark.parametrize("pattern", [r"(a)\1", r"a{1000}", r"(?=a)a", r"[^\s\S]", "", None])
def test_no_example_where_none_can_be_shown(pattern):
    assert example(pattern) is None


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([r"\d", r"[a-f]", r"x", r"\w", r"(ab|c)", r"[A-Z0-9_]", r"\s", r"."]),
       st.lists(st.sampled_from(["", "?", "*", "+", "{2}", "{1,3}"]), min_size=1, max_size=4))
def test_every_example_matches_its_whole_pattern(atom, quantifiers):
    pattern = "-".join(atom + q for q in quantifiers)
    found = example(pattern)
    assert found is None or fullmatch(pattern, found) is True


def test_a_field_shows_its_example_and_a_mismatch_names_it():
    field = Field("start", "datetime", pattern=DATE_TIME)
    assert field.example == datetime.date.today().isoformat()
    [problem] = field.problems("last tuesday")
    assert f"(e.g. {field.example})" in problem
    assert Field("x").example is None


# -- why a request was sent ----------------------------------------------------------------------

def test_the_innermost_reason_wins_and_threads_have_their_own():
    assert current() == ""
    with because("outer"):
        with because("inner"):
            assert current() == "inner"
        assert current() == "outer"
        seen = []
        worker = threading.Thread(target=lambda: seen.append(current()),
                                  name="hyperkm-prefetch-1")
        worker.start()
        worker.join()
        assert seen == ["prefetch: the next page, in the background"]
    assert current() == ""


# -- the explorer's trace ------------------------------------------------------------------------

def test_exchanges_are_filed_under_their_visit_and_keyed_visits_are_shared():
    trace = Trace()
    page = trace.visit("page: the root")
    with trace.during(page):
        trace.record("a")
        trace.record("b")
    job = trace.visit("job at X", key="job X")
    with trace.during(job):
        trace.record("poll 1")
    again = trace.visit("job at X", key="job X")
    with trace.during(again):
        trace.record("poll 2")
    trace.record("outside")  # a background thread's exchange
    assert again is job and list(job.exchanges) == ["poll 1", "poll 2"]
    assert [v.label for v in trace.recent()] == ["in the background", "job at X",
                                                 "page: the root"]
    empty = trace.visit("a page that sent nothing")
    assert empty not in trace.recent()
    trace.clear()
    assert trace.recent() == []


# -- the map as inline SVG -----------------------------------------------------------------------

@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz (dot) is not installed")
def test_hostile_kind_names_cannot_script_the_map():
    evil = ['<script>alert(1)</script>', '" onload="alert(2)', "javascript:alert(3)",
            "&amp;&lt;", "]]><svg onload=alert(4)>"]
    graph = Graph(nodes={name: False for name in evil} | {"root": False},
                  edges={("root", e, e, False) for e in evil})
    svg = str(map_picture(graph, {"root": "/u?s=S&u=http%3A%2F%2Fh%2F", evil[0]: "/u?s=S&u=x"}))
    assert svg.startswith("<svg")
    from lxml import etree

    tree = etree.fromstring(svg)
    elements = list(tree.iter())
    assert not [e for e in elements if etree.QName(e).localname in ("script", "foreignObject")]
    assert not [name for e in elements for name in e.attrib
                if etree.QName(name).localname.lower().startswith("on")]
    assert "<script>alert(1)</script>" in "".join(tree.itertext())  # shown as text
    links = re.findall(r'<a href="([^"]*)"', svg)
    assert sorted(links) == ["/u?s=S&amp;u=http%3A%2F%2Fh%2F", "/u?s=S&amp;u=x"]


def test_a_huge_pattern_gets_no_example_and_costs_nothing():
    assert example("a" * 200_000) is None
    assert example("(" * 5_000 + "a" + ")" * 5_000) is None  # deep nesting: no example
