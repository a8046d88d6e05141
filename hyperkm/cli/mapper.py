"""``hyperkm map``: crawl an API and draw its link-relation graph.

Nodes are resource *kinds*, edges are rels. A URL becomes a kind without hyperkm knowing any
path: if it matches one of the API's own URI templates (``…/events/{id}`` offered as rel
``event``), it is of that template's kind; otherwise its kind is the rel that led to it. One
sample member per collection is visited; the crawl is bounded by depth and a request budget.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import deque
from dataclasses import dataclass, field

from .._exceptions import HyperkmError
from .._links import Link
from .._resource import Resource

__all__ = ["Graph", "crawl", "render_graph", "to_dot", "to_mermaid"]

# Navigation rels that lead to "the same kind, another page": not edges worth drawing.
_PAGING = {"self", "first", "last", "next", "prev", "previous", "curies"}


@dataclass
class Graph:
    nodes: dict[str, bool] = field(default_factory=dict)  # kind -> is a collection
    edges: set[tuple[str, str, str, bool]] = field(default_factory=set)  # src, rel, dst, tmpl
    requests: int = 0
    errors: dict[str, str] = field(default_factory=dict)
    samples: dict[str, str] = field(default_factory=dict)  # kind -> a URL of that kind


def _template_regex(href: str) -> re.Pattern[str] | None:
    # "{?limit,offset}"-style expressions are optional query parts; a path segment holding any
    # expression ("{id}", "{a}-{b}") is one segment. Whole segments, not the literals between
    # expressions, so that the regex cannot backtrack: "{a}-{b}-{c}" as three "[^/?#]+" would
    # take polynomial time on a long path that does not match.
    base = re.sub(r"\{[?&][^}]*\}", "", href)
    if "{" not in base:
        return None
    segments = [r"[^/?#]+" if "{" in part else re.escape(part) for part in base.split("/")]
    return re.compile("^" + "/".join(segments) + "(?:[?#].*)?$")


#: The label of a collection → member edge where the API names no rel for its members.
MEMBER_EDGE = "(member)"

#: Templated hrefs remembered per crawl (a document with 10^6 templated links costs no more).
MAX_TEMPLATES = 200


def crawl(root: Resource, *, depth: int = 4, budget: int = 150,
          progress: bool = False) -> Graph:
    graph = Graph()
    client = root.client
    templates: dict[tuple[re.Pattern[str], str], None] = {}

    def count(exchange: object) -> None:
        graph.requests += 1

    client.on_exchange.append(count)

    def kind_of(url: str, rel: str) -> str:
        path = url.split("?", 1)[0]
        for pattern, template_rel in templates:
            if pattern.match(path):
                return template_rel
        return rel

    queue: deque[tuple[Resource, str, int]] = deque([(root, "root", 0)])
    visited: set[str] = set()
    try:
        while queue and graph.requests < budget:
            resource, kind, level = queue.popleft()
            if kind in visited:
                continue
            visited.add(kind)
            if progress:
                sys.stderr.write("\r" + progress_bar(graph.requests, budget, len(visited)))
                sys.stderr.flush()
            try:
                document = resource.document
            except HyperkmError as exc:
                graph.nodes.setdefault(kind, False)
                graph.errors[kind] = str(exc).splitlines()[0]
                continue
            is_collection = document.items is not None
            graph.nodes[kind] = graph.nodes.get(kind, False) or is_collection
            graph.samples.setdefault(kind, resource.url)
            for link in document.links:
                if link.templated:
                    pattern = _template_regex(link.href)
                    if pattern is not None and len(templates) < MAX_TEMPLATES:
                        templates.setdefault((pattern, link.rel), None)
            for link in document.links:
                if link.rel in _PAGING:
                    continue
                target = _target(link)
                dst = link.rel if target is None else kind_of(target, link.rel)
                graph.edges.add((kind, link.rel, dst, link.templated))
                graph.nodes.setdefault(dst, False)
                if target is not None and level < depth and dst not in visited:
                    queue.append((resource.follow(link), dst, level + 1))
            if is_collection and document.items and level < depth:
                member = resource.member(document.items[0], "[0]")
                member_kind = kind_of(member.url, f"{kind} member") if \
                    document.items[0].has_own_url else f"{kind} member"
                # The edge's label is the rel the API uses for its members when it has one
                # (HAL's and Siren's "item"); KISSmetrics, JSON:API and others list members
                # without a rel: "(member)", not a rel the API does not have.
                label = "item" if "item" in document.embedded or document.links.get(
                    "item") is not None else MEMBER_EDGE
                graph.edges.add((kind, label, member_kind, False))
                graph.nodes.setdefault(member_kind, False)
                if member_kind not in visited:
                    queue.append((member, member_kind, level + 1))
    finally:
        client.on_exchange.remove(count)
        if progress:
            sys.stderr.write("\n")
    return graph


def progress_bar(used: int, budget: int, kinds: int, width: int = 30) -> str:
    """``mapping [#######.......]  42/150 requests, 9 kinds`` (the budget is the bound)."""
    filled = min(width, int(width * used / budget)) if budget > 0 else width
    return (f"mapping [{'#' * filled}{'.' * (width - filled)}] {used:>4}/{budget} requests, "
            f"{kinds} kinds")


def _target(link: Link) -> str | None:
    """The URL to crawl, or None for a template that needs values (drawn, not followed)."""
    if not link.templated:
        return link.href
    template = link.template
    if template is None or template.required:
        return None
    return link.expand()


def _node_id(kind: str) -> str:
    return "n_" + re.sub(r"[^A-Za-z0-9_]", "_", kind)


def to_mermaid(graph: Graph) -> str:
    lines = ["graph LR"]
    for kind, is_collection in sorted(graph.nodes.items()):
        label = kind.replace('"', "'") + (" (collection)" if is_collection else "")
        shape = f'[["{label}"]]' if is_collection else f'["{label}"]'
        lines.append(f"  {_node_id(kind)}{shape}")
    for src, rel, dst, templated in sorted(graph.edges):
        arrow = "-.->" if templated else "-->"
        lines.append(f'  {_node_id(src)} {arrow}|"{rel}"| {_node_id(dst)}')
    lines += ['  subgraph legend["legend"]',
              '    legend_r["a resource kind"] -->|"a link"| legend_c[["a collection"]]',
              '    legend_c -.->|"a URI template"| legend_r',
              "  end"]
    return "\n".join(lines) + "\n"


def to_dot(graph: Graph) -> str:
    def q(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = ["digraph hyperkm {", "  rankdir=LR;",
             '  node [shape=box, style=rounded, fontname="Helvetica"];',
             '  edge [fontname="Helvetica", fontsize=10];']
    for kind, is_collection in sorted(graph.nodes.items()):
        extra = ", shape=folder" if is_collection else ""
        lines.append(f"  {q(kind)} [label={q(kind)}{extra}];")
    for src, rel, dst, templated in sorted(graph.edges):
        style = ", style=dashed" if templated else ""
        lines.append(f"  {q(src)} -> {q(dst)} [label={q(rel)}{style}];")
    lines += ['  subgraph cluster_legend { label="legend"; fontname="Helvetica"; color=gray;',
              '    legend_r [label="a resource kind"];',
              '    legend_c [label="a collection", shape=folder];',
              '    legend_r -> legend_c [label="a link"];',
              '    legend_c -> legend_r [label="a URI template", style=dashed];',
              "  }"]
    lines.append("}")
    return "\n".join(lines) + "\n"


def render_graph(graph: Graph, fmt: str) -> tuple[bytes, str]:
    """The graph as bytes in ``fmt``; falls back to Mermaid when Graphviz is missing."""
    if fmt == "mermaid":
        return to_mermaid(graph).encode(), "mermaid"
    if fmt == "dot":
        return to_dot(graph).encode(), "dot"
    dot = shutil.which("dot")
    if dot is None:
        return to_mermaid(graph).encode(), "mermaid"
    result = subprocess.run([dot, f"-T{fmt}"], input=to_dot(graph).encode(),
                            capture_output=True, timeout=60, check=False)
    if result.returncode != 0:
        raise HyperkmError(f"Graphviz failed: {result.stderr.decode(errors='replace')[:200]}")
    return result.stdout, fmt
