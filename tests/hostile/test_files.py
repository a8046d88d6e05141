"""hyperkm touches only the files it wrote — never a user's: the directory cache, downloads,
`-o` outputs."""

from __future__ import annotations

import os
import socket

import pytest

import hyperkm
from hyperkm import DirectoryCache
from hyperkm.cli import main
from hyperkm.demo import running

from .conftest import respond


def users_files(directory) -> dict[str, bytes]:
    files = {"notes.txt": b"my notes", os.path.join("thesis", "chapter1.tex"): b"\\chapter{1}",
             os.path.join("a", "b", "c", "d", "e", "not-an-entry"): b"mine too"}
    for name, content in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return files


def still_there(directory, files) -> bool:
    return all((directory / name).read_bytes() == content for name, content in files.items())


@pytest.mark.parametrize("command", ["clear", "prune"])
def test_cache_commands_refuse_a_directory_that_is_not_a_cache(tmp_path, command, capsys):
    files = users_files(tmp_path)
    args = ["cache", command, str(tmp_path)] + (["--max-mb", "0"] if command == "prune" else [])
    assert main(args) == 2
    assert "not a hyperkm cache" in capsys.readouterr().err
    assert still_there(tmp_path, files)


def test_connect_refuses_a_directory_with_other_files(tmp_path):
    files = users_files(tmp_path)
    with pytest.raises(hyperkm.ConfigurationError, match="not a hyperkm cache"):
        hyperkm.connect("http://127.0.0.1:1/core", cache=tmp_path)
    assert still_there(tmp_path, files)
    assert not (tmp_path / "CACHEDIR.TAG").exists()


def test_files_put_into_a_cache_directory_survive_pruning_and_clearing(tmp_path):
    with running(events=300) as demo:
        root = hyperkm.connect(demo.root_url, token=demo.token, cache=tmp_path)
        for event in root.follow("events").items():
            _ = event.data
    files = users_files(tmp_path)  # a user drops files into the cache directory later
    big = tmp_path / "big.iso"
    big.write_bytes(b"\0" * 2_000_000)
    cache = DirectoryCache(tmp_path, max_bytes=1000, prune_every=1)
    entries, size = cache.stats()
    assert entries > 0 and size < 2_000_000  # the user's files are not counted as entries
    cache.prune()
    assert cache.stats()[1] <= 1000
    assert main(["cache", "clear", str(tmp_path)]) == 0
    assert cache.stats() == (0, 0)
    assert still_there(tmp_path, files) and big.stat().st_size == 2_000_000


def test_the_size_bound_never_deletes_foreign_files(tmp_path):
    cache = DirectoryCache(tmp_path / "c", max_bytes=10, prune_every=1)
    foreign = tmp_path / "c" / "video.mp4"
    foreign.write_bytes(b"x" * 100_000)
    for i in range(5):
        cache.set(f"key{i}", b"v" * 100)
    assert foreign.stat().st_size == 100_000


def test_a_new_directory_is_marked_and_reused(tmp_path):
    DirectoryCache(tmp_path / "new")
    assert "hyperkm" in (tmp_path / "new" / "CACHEDIR.TAG").read_text()
    DirectoryCache(tmp_path / "new")  # marked: accepted again
    assert main(["cache", "info", str(tmp_path / "new")]) == 0


# -- downloads and other written files never touch a file hyperkm did not create ---------------

def _cut_short(request, conn, server):
    """Promise 100,000 bytes, send 10, hang up: a download that fails mid-body."""
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nContent-Length: 100000\r\n\r\n"
                 b"id,email\r\n")
    conn.shutdown(socket.SHUT_RDWR)
    conn.close()


def _whole(request, conn, server):
    respond(conn, 200, b"id,email\r\n1,a@example.com\r\n", content_type="text/csv")


def _plant(tmp_path):
    """A user's target, a file of the name a naive writer would use, and a symbolic link."""
    (tmp_path / "export.csv").write_bytes(b"the user's old export")
    (tmp_path / "export.csv.part").write_bytes(b"the user's own notes")
    outside = tmp_path / "outside.txt"
    outside.write_bytes(b"not to be written through a link")
    (tmp_path / "export.csv.tmp").symlink_to(outside)
    return _snapshot(tmp_path)


def _snapshot(directory) -> dict[str, bytes]:
    """Every entry's content (a symbolic link: where it points)."""
    return {p.name: (b"-> " + os.readlink(p).encode()) if p.is_symlink() else p.read_bytes()
            for p in directory.iterdir()}


def test_a_failed_download_leaves_every_file_as_it_was(raw_server, tmp_path):
    before = _plant(tmp_path)
    root = hyperkm.connect(raw_server(_cut_short).url + "/export.csv", retries=0)
    with pytest.raises(hyperkm.HyperkmError):
        root.download(tmp_path / "export.csv")
    assert _snapshot(tmp_path) == before


def test_a_download_replaces_only_its_target(raw_server, tmp_path):
    before = _plant(tmp_path)
    root = hyperkm.connect(raw_server(_whole).url + "/export.csv")
    assert root.download(tmp_path / "export.csv") == 27
    after = _snapshot(tmp_path)
    assert after.pop("export.csv") == b"id,email\r\n1,a@example.com\r\n"
    before.pop("export.csv")
    assert after == before


def test_cli_get_output_on_a_failed_download_keeps_the_old_file(raw_server, tmp_path, capsys):
    before = _plant(tmp_path)
    url = raw_server(_cut_short).url + "/export.csv"
    code = main(["get", url, "-o", str(tmp_path / "export.csv")])
    err = capsys.readouterr().err
    assert code not in (0, 2), err  # failed as a download, not as a usage error
    assert "Traceback" not in err and "hyperkm: error" in err
    assert _snapshot(tmp_path) == before


def test_a_written_file_gets_the_users_umask(raw_server, tmp_path):
    old = os.umask(0o022)
    try:
        root = hyperkm.connect(raw_server(_whole).url + "/export.csv")
        root.download(tmp_path / "fresh.csv")
    finally:
        os.umask(old)
    assert (tmp_path / "fresh.csv").stat().st_mode & 0o777 == 0o644
