"""The browse shell's state and commands, as plain functions: no terminal involved.

Each command takes the `ShellState` and its argument text and returns the text to show;
errors come back as one line with a suggestion. The interactive loop (``repl.py``) only reads
lines, completes and prints.
"""

from __future__ import annotations

import json
import shlex
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from .. import _exceptions as errors
from .._exchanges import Exchange
from .._files import replace_atomically
from .._resource import Resource
from .._steps import LABEL_FIELDS
from .doing import Ask, no_get_rels, perform
from .render import dumps, key_fields, links_table, member_cells, table

__all__ = ["COMMANDS", "ShellState", "execute"]

PAGE = 20


class Quit(Exception):
    """Raised by the ``quit`` command."""


class ShellState:
    """Where the user is, where they have been, and what was last listed."""

    def __init__(self, root: Resource) -> None:
        self.home = root
        self.current = root
        self.back_stack: list[Resource] = []
        self.visited: list[tuple[str, Resource]] = []
        self.listed: list[Resource] = []
        self._members: Iterator[Resource] | None = None
        self.trace = False
        self.verbose = False
        self.trace_lines: list[str] = []
        #: Prints a trace line the moment its exchange happens (set by the interactive loop;
        #: without it, lines are collected and shown after the command's output).
        self.printer: Callable[[str], None] | None = None
        self.last_exchange: Exchange | None = None
        self.exchanges: dict[str, Exchange] = {}  # the last exchange per URL (for 'headers')
        self.debug = False
        #: The emulator this shell started (``--demo``), for ``relayout``.
        self.demo: Any = None
        root.client.on_exchange.append(self._on_exchange)
        root.client.on_note.append(self._on_note)
        self.progress: Callable[[float | None], None] | None = None
        #: Asks a person for a missing required field (set by the interactive loop).
        self.ask: Ask | None = None
        #: Asks for a secret without showing it (the REPL's hidden prompt); None: no terminal.
        self.ask_secret: Callable[[str], str | None] | None = None

    def _on_exchange(self, exchange: Exchange) -> None:
        self.last_exchange = exchange
        if len(self.exchanges) > 512:
            self.exchanges.clear()
        self.exchanges[exchange.url] = exchange
        if exchange.warning:  # shown whether or not the trace is on: the server means it
            self._emit(f"  ⚠ warning: {exchange.warning}")
        if self.trace:
            thread = threading.current_thread().name
            background = thread.startswith(("hyperkm-prefetch", "hyperkm-pages",
                                            "hyperkm-members"))
            self._emit(format_exchange(exchange, prefetch=background, verbose=self.verbose))

    def _on_note(self, note: str) -> None:
        if self.trace:
            self._emit(f"  ↳ note: {note}")

    def _emit(self, line: str) -> None:
        if self.printer is not None:
            self.printer(line)  # now, not after the command (prefetches, job polls)
        else:
            self.trace_lines.append(line)

    def take_trace(self) -> str:
        lines, self.trace_lines = self.trace_lines, []
        return "\n".join(lines)

    def go(self, target: Resource) -> str:
        note = ""
        try:
            _ = target.document  # fetch now, so an error leaves us where we were
        except errors.HTTPError as exc:
            if exc.status != 405:
                raise
            # A POST-only resource (a report's "run"): worth standing on, to post to it.
            allow = exc.response.headers.get("Allow", "") if exc.response is not None else ""
            note = (f"{target.url}\nthis resource does not answer GET (405); it accepts "
                    f"{allow or 'other methods'}. Use 'do', 'post JSON' or 'run JSON' here.")
        except errors.DocumentError as exc:
            preview = _preview(target, response=exc.response)  # no second request
            if preview is None:
                raise
            note = preview  # a CSV export, a text file: shown in part, saved with 'save'
            del exc
        self.back_stack.append(self.current)
        self.current = target
        self.visited.append((self.crumb(), target))
        self.listed, self._members = [], None
        return note or self.describe()

    def crumb(self) -> str:
        """The prompt: rels followed, and members by their name (``/ › products › My SaaS
        Product ›``), falling back to a short id. A resource opened from a bookmark shows the
        bookmark's trail."""
        steps: list[str] = []
        node: Resource | None = self.current
        while node is not None and node.step is not None:
            steps.append(_crumb_of(node))
            if node.parent is None and node.base_trail is not None:
                break
            node = node.parent
        top = node if node is not None else self.current
        base = top.base_trail if top is not None else None
        if base is not None and len(base):
            steps.extend(str(s) for s in reversed(base.steps))
        return "/ › " + " › ".join(reversed(steps)) + " ›" if steps else "/ ›"

    def describe(self) -> str:
        """A short orientation after every move: where, what, which rels."""
        doc = self.current.document
        lines = [self.current.url]
        if doc.items is not None:
            total = doc.page.total
            count = len(doc.items)
            lines.append(f"a collection: {count} {'member' if count == 1 else 'members'} on "
                         "this page" + (f", {total} in all" if total is not None else "")
                         + ". Type 'items' to list them.")
        elif isinstance(doc.data, dict):
            summary = ", ".join(f"{k}={doc.data[k]!r}" for k in ("name", "id", "status")
                                if k in doc.data)
            lines.append(summary or f"{len(doc.data)} fields. Type 'show' to see them.")
        no_get = no_get_rels(self.current)
        rels = [f"{r} (POST only: 'do {r} …')" if r in no_get else r
                for r in doc.links.rels if r != "self"]
        lines.append("rels: " + (", ".join(rels) if rels else "(none)"))
        if doc.actions:
            lines.append("actions: " + ", ".join(a.name for a in doc.actions)
                         + "  ('actions' describes them, 'do NAME field=value …' submits)")
        return "\n".join(lines)


