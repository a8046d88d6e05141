"""`hyperkm get`, `map`, `demo` and `browse` through their command-line entry points."""

import json
import os
import shutil
import subprocess
import sys

import pytest

import hyperkm
from hyperkm.cli import main
from hyperkm.demo.dataset import PRODUCT_SAAS


def run(args, capsys):
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_get_prints_json_when_not_a_terminal(capsys):
    code, out, _ = run(["get", "--demo", "accounts"], capsys)
    assert code == 0 and json.loads(out)[0]["name"] == "My SaaS Account"


def test_get_with_variables_and_several_rels(capsys):
    code, out, _ = run(["get", "--demo", "product", "--var", f"id={PRODUCT_SAAS}", "account"],
                       capsys)
    assert code == 0 and json.loads(out)["name"] == "My SaaS Account"


def test_get_all_members_as_json_lines(capsys):
    code, out, _ = run(["get", "--demo", "events", "--var", "limit=7", "--all"], capsys)
    lines = out.splitlines()
    assert code == 0 and len(lines) == 57
    assert all("id" in json.loads(line) for line in lines)


def test_get_table_format(capsys):
    code, out, _ = run(["get", "--demo", "product", "--var", f"id={PRODUCT_SAAS}",
                        "--format", "table"], capsys)
    assert code == 0 and "field" in out and "My SaaS Product" in out and "rels:" in out


def test_get_against_a_url_with_token(demo, capsys):
    code, out, _ = run(["get", demo.root_url, "accounts", "--token", demo.token], capsys)
    assert code == 0 and "My SaaS Account" in out


@pytest.mark.parametrize("args,code,message", [
    (["get", "--demo", "acounts"], 3, 'did you mean "accounts"'),
    (["get", "--demo", "event"], 3, "missing required variable 'id'"),
    (["get", "--demo", "accounts", "--var", "nope=1"], 3, "nope"),
    (["get", "--demo", "accounts", "--token", "wrong"], 4, "401"),
    (["get", "http://127.0.0.1:9/core", "accounts"], 6, "failed"),
    (["get", "accounts"], 2, "root URL"),
    (["get", "--demo", "accounts", "--var", "novalue"], 3, "name=value"),
])
def test_get_exit_codes_are_distinct_per_failure_class(args, code, message, capsys,
                                                      monkeypatch):
    monkeypatch.delenv("HYPERKM_URL", raising=False)
    got, out, err = run(args, capsys)
    assert got == code and message in err
    assert "Traceback" not in err and out == ""


def test_get_5xx_exit_code(demo, capsys):
    demo.app.fail_next(10, retry_after=0)
    code, _, err = run(["get", demo.root_url, "--token", demo.token, "accounts"], capsys)
    assert code == 5 and "503" in err


def test_map_mermaid_has_the_demo_graph(capsys):
    code, out, _ = run(["map", "--demo"], capsys)
    assert code == 0 and out.startswith("graph LR")
    for node in ('n_root["root"]', 'n_products[["products (collection)"]]', 'n_event["event"]'):
        assert node in out
    # KISSmetrics lists members without a rel: the edge says so, it does not invent "item"
    for edge in ('n_root -.->|"events"| n_events', 'n_products -->|"(member)"| n_product',
                 'n_product -->|"events"| n_events', 'n_events -->|"(member)"| n_event',
                 'n_report -->|"run"| n_run', 'n_account -->|"products"| n_products'):
        assert edge in out
    assert "/core/" not in out  # kinds, not URLs
    assert '"item"' not in out


def test_map_of_hal_labels_members_with_its_item_rel(capsys):
    code, out, _ = run(["map", "--demo", "--demo-format", "hal"], capsys)
    assert code == 0 and '|"item"|' in out


def test_map_dot_and_depth(capsys, tmp_path):
    target = tmp_path / "api.dot"
    code, _, err = run(["map", "--demo", "--format", "dot", "--depth", "1", "-o", str(target)],
                       capsys)
    dot = target.read_text()
    assert code == 0 and dot.startswith("digraph hyperkm")
    assert '"root" -> "accounts" [label="accounts", style=dashed];' in dot
    assert '"accounts" [label="accounts", shape=folder];' in dot
    assert "wrote" in err


def test_map_svg_with_graphviz(capsys, tmp_path):
    if shutil.which("dot") is None:
        if os.environ.get("HYPERKM_REQUIRE_GRAPHVIZ"):
            pytest.fail("Graphviz is required here but 'dot' is not installed")
        pytest.skip("Graphviz 'dot' is not installed")
    target = tmp_path / "api.svg"
    code, _, _ = run(["map", "--demo", "--format", "svg", "-o", str(target)], capsys)
    assert code == 0 and "<svg" in target.read_text()


