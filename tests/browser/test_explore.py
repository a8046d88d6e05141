"""`hyperkm explore` in a real browser: clicking through an API, templates with a live
preview, an action that starts a job, the cache in the trace, URLs that survive a relayout,
and the security of a local web server. Screenshots of the main views go into the docs."""

from __future__ import annotations

import json
import os
import pathlib
import re

import pytest
import requests

import hyperkm
from hyperkm.demo.dataset import REPORT_PEOPLE

from ..support import ScriptedServer

DOCS = pathlib.Path(__file__).parents[2] / "docs"


def screenshot(page, name: str, tmp_path: pathlib.Path) -> None:
    """Take a screenshot; into docs/ only when asked (HYPERKM_SCREENSHOTS=1), so that running
    the tests leaves a clean clone clean."""
    folder = DOCS if os.environ.get("HYPERKM_SCREENSHOTS") else tmp_path
    page.screenshot(path=str(folder / name), full_page=False)
    assert (folder / name).stat().st_size > 1000


def click_rel(page, rel: str) -> None:
    page.locator("#links a.rel", has_text=re.compile(rf"^(km:)?{re.escape(rel)}$")).first.click()
    page.wait_for_load_state()


def click_member(page, text: str) -> None:
    page.locator("#members tr", has_text=text).locator("a").first.click()
    page.wait_for_load_state()


def test_click_through_the_api_and_page_forward(explorer, page, tmp_path):
    page.goto(explorer.url)
    assert "KISSmetrics API" in page.inner_text("#state")
    screenshot(page, "explore-root.png", tmp_path)
    click_rel(page, "accounts")
    click_member(page, "My SaaS Account")
    click_rel(page, "products")
    click_member(page, "My SaaS Product")
    click_rel(page, "events")
    assert "45" in page.inner_text("#total")
    assert page.locator("#members tbody tr").count() == 20
    first = page.inner_text("#members tbody tr:first-child")
    screenshot(page, "explore-collection.png", tmp_path)
    page.locator("nav.paging a[rel=next]").click()
    page.wait_for_load_state()
    assert page.inner_text("#members tbody tr:first-child") != first
    # the breadcrumb is the trail, each element a link back
    crumbs = page.locator("nav.crumbs a")
    assert crumbs.count() >= 6 and "next" in page.inner_text("nav.crumbs")


def test_a_template_form_previews_its_url_before_following(explorer, page):
    page.goto(explorer.url)
    click_rel(page, "events")
    form = page.locator("form.template", has=page.locator("input[name=v_id]")).first
    form.locator("input[name=v_id]").fill("d71bf5f0-3de7-0131-aa07-1231392acb4b")
    preview = form.locator("output.preview")
    preview.filter(has_text="d71bf5f0").wait_for()
    assert preview.inner_text().endswith("/events/d71bf5f0-3de7-0131-aa07-1231392acb4b")
    form.locator("button").click()
    page.wait_for_load_state()
    assert "d71bf5f0-3de7-0131-aa07-1231392acb4b" in page.inner_text("#url")
    assert "display_name" in page.inner_text("#state")


def test_template_variables_are_placeholders_until_typed_and_refused_on_submit(explorer, page):
    page.goto(explorer.url)
    form = page.locator("form.template", has=page.locator("input[name=v_id]")).first
    preview = form.locator("output.preview")
    preview.filter(has_text="fill in").wait_for()  # no red error before anyone types
    assert "missing" not in preview.inner_text()
    assert form.locator("input[name=v_id]").get_attribute("placeholder") == "id"
    form.locator("input[name=v_id]").fill("abc")
    preview.filter(has_text="/abc").wait_for()  # the live URL once a value is there
    # a missing variable is refused on submit, by the server (the browser's check aside)
    page.goto(explorer.url.replace("/?", "/go?") + "&t=&rel=" + form.locator(
        "input[name=rel]").get_attribute("value"))
    assert "missing" in page.inner_text("body")