def _crumb_of(node: Resource) -> str:
    step = node.step
    assert step is not None
    if step.member and node.fetched:
        for key in LABEL_FIELDS:
            value = node.document.peek(key)
            if isinstance(value, str) and value:
                return value if len(value) <= 40 else value[:39] + "…"
        key_value = node.document.peek("id")
        if isinstance(key_value, (str, int)):
            text = str(key_value)
            return f"[id={text if len(text) <= 12 else text[:8] + '…'}]"
    return str(step)


def format_exchange(exchange: Exchange, *, prefetch: bool = False, verbose: bool = False
                    ) -> str:
    outcome = {"network": "network", "hit": "cache hit (no request)",
               "revalidated": "revalidated"}
    # why it was sent, when hyperkm knows (an OPTIONS probe, a job poll, a prefetch, ...)
    why = "" if exchange.reason.startswith("prefetch") else exchange.reason
    line = (f"  ↳ {'(prefetch) ' if prefetch else ''}{exchange.method} {exchange.url}  "
            f"{exchange.status}  {outcome.get(exchange.outcome, exchange.outcome)}  "
            f"{exchange.elapsed * 1000:.0f} ms" + (f"  ({why})" if why else ""))
    if not verbose:
        return line
    return line + "\n" + _headers_text(exchange)


def _headers_text(exchange: Exchange) -> str:
    """Request and response headers as they crossed the wire (the token masked)."""
    lines = [f"    > {exchange.method} {exchange.url}"]
    lines += [f"    > {k}: {v}" for k, v in exchange.request_headers.items()]
    lines.append(f"    < {exchange.status}" + (
        "  (the cached 200 was used)" if exchange.outcome == "revalidated" else ""))
    lines += [f"    < {k}: {v}" for k, v in exchange.response_headers.items()]
    return "\n".join(lines)


def _preview(target: Resource, lines: int = 8, response: Any = None) -> str | None:
    """A non-hypermedia body (a CSV export): its first lines, for text; else its size."""
    if response is None:  # the response that could not be read as a document, else ask
        try:
            response = target.client.request("GET", target.url, headers={"Accept": "*/*"})
        except errors.HyperkmError:
            return None
    kind = response.headers.get("Content-Type", "")
    body = response.content
    head = f"{target.url}\n{kind or 'no Content-Type'}, {len(body)} bytes — not a hypermedia " \
           "document. 'save FILE' writes it to a file."
    if kind.startswith("text/") or "csv" in kind:
        text = body.decode("utf-8", errors="replace").splitlines()
        more = f"\n… ({len(text) - lines} more lines)" if len(text) > lines else ""
        return head + "\n\n" + "\n".join(text[:lines]) + more
    return head