def test_map_budget_bounds_the_crawl(capsys):
    import re

    def requests_used(budget):
        code, _, err = run(["map", "--demo", "--budget", str(budget), "-o", os.devnull], capsys)
        assert code == 0
        return int(re.search(r"(\d+) requests", err).group(1))

    assert requests_used(3) == 3
    assert requests_used(1000) > 3  # unbounded, the same crawl needs more (9 on the demo)


def test_demo_command_prints_url_token_and_browse_hint():
    with subprocess.Popen([sys.executable, "-m", "hyperkm", "demo", "--port", "0"],
                          stdout=subprocess.PIPE, text=True) as proc:
        try:
            lines = [proc.stdout.readline() for _ in range(5)]
        finally:
            proc.terminate()
    text = "".join(lines)
    assert "root URL : http://127.0.0.1:" in text and "demo-token" in text
    assert "hyperkm browse http://127.0.0.1:" in text


def test_help_and_version(capsys):
    code, out, _ = run(["--help"], capsys)
    assert code == 0 and "hyperkm browse --demo" in out and "Exit codes" in out
    code, out, _ = run(["--version"], capsys)
    assert code == 0 and "hyperkm 0.1.0" in out


def test_missing_cli_extra_says_how_to_install():
    script = ("import sys; sys.modules['click'] = None; "
              "from hyperkm.cli import main; sys.exit(main(['--help']))")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 2 and 'pip install "hyperkm[cli]"' in result.stderr


def test_help_is_fast_because_imports_are_lazy():
    script = ("import sys; from hyperkm.cli import main; main(['--help']); "
              "print(sorted(m for m in ('prompt_toolkit', 'werkzeug', 'rich') "
              "if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.stdout.strip().endswith("[]")


def test_cache_info_prune_clear(capsys, tmp_path):
    from hyperkm.demo import running

    with running() as demo:
        code, _, _ = run(["get", demo.root_url, "--token", demo.token, "events", "--all",
                          "--cache", str(tmp_path)], capsys)
    assert code == 0
    code, out, _ = run(["cache", "info", str(tmp_path)], capsys)
    entries = int(out.split(": ")[1].split()[0])
    assert code == 0 and entries >= 4
    code, out, _ = run(["cache", "prune", str(tmp_path), "--max-mb", "0.01"], capsys)
    assert code == 0 and int(out.split()[1]) > 0
    code, out, _ = run(["cache", "clear", str(tmp_path)], capsys)
    assert code == 0
    code, out, _ = run(["cache", "info", str(tmp_path)], capsys)
    assert out.strip().endswith(": 0 entries, 0 bytes")
    code, _, err = run(["cache", "info", str(tmp_path / "nope")], capsys)
    assert code == 2 and "not a directory" in err


def test_map_progress_bar():
    from hyperkm.cli.mapper import progress_bar

    assert progress_bar(0, 150, 1) == "mapping [" + "." * 30 + "]    0/150 requests, 1 kinds"
    assert progress_bar(75, 150, 9).startswith("mapping [" + "#" * 15 + "." * 15 + "]")
    assert "#" * 30 in progress_bar(500, 150, 9)  # never past full


@pytest.mark.parametrize("word", ["127.0.0.1:8765/core", "api.example.com/core",
                                  "localhost:9"])
def test_a_root_url_without_a_scheme_says_add_http(word, capsys):
    assert main(["get", word, "accounts"]) == 2
    assert "add http:// or https://" in capsys.readouterr().err


def test_connect_to_a_root_without_a_scheme_says_add_http():
    with pytest.raises(hyperkm.ConfigurationError, match=r"add http:// or https://"):
        hyperkm.connect("api.example.com/core")


def test_get_all_to_a_file_writes_every_page(tmp_path, capsys):
    out = tmp_path / "events.jsonl"
    assert main(["get", "--demo", "events", "--all", "-o", str(out)]) == 0
    lines = out.read_text().splitlines()
    assert len(lines) > 20  # more than the first page of 20
    assert len({json.loads(line)["id"] for line in lines}) == len(lines)
    assert f"({len(lines)} members)" in capsys.readouterr().err


def test_do_without_wait_says_how_to_wait(capsys):
    assert main(["do", "--demo", "report", "--var", "id=64361c30-4a48-0131-0cbb-22000a9f1c0f",
                 "run", "-f", "start_date=2015-06-02", "-f", "end_date=2015-06-09"]) == 0
    assert "add --wait" in capsys.readouterr().err


def test_retry_waits_are_announced_on_stderr(capsys):
    from ..hostile.conftest import RawServer, respond

    seen = []

    def handle(request, conn, server):
        seen.append(request.target)
        if len(seen) == 1:
            respond(conn, 503, {"message": "busy"}, {"Retry-After": "0"})
        else:
            respond(conn, 200, {"links": [], "data": {"ok": True}})

    server = RawServer(handle)
    try:
        assert main(["get", server.url + "/core", "--format", "json"]) == 0
    finally:
        server.close()
    err = capsys.readouterr().err
    assert "answered 503; retrying in 0.0 s" in err
