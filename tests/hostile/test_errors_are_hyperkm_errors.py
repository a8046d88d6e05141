"""Every error hyperkm raises is a HyperkmError, and what an error quotes is bounded.

Odd file-system states under ``connect(cache=DIR)``, and documents built to make error
messages huge (a million options, a 1 MB value, a million links) — each must give a short
``HyperkmError``, never a raw ``OSError`` or a 10 MB message.
"""

from __future__ import annotations

import pytest

import hyperkm
from hyperkm import Action, Field
from hyperkm._exceptions import MAX_MESSAGE


def marker_is_a_directory(path):
    (path / "CACHEDIR.TAG").mkdir(parents=True)


def marker_is_a_dangling_link(path):
    path.mkdir()
    (path / "CACHEDIR.TAG").symlink_to(path / "nowhere")


def parent_is_a_file(path):
    path.parent.mkdir(exist_ok=True)
    (path.parent / "file").write_text("x")
    return path.parent / "file" / "cache"


def name_too_long(path):
    return path / ("x" * 300)  # ENAMETOOLONG, whoever runs the test (root included)


@pytest.mark.parametrize("make", [marker_is_a_directory, marker_is_a_dangling_link,
                                  parent_is_a_file, name_too_long])
def test_odd_cache_directories_are_configuration_errors(tmp_path, make):
    path = tmp_path / "cache"
    chosen = make(path) or path
    with pytest.raises(hyperkm.ConfigurationError) as info:
        hyperkm.connect("http://127.0.0.1:1/", cache=str(chosen))
    assert "cache" in str(info.value)


def test_a_marker_that_is_a_directory_is_left_as_it_was(tmp_path):
    path = tmp_path / "cache"
    marker_is_a_directory(path)
    with pytest.raises(hyperkm.ConfigurationError):
        hyperkm.DirectoryCache(path)
    assert (path / "CACHEDIR.TAG").is_dir() and list((path / "CACHEDIR.TAG").iterdir()) == []


def test_a_million_options_give_a_short_message():
    options = tuple(f"option-{i}" for i in range(1_000_000))
    action = Action("x", "POST", "https://h/x", fields=(Field("v", options=options),))
    with pytest.raises(hyperkm.FormError) as info:
        action.validate(v="nope")
    assert len(str(info.value)) <= MAX_MESSAGE + 100
    assert "1,000,000 in all" in str(info.value)
    assert info.value.problems  # the whole story stays on the error


def test_a_huge_value_is_quoted_in_part():
    action = Action("x", "POST", "https://h/x", fields=(Field("v", pattern="[0-9]+"),))
    with pytest.raises(hyperkm.FormError) as info:
        action.validate(v="a" * 1_000_000)
    assert len(str(info.value)) < 1000 and "characters cut" in str(info.value)


def test_a_million_links_give_a_short_link_not_found():
    links = hyperkm.Links([hyperkm.Link.create(f"rel-{i}", f"https://h/{i}")
                           for i in range(100_000)])
    with pytest.raises(hyperkm.LinkNotFound) as info:
        links.find("absent")
    assert len(str(info.value)) <= MAX_MESSAGE + 100


def test_every_message_is_bounded():
    error = hyperkm.HyperkmError("x" * 10_000_000)
    assert len(str(error)) <= MAX_MESSAGE + 100
    assert str(error).startswith("xxx") and "characters cut" in str(error)


@pytest.mark.parametrize("location", ["http://[::1", "http://[bad]/x", "ftp://x.test/",
                                      "http://exa mple.test/"])
def test_a_redirect_to_a_malformed_location_is_a_document_error(raw_server, location):
    # urljoin raised ValueError ("Invalid IPv6 URL") out of the client for a 3xx whose
    # Location cannot be parsed; a write's 201 already refused it as a DocumentError.
    from .conftest import respond

    def handle(request, conn, server):
        if request.target == "/core":
            conn.sendall(b"HTTP/1.1 302 Found\r\nLocation: " + location.encode("latin-1")
                         + b"\r\nContent-Length: 0\r\n\r\n")
        else:
            respond(conn, 200, {"data": {}})

    server = raw_server(handle)
    with pytest.raises(hyperkm.DocumentError, match="Location"):
        _ = hyperkm.connect(server.url + "/core", retries=0).data
