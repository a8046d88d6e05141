"""The click commands. Each is thin: it builds a root Resource and calls library code."""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
from collections.abc import Iterator
from typing import Any

import click

from .. import _exceptions as errors
from .._files import replace_atomically
from .terminal import echo, terminal_safe

# Exit codes, documented in the README and `hyperkm --help`.
EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_LINK = 3
EXIT_CLIENT = 4
EXIT_SERVER = 5
EXIT_TRANSPORT = 6
EXIT_DOCUMENT = 7
EXIT_JOB = 8
EXIT_FORM = 9

#: The port ``--demo`` prefers (the one ``hyperkm demo`` and the README use).
DEMO_PORT = 8765

EPILOG = """\b
Exit codes: 0 ok, 1 unexpected error, 2 usage, 3 link not found or bad template
variables, 4 HTTP 4xx, 5 HTTP 5xx, 6 transport (connection, TLS, timeout),
7 unreadable document, 8 asynchronous job failed or timed out, 9 values that do not
fit an action's form (nothing was sent); 'check': 10/11/12 a note/warning/error found.
The token comes from HYPERKM_TOKEN or --token ('--token -' reads it unseen; a token on
the command line is visible to other local users); it is sent only to the root URL's
origin."""


def exit_code(exc: BaseException) -> int:
    if isinstance(exc, errors.FormError):
        return EXIT_FORM
    if isinstance(exc, (errors.LinkNotFound, errors.TemplateError, errors.ActionNotFound)):
        return EXIT_LINK
    if isinstance(exc, errors.ClientError):
        return EXIT_CLIENT
    if isinstance(exc, errors.ServerError):
        return EXIT_SERVER
    if isinstance(exc, errors.TransportError):
        return EXIT_TRANSPORT
    if isinstance(exc, errors.DocumentError):
        return EXIT_DOCUMENT
    if isinstance(exc, (errors.JobFailed, errors.JobTimeout)):
        return EXIT_JOB
    if isinstance(exc, errors.ConfigurationError):
        return EXIT_USAGE
    return EXIT_ERROR


def fail(exc: BaseException, debug: bool = False) -> None:
    """Print one line (a traceback only with --debug) and exit with the class's code."""
    if debug:
        import traceback

        traceback.print_exception(type(exc), exc, exc.__traceback__)
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    # The library's advice names Python arguments; here the user speaks in options.
    for python, option in (("pass token= to hyperkm.connect() or set HYPERKM_TOKEN",
                            "pass --token or set HYPERKM_TOKEN"),
                           ("pass a larger deadline= to hyperkm.connect()",
                            "pass a larger --timeout (get)"),
                           ("pass verify='/path/to/ca.pem' to hyperkm.connect()",
                            "pass --verify /path/to/ca.pem")):
        text = text.replace(python, option)
    if isinstance(exc, errors.LinkNotFound) and exc.suggestions:
        text = f'no rel "{exc.rel}" here — did you mean "{exc.suggestions[0]}"?'
    echo(f"hyperkm: error: {text}", err=True)
    sys.exit(exit_code(exc))


@contextlib.contextmanager
def connection(url: str | None, token: str | None, demo: bool, cache: str | None,
               verify: str | None, demo_options: dict[str, Any] | None = None,
               client_options: dict[str, Any] | None = None,
               servers: list[Any] | None = None, warn: bool = True) -> Iterator[Any]:
    """The root Resource: of the given URL, or of an emulator started in-process (``warn``:
    a server's deprecation warnings go to stderr; the shell shows them itself)."""
    import hyperkm

    options: dict[str, Any] = dict(client_options or {})
    if cache is not None:
        options["cache"] = False if cache == "off" else cache
    if verify is not None:
        options["verify"] = False if verify == "off" else verify
    oauth_verify = options.get("verify")
    if demo:
        if url:
            raise click.UsageError("give a URL or --demo, not both")
        try:
            from ..demo import DemoServer
        except ImportError as exc:
            raise click.UsageError(str(exc)) from exc
        import logging

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        # A stable port (the README's, 8765) when it is free, so that a bookmark made in one
        # session still names this emulator in the next; any free port otherwise.
        try:
            server = DemoServer(port=DEMO_PORT, **(demo_options or {}))
        except OSError:
            server = DemoServer(port=0, **(demo_options or {}))
        if servers is not None:
            servers.append(server)
        with server:
            auth = _oauth(server.base_url, oauth_verify)
            if auth is not None:
                if token:
                    raise click.UsageError("give --token or --client-id, not both")
                options["auth"] = auth
            yield _announcing_retries(hyperkm.connect(
                server.root_url, token=None if auth is not None else token or server.token,
                **options), warn)
        return
    if not url:
        url = os.environ.get("HYPERKM_URL")
    if not url:
        raise click.UsageError("give the API's root URL (or set HYPERKM_URL), or use --demo "
                               "to browse the bundled KISSmetrics emulator")
    auth = _oauth(url, oauth_verify)
    if auth is not None:
        if token:
            raise click.UsageError("give --token or --client-id, not both")
        options["auth"] = auth
    yield _announcing_retries(hyperkm.connect(url, token=token, **options), warn)


