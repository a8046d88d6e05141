"""Every value from the API reaches the explorer's pages escaped for where it lands:
element text, attribute values, URLs. A hostile API fills every slot with markup; the page,
parsed as a browser would, must hold none of it as markup, and each form must submit exactly
the option it shows.
"""

from __future__ import annotations

import json

import pytest
from lxml import html as lxml_html
from werkzeug.test import Client

import hyperkm
from hyperkm.explore.app import ExplorerApp, option_text

from .conftest import respond

# The explorer answers from werkzeug's test client here, calling the blocking client.
pytestmark = pytest.mark.threads

EVIL = '"><script>alert(1)</script><b x="'
OPTIONS = [{"onmouseover=alert(10) x": 1}, ['"', "'"], 7, True, EVIL, "plain",
           {"</option><script>": "<!--"}]


def hostile_document(port: int) -> dict:
    base = f"http://127.0.0.1:{port}"
    return {
        "title": EVIL, "count": {"k" + EVIL: [EVIL]},
        "_links": {
            "self": {"href": base + "/core"},
            "curies": [{"name": "ex", "href": "javascript:alert(1)//{rel}", "templated": True}],
            "ex:thing": {"href": base + "/thing?q=" + EVIL.replace(" ", "%20"),
                         "title": EVIL, "name": EVIL},
            "search": {"href": base + "/search{?q}", "templated": True, "title": EVIL},
            'x" onclick="alert(2)': {"href": base + "/x"},
        },
        "_templates": {
            "default": {
                "title": EVIL, "method": "post", "contentType": "application/json",
                "properties": [
                    {"name": "choice", "prompt": EVIL,
                     "options": {"inline": [{"prompt": EVIL, "value": o} for o in OPTIONS]}},
                    {"name": 'n" onfocus="alert(3)', "regex": '"><img src=x onerror=alert(4)>',
                     "value": EVIL},
                ],
            },
        },
    }


@pytest.fixture
def page(raw_server):
    def handle(request, conn, server):
        respond(conn, 200, json.dumps(hostile_document(server.port)),
                content_type="application/prs.hal-forms+json")

    server = raw_server(handle)
    app = ExplorerApp(hyperkm.connect(server.url + "/core"), secret="s")
    answer = Client(app).get("/?s=s", headers={"Host": "127.0.0.1"})
    assert answer.status_code == 200
    return lxml_html.fromstring(answer.get_data(as_text=True))


def test_no_markup_from_the_api_survives(page):
    scripts = page.xpath("//script")
    assert [s.get("src", "").split("?")[0] for s in scripts] == ["/static/explore.js"]
    assert not page.xpath("//img") and not page.xpath("//b[@x]")
    for element in page.iter():
        if not isinstance(element.tag, str):
            continue
        for name in element.attrib:
            assert not name.lower().startswith("on"), (element.tag, name)
            assert name.isascii() and '"' not in name


def test_every_url_in_the_page_is_http_or_the_explorers_own(page):
    for element in page.iter():
        for attr in ("href", "src", "action", "data-preview", "data-poll"):
            value = element.get(attr) if isinstance(element.tag, str) else None
            if value:
                assert value.startswith(("/", "http://", "https://")), (element.tag, value)
                assert "javascript:" not in value.lower()


def test_each_option_submits_what_it_shows(page):
    options = page.xpath("//select[@name='f_choice']/option[@value!='']")
    shown = [(o.get("value"), o.text_content()) for o in options]
    assert shown == [(option_text(o), option_text(o)) for o in OPTIONS]


def test_hostile_text_is_shown_as_text(page):
    assert EVIL in page.text_content()  # visible to the user, as the characters it is