def test_run_a_report_through_its_form_see_progress_then_the_rows(explorer, page, tmp_path):
    visited = []
    page.on("response", lambda response: visited.append(response.url))
    page.goto(explorer.url)
    report_form = page.locator("tr", has=page.locator("a.rel, span.rel",
                                                         has_text=re.compile(r"^km:report$")))
    report_form.locator("input[name=v_id]").fill(REPORT_PEOPLE)
    report_form.locator("button").click()
    page.wait_for_load_state()
    assert "My People Search" in page.inner_text("#state")
    action = page.locator("#action-run")
    action.locator("input[name=f_start_date]").fill("2015-06-02")
    action.locator("input[name=f_end_date]").fill("2015-06-09")
    screenshot(page, "explore-action.png", tmp_path)
    action.locator("button").click()
    page.wait_for_selector("#members")  # the job page followed the job to its result
    assert any("/job?" in url for url in visited)  # the progress page was shown
    assert any("/job.json?" in url for url in visited)  # and it polled by itself
    headers = page.locator("#members thead th").all_inner_texts()
    assert headers[1:] == ["KMID", "Person", "Visited Site"]
    assert page.locator("#members tbody tr").count() == 20


def test_form_errors_are_shown_next_to_the_fields(explorer, page):
    page.goto(explorer.url)
    report_form = page.locator("tr", has=page.locator("span.rel, a.rel",
                                                         has_text=re.compile(r"^km:report$")))
    report_form.locator("input[name=v_id]").fill(REPORT_PEOPLE)
    report_form.locator("button").click()
    page.wait_for_load_state()
    action = page.locator("#action-run")
    # the browser's own checks (required, pattern) first: bypass them to reach the server
    page.evaluate("document.querySelector('#action-run').noValidate = true")
    action.locator("input[name=f_start_date]").fill("last tuesday")
    action.locator("button").click()
    page.wait_for_load_state()
    problems = page.inner_text("#action-run .problems")
    assert "must match" in problems and "'end_date' is required" in problems
    assert "POST" not in explorer.demo.stats.by_method  # nothing was sent to the API
    # what was typed is kept, to be corrected
    assert page.input_value("#action-run input[name=f_start_date]") == "last tuesday"


def test_revisiting_shows_the_304_in_the_trace(explorer, page):
    page.goto(explorer.url)
    click_rel(page, "accounts")
    page.goto(explorer.url)
    click_rel(page, "accounts")
    trace = page.inner_text("#trace")
    assert "304" in trace and "revalidated" in trace
    assert "revalidated" in page.inner_text("#outcome")


def test_a_saved_explorer_url_survives_the_server_moving_its_urls(explorer, page):
    page.goto(explorer.url)
    click_rel(page, "products")
    click_member(page, "My SaaS Product")
    saved = page.url
    name_before = page.inner_text("#state")
    explorer.demo.switch_layout("alt", mode="301")
    page.goto(saved)
    assert "/api/v9/" in page.inner_text("#url")
    assert "My SaaS Product" in page.inner_text("#state") and "My SaaS Product" in name_before


def test_it_works_without_javascript(browser, explorer):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(explorer.url)
        click_rel(page, "events")
        form = page.locator("form.template", has=page.locator("input[name=v_id]")).first
        form.locator("input[name=v_id]").fill("d71bf5f0-3de7-0131-aa07-1231392acb4b")
        form.locator("button").click()
        page.wait_for_load_state()
        assert "d71bf5f0" in page.inner_text("#url")
    finally:
        context.close()


def test_the_secret_and_a_loopback_host_are_required(explorer):
    base = explorer.url.split("?", 1)[0]
    assert requests.get(base, timeout=5).status_code == 403
    assert requests.get(base + "?s=wrong", timeout=5).status_code == 403
    assert requests.get(explorer.url, timeout=5, headers={"Host": "evil.example"}).status_code \
        == 403
    assert requests.get(explorer.url, timeout=5, headers={
        "Host": f"attacker.example:{explorer.port}"}).status_code == 403
    page = requests.get(explorer.url, timeout=5)
    assert page.status_code == 200 and "script-src 'self'" in page.headers[
        "Content-Security-Policy"]
    assert explorer.demo.token not in page.text  # the token never reaches the browser
    # state changes are POSTs that carry the secret
    assert requests.post(base.rstrip("/") + "/do", data={"action": "run"},
                         timeout=5).status_code == 403


