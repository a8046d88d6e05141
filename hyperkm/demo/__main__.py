"""``python -m hyperkm.demo``: run the emulator in the foreground (also ``hyperkm demo``)."""

from __future__ import annotations

import argparse
import ssl
import sys
import tempfile
from collections.abc import Sequence

from .app import DemoConfig
from .dataset import TOKENS
from .render import FORMATS
from .server import DemoServer

__all__ = ["build_parser", "main", "serve"]


def build_parser(prog: str = "python -m hyperkm.demo") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog, description="Run the hyperkm emulator of the KISSmetrics Core and Query APIs.")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to bind (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=int, default=8765, help="port (0: any free port)")
    parser.add_argument("--token", help="accept this token for 'My SaaS Account' as well")
    parser.add_argument("--seed", type=int, default=0, help="seed for generated records")
    parser.add_argument("--events", type=int, default=45,
                        help="generated events in 'My SaaS Product' (up to millions)")
    parser.add_argument("--properties", type=int, default=8,
                        help="generated properties per product")
    parser.add_argument("--format", choices=FORMATS, default="km",
                        help="the default format: km (KISSmetrics envelopes), hal (with "
                             "HAL-FORMS), array (bare arrays + Link headers), siren, jsonapi, "
                             "collection+json, html, hydra (JSON-LD), odata (OData v4 JSON), "
                             "activitystreams")
    parser.add_argument("--formats", default="", metavar="F1,F2",
                        help="more formats served by content negotiation (Accept), e.g. "
                             "hal,siren,jsonapi; 'all' for every one")
    parser.add_argument("--hrefs", choices=["absolute", "relative"], default="absolute",
                        help="write links as absolute URLs (the real API) or as relative "
                             "references (/core/accounts), as many servers do")
    parser.add_argument("--layout", choices=["km", "alt"], default="km",
                        help="URL layout: the real API's, or an alternative one")
    parser.add_argument("--tls", action="store_true",
                        help="serve HTTPS with a throw-away CA (needs trustme); plain HTTP on "
                             "port+1 answers 301")
    parser.add_argument("--max-age", type=int, default=0, help="Cache-Control max-age seconds")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="delay every request")
    parser.add_argument("--fail-rate", type=float, default=0.0,
                        help="fraction of requests answered 503 + Retry-After")
    parser.add_argument("--drop-rate", type=float, default=0.0,
                        help="fraction of requests whose connection is dropped")
    parser.add_argument("--page-size", type=int, default=20,
                        help="members per page when a request does not say (1..100)")
    parser.add_argument("--job-polls", type=int, default=2,
                        help="status polls before a report run completes")
    parser.add_argument("--token-ttl", type=float, default=300.0,
                        help="seconds an OAuth2 access token lives (its token endpoint)")
    return parser


def config_from_args(args: argparse.Namespace) -> DemoConfig:
    tokens = dict(TOKENS)
    if args.token:
        tokens[args.token] = TOKENS["demo-token"]
    extra = FORMATS if args.formats.strip() == "all" else tuple(
        f.strip() for f in args.formats.split(",") if f.strip())
    unknown = [f for f in extra if f not in FORMATS]
    if unknown:
        raise ValueError(f"--formats: unknown format(s) {', '.join(unknown)}; choose from "
                         f"{', '.join(FORMATS)}")
    return DemoConfig(format=args.format, formats=extra, layout=args.layout, seed=args.seed,
                      events=args.events,
                      properties=args.properties, max_age=args.max_age,
                      latency_ms=args.latency_ms, fail_rate=args.fail_rate,
                      drop_rate=args.drop_rate, job_polls=args.job_polls, tokens=tokens,
                      page_size=args.page_size, hrefs=args.hrefs, token_ttl=args.token_ttl)


def _tls_context(host: str) -> tuple[ssl.SSLContext, str]:
    try:
        import trustme
    except ImportError as exc:
        raise SystemExit('--tls needs trustme: pip install "hyperkm[cli]"') from exc
    ca = trustme.CA()
    cert = ca.issue_cert(host, "localhost", "127.0.0.1")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    cert.configure_cert(context)
    with tempfile.NamedTemporaryFile("wb", suffix="-hyperkm-demo-ca.pem", delete=False) as bundle:
        bundle.write(ca.cert_pem.bytes())
    return context, bundle.name


def main(argv: Sequence[str] | None = None, prog: str = "python -m hyperkm.demo") -> int:
    return serve(build_parser(prog).parse_args(argv))


def serve(args: argparse.Namespace) -> int:
    """Run the emulator in the foreground with the parsed options (``hyperkm demo`` builds
    the same namespace from its click options)."""
    try:
        config = config_from_args(args)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    tls, bundle = (None, None)
    if args.tls:
        tls, bundle = _tls_context(args.host)
    try:
        server = DemoServer(config, host=args.host, port=args.port, tls=tls)
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port} ({exc.strerror}); "
              "try another --port", file=sys.stderr)
        return 2
    token = args.token or server.token
    print(f"hyperkm demo: the KISSmetrics API emulator ({config.format} format, "
          f"{config.layout} layout)")
    print(f"  root URL : {server.root_url}")
    if server.http_url:
        print(f"  HTTP URL : {server.http_url}  (answers 301 to HTTPS)")
        print(f"  CA bundle: {bundle}  (pass verify= this path)")
    print(f"  token    : {token}   (another account: demo-token-other)")
    print(f"  OAuth2   : {server.token_url}  (client demo-client / demo-secret; device "
          "flow: demo-cli)")
    verify = f" --verify {bundle}" if bundle else ""
    print(f"  browse it: hyperkm browse {server.root_url} --token {token}{verify}")
    print("Press Ctrl+C to stop.", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("\nstopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
