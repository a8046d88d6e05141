"""What a person at a Python REPL sees: repr, [rel], attribute rels, dir(), pretty printing."""

import pytest

import hyperkm


def test_repr_before_and_after_fetching(demo):
    root = hyperkm.connect(demo.root_url, token=demo.token)
    assert repr(root) == f"<Resource {demo.root_url} (not fetched)>"
    _ = root.data
    text = repr(root)
    assert "name='KISSmetrics API'" in text and "rels=[self, accounts, products" in text


def test_collection_repr_counts_members(demo):
    events = hyperkm.connect(demo.root_url, token=demo.token).follow("events")
    _ = events.data
    assert "collection: 20 on this page of 57" in repr(events)


def test_item_access_and_key_completion(demo):
    root = hyperkm.connect(demo.root_url, token=demo.token)
    assert root["accounts"].items()[0].data["name"] == "My SaaS Account"
    assert "accounts" in root._ipython_key_completions_()
    with pytest.raises(hyperkm.LinkNotFound):
        root["acounts"]
    with pytest.raises(TypeError):
        root[0]


def test_attribute_rels_and_dir(demo):
    root = hyperkm.connect(demo.root_url, token=demo.token)
    assert "accounts" not in dir(root)  # dir() sends no request
    assert root.accounts.items()[0].data["name"] == "My SaaS Account"
    assert "accounts" in dir(root) and "follow" in dir(root)
    with pytest.raises(AttributeError) as info:
        _ = root.acounts
    assert "did you mean 'accounts'" in str(info.value)
    with pytest.raises(AttributeError):
        _ = root._private


def test_ipython_and_rich_pretty_printing(demo):
    root = hyperkm.connect(demo.root_url, token=demo.token)

    class Printer:
        def __init__(self):
            self.out = []

        def text(self, s):
            self.out.append(s)

    printer = Printer()
    root._repr_pretty_(printer, False)
    assert "not fetched" in printer.out[0]
    _ = root.links
    printer = Printer()
    root._repr_pretty_(printer, False)
    shown = printer.out[0]
    assert "rel" in shown and "accounts" in shown and "[vars: id]" in shown
    printer = Printer()
    root.links._repr_pretty_(printer, False)
    assert printer.out[0].startswith("rel")

    from rich.console import Console

    console = Console(record=True, width=140)
    console.print(root.links)
    text = console.export_text()
    assert "accounts" in text and "┃ rel" in text


def test_plain_repl_tab_completion_lists_rels_templated_ones_included(demo):
    import rlcompleter

    root = hyperkm.connect(demo.root_url, token=demo.token)
    _ = root.data  # completion never fetches; a fetched root offers its rels
    completer = rlcompleter.Completer({"root": root})
    matches = []
    for state in range(500):
        match = completer.complete("root.", state)
        if match is None:
            break
        matches.append(match)
    assert "root.accounts" in matches and "root.event" in matches  # {id} needs a value
    assert not hasattr(root, "event")  # AttributeError, saying what to do
    with pytest.raises(AttributeError, match=r"follow\('event', id=\.\.\.\)"):
        _ = root.event


def test_link_repr_shows_only_the_fields_it_has():
    link = hyperkm.Link.create("next", "http://h/x?page=2", title="Next page")
    assert repr(link) == "Link(rel='next', href='http://h/x?page=2', title='Next page')"
    assert "None" not in repr(hyperkm.Link.create("self", "http://h/"))


def test_items_repr_says_what_is_at_hand_without_a_request(demo):
    root = hyperkm.connect(demo.root_url, token=demo.token)
    events = root.follow("accounts").items()[0].follow("products").items()[0].follow("events")
    assert repr(events.items()).endswith("(not fetched)>")
    before = demo.stats.requests
    _ = events.data
    text = repr(events.items())
    assert "45 members" in text and "first: " in text
    assert demo.stats.requests == before + 1  # repr itself sent nothing


def test_errors_render_as_their_message_in_ipython(demo):
    root = hyperkm.connect(demo.root_url, token=demo.token)
    with pytest.raises(hyperkm.LinkNotFound) as info:
        root.follow("acounts")
    (line,) = info.value._render_traceback_()  # IPython's hook for custom tracebacks
    assert line.startswith("LinkNotFound: ") and "did you mean" in line


def test_a_job_shows_its_state_and_progress(demo):
    root = hyperkm.connect(demo.root_url, token=demo.token)
    run = root.follow("report", id="64361c30-4a48-0131-0cbb-22000a9f1c0f").follow("run")
    job = run.post({"start_date": "2015-06-02", "end_date": "2015-06-09"})
    assert repr(job).startswith("<Job ") and "(not fetched)" in repr(job)
    job.refresh()
    assert "%" in repr(job) and ".wait()" in repr(job)
