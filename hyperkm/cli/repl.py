"""The interactive ``browse`` loop: prompt_toolkit for input, completion and history."""

from __future__ import annotations

import sys
import traceback
from collections.abc import Iterable
from typing import Any

from prompt_toolkit import PromptSession
from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document
from prompt_toolkit.history import FileHistory, InMemoryHistory

from .. import HyperkmError
from .paths import state_dir
from .shell import COMMANDS, Quit, ShellState, error_line, execute
from .terminal import JSON_UNSAFE, terminal_safe

__all__ = ["ShellCompleter", "run"]


class ShellCompleter(Completer):
    """Completes commands and rels in first position, rels after ``follow``, and the current
    link's template variables (``id=``) after a rel."""

    def __init__(self, state: ShellState) -> None:
        self.state = state

    def get_completions(self, document: Document, complete_event: CompleteEvent
                        ) -> Iterable[Completion]:
        text = document.text_before_cursor
        words = text.split()
        current = "" if text.endswith(" ") or not words else words[-1]
        before = words[:-1] if current else words
        links = self._links()
        rels = links.rels if links is not None else []
        if not before:
            for name in COMMANDS:
                if name.startswith(current):
                    yield Completion(name, -len(current), display_meta="command")
            for rel in rels:
                if rel.startswith(current) and rel not in COMMANDS:
                    yield Completion(rel, -len(current), display_meta="rel")
            return
        if before == ["follow"]:
            for rel in rels:
                if rel.startswith(current):
                    yield Completion(rel, -len(current), display_meta="rel")
            return
        if before[0] == "do":
            yield from self._action_completions(before, current)
            return
        rel = before[1] if before[0] == "follow" and len(before) > 1 else before[0]
        if links is not None and links.get(rel) is not None:
            given = {w.split("=", 1)[0] for w in before if "=" in w}
            for name in links[rel].variables:
                if name not in given and name.startswith(current):
                    yield Completion(f"{name}=", -len(current), display_meta="template variable")

    def _action_completions(self, before: list[str], current: str) -> Iterable[Completion]:
        try:
            actions = self.state.current.actions
        except HyperkmError:
            return
        if len(before) == 1:  # the action's name
            for name in actions:
                if name.startswith(current):
                    yield Completion(name, -len(current), display_meta="action")
            return
        action = actions.get(before[1])
        if action is None:
            return
        field_name, eq, value = current.partition("=")
        if eq:  # a value: the field's allowed values
            field = next((f for f in action.fields if f.name == field_name), None)
            for option in (field.options or ()) if field is not None else ():
                text = str(option).lower() if isinstance(option, bool) else str(option)
                if text.startswith(value):
                    yield Completion(text, -len(value), display_meta="allowed value")
            return
        given = {w.split("=", 1)[0] for w in before if "=" in w}
        for f in action.fields:
            if f.name not in given and not f.read_only and f.name.startswith(current):
                yield Completion(f"{f.name}=", -len(current),
                                 display_meta=("required " if f.required else "") + f.type)

    def _links(self) -> Any:
        try:
            return self.state.current.links
        except HyperkmError:
            return None


class _History(FileHistory):
    """The shell's history file, which never receives a secret: a ``token VALUE`` line (which
    the shell refuses, asking for the token unseen) is kept for this session only."""

    def store_string(self, string: str) -> None:
        if string.split(maxsplit=1)[:1] == ["token"] and string.strip() != "token":
            return
        super().store_string(string)