# -- commands ------------------------------------------------------------------------------------

def parse_variables(words: list[str]) -> dict[str, Any]:
    """``name=value`` words; values that are JSON numbers or booleans become those."""
    out: dict[str, Any] = {}
    for word in words:
        name, sep, value = word.partition("=")
        if not sep or not name:
            raise errors.TemplateError(
                f"expected name=value for a template variable, got {word!r}", template="")
        try:
            parsed = json.loads(value)
            out[name] = parsed if isinstance(parsed, (int, float, bool)) else value
        except ValueError:
            out[name] = value
    return out


def cmd_links(state: ShellState, arg: str) -> str:
    return links_table(state.current.links)


def cmd_show(state: ShellState, arg: str) -> str:
    if arg.strip() not in ("", "--raw"):
        return "usage: show [--raw]   (--raw: the body exactly as received)"
    if arg.strip() == "--raw":
        _ = state.current.document
        response = state.current.response
        if response is not None:
            return response.text
        raw = state.current.document.raw
        return dumps(raw) if raw is not None else (
            "(this resource arrived embedded in a list: no body of its own; 'refresh')")
    return dumps(state.current.data)


def cmd_expand(state: ShellState, arg: str) -> str:
    """expand REL [name=value ...]: the URL 'follow' would request, without requesting it."""
    words = shlex.split(arg)
    if not words:
        return "usage: expand REL [name=value ...]"
    link = state.current.link(words[0])
    url = link.expand(**parse_variables(words[1:]))
    note = f"   (template {link.href})" if link.templated else "   (not a template)"
    return url + note


def cmd_docs(state: ShellState, arg: str) -> str:
    """docs REL: the documentation of a relation (a HAL CURIE's URL)."""
    rel = arg.strip()
    if not rel:
        return "usage: docs REL"
    found = state.current.links.docs(rel)
    if found is None:
        return (f"no documentation URL for {rel!r}: only HAL CURIE'd rels (such as km:events) "
                "name one. Registered rels are documented by IANA.")
    return found


def cmd_save(state: ShellState, arg: str) -> str:
    """save FILE: stream the body here, as received, to FILE."""
    path = arg.strip()
    if not path:
        return "usage: save FILE"
    written = state.current.download(path)
    return f"wrote {path} ({written} bytes)"


def cmd_clear(state: ShellState, arg: str) -> str:
    return "\x1b[2J\x1b[H"


def cmd_follow(state: ShellState, arg: str) -> str:
    words = shlex.split(arg)
    if not words:
        return "usage: follow REL [name=value ...]"
    rel, variables = words[0], parse_variables(words[1:])
    return state.go(state.current.follow(rel, **variables))


def cmd_items(state: ShellState, arg: str) -> str:
    count = int(arg) if arg.strip().isdigit() else PAGE
    if arg.strip() and not arg.strip().isdigit():
        return "usage: items [N]   (N members at a time; 'items' again shows more)"
    if state._members is None:
        state._members = iter(state.current.items())
        state.listed = []
    batch: list[Resource] = []
    for member in state._members:
        batch.append(member)
        if len(batch) >= count:
            break
    if not batch:
        return "(no more members)" if state.listed else "(the collection is empty)"
    start = len(state.listed)
    state.listed.extend(batch)
    columns = _columns(state.current)
    if columns is not None and all(isinstance(m.data, list) for m in batch):
        # Query results: rows with the column names the results carry.
        rows = [[start + i, *m.data] for i, m in enumerate(batch)]
        text = table(rows, ["#", *columns])
    else:
        fields = key_fields(batch)
        rows = [[start + i, *member_cells(m, fields or ["value"])] for i, m in enumerate(batch)]
        text = table(rows, ["#", *(fields or ["value"])])
    total = state.current.document.page.total
    shown = len(state.listed)
    more = f"{shown} of {total} shown" if total is not None else f"{shown} shown"
    done = (total is not None and shown >= total) or len(batch) < count
    return text + f"\n{more}. " + ("'open N' to enter one." if done else
                                   "'items' for more, 'open N' to enter one.")


