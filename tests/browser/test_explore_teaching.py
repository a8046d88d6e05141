"""The explorer as a newcomer and a classroom meet it (in Chromium): a link that takes only
POST opens a request form, the job page shows what was sent and each poll, the trace says why
each exchange happened and can be cleared, the map is a picture, the demo moves its URLs from
the page, and raw patterns come with an example."""

from __future__ import annotations

import json
import re
import shutil

import pytest

import hyperkm
from hyperkm.demo import running
from hyperkm.demo.dataset import REPORT_PEOPLE

from .test_explore import click_member, click_rel, screenshot


@pytest.fixture
def km_explorer():
    from hyperkm.explore import ExplorerServer

    with running(format="km", job_polls=3) as demo:
        root = hyperkm.connect(demo.root_url, token=demo.token)
        with ExplorerServer(root, demo=demo) as server:
            server.demo = demo
            yield server


def open_run(page, explorer) -> None:
    page.goto(explorer.url)
    click_rel(page, "reports")
    click_member(page, "My People Search")
    click_rel(page, "run")


def test_a_link_that_takes_only_post_opens_a_request_form(km_explorer, page, tmp_path):
    open_run(page, km_explorer)
    assert "broken" not in page.inner_text("main")
    assert "405" in page.inner_text("#no-get") and "POST" in page.inner_text("#no-get")
    assert page.locator("#request-form select[name=method] option").all_inner_texts() == ["POST"]
    # pre-filled with the fields the API describes (its OPTIONS answer)
    assert set(json.loads(page.input_value("#request-body"))) == {"start_date", "end_date"}
    screenshot(page, "explore-request.png", tmp_path)
    page.fill("#request-body", '{"start_date": "2015-06-02"}')
    page.click("#request-form button")
    page.wait_for_load_state()
    assert "'end_date' is required" in page.inner_text("#request-form .error")
    assert page.input_value("#request-body") == '{"start_date": "2015-06-02"}'  # kept
    page.fill("#request-body", "[not json")
    page.click("#request-form button")
    page.wait_for_load_state()
    assert "not a JSON object" in page.inner_text("#request-form .error")


def test_the_job_page_shows_the_request_its_location_and_each_poll(km_explorer, page, tmp_path):
    visited = []
    page.on("response", lambda response: visited.append(response.url))
    open_run(page, km_explorer)
    page.fill("#request-body", '{"start_date": "2015-06-02", "end_date": "2015-06-09"}')
    page.click("#request-form button")
    page.wait_for_selector("#job-sent")
    sent = page.inner_text("#job-sent")
    assert sent.startswith("> POST ") and "/run" in sent and '"end_date": "2015-06-09"' in sent
    assert page.inner_text("#job-location").endswith("/status")
    page.locator("#job-polls tbody tr").nth(1).wait_for()
    reasons = page.locator("#job-polls tbody td:first-child").all_inner_texts()
    assert reasons[:2] == ["job poll 1", "job poll 2"]
    screenshot(page, "explore-job.png", tmp_path)
    page.wait_for_selector("#members", timeout=15000)  # then on to the result by itself
    assert page.locator("#members thead th").all_inner_texts()[1:] == [
        "KMID", "Person", "Visited Site"]
    assert any("/job.json?" in url for url in visited)


def test_the_trace_says_why_groups_by_page_and_clears(km_explorer, page):
    page.goto(km_explorer.url)
    click_rel(page, "accounts")
    first = page.locator("#trace details.visit").first
    assert first.locator(".visit-label").inner_text() == "page: the root › accounts"
    reasons = first.locator("td.why").all_inner_texts()
    assert reasons == ["re-walking the trail: the root (then 1 step)", "this page"]
    assert page.locator("#trace details.visit").count() == 2  # the root's page, then this
    # typing into a template form asks nothing of the API (the page's links are at hand)
    page.goto(km_explorer.url)
    before = page.locator("#trace tr").count()
    form = page.locator("form.template", has=page.locator("input[name=v_id]")).first
    form.locator("input[name=v_id]").type("abc", delay=30)
    form.locator("output.preview", has_text="abc").wait_for()
    page.reload()
    assert "template preview" not in page.inner_text("#trace")
    assert page.locator("#trace tr").count() > before  # the reload's own exchanges only
    page.click("#trace-clear button")
    page.wait_for_load_state()
    assert page.locator("#trace details.visit").count() == 1  # only the page shown after
    assert page.inner_text("#trace .visit-label") == "page: the root"


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz (dot) is not installed")
def test_the_map_is_the_picture_hyperkm_map_draws_each_kind_a_link(explorer, page):
    page.goto(explorer.url.replace("/?", "/map?"))
    kinds = page.locator("#map-picture svg a.kind")
    assert kinds.count() >= 5
    assert page.locator("#map-picture svg script").count() == 0
    kinds.filter(has_text="root").first.click()
    page.wait_for_load_state()
    assert "KISSmetrics API" in page.inner_text("#state")