def test_a_hostile_api_cannot_script_the_explorer(browser, page):
    from hyperkm.explore import ExplorerServer

    hostile = {
        "links": [{"rel": "<script>alert('rel')</script>", "href": "javascript:alert('href')"},
                  {"rel": "x\" onmouseover=\"alert('attr')", "href": "/ok"},
                  {"rel": "self", "href": "/core"}],
        "data": {"name": "<img src=x onerror=alert('state')>",
                 "links": []},
        "meta": {},
    }
    routes = {"/core": (200, {"Content-Type": "application/json"}, json.dumps(hostile))}
    with ScriptedServer(routes) as api:
        root = hyperkm.connect(api.url + "/core")
        with ExplorerServer(root) as server:
            page.goto(server.url)
            page.mouse.move(200, 300)
            page.wait_for_timeout(300)
            assert page.dialogs == []
            assert page.locator("a[href^='javascript']").count() == 0
            assert "<img src=x onerror=alert('state')>" in page.inner_text("#state")
            assert page.locator("img").count() == 0


def test_the_map_links_to_each_kind(explorer, page):
    page.goto(explorer.url.replace("/?", "/map?"))
    kinds = page.locator("ul.kinds a")
    assert kinds.count() >= 5
    kinds.filter(has_text="root").first.click()
    page.wait_for_load_state()
    assert "KISSmetrics API" in page.inner_text("#state")


@pytest.mark.parametrize("fmt", ["siren", "jsonapi", "collection+json", "html", "km", "hydra",
                                 "odata", "activitystreams"])
def test_every_format_the_library_reads(browser, fmt):
    from hyperkm.demo import running
    from hyperkm.explore import ExplorerServer

    with running(format=fmt) as demo:
        root = hyperkm.connect(demo.root_url, token=demo.token)
        with ExplorerServer(root) as server:
            context = browser.new_context()
            page = context.new_page()
            try:
                page.goto(server.url)
                click_rel(page, "events")
                assert page.locator("#members tbody tr").count() == 20
                assert fmt.replace("km", "kissmetrics") in page.inner_text("section.where")
            finally:
                context.close()


def test_the_command_line(tmp_path):
    import os
    import subprocess
    import sys

    env = {**os.environ, "HYPERKM_TOKEN": ""}
    proc = subprocess.Popen([sys.executable, "-m", "hyperkm", "explore", "--demo",
                             "--no-browser", "--port", "0"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        url = None
        for line in proc.stdout:
            if "open http" in line:
                url = line.split("open ", 1)[1].strip()
                break
        assert url and url.startswith("http://127.0.0.1:") and "?s=" in url
        page = requests.get(url, timeout=10)
        assert page.status_code == 200 and "KISSmetrics API" in page.text
    finally:
        proc.terminate()
        proc.communicate(timeout=10)  # closes both pipes


def test_embedded_resources_open_without_a_request(browser, page):
    from hyperkm.explore import ExplorerServer

    order = {"_links": {"self": {"href": "/orders/7"}}, "total": 30,
             "_embedded": {"customer": {"_links": {"self": {"href": "/customers/1"}},
                                        "name": "Kate"}}}
    routes = {"/orders/7": (200, {"Content-Type": "application/hal+json"}, json.dumps(order))}
    with ScriptedServer(routes) as api:
        root = hyperkm.connect(api.url + "/orders/7")
        with ExplorerServer(root) as server:
            page.goto(server.url)
            asked = len(api.requests)
            details = page.locator("details.embedded")
            assert details.count() == 1 and "/customers/1" in details.inner_text()
            details.locator("summary").click()
            assert "Kate" in details.locator("pre").inner_text()
            assert len(api.requests) == asked  # it was embedded: nothing fetched