def _columns(resource: Resource) -> list[str] | None:
    columns = resource.document.envelope.get("columns")
    if not isinstance(columns, list):
        return None
    return [str(c.get("display_name", c)) if isinstance(c, dict) else str(c) for c in columns]


def cmd_open(state: ShellState, arg: str) -> str:
    if not arg.strip().isdigit():
        return "usage: open N   (N from the last 'items' listing)"
    n = int(arg)
    if not state.listed:
        return "nothing listed yet: type 'items' first"
    if n >= len(state.listed):
        return f"no member {n}: the listing has 0..{len(state.listed) - 1}"
    return state.go(state.listed[n])


def cmd_back(state: ShellState, arg: str) -> str:
    if not state.back_stack:
        return "already at the start"
    state.current = state.back_stack.pop()
    state.listed, state._members = [], None
    return state.describe()


def cmd_home(state: ShellState, arg: str) -> str:
    return state.go(state.home)


def cmd_history(state: ShellState, arg: str) -> str:
    """history: where you have been; history N: go back there."""
    word = arg.strip()
    if word:
        if not word.isdigit() or int(word) >= len(state.visited):
            return f"usage: history [N]   (N from 0 to {len(state.visited) - 1})"
        return state.go(state.visited[int(word)][1])
    return "\n".join(f"{i:3}  {crumb}" for i, (crumb, _) in enumerate(state.visited)) or \
        "(empty)"


def cmd_trace(state: ShellState, arg: str) -> str:
    word = arg.strip().lower()
    if word not in ("on", "off", "verbose", ""):
        return "usage: trace on|off|verbose   (verbose: request and response headers too)"
    if word:
        state.trace = word in ("on", "verbose")
        state.verbose = word == "verbose"
    return f"trace is {'verbose' if state.verbose else 'on' if state.trace else 'off'}"


def cmd_headers(state: ShellState, arg: str) -> str:
    _ = state.current.document  # not fetched yet: fetch, then show
    response = state.current.response
    if response is None:
        return "(this resource arrived embedded in a list: no response of its own; 'refresh')"
    exchange = state.exchanges.get(state.current.url)
    if exchange is not None:  # what went out, and the status as it crossed the wire
        wire = (f"  (the wire said {exchange.status}: the cached copy was confirmed)"
                if exchange.status != response.status_code else "")
        return (f"{response.status_code} {response.reason}{wire}\n"
                + _headers_text(exchange).replace("    ", ""))
    lines = [f"{response.status_code} {response.reason}"]
    lines += [f"{k}: {v}" for k, v in response.headers.items()]
    return "\n".join(lines)


def cmd_relayout(state: ShellState, arg: str) -> str:
    """relayout [alt|km] [404|301]: move every URL of the demo (with --demo only)."""
    if state.demo is None:
        return "relayout works with 'hyperkm browse --demo' (it moves the emulator's URLs)"
    words = arg.split()
    current = state.demo.app.layout
    layout = words[0] if words else ("alt" if current == "km" else "km")
    mode = words[1] if len(words) > 1 else "404"
    if layout not in ("km", "alt") or mode not in ("404", "301"):
        return "usage: relayout [alt|km] [404|301]"
    state.demo.switch_layout(layout, mode=mode)
    # Even the root moved; a real client would be configured with the new one. Bookmarks
    # are opened from it and re-walk their trails.
    client = _client(state)
    client.root_url = state.demo.root_url
    state.home = client.root
    return (f"every URL moved to the {layout!r} layout; old URLs now answer {mode} (the "
            f"root is now {state.demo.root_url}). Bookmarks still work: 'bookmark go NAME' "
            "re-walks their trail.")