def test_the_demo_moves_its_urls_from_the_page_and_the_page_survives(explorer, page, tmp_path):
    page.goto(explorer.url)
    click_rel(page, "products")
    click_member(page, "My SaaS Product")
    saved = page.url
    assert "/core/products/" in page.inner_text("#url")
    page.click("#relayout button")
    page.wait_for_load_state()
    assert page.url == saved  # back on the same explorer URL
    assert "/api/v9/" in page.inner_text("#url")  # which now lands on the moved resource
    assert "My SaaS Product" in page.inner_text("#state")
    assert "alt" in page.inner_text("#relayout")
    screenshot(page, "explore-relayout.png", tmp_path)
    page.goto(saved)
    assert "My SaaS Product" in page.inner_text("#state")


def test_a_raw_pattern_comes_with_an_example_that_fits_it(explorer, page):
    page.goto(explorer.url)
    form = page.locator("tr", has=page.locator("a.rel, span.rel",
                                               has_text=re.compile(r"^km:report$")))
    form.locator("input[name=v_id]").fill(REPORT_PEOPLE)
    form.locator("button").click()
    page.wait_for_load_state()
    example = page.inner_text("#action-run small.pattern code.example")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", example)
    field = page.locator("#action-run input[name=f_start_date]")
    assert field.get_attribute("placeholder") == f"e.g. {example}"
    field.fill(example)
    page.locator("#action-run input[name=f_end_date]").fill(example)
    page.locator("#action-run button").click()
    page.wait_for_selector("#job-sent")  # the example was accepted: the job started


def test_the_lesson_in_docs_teaching_md(explorer, page):
    """docs/teaching.md, steps 1 to 3, as a teacher clicks them (HAL, as the page says)."""
    page.goto(explorer.url)
    assert page.locator("#links a.docs").count() > 0  # the API's own rel documentation
    click_rel(page, "reports")
    click_member(page, "My People Search")
    saved = page.url
    page.click("#trace-clear button")  # step 2: clear, reload, the 304s
    page.wait_for_load_state()
    page.reload()
    group = page.locator("#trace details.visit").first
    rows = group.locator("tr").all_inner_texts()
    walked = [r for r in rows if r.startswith("re-walking the trail")]
    assert len(walked) == 2 and all("304" in r and "revalidated" in r for r in walked), rows
    assert "If-None-Match" in page.inner_text("#headers")
    page.click("#relayout button")  # step 3: every URL moves; the same page lands
    page.wait_for_load_state()
    assert page.url == saved and "/api/v9/" in page.inner_text("#url")
    assert "My People Search" in page.inner_text("#state")
    page.click("#relayout button")  # and back
    page.wait_for_load_state()
    assert "/core/" in page.inner_text("#url")


def test_a_method_that_is_no_token_is_refused_before_anything_is_sent(km_explorer, page):
    open_run(page, km_explorer)
    t = page.input_value("#request-form input[name=t]")
    send = km_explorer.url.replace("/?", "/send?")
    answer = page.request.post(send, form={"t": t, "method": "PO ST\r\nX: y", "body": "{}"})
    assert answer.status == 422 and "is not an HTTP method" in answer.text()
    assert "PO ST" not in km_explorer.demo.stats.snapshot()["by_method"]
    assert km_explorer.demo.stats.snapshot()["by_method"].get("POST", 0) == 0