def run(state: ShellState, *, debug: bool = False, history: bool = True) -> int:
    """Read, complete, execute, print — until ``quit`` or Ctrl-D."""
    hist: Any = InMemoryHistory()
    if history:
        try:
            directory = state_dir()
            directory.mkdir(parents=True, exist_ok=True)
            hist = _History(str(directory / "history"))
        except OSError:
            pass  # a read-only home: history for this session only
    session: PromptSession[str] = PromptSession(history=hist, completer=ShellCompleter(state),
                                                complete_while_typing=False)
    state.progress = _progress_printer()
    state.ask = _asker(session)

    def ask_secret(message: str) -> str | None:
        from prompt_toolkit import prompt

        try:
            # A prompt of its own, with an in-memory history: the session's history file
            # must never hold a token. Typed, never shown.
            return prompt(message, is_password=True)
        except (KeyboardInterrupt, EOFError):
            return None

    state.ask_secret = ask_secret
    state.printer = say  # trace lines as their exchanges happen (prefetches, job polls)
    say(f"hyperkm browse — {state.home.url}\nType 'help' for commands; Tab completes rels.")
    say(_safe(state, lambda: state.describe()))
    while True:
        try:
            line = session.prompt(terminal_safe(state.crumb()) + " ")
        except KeyboardInterrupt:
            continue
        except EOFError:
            return 0
        try:
            output = execute(state, line)
        except Quit:
            return 0
        except Exception as exc:  # never a traceback unless asked for
            if debug:
                traceback.print_exc()
            output = f"error: {type(exc).__name__}: {exc}"
        if output:
            show(output, highlight=line.split()[:1] == ["show"])


def show(output: str, *, highlight: bool = False) -> None:
    """Print a command's output; the state (``show``) as highlighted JSON on a terminal."""
    if highlight and sys.stdout.isatty() and not output.startswith("error:"):
        try:
            from rich.console import Console

            console = Console()
            with console.capture() as captured:
                console.print_json(output)
            # rich re-serialises the JSON: C0 controls come out escaped by JSON, but C1 and
            # bidi controls raw; escape those (rich's own colour codes stay).
            sys.stdout.write(JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}",
                                             captured.get()))
            sys.stdout.flush()
            return
        except (ImportError, ValueError):
            pass  # no rich, or not JSON after all: plain text
    say(output)


class _Line:
    """Whether a progress bar holds the terminal's current line (drawn with ``\r``, no
    newline): anything else printed first ends that line, so a trace line never lands on
    the bar's line and the bar is redrawn below it."""

    open = False


def say(text: str) -> None:
    """Print text from the API: nothing in it may drive the terminal (see ``terminal``)."""
    if _Line.open:
        sys.stdout.write("\n")
        _Line.open = False
    print(terminal_safe(text))


def _safe(state: ShellState, fn: Any) -> str:
    try:
        return str(fn())
    except HyperkmError as exc:  # the first screen speaks the shell's language too
        return error_line(exc, state)


def _asker(session: PromptSession[str]) -> Any:
    """Ask for one field, showing its label, type, pattern and allowed values, completing
    the allowed values."""
    from prompt_toolkit.completion import WordCompleter

    def ask(field: Any) -> str | None:
        hints = [field.type]
        if field.pattern:
            shown = field.example
            hints.append(f"/{field.pattern}/" + (f", e.g. {shown}" if shown else ""))
        options = [str(o).lower() if isinstance(o, bool) else str(o)
                   for o in field.options or ()]
        if options:
            hints.append("one of " + ", ".join(options))
        say(f"  {field.prompt or field.name} ({'; '.join(hints)})")
        try:
            answer = session.prompt(terminal_safe(f"  {field.name}* = "),
                                    completer=WordCompleter(options) if options else None)
        except (KeyboardInterrupt, EOFError):
            return None
        return answer.strip() or None

    return ask


def _progress_printer() -> Any:
    def show(progress: float | None) -> None:
        if progress is None:
            sys.stdout.write("\r  running…")
        else:
            filled = int(progress * 30)
            sys.stdout.write(f"\r  [{'#' * filled}{'.' * (30 - filled)}] {progress:4.0%}")
        _Line.open = True
        if progress is not None and progress >= 1:
            sys.stdout.write("\n")
            _Line.open = False
        sys.stdout.flush()

    return show