def cmd_token(state: ShellState, arg: str) -> str:
    """token: type a token, unseen, for the rest of the session (never stored)."""
    if arg.strip():
        # a token typed after the command is on screen (the history file never keeps it)
        return ("error: type just 'token': it asks for the token without showing it; a token "
                "typed after the command was shown on the screen, and was not kept")
    if state.ask_secret is None:
        return "error: no terminal to ask on; start the shell with HYPERKM_TOKEN set"
    token = state.ask_secret("token (not shown): ")
    if not token or not token.strip():
        return "no token given; nothing changed"
    client = _client(state)
    client.use_token(token)
    withheld = client.token_withheld(client.root_url)
    where = (f"but it is withheld: {withheld}" if withheld else
             f"sent to {client.root_url}'s origin only")
    return f"token set for this session ({where}); 'refresh' to fetch again with it"


def cmd_refresh(state: ShellState, arg: str) -> str:
    try:
        state.current.refresh()
    except errors.HTTPError as exc:
        if exc.status not in (404, 410):
            raise
        # The URL is gone (the API moved its URLs, as 'relayout' shows): walk the trail
        # again from the root, as a bookmark does, and stand where it leads.
        from .._bookmarks import Bookmark, Trail

        old = state.current.url
        try:
            mark = Bookmark.from_json(state.current.bookmark())
            # The trail starts at the root this session started from; after a move the
            # client's root is the new one: walk from there.
            mark.trail = Trail(mark.trail.steps, None)
            resource = _client(state).open(mark, root=_client(state).root_url)
        except errors.HyperkmError:
            raise exc from None  # no trail to walk (reached by a write): the 404 stands
        state.current = resource
        return (f"(moved: {old} → {resource.url}; the trail was walked again from the "
                "root)\n" + state.describe())
    return state.describe()


def _json_arg(arg: str) -> Any:
    try:
        return json.loads(arg) if arg.strip() else None
    except ValueError as exc:
        raise errors.ConfigurationError(f"expected a JSON body, e.g. {{\"a\": 1}}: {exc}") from exc


def cmd_post(state: ShellState, arg: str) -> str:
    result = state.current.post(_json_arg(arg))
    response = result.write_response or result.response
    status = response.status_code if response is not None else "?"
    if result.url != state.current.url:
        return f"{status}: {result.url}\n" + state.go(result)
    return f"{status}\n" + (dumps(result.data) if result.fetched else "")


def cmd_patch(state: ShellState, arg: str) -> str:
    body = _json_arg(arg)
    if not isinstance(body, dict):
        return 'usage: patch {"field": value, ...}'
    if state.current.etag is None and state.current.document.has_own_url:
        state.current.refresh()  # a conditional write needs the ETag of what we base it on
    state.current.patch(body)
    return dumps(state.current.data)


def cmd_run(state: ShellState, arg: str) -> str:
    """POST the body, then wait for the asynchronous job it starts."""
    job = state.current.post(_json_arg(arg))
    response = job.write_response
    if response is None or response.status_code != 202:
        return (f"{response.status_code if response else '?'}: not an asynchronous job "
                "(no 202 Accepted)")
    started = time.monotonic()
    result = job.wait(on_progress=lambda p, status: state.progress(p) if state.progress else None)
    return f"done in {time.monotonic() - started:.1f} s\n" + state.go(result)


def cmd_actions(state: ShellState, arg: str) -> str:
    """The actions here: method, target, fields (``*`` required), allowed values."""
    actions = state.current.actions
    if not actions:
        no_get = no_get_rels(state.current)
        hint = "".join(f"\n'{r}' takes POST but not GET: 'do {r} field=value …' posts JSON "
                       "there." for r in sorted(no_get))
        return ("(this representation offers no forms; its format may carry none)" + hint)
    return "\n\n".join(action.describe() for action in actions.values())


def cmd_do(state: ShellState, arg: str) -> str:
    """do NAME [field=value ...]: submit an action, asking for missing required fields."""
    words = shlex.split(arg)
    if not words:
        return "usage: do NAME [field=value ...]   ('actions' lists them)"
    name, given = words[0], parse_variables(words[1:])
    bar = state.progress
    progress = (lambda p, status: bar(p)) if bar is not None else None
    result, what = perform(state.current, name, given, ask=state.ask, on_progress=progress)
    if result is state.current:
        return f"{what}\n" + dumps(result.data)
    return f"{what}\n" + state.go(result)


