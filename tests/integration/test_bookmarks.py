"""Bookmarks that survive URL changes — proved on the demo's layout switch, in both modes."""

import json

import pytest

import hyperkm
from hyperkm.demo import running
from hyperkm.demo.dataset import PRODUCT_SAAS, REPORT_PEOPLE


def connect(demo):
    return hyperkm.connect(demo.root_url, token=demo.token)


def product_events(root):
    product = next(p for p in root.follow("products").items() if p.data["id"] == PRODUCT_SAAS)
    return product.follow("events")


def one_event(root):
    return root.follow("events").items()[25]  # on the second page


def run_results(root):
    """A finished report run's results, reached by links (report -> queries -> run)."""
    report = next(r for r in root.follow("reports").items() if r.data["id"] == REPORT_PEOPLE)
    job = report.follow("run").post({"start_date": "2015-06-02", "end_date": "2015-06-09"})
    job.wait(interval=0.01)
    qid = job.refresh().data.get("query_guid") or job.url.rstrip("/").split("/")[-2]
    run = next(q for q in report.follow("queries").items() if q.data["id"] == qid)
    return run.follow("query-results")


def count_requests(root):
    seen = []
    root.client.on_exchange.append(seen.append)
    return seen


def test_trail_is_readable(demo):
    events = product_events(connect(demo))
    assert str(events.trail) == "/ › products › [id=e706…] › events"
    assert [s.kind for s in events.trail] == ["rel", "member", "rel"]
    event = connect(demo).follow("event", id="d71bf5f0-3de7-0131-aa07-1231392acb4b")
    assert str(event.trail) == "/ › event(id=d71bf5f0-3de7-0131-aa07-1231392acb4b)"


def test_bookmark_is_small_json(demo):
    mark = json.loads(product_events(connect(demo)).bookmark())
    assert mark["format"] == "hyperkm-bookmark/1" and mark["url"].endswith("/events")
    assert mark["trail"][1] == {"member": {"id": PRODUCT_SAAS}}
    assert "demo-token" not in json.dumps(mark)


def test_open_goes_straight_to_the_url_when_nothing_moved(demo):
    mark = product_events(connect(demo)).bookmark()
    before = demo.stats.requests
    resource = hyperkm.open(mark, token=demo.token, root=demo.root_url)
    assert len(resource.items()) == 45
    assert demo.stats.requests - before == 1
    assert str(resource.trail) == "/ › products › [id=e706…] › events"


@pytest.mark.parametrize("mode", ["404", "301"])
@pytest.mark.parametrize("target", [product_events, one_event, run_results])
def test_bookmarks_survive_the_layout_switch(mode, target):
    with running(job_polls=1) as demo:
        original = target(connect(demo))
        expected = original.data
        mark = original.bookmark()
        trail_length = len(original.trail) + 1  # the root is the trail's first element
        demo.switch_layout("alt", mode=mode)
        root = hyperkm.Client(demo.root_url if mode == "404" else json.loads(mark)["root"],
                              token=demo.token)
        seen = count_requests(root.root)
        bookmark = hyperkm.Bookmark.from_json(mark)
        resource = root.open(bookmark, root=demo.root_url if mode == "404" else None)
        assert resource.data == expected
        assert "/api/v9/" in resource.url and bookmark.url == resource.url  # updated
        assert seen[0].status == int(mode)
        if mode == "301":
            # The server said where it went: followed, no re-walk, no extra request.
            assert [e.status for e in seen] == [301, 200]
        else:
            # After the 404, the re-walk costs at most one request per element of the trail.
            rewalk = seen[1:]
            assert 0 < len(rewalk) <= trail_length, [e.url for e in seen]
        # the updated bookmark now goes straight there
        again = hyperkm.open(resource.bookmark(), token=demo.token, root=demo.root_url)
        assert again.url == resource.url and again.data == expected


def test_a_removed_rel_fails_with_the_step_and_what_exists(demo):
    mark = json.loads(product_events(connect(demo)).bookmark())
    mark["trail"][2]["rel"] = "happenings"
    mark["url"] = demo.root_url + "/gone"
    with pytest.raises(hyperkm.BookmarkError) as info:
        hyperkm.open(json.dumps(mark), token=demo.token, root=demo.root_url)
    err = info.value
    assert err.step == 3 and "step 3 of 3 (happenings)" in str(err)
    assert "events" in err.available and "reports" in err.available


def test_a_member_that_is_gone_fails_clearly(demo):
    mark = json.loads(product_events(connect(demo)).bookmark())
    mark["trail"][1] = {"member": {"id": "00000000-0000-0000-0000-000000000000"}}
    mark["url"] = demo.root_url + "/gone"
    with pytest.raises(hyperkm.BookmarkError) as info:
        hyperkm.open(json.dumps(mark), token=demo.token, root=demo.root_url)
    assert "step 2 of 3" in str(info.value) and "no member with id=" in str(info.value)


