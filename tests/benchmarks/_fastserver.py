"""A keep-alive server that answers in microseconds, shaped like real API servers: every GET
is answered from memory with a strong ``ETag`` and ``Cache-Control: private, no-cache`` (so
every client revalidates), and a matching ``If-None-Match`` gets a ``304``.

The emulator renders each page in about half a millisecond, which hides a client's own cost
behind the server's; this server records what the emulator (``UPSTREAM``) answers the first
time a path is asked for, and from then on answers it itself. Absolute URLs in bodies and
headers are rewritten from the emulator's origin to this one, so that clients stay here.

Run: python _fastserver.py UPSTREAM_ORIGIN   (prints "port N" when it listens on loopback)
"""

from __future__ import annotations

import asyncio
import hashlib
import sys
import urllib.request

UPSTREAM = sys.argv[1].rstrip("/") if __name__ == "__main__" else ""
STORE: dict[tuple[str, str, str], tuple[int, bytes, bytes, str]] = {}
KEEP = ("content-type", "link", "link-template", "location", "vary", "x-total-count")


def record(target: str, accept: str, auth: str, here: str) -> tuple[int, bytes, bytes, str]:
    request = urllib.request.Request(UPSTREAM + target, headers={
        "Accept": accept, "Authorization": auth})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            status, headers, body = answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as error:
        status, headers, body = error.code, error.headers, error.read()
    body = body.replace(UPSTREAM.encode(), here.encode())
    kept = "".join(f"{k}: {v.replace(UPSTREAM, here)}\r\n" for k, v in headers.items()
                   if k.lower() in KEEP)
    etag = '"' + hashlib.sha1(body).hexdigest()[:20] + '"'
    return status, kept.encode(), body, etag


async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    port = writer.get_extra_info("sockname")[1]
    here = f"http://127.0.0.1:{port}"
    loop = asyncio.get_running_loop()
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, target, _ = lines[0].split(" ", 2)
            fields = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                fields[name.strip().lower()] = value.strip()
            key = (target, fields.get("accept", "*/*"), fields.get("authorization", ""))
            stored = STORE.get(key)
            if stored is None:
                stored = await loop.run_in_executor(None, record, target, key[1], key[2], here)
                STORE[key] = stored
            status, headers, body, etag = stored
            common = (b"Cache-Control: private, no-cache\r\nETag: " + etag.encode()
                      + b"\r\n" + headers)
            if status == 200 and fields.get("if-none-match") == etag:
                writer.write(b"HTTP/1.1 304 Not Modified\r\n" + common + b"\r\n")
            else:
                writer.write(f"HTTP/1.1 {status} X\r\nContent-Length: {len(body)}\r\n".encode()
                             + common + b"\r\n" + (body if method != "HEAD" else b""))
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def main() -> None:
    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    print("port", server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