def _bookmarks_file() -> Any:
    from .paths import config_dir

    return config_dir() / "bookmarks.json"


def _load_bookmarks() -> dict[str, Any]:
    path = _bookmarks_file()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, RecursionError) as exc:
        raise errors.ConfigurationError(f"cannot read the bookmarks in {path}: {exc}") from exc
    return data if isinstance(data, dict) else {}


def _save_bookmarks(marks: dict[str, Any]) -> None:
    path = _bookmarks_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    with replace_atomically(path) as f:  # never a half-written file, no other file touched
        f.write(json.dumps(marks, indent=2, ensure_ascii=False).encode("utf-8"))


def cmd_bookmark(state: ShellState, arg: str) -> str:
    """bookmark save NAME | go NAME | list | delete NAME"""
    words = arg.split()
    usage = ("usage: bookmark save NAME | bookmark go NAME [ROOT] | bookmark list | "
             "bookmark delete NAME")
    if not words or words[0] not in ("save", "go", "list", "delete"):
        return usage
    marks = _load_bookmarks()
    if words[0] == "list":
        if not marks:
            return "(no bookmarks yet: 'bookmark save NAME' here)"
        from .._bookmarks import Bookmark

        rows = []
        for name, text in sorted(marks.items()):
            try:
                mark = Bookmark.from_json(json.dumps(text))
                rows.append((name, str(mark.trail), mark.url))
            except errors.BookmarkError:
                rows.append((name, "(unreadable)", ""))
        return table(rows, ("name", "trail", "last URL"), max_width=70)
    if len(words) != 2 and not (words[0] == "go" and len(words) == 3):
        return usage
    name = words[1]
    if words[0] == "save":
        marks[name] = json.loads(state.current.bookmark())
        _save_bookmarks(marks)
        return f"saved {name}: {state.current.trail}"
    if name not in marks:
        return f"error: no bookmark {name!r}; 'bookmark list' shows them"
    if words[0] == "delete":
        del marks[name]
        _save_bookmarks(marks)
        return f"deleted {name}"
    from .._bookmarks import Bookmark

    mark = Bookmark.from_json(json.dumps(marks[name]))
    old_url = mark.url
    # The root comes from this session (or the command), never from the file: a bookmark
    # made on another run — the demo on another port — is re-walked from here.
    root = words[2] if len(words) == 3 else state.home.client.root_url
    resource = _client(state).open(mark, root=root)
    moved = ""
    if mark.url != old_url:  # it moved: remember where it is now
        marks[name] = json.loads(mark.to_json())
        _save_bookmarks(marks)
        moved = f"(moved: {old_url} → {mark.url}; bookmark updated)\n"
    return moved + state.go(resource)


def cmd_help(state: ShellState, arg: str) -> str:
    return "\n".join(f"  {name:<22} {doc}" for name, (_, doc) in COMMANDS.items()) + (
        "\n  REL [name=value ...]   typing a rel alone follows it (a rel named like a"
        "\n                         command, such as 'run': use 'follow run')"
        "\n  Tab completes commands, rels and template variables.")


def cmd_quit(state: ShellState, arg: str) -> str:
    raise Quit