def test_steps_that_came_from_a_write_are_never_replayed():
    with running(job_polls=1) as demo:
        root = connect(demo)
        report = next(r for r in root.follow("reports").items() if r.data["id"] == REPORT_PEOPLE)
        job = report.follow("run").post({"start_date": "2015-06-02", "end_date": "2015-06-09"})
        results = job.wait(interval=0.01)
        assert "(POST → 202)" in str(results.trail)
        mark = results.bookmark()
        demo.switch_layout("alt", mode="404")
        jobs_before = demo.stats.by_method.get("POST", 0)
        with pytest.raises(hyperkm.BookmarkError) as info:
            hyperkm.open(mark, token=demo.token, root=demo.root_url)
        assert "never replays" in str(info.value)
        assert demo.stats.by_method.get("POST", 0) == jobs_before


def test_member_key_can_be_named(demo):
    events = product_events(connect(demo))
    product_step = json.loads(events.bookmark(member_key="name"))["trail"][1]
    assert product_step == {"member": {"name": "My SaaS Product"}}
    with pytest.raises(hyperkm.BookmarkError):
        events.bookmark(member_key="colour")


def test_not_a_bookmark():
    for text in ("{}", "nope", json.dumps({"format": "other"})):
        with pytest.raises(hyperkm.BookmarkError):
            hyperkm.open(text)


def test_rewalk_when_the_url_is_gone_and_the_root_redirects():
    with running() as demo:
        original = product_events(connect(demo))
        mark = json.loads(original.bookmark())
        mark["url"] = demo.root_url + "/no/longer/here"  # a 404 in either layout
        demo.switch_layout("alt", mode="301")
        client = hyperkm.Client(mark["root"], token=demo.token)
        seen = count_requests(client.root)
        resource = client.open(json.dumps(mark))
        assert resource.url.endswith("/event-library") and len(resource.items()) == 45
        statuses = [e.status for e in seen]
        # the 404, then the old root's 301 (the root moved), then one request per element
        assert statuses[:2] == [404, 301]
        assert len(seen) - 2 <= len(original.trail) + 1
        assert client.root_url == demo.root_url  # the client now knows the new root
        assert json.loads(resource.bookmark())["root"] == demo.root_url


@pytest.mark.parametrize("concurrency", [1, 4])
def test_a_page_of_a_collection_is_bookmarked_by_its_number(concurrency):
    # Pages hang off their collection: page 3's trail said "next" once, and after the URLs
    # moved the re-walk landed on page 2. It says "page 3" now, and is walked to again.
    with running(events=130) as demo:
        events = product_events(connect(demo))
        page = list(events.pages(concurrency=concurrency))[2]
        expected = [m.data["id"] for m in page.items(max_pages=1)]
        mark = page.bookmark()
        assert str(page.trail).endswith("events › page 3")
        assert json.loads(mark)["trail"][-1] == {"page": 3}
        demo.switch_layout("alt", mode="404")
        again = connect(demo).client.open(mark, root=demo.root_url)
        assert "/api/v9/" in again.url
        assert [m.data["id"] for m in again.items(max_pages=1)] == expected


def test_a_bookmarked_page_past_the_end_says_how_many_there_are():
    with running(events=130) as demo:
        events = product_events(connect(demo))
        mark = json.loads(list(events.pages())[6].bookmark())
        mark["trail"][-1] = {"page": 40}
        demo.switch_layout("alt", mode="404")
        with pytest.raises(hyperkm.BookmarkError, match="has 7 pages now, not 40"):
            connect(demo).client.open(json.dumps(mark), root=demo.root_url)


@pytest.mark.parametrize("fmt", ["hal", "siren", "collection+json", "hydra"])
def test_the_result_of_a_get_form_is_bookmarked_by_the_form_and_its_values(fmt):
    # A search (a GET form) is safe to submit again: its result was an "opaque" step that
    # could not be re-walked, as if it came from a write.
    with running(format=fmt, events=130) as demo:
        events = product_events(connect(demo))
        found = events.action("page").submit(limit=5, offset=40)
        expected = [m.data["id"] for m in found.items(max_pages=1)]
        mark = found.bookmark()
        assert json.loads(mark)["trail"][-1] == {"action": "page",
                                                  "values": {"limit": 5, "offset": 40}}
        assert str(found.trail).endswith("events › (page: limit=5, offset=40)")
        demo.switch_layout("alt", mode="404")
        again = connect(demo).client.open(mark, root=demo.root_url)
        assert "/api/v9/" in again.url
        assert [m.data["id"] for m in again.items(max_pages=1)] == expected


def test_a_form_that_turned_into_a_write_is_not_replayed():
    from hyperkm._bookmarks import TrailStep, _submit_again

    with running(format="hal") as demo:
        report = next(r for r in connect(demo).follow("reports").items()
                      if r.data["id"] == REPORT_PEOPLE)
        with pytest.raises(hyperkm.BookmarkError, match="now sends POST"):
            _submit_again(report, TrailStep("action", name="run", variables=()))
