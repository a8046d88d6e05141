"""Done-when of the core issue: one traversal, three server styles, two URL layouts."""

import pytest

import hyperkm
from hyperkm.demo import running
from hyperkm.demo.dataset import PRODUCT_SAAS


def ident(resource) -> str:
    """A resource's KISSmetrics id: ``id``, or ``kmId`` where the format keeps ``id`` for the
    resource's IRI (ActivityStreams)."""
    data = resource.data
    return data["id"] if "id" in data else data["kmId"]


def traverse(root_url, token):
    """root -> accounts -> (the account) -> products -> (the product) -> events (all pages)
    -> follow("event", id=...). Written once; knows rels only, never a path."""
    root = hyperkm.connect(root_url, token=token)
    account = next(iter(root.follow("accounts").items()))
    products = account.follow("products")
    product = next(p for p in products.items() if p.data["name"] == "My SaaS Product")
    events = product.follow("events")
    members = list(events.items())
    chosen = members[-1]
    event = events.follow("event", id=ident(chosen))
    return account, product, members, chosen, event


@pytest.mark.parametrize("fmt", ["km", "hal", "array"])
@pytest.mark.parametrize("layout", ["km", "alt"])
def test_the_same_traversal_works_everywhere(fmt, layout):
    with running(format=fmt, layout=layout, events=45) as demo:
        account, product, members, chosen, event = traverse(demo.root_url, demo.token)
        assert account.data["name"] == "My SaaS Account"
        assert product.data["id"] == PRODUCT_SAAS
        assert len(members) == 45
        assert len({m.data["id"] for m in members}) == 45
        assert event.data == chosen.data
        assert event.url == chosen.url
        # member state came embedded: the event list pages were the only event requests
        paths = demo.stats.paths
        assert sum(n for p, n in paths.items() if "/core/events/" in p
                   or "/event-library/entries/" in p) == 1
        assert (layout == "alt") == ("/api/v9/" in event.url)


def test_len_uses_the_server_count_and_iteration_is_repeatable(demo):
    root = hyperkm.connect(demo.root_url, token=demo.token)
    events = root.follow("events", limit=10)
    items = events.items()
    before = demo.stats.requests
    assert len(items) == 45 + 12  # both products: 45 + 11 generated + the reference event
    assert demo.stats.requests - before == 1
    first = [m.data["id"] for m in items]
    second = [m.data["id"] for m in items]
    assert first == second and len(first) == 57


def test_len_counts_by_walking_when_no_total_is_given():
    with running(format="array", events=30) as demo:
        root = hyperkm.connect(demo.root_url, token=demo.token)
        product = root.follow("products").items()[0]
        items = product.follow("events").items()
        assert product.follow("events").document.page.total is None
        assert len(items) == 30


def test_follow_is_lazy(demo):
    root = hyperkm.connect(demo.root_url, token=demo.token)
    before = demo.stats.requests
    assert not root.fetched
    accounts = root.follow("accounts")
    assert demo.stats.requests - before == 1  # the root, to read its links
    assert not accounts.fetched and "not fetched" in repr(accounts)
    _ = accounts.data
    assert demo.stats.requests - before == 2


def test_refresh_fetches_again(demo):
    root = hyperkm.connect(demo.root_url, token=demo.token)
    _ = root.data
    before = demo.stats.requests
    assert root.refresh() is root
    assert demo.stats.requests == before + 1


def test_indexing_and_slicing(demo):
    root = hyperkm.connect(demo.root_url, token=demo.token)
    events = root.follow("events", limit=7).items()
    everything = [m.data["id"] for m in events]
    assert events[9].data["id"] == everything[9]
    assert [m.data["id"] for m in events[3:12]] == everything[3:12]
    assert events[-1].data["id"] == everything[-1]
    with pytest.raises(IndexError):
        events[10_000]


def test_missing_template_variable_sends_no_request(demo):
    root = hyperkm.connect(demo.root_url, token=demo.token)
    _ = root.links
    before = demo.stats.requests
    with pytest.raises(hyperkm.TemplateError) as info:
        root.follow("event")
    assert "'id'" in str(info.value)
    with pytest.raises(hyperkm.TemplateError):
        root.follow("event", id="x", idd="typo")
    assert demo.stats.requests == before


def test_link_not_found_suggests(demo):
    root = hyperkm.connect(demo.root_url, token=demo.token)
    with pytest.raises(hyperkm.LinkNotFound) as info:
        root.follow("acounts")
    assert info.value.suggestions[0] == "accounts"
    assert "accounts" in info.value.available


def test_items_of_a_non_collection_is_a_clear_error(demo):
    root = hyperkm.connect(demo.root_url, token=demo.token)
    with pytest.raises(hyperkm.DocumentError) as info:
        list(root.items())
    assert "not a collection" in str(info.value)


def test_members_without_own_url_cannot_refresh():
    with running(format="km", result_rows=3) as demo:
        root = hyperkm.connect(demo.root_url, token=demo.token)
        report = next(r for r in root.follow("reports").items()
                      if r.data["report_type"] == "people_search_v2")
        response = root.client.request("POST", report.link("run").href,
                                       json_body={"start_date": "2015-06-02",
                                                  "end_date": "2015-06-09"})
        status = root.client.resource(response.headers["Location"])
        while status.refresh().data["completed"] is False:
            pass
        rows = list(status.follow("query-results").items())
        assert [r.data[0] for r in rows] == [10000, 10001, 10002]
        with pytest.raises(hyperkm.HyperkmError):
            rows[0].refresh()


def test_breadcrumb_and_repr(demo):
    root = hyperkm.connect(demo.root_url, token=demo.token)
    product = root.follow("products").items()[0]
    events = product.follow("events")
    assert events.breadcrumb == ["products", f"[id={PRODUCT_SAAS}]", "events"]
    assert root.follow("events", limit=5).breadcrumb == ["events(limit=5)"]
    assert "name='My SaaS Product'" in repr(product)