COMMANDS: dict[str, tuple[Callable[[ShellState, str], str], str]] = {
    "links": (cmd_links, "the links here: rel, name, href or template"),
    "show": (cmd_show, "show [--raw]: the state here, as JSON (--raw: the body as received)"),
    "follow": (cmd_follow, "follow REL [name=value ...]: go along a link"),
    "items": (cmd_items, "items [N]: list members (again: more)"),
    "open": (cmd_open, "open N: enter member N of the listing"),
    "back": (cmd_back, "go back"),
    "home": (cmd_home, "go to the root"),
    "history": (cmd_history, "history [N]: where you have been; N goes back there"),
    "trace": (cmd_trace, "trace on|off|verbose: show every HTTP exchange (verbose: headers)"),
    "headers": (cmd_headers, "the last request's and response's headers, wire status"),
    "refresh": (cmd_refresh, "fetch again (a conditional request)"),
    "post": (cmd_post, "post JSON: POST a body here"),
    "patch": (cmd_patch, "patch JSON: PATCH with If-Match"),
    "run": (cmd_run, "run JSON: POST, then wait for the job (progress bar)"),
    "actions": (cmd_actions, "the actions (forms) here: method, target, fields"),
    "do": (cmd_do, "do NAME [field=value ...]: submit an action (asks for required fields)"),
    "bookmark": (cmd_bookmark, "bookmark save|delete NAME, bookmark go NAME [ROOT], "
                               "bookmark list"),
    "expand": (cmd_expand, "expand REL [name=value ...]: the URL follow would request"),
    "docs": (cmd_docs, "docs REL: the documentation URL of a CURIE'd rel"),
    "save": (cmd_save, "save FILE: write the body here, as received, to FILE"),
    "token": (cmd_token, "token: type a token, unseen, for this session (never stored)"),
    "relayout": (cmd_relayout, "relayout [alt|km] [404|301]: move the demo's URLs (--demo)"),
    "clear": (cmd_clear, "clear the screen"),
    "help": (cmd_help, "this list"),
    "quit": (cmd_quit, "leave (also Ctrl-D)"),
}


def execute(state: ShellState, line: str) -> str:
    """Run one input line; returns the text to show (errors as one line)."""
    line = line.strip()
    if not line:
        return ""
    word, _, arg = line.partition(" ")
    try:
        if word in COMMANDS:
            output = COMMANDS[word][0](state, arg)
        elif word == "exit":
            raise Quit
        else:
            # A rel typed alone (with variables) follows it.
            output = cmd_follow(state, line) if state.current.links.get(word) else unknown(
                state, word)
    except Quit:
        raise
    except errors.LinkNotFound as exc:
        output = error_line(exc, state)
    except errors.FormError as exc:
        output = "error: " + str(exc)  # every problem, so all can be fixed at once
    except errors.HyperkmError as exc:
        output = error_line(exc, state)
    except RecursionError:
        output = error_line(errors.DocumentError(
            "the document is nested too deeply to read or print; the server sent a malformed "
            "or hostile body"), state)
    trace = state.take_trace()
    return f"{trace}\n{output}" if trace else output


def unknown(state: ShellState, word: str) -> str:
    import difflib

    rels = state.current.links.rels
    close = difflib.get_close_matches(word, [*rels, *COMMANDS], n=1, cutoff=0.6)
    if close and close[0] in rels:
        return f'error: no rel "{word}" here — did you mean "{close[0]}"?'
    if close:
        return f'error: no command or rel "{word}" — did you mean "{close[0]}"?'
    return (f'error: "{word}" is neither a command nor a rel here '
            "(type 'help', or 'links' for the rels)")


def error_line(exc: errors.HyperkmError, state: ShellState) -> str:
    if isinstance(exc, errors.LinkNotFound) and exc.suggestions:
        return (f'error: no rel "{exc.rel}" here — did you mean "{exc.suggestions[0]}"? '
                "('links' shows them all)")
    if isinstance(exc, errors.LinkNotFound):
        return f'error: no rel "{exc.rel}" here; rels: {", ".join(exc.available) or "none"}'
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    # The library's advice names Python arguments; in the shell the user speaks in options.
    for python, option in (("pass token= to hyperkm.connect() or set HYPERKM_TOKEN",
                            "type 'token' to enter one unseen, or start the shell with "
                            "HYPERKM_TOKEN set (or --token -)"),
                           ("pass verify='/path/to/ca.pem' to hyperkm.connect()",
                            "start the shell with --verify /path/to/ca.pem")):
        text = text.replace(python, option)
    return f"error: {text}"


def _client(state: ShellState) -> Any:
    """The session's public client (it can open bookmarks and hand out resources)."""
    from .._client import Client

    client = state.home.client
    assert isinstance(client, Client)
    return client
