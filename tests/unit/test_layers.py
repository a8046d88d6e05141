"""Imports point one way: a lower layer never imports a higher one (not even lazily or under
TYPE_CHECKING), so the request flow reads top-down."""

from __future__ import annotations

import ast
import pathlib

PACKAGE = pathlib.Path(__file__).parents[2] / "hyperkm"

#: Bottom to top. A module may import only modules listed before it.
LAYERS = ["_version", "_why", "_files", "_exceptions", "_bridge", "_transport", "_received",
          "_deadline",
          "_transport_pools", "transports", "_patterns", "_urls", "_problem", "_templates",
          "_links", "_examples", "_actions", "formats", "_deprecation", "_cache", "_http",
          "_policy", "_responses", "_exchanges", "_oauth", "_sending", "_download", "_http_client",
          "_steps", "_node", "_pages", "_paging", "_collection", "_jobs", "_bookmarks", "_writes",
          "_changes", "_repl", "_navigation", "_resource", "check", "_client", "aio"]


def imports_of(path: pathlib.Path, level: int = 1) -> list[tuple[str, int]]:
    """The hyperkm modules ``path`` imports: ``from .x`` in a module of the package, ``from
    ..x`` in a module of a subpackage (whose ``from .x`` are its own modules)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == level:
            module = (node.module or "").split(".")[0]
            found += [(module, node.lineno)] if module else [
                (alias.name, node.lineno) for alias in node.names]
    return found


def files_of(name: str) -> list[tuple[pathlib.Path, int]]:
    path = PACKAGE / f"{name}.py"
    if path.exists():
        return [(path, 1)]
    return [(p, 2) for p in sorted((PACKAGE / name).rglob("*.py"))]


def test_imports_point_down():
    wrong = []
    for name in LAYERS:
        for path, level in files_of(name):
            for target, line in imports_of(path, level):
                if target in LAYERS and LAYERS.index(target) > LAYERS.index(name):
                    wrong.append(f"{path.relative_to(PACKAGE)}:{line} imports {target}")
    assert wrong == []


def test_every_module_has_a_layer():
    modules = {p.stem for p in PACKAGE.glob("_*.py")} | {
        p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    applications = {"cli", "explore", "demo", "testing", "__init__", "__main__", "_version"}
    assert sorted(modules - set(LAYERS) - applications) == []


def test_formats_import_nothing_above_them():
    for path in (PACKAGE / "formats").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 2:
                assert LAYERS.index((node.module or "").split(".")[0]) < LAYERS.index(
                    "formats"), f"{path.name}:{node.lineno}"


def test_the_architecture_page_shows_every_layer_in_order():
    page = (PACKAGE.parent / "docs" / "architecture.md").read_text()
    picture = page.split("```text", 1)[1].split("```", 1)[0]
    rows = [line.split()[0] for line in picture.splitlines()
            if line.strip() and line.split()[0] in LAYERS]
    assert rows == list(reversed(LAYERS))  # drawn top to bottom


def test_no_class_is_over_about_300_lines():
    # Issue 25's rule for the library's classes (the CLI's, the explorer's and the demo's
    # too): a class that grows past it is doing two things.
    big = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef):
                size = (node.end_lineno or node.lineno) - node.lineno + 1
                if size > 320:
                    big.append(f"{path.relative_to(PACKAGE)}: {node.name} ({size} lines)")
    assert big == []
