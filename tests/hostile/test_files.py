"""The directory cache touches only the entries it wrote — never a user's files."""

from __future__ import annotations

import os

import pytest

import hyperkm
from hyperkm import DirectoryCache
from hyperkm.cli import main
from hyperkm.demo import running


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