def _announcing_retries(root: Any, warn: bool = True) -> Any:
    """Retries and their waits go to stderr as they happen: a script that seems to hang is
    waiting out a 503's Retry-After. So do a server's deprecation warnings (once a URL)."""
    root.client.on_note.append(lambda note: echo(f"hyperkm: {note}", err=True)
                               if "retrying in" in note else None)
    if warn:
        root.client.on_exchange.append(
            lambda exchange: echo(f"hyperkm: warning: {exchange.warning}", err=True)
            if exchange.warning else None)
    return root


def _token(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """``--token -``: read the token without it ever being on a command line."""
    if value != "-":
        return value
    if sys.stdin.isatty():
        import getpass

        value = getpass.getpass(f"{param.human_readable_name} (not shown): ")
    else:
        value = sys.stdin.readline()
    return value.strip() or None


#: The formats the emulator serves (kept equal to hyperkm.demo.render.FORMATS by a test;
#: not imported from there, so that --help does not load the emulator).
DEMO_FORMATS = ("km", "hal", "array", "siren", "jsonapi", "collection+json", "html", "hydra",
                "odata", "activitystreams")

common = [
    click.option("--token", envvar="HYPERKM_TOKEN", callback=_token,
                 help="Bearer token. On a command line it is visible to other local users "
                      "(ps, /proc/*/cmdline): prefer HYPERKM_TOKEN, or '--token -' to type "
                      "it unseen (or pipe it on stdin)."),
    click.option("--demo", is_flag=True, help="Start the bundled KISSmetrics emulator and use it."),
    click.option("--demo-format", default="km", metavar="FORMAT",
                 type=click.Choice(DEMO_FORMATS),
                 help="With --demo: the format it serves (default km; hal, siren, "
                      "collection+json and hydra carry forms)."),
    click.option("--cache", metavar="SPEC",
                 help="A cache directory, a redis:// URL, or 'off' (default: in memory)."),
    click.option("--verify", metavar="CA_BUNDLE", help="CA bundle for HTTPS, or 'off'."),
    click.option("--debug", is_flag=True, help="Show tracebacks."),
    click.option("--client-id", envvar="HYPERKM_CLIENT_ID", expose_value=False,
                 callback=lambda ctx, _p, v: _remember(ctx, "client_id", v),
                 help="OAuth2 client id (HYPERKM_CLIENT_ID): tokens from the API's "
                      "authorization server instead of --token (client credentials with "
                      "--client-secret, else a device sign-in)."),
    click.option("--client-secret", envvar="HYPERKM_CLIENT_SECRET", expose_value=False,
                 callback=lambda ctx, p, v: _remember(ctx, "client_secret", _token(ctx, p, v)),
                 help="OAuth2 client secret (HYPERKM_CLIENT_SECRET, or '-' to type it)."),
    click.option("--token-url", envvar="HYPERKM_TOKEN_URL", expose_value=False,
                 callback=lambda ctx, _p, v: _remember(ctx, "token_url", v),
                 help="OAuth2 token endpoint (default: found in the authorization server's "
                      "metadata, RFC 8414, on the API's origin)."),
]


def _remember(ctx: click.Context, key: str, value: Any) -> Any:
    """Keep an OAuth2 option in the context (every command takes them; connection() reads
    them)."""
    ctx.meta.setdefault("hyperkm_oauth", {})[key] = value
    return value


def _oauth(base_url: str, verify: Any) -> Any:
    """The OAuth2 credential the command line asks for, or ``None``."""
    ctx = click.get_current_context(silent=True)
    given = dict(ctx.meta.get("hyperkm_oauth", {})) if ctx is not None else {}
    client_id, secret, token_url = (given.get("client_id"), given.get("client_secret"),
                                    given.get("token_url"))
    if not client_id:
        if secret or token_url:
            raise click.UsageError("--client-secret and --token-url go with --client-id")
        return None
    import hyperkm

    if token_url and secret:
        return hyperkm.OAuth2.client_credentials(token_url, client_id, secret)
    return hyperkm.OAuth2.discover(token_url or base_url, client_id, client_secret=secret,
                                   verify=verify if verify is not None else True)


def with_common(fn: Any) -> Any:
    for option in reversed(common):
        fn = option(fn)
    return fn


@click.group(epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="hyperkm", message="hyperkm %(version)s")
def cli() -> None:
    """Browse and script hypermedia APIs by their link relations.

    \b
    Try it on the bundled emulator of the KISSmetrics API:
      hyperkm browse --demo
    """


@cli.command(epilog=EPILOG)
@click.argument("url", required=False)
@with_common
@click.option("--no-history", is_flag=True, help="Do not read or write the history file.")
def browse(url: str | None, token: str | None, demo: bool, demo_format: str,
           cache: str | None, verify: str | None, debug: bool, no_history: bool) -> None:
    """Explore an API interactively, starting at URL (or --demo).

    Commands: links, show [--raw], follow REL [var=value], a rel alone, expand REL, docs REL,
    items [N], open N, back, home, history [N], trace on|off|verbose, headers, refresh,
    actions, do NAME [field=value], post/patch/run JSON, save FILE, bookmark save|go|list|
    delete, relayout (with --demo), clear, help, quit. Tab completes.
    """
    _shell(url, token, demo, demo_format, cache, verify, debug, no_history)


def _shell(url: str | None, token: str | None, demo: bool, demo_format: str,
           cache: str | None, verify: str | None, debug: bool, no_history: bool,
           signing_in: bool = False) -> None:
    from .repl import run
    from .shell import ShellState

    try:
        servers: list[Any] = []
        with connection(url, token, demo, cache, verify, {"format": demo_format},
                        servers=servers, warn=False) as root:
            if signing_in:
                _ = root.document  # signs in now: the device prompt shows here
                echo(f"signed in to {root.url} (OAuth2 client "
                     f"{root.client.oauth.client_id}); the tokens are kept in memory only, "
                     "renewed as they expire, and end with this session.", err=True)
            state = ShellState(root)
            state.demo = servers[0] if servers else None
            sys.exit(run(state, debug=debug, history=not no_history))
    except errors.HyperkmError as exc:
        fail(exc, debug)


@cli.command(epilog=EPILOG)
@click.argument("url", required=False)
@with_common
@click.option("--no-history", is_flag=True, help="Do not read or write the history file.")
def login(url: str | None, token: str | None, demo: bool, demo_format: str,
          cache: str | None, verify: str | None, debug: bool, no_history: bool) -> None:
    """Sign in with OAuth2, then explore the API at URL (or --demo) as in 'browse'.

    A client without a secret signs a person in with a device code (RFC 8628): open the URL
    it prints, on any screen, and enter the code. With --client-secret it is a service
    account (client credentials). The endpoints come from the authorization server's
    metadata (RFC 8414) unless --token-url says. Tokens stay in memory, never on disk.

    \b
    Examples:
      hyperkm login --demo --client-id demo-cli
      hyperkm login https://api.example.com --client-id my-cli
    """
    given = click.get_current_context().meta.get("hyperkm_oauth", {})
    if not given.get("client_id"):
        raise click.UsageError("login needs --client-id (or HYPERKM_CLIENT_ID); for the "
                               "demo: --client-id demo-cli")
    if token:
        raise click.UsageError("login signs in with OAuth2: give --client-id, not --token")
    _shell(url, None, demo, demo_format, cache, verify, debug, no_history, signing_in=True)


# A host with a path or a port, never a rel (rels may hold dots, not "/" or ":digits")
_SCHEMELESS = re.compile(r"(?:[A-Za-z0-9-]+\.)+[A-Za-z0-9-]+(?::\d+)?/.*|"
                         r"[A-Za-z0-9.-]+:\d+(?:/.*)?|localhost/.*")


def _split_url(words: tuple[str, ...]) -> tuple[str | None, list[str]]:
    if words and "://" in words[0]:
        return words[0], list(words[1:])
    if words and _SCHEMELESS.fullmatch(words[0]):
        # "api.example.com/core", "127.0.0.1:8765/core": a root URL without its scheme, which
        # would otherwise be taken for a rel
        raise click.UsageError(f"{words[0]!r} looks like a URL without its scheme: add "
                               f"http:// or https:// (https://{words[0]})")
    return None, list(words)


@cli.command(epilog=EPILOG)
@click.argument("words", nargs=-1, metavar="[URL] REL [REL ...]")
@click.option("--var", "variables", multiple=True, metavar="NAME=VALUE",
              help="A template variable, for the first rel whose template has it (repeatable).")
@click.option("--all", "all_members", is_flag=True,
              help="Print every member of the final collection, one JSON object per line.")
@click.option("--format", "fmt", type=click.Choice(["json", "table"]),
              help="Output format (default: json when not a terminal, else table).")
@click.option("--max-pages", type=click.IntRange(min=1), default=None,
              help="With --all: stop after this many pages.")
@click.option("--concurrency", type=click.IntRange(min=1, max=64), default=1,
              help="With --all: fetch up to N pages at once when their URLs are provably "
                   "derivable (in order, N pages in memory at most).")
@click.option("-v", "--verbose", is_flag=True,
              help="Print every request and response with their headers on stderr (the "
                   "token masked).")
@click.option("-H", "--header", "header_lines", multiple=True, metavar="'NAME: VALUE'",
              help="An extra request header (repeatable); credential headers such as "
                   "Authorization or X-Api-Key go only to the root's origin.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=None, metavar="SECONDS",
              help="Give up on a request after this long in all (default 60).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Stream the final resource's body, as received, to FILE.")
@with_common
def get(words: tuple[str, ...], variables: tuple[str, ...], all_members: bool,
        fmt: str | None, max_pages: int | None, concurrency: int, verbose: bool,
        header_lines: tuple[str, ...], timeout: float | None, output: str | None,
        token: str | None, demo: bool,
        demo_format: str, cache: str | None, verify: str | None, debug: bool) -> None:
    """Follow RELs from the root and print where they lead (for scripts).

    \b
    hyperkm get --demo accounts
    hyperkm get --demo events event --var id=d71bf5f0-3de7-0131-aa07-1231392acb4b
    hyperkm get https://api.example.com/core products --all > products.jsonl
    """
    from .shell import parse_variables

    url, rels = _split_url(words)
    if not rels and not all_members:
        rels = []
    fmt = fmt or ("json" if not sys.stdout.isatty() else "table")
    try:
        given = parse_variables(list(variables))
        extra: dict[str, Any] = {"headers": _headers(header_lines)} if header_lines else {}
        if timeout is not None:
            extra["deadline"] = timeout
        with connection(url, token, demo, cache, verify, {"format": demo_format},
                        extra) as root:
            if concurrency > 1 and all_members:
                root.client.on_note.append(lambda note: echo(f"hyperkm: {note}",
                                                                   err=True))
            if verbose:
                root.client.on_exchange.append(_print_exchange)
            target = _walk(root, rels, given)
            if output and all_members:
                # every member of every page, one JSON object a line (as on stdout)
                written = _write_members(target, output, max_pages, concurrency)
                echo(f"wrote {output} ({written} members)", err=True)
            elif output:
                written = target.download(output)
                echo(f"wrote {output} ({written} bytes)", err=True)
            else:
                with _quiet_when_the_pipe_closes():
                    _print(target, all_members, fmt, max_pages, concurrency)
    except errors.HyperkmError as exc:
        fail(exc, debug)


@contextlib.contextmanager
def _quiet_when_the_pipe_closes() -> Iterator[None]:
    """``hyperkm get … --all | head -1``: the reader left; end quietly with 0, as coreutils and
    httpie do, instead of a traceback or exit 1."""
    try:
        yield
        sys.stdout.flush()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # nothing more to flush at exit
        sys.exit(EXIT_OK)


def _headers(lines: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for line in lines:
        name, sep, value = line.partition(":")
        if not sep or not name.strip() or any(c in line for c in "\r\n"):
            raise click.BadParameter(f"expected 'Name: value', got {line!r}",
                                     param_hint="-H/--header")
        out[name.strip()] = value.strip()
    return out


def _print_exchange(exchange: Any) -> None:
    """-v: the exchange as it went over the wire, on stderr (httpie's convention)."""
    lines = [f"> {exchange.method} {exchange.url}"]
    lines += [f"> {k}: {v}" for k, v in exchange.request_headers.items()]
    lines.append(f"< {exchange.status}  ({exchange.outcome}, {exchange.elapsed * 1000:.0f} ms)")
    lines += [f"< {k}: {v}" for k, v in exchange.response_headers.items()]
    echo("\n".join(lines) + "\n", err=True)


def _walk(root: Any, rels: list[str], given: dict[str, Any]) -> Any:
    """Follow ``rels`` from ``root``, each ``--var`` going to the first rel that takes it."""
    resource = root
    remaining = dict(given)
    taken: list[tuple[str, tuple[str, ...]]] = []
    for rel in rels:
        link = resource.link(rel)
        if link.templated:
            taken.append((rel, link.variables))
        mine = {k: remaining.pop(k) for k in list(remaining) if k in link.variables}
        try:
            resource = resource.follow(link, **mine)
        except errors.TemplateError:
            if remaining:  # a misspelt --var left this template without its value
                break
            raise
    if remaining:
        offered = ", ".join(f"{rel}: {', '.join(v) or 'none'}" for rel, v in taken) or \
            "none of the rels on the way is a template"
        raise errors.TemplateError(
            f"no rel on the way takes --var {', '.join(sorted(remaining))}; the templates on "
            f"the way take: {offered}. Nothing was requested with it.",
            template="", unknown=tuple(sorted(remaining)))
    return resource


@cli.command("do", epilog=EPILOG)
@click.argument("words", nargs=-1, metavar="[URL] [REL ...] ACTION")
@click.option("--var", "variables", multiple=True, metavar="NAME=VALUE",
              help="A template variable for the rels on the way (repeatable).")
@click.option("-f", "--field", "fields", multiple=True, metavar="NAME=VALUE",
              help="A value for the action's form (repeatable).")
@click.option("--json", "json_body", metavar="BODY",
              help="Values as one JSON object (fields given with --field win).")
@click.option("--wait", is_flag=True, help="If the action starts a job (202), wait for it.")
@click.option("--format", "fmt", type=click.Choice(["json", "table"]),
              help="Output format (default: json when not a terminal, else table).")
@with_common
def do(words: tuple[str, ...], variables: tuple[str, ...], fields: tuple[str, ...],
       json_body: str | None, wait: bool, fmt: str | None, token: str | None, demo: bool,
       demo_format: str, cache: str | None, verify: str | None, debug: bool) -> None:
    """Follow RELs from the root, then submit ACTION there with --field values (for scripts).

    The action's form is checked before anything is sent: missing required fields, unknown
    names, values outside the allowed ones or a pattern mismatch exit with code 9. For formats
    without forms, ACTION may be a rel whose target takes POST: the fields are POSTed as JSON.

    \b
    hyperkm do --demo report --var id=64361c30-4a48-0131-0cbb-22000a9f1c0f run \\
        -f start_date=2015-06-02 -f end_date=2015-06-09 --wait
    """
    from .doing import perform
    from .shell import parse_variables

    url, rels = _split_url(words)
    if not rels:
        raise click.UsageError("name the action to submit (after the rels that lead to it)")
    *path, action = rels
    fmt = fmt or ("json" if not sys.stdout.isatty() else "table")
    try:
        values: dict[str, Any] = {}
        if json_body is not None:
            try:
                parsed = json.loads(json_body)
            except ValueError as exc:
                raise click.BadParameter(f"not JSON: {exc}", param_hint="--json") from exc
            if not isinstance(parsed, dict):
                raise click.BadParameter("must be a JSON object", param_hint="--json")
            values.update(parsed)
        values.update(parse_variables(list(fields)))
        with connection(url, token, demo, cache, verify, {"format": demo_format}) as root:
            here = _walk(root, path, parse_variables(list(variables)))
            result, what = perform(here, action, values, wait=wait)
            echo(what, err=True)
            response = getattr(result, "write_response", None)
            if not wait and response is not None and response.status_code == 202:
                echo(f"hyperkm: the job goes on at {result.url}; add --wait to wait for its "
                     "result (and print it)", err=True)
            # A result that is a collection (a report's rows) is printed member by member.
            with _quiet_when_the_pipe_closes():
                _print(result, result.document.items is not None, fmt)
    except errors.HyperkmError as exc:
        fail(exc, debug)


def _write_members(resource: Any, output: str, max_pages: int | None, concurrency: int) -> int:
    from .render import dumps

    count = 0
    with replace_atomically(output) as fh:  # whole or not at all
        for member in resource.items(max_pages=max_pages, concurrency=concurrency):
            fh.write((dumps(member.data, indent=None) + "\n").encode("utf-8"))
            count += 1
    return count


def _print(resource: Any, all_members: bool, fmt: str, max_pages: int | None = None,
           concurrency: int = 1) -> None:
    from .render import dumps, key_fields, member_cells, table

    if all_members:
        if fmt == "json":
            for member in resource.items(max_pages=max_pages, concurrency=concurrency):
                echo(dumps(member.data, indent=None))
        else:
            members = list(resource.items(max_pages=max_pages, concurrency=concurrency))
            fields = key_fields(members) or ["value"]
            echo(table([member_cells(m, fields) for m in members], fields))
        return
    data = resource.data
    if fmt == "json":
        echo(dumps(data))
    elif resource.document.items is not None:  # a collection's page, as a table
        members = [resource.member(m, "") for m in resource.document.items]
        fields = key_fields(members) or ["value"]
        echo(table([member_cells(m, fields) for m in members], fields))
        total = resource.document.page.total
        echo(f"\n{len(members)} on this page" + (f" of {total}" if total is not None
                                                         else "") + " (--all for every page)")
    elif isinstance(data, dict):
        echo(table([(k, dumps(v, indent=None) if not isinstance(v, str)
                           else v) for k, v in data.items()], ("field", "value"), max_width=80))
        echo(f"\nrels: {', '.join(resource.links.rels)}")
    else:
        echo(dumps(data))


@cli.command(epilog=EPILOG)
@click.argument("url", required=False)
@click.option("--port", default=0, show_default=True,
              help="The explorer's port on 127.0.0.1 (0: any free one).")
@click.option("--no-browser", is_flag=True, help="Print the URL; do not open a browser.")
@with_common
def explore(url: str | None, port: int, no_browser: bool, token: str | None, demo: bool,
            demo_format: str, cache: str | None, verify: str | None, debug: bool) -> None:
    """A web explorer for the API at URL (or --demo), served on 127.0.0.1.

    Links are links, templates and actions are forms; it shows caching, headers and every
    exchange. The URL it prints carries a per-run secret: share it with no one. The API token
    stays in this process.
    """
    try:
        from ..explore import ExplorerServer
    except ImportError as exc:
        raise click.UsageError(f"{exc}; install the CLI extra: pip install 'hyperkm[cli]'"
                               ) from exc
    try:
        servers: list[Any] = []
        with connection(url, token, demo, cache, verify, {"format": demo_format},
                        servers=servers) as root:
            _ = root.document  # a wrong root or token fails here, not in the browser
            server = ExplorerServer(root, port=port, demo=servers[0] if servers else None)
            echo(f"hyperkm explore — {root.url}\n  open {server.url}\n"
                       "(the URL holds a per-run secret; Ctrl-C stops)")
            if not no_browser:
                import webbrowser

                webbrowser.open(server.url)
            with contextlib.suppress(KeyboardInterrupt):
                server.serve_forever()
    except errors.HyperkmError as exc:
        fail(exc, debug)


@cli.command("map", epilog=EPILOG)
@click.argument("url", required=False)
@click.option("--depth", default=4, show_default=True, help="How many links deep to crawl.")
@click.option("--budget", default=150, show_default=True, help="At most this many requests.")
@click.option("--format", "fmt", type=click.Choice(["mermaid", "dot", "svg", "png"]),
              default="mermaid", show_default=True,
              help="svg/png need Graphviz 'dot'; without it, Mermaid text is written.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to FILE.")
@with_common
def map_command(url: str | None, depth: int, budget: int, fmt: str, output: str | None,
                token: str | None, demo: bool, demo_format: str, cache: str | None,
                verify: str | None, debug: bool) -> None:
    """Draw the API's link-relation graph: resource kinds as nodes, rels as edges."""
    import shutil

    from .mapper import crawl, render_graph

    if fmt in ("svg", "png") and shutil.which("dot") is None:
        echo(f"hyperkm: error: --format {fmt} needs Graphviz 'dot', which is not "
                   "installed (apt-get install graphviz); nothing was written. --format "
                   "mermaid or dot work without it.", err=True)
        sys.exit(EXIT_USAGE)
    try:
        with connection(url, token, demo, cache, verify, {"format": demo_format}) as root:
            graph = crawl(root, depth=depth, budget=budget, progress=sys.stderr.isatty())
        data, used = render_graph(graph, fmt)
    except errors.HyperkmError as exc:
        fail(exc, debug)
    if used != fmt:
        # Mermaid text in a file named .png or .svg would be a lie: refuse, writing nothing.
        echo(f"hyperkm: error: --format {fmt} needs Graphviz 'dot', which is not "
                   "installed (apt-get install graphviz); nothing was written. --format "
                   "mermaid or dot work without it.", err=True)
        sys.exit(EXIT_USAGE)
    if output:
        with replace_atomically(output) as fh:
            fh.write(data)
        echo(f"wrote {output} ({used}, {len(graph.nodes)} kinds, "
                   f"{len(graph.edges)} rels, {graph.requests} requests)", err=True)
    else:
        if sys.stdout.isatty():  # rel names come from the API: nothing may drive the terminal
            data = terminal_safe(data.decode("utf-8", "replace")).encode("utf-8")
        sys.stdout.buffer.write(data)
        sys.stdout.flush()


#: ``hyperkm check``'s exit codes by the most serious finding at or above --fail-on.
CHECK_EXIT_CODES = {"note": 10, "warning": 11, "error": 12}


@cli.command("check", epilog=EPILOG)
@click.argument("url", required=False)
@click.option("--max-requests", type=click.IntRange(1, 100_000), default=200,
              show_default=True, help="At most this many requests.")
@click.option("--format", "report_format", type=click.Choice(["text", "json", "junit",
                                                              "sarif"]),
              default="text", show_default=True, help="How to write the findings (JUnit XML "
              "and SARIF for CI systems).")
@click.option("--fail-on", type=click.Choice(["error", "warning", "note", "never"]),
              default="error", show_default=True,
              help="Exit non-zero when a finding at this level or above is found.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to FILE.")
@with_common
def check_command(url: str | None, max_requests: int, report_format: str, fail_on: str,
                  output: str | None, token: str | None, demo: bool, demo_format: str,
                  cache: str | None, verify: str | None, debug: bool) -> None:
    """Lint a hypermedia API: crawl from its root as a client would, and report what breaks
    clients — broken links and templates, documents that do not parse as what they claim,
    caching, paging, forms, errors and deprecations (docs/check.md lists every rule).

    Only GET, HEAD and OPTIONS are sent, never another origin. Exit codes: 0, or 10/11/12
    when the most serious finding at or above --fail-on is a note/warning/error.

    \b
    Examples:
      hyperkm check --demo
      hyperkm check https://api.example.com --format sarif -o hyperkm.sarif
    """
    from ..check import check

    try:
        with connection(url, token, demo, "off", verify, {"format": demo_format},
                        warn=False) as root:
            report = check(root.client, max_requests=max_requests)
    except errors.HyperkmError as exc:
        fail(exc, debug)
    text = {"text": report.text, "json": report.json, "junit": report.junit,
            "sarif": report.sarif}[report_format]()
    if output:
        with replace_atomically(output) as fh:
            fh.write(text.encode("utf-8") + b"\n")
        echo(f"wrote {output} ({len(report.findings)} findings, {report.requests} requests)",
             err=True)
    else:
        echo(text)
    worst = report.at_least(fail_on) if fail_on != "never" else []
    if worst:
        highest = max((f.level for f in worst), key=lambda lv: CHECK_EXIT_CODES[lv])
        sys.exit(CHECK_EXIT_CODES[highest])


@cli.command(epilog=EPILOG)
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind (loopback: this machine only).")
@click.option("--port", type=int, default=DEMO_PORT, show_default=True,
              help="Port (0: any free port).")
@click.option("--token", metavar="TOKEN", help="Accept this token for 'My SaaS Account' too "
              "(demo-token always works).")
@click.option("--format", "format_", type=click.Choice(DEMO_FORMATS), default="km",
              show_default=True, help="The format it serves by default: km (KISSmetrics "
              "envelopes), hal (with HAL-FORMS), array (bare arrays + Link headers), siren, "
              "jsonapi, collection+json, html, hydra (JSON-LD), odata (OData v4 JSON), "
              "activitystreams.")
@click.option("--formats", default="", metavar="F1,F2", help="More formats served by "
              "content negotiation (Accept), e.g. hal,siren; 'all' for every one.")
@click.option("--layout", type=click.Choice(["km", "alt"]), default="km", show_default=True,
              help="URL layout: the real API's, or an alternative one.")
@click.option("--hrefs", type=click.Choice(["absolute", "relative"]), default="absolute",
              show_default=True, help="Write links as absolute URLs (as the real API) or as "
              "relative references (/core/accounts), as many servers do.")
@click.option("--tls", is_flag=True, help="Serve HTTPS with a throw-away CA (plain HTTP on "
              "port+1 answers 301).")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Seed for generated records.")
@click.option("--events", type=int, default=45, show_default=True,
              help="Generated events in 'My SaaS Product' (up to millions).")
@click.option("--properties", type=int, default=8, show_default=True,
              help="Generated properties per product.")
@click.option("--page-size", type=int, default=20, show_default=True,
              help="Members per page when a request does not say (1..100).")
@click.option("--max-age", type=int, default=0, show_default=True,
              help="Cache-Control max-age, in seconds.")
@click.option("--latency-ms", type=float, default=0.0, show_default=True,
              help="Delay every request by this many milliseconds.")
@click.option("--fail-rate", type=float, default=0.0, show_default=True,
              help="Fraction of requests answered 503 with Retry-After.")
@click.option("--drop-rate", type=float, default=0.0, show_default=True,
              help="Fraction of requests whose connection is dropped.")
@click.option("--job-polls", type=int, default=2, show_default=True,
              help="Status polls before a report run completes.")
@click.option("--token-ttl", type=float, default=300.0, show_default=True,
              help="Seconds an OAuth2 access token of its token endpoint lives.")
def demo(**options: Any) -> None:
    """Run the bundled emulator of the KISSmetrics Core and Query APIs.

    It serves on loopback in the foreground (Ctrl+C stops it) and prints its root URL and
    token. The same options work as 'python -m hyperkm.demo'.

    \b
    Examples:
      hyperkm demo
      hyperkm demo --format hal --formats all
      hyperkm demo --latency-ms 20 --fail-rate 0.1
    """
    import argparse

    try:
        from ..demo.__main__ import serve
    except ImportError as exc:
        raise click.UsageError(str(exc)) from exc
    options["format"] = options.pop("format_")
    sys.exit(serve(argparse.Namespace(**options)))


@cli.group()
def cache() -> None:
    """Inspect, bound or clear a directory cache (connect(cache=DIR), --cache DIR)."""


def _directory_cache(path: str) -> Any:
    from .._cache import DirectoryCache

    if not os.path.isdir(path):
        raise click.BadParameter(f"{path!r} is not a directory", param_hint="DIR")
    try:
        # create=False: a directory hyperkm did not mark as its cache is refused, untouched.
        return DirectoryCache(path, max_bytes=None, create=False)
    except errors.ConfigurationError as exc:
        fail(exc)


@cache.command("info")
@click.argument("directory", metavar="DIR")
def cache_info(directory: str) -> None:
    """Show how many entries and bytes DIR holds."""
    count, size = _directory_cache(directory).stats()
    echo(f"{directory}: {count} entries, {size} bytes")


@cache.command("prune")
@click.argument("directory", metavar="DIR")
@click.option("--max-mb", type=float, required=True, help="Keep at most this many megabytes.")
def cache_prune(directory: str, max_mb: float) -> None:
    """Delete the oldest entries of DIR until at most --max-mb remain."""
    freed = _directory_cache(directory).prune(int(max_mb * 1024 * 1024))
    echo(f"freed {freed} bytes")


@cache.command("clear")
@click.argument("directory", metavar="DIR")
def cache_clear(directory: str) -> None:
    """Delete every entry of DIR."""
    freed = _directory_cache(directory).clear()
    echo(f"freed {freed} bytes")
