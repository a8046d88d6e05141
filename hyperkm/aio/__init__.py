"""hyperkm for asyncio: the same navigator, every request awaited.

    import hyperkm.aio

    async def main():
        root = hyperkm.aio.connect("https://api.example.com/", token="...")
        account = await root.follow("accounts").fetch()
        async for product in account.follow("products").items(concurrency=4):
            print(product.data["name"])
        await root.client.aclose()

Names mirror the blocking API one to one (see docs/async.md): ``follow`` is lazy;
``fetch``, ``refresh``, writes, ``wait``, ``action(...)`` and ``submit`` are awaited;
collections are walked with ``async for``. The policies, the cache (shared with blocking
clients: the same entries) and every error are the blocking client's own — the code is one
body, run on the event loop through a bridge (``hyperkm._bridge``), with requests sent by an
[`AsyncHttpxTransport`][hyperkm.transports.AsyncHttpxTransport] (HTTP/1.1, or HTTP/2 with
``http2=True``). Needs ``pip install 'hyperkm[async]'``.
"""

from __future__ import annotations

from ._client import Client, connect, open
from ._resource import Action, Items, NotFetched, Resource

__all__ = ["Action", "Client", "Items", "NotFetched", "Resource", "connect", "open"]

for _name in __all__:
    if hasattr(globals()[_name], "__module__"):
        globals()[_name].__module__ = "hyperkm.aio"
