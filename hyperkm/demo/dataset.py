"""The emulator's deterministic dataset.

It holds the reference pages' own records (same ids and names) plus generated ones. Generated
events and properties are computed from their position on demand, so a product with 100,000
events costs nothing until a page of them is asked for; only edits (PATCH) are stored.
Their ids encode (product, kind, position), scrambled with the seed, so an id can be looked up
without an index.
"""

from __future__ import annotations

import hashlib
import random
import threading
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

__all__ = ["TOKENS", "Dataset", "Record"]

Record = dict[str, Any]

ACCOUNT_A = "51cc9c30-0edf-0131-ead3-12313b0d181e"
ACCOUNT_B = "9a3f5e10-7c1d-0132-bd41-22000a9f1c10"
PRODUCT_SAAS = "e7063aa0-0edf-0131-ead3-12313b0d181e"
PRODUCT_SITE = "6c921840-0edf-0131-ead4-12313b0d181e"
PRODUCT_OTHER = "b41d2a70-7c1d-0132-bd41-22000a9f1c10"
REPORT_PEOPLE = "64361c30-4a48-0131-0cbb-22000a9f1c0f"

#: Default tokens: one per account. A token sees only its own account's data.
TOKENS = {"demo-token": ACCOUNT_A, "demo-token-other": ACCOUNT_B}

_EPOCH = datetime(2013, 10, 4, 5, 1, 7, tzinfo=UTC)
_KIND_CODES = {"event": 0xE, "property": 0xF}
_VERBS = ["Signed Up", "Viewed", "Clicked", "Purchased", "Shared", "Searched", "Upgraded",
          "Downloaded", "Invited", "Commented", "Exported", "Logged In", "Canceled", "Rated"]
_OBJECTS = ["Pricing Page", "Checkout", "Newsletter", "Dashboard", "Report", "Invoice", "Plan",
            "Landing Page", "Blog Post", "Video", "Coupon", "Profile", "Settings", "Trial"]
_PROPERTY_NAMES = ["campaign source", "campaign medium", "plan", "country", "browser",
                   "device", "revenue", "referrer url", "landing page", "search terms"]


def _iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%S+00:00")


class Dataset:
    """Accounts, products, events, properties, reports and metrics for the emulator.

    Args:
        seed: Changes generated names and ids (the reference records never change).
        events: Generated events in the main product ("My SaaS Product").
        properties: Generated properties per product.
    """

    def __init__(self, *, seed: int = 0, events: int = 45, properties: int = 8) -> None:
        self.seed = seed
        self._mask = int.from_bytes(hashlib.sha256(f"hyperkm-demo:{seed}".encode()).digest()[:16],
                                    "big")
        self._lock = threading.Lock()
        self._edits: dict[tuple[str, str], Record] = {}
        self.versions: dict[tuple[str, str], int] = {}
        #: Writes so far: anything rendered before the last one may be stale.
        self.writes = 0
        self.accounts: dict[str, Record] = {
            ACCOUNT_A: {
                "contact": {"phone": None, "country": None, "name": None},
                "updated_at": "2014-09-02T19:46:43Z", "created_at": "2013-10-04T04:56:57Z",
                "status": "active", "name": "My SaaS Account", "id": ACCOUNT_A},
            ACCOUNT_B: {
                "contact": {"phone": "+1 555 0100", "country": "US", "name": "Ada Admin"},
                "updated_at": "2015-01-12T10:00:00Z", "created_at": "2014-03-01T09:30:00Z",
                "status": "active", "name": "Other Corp", "id": ACCOUNT_B},
        }
        self.products: dict[str, Record] = {}
        for pid, account, name, url, env, tz, created in (
            (PRODUCT_SAAS, ACCOUNT_A, "My SaaS Product", "http://mysaasproduct.com", "",
             "US/Pacific", "2013-10-04T05:01:07+00:00"),
            (PRODUCT_SITE, ACCOUNT_A, "My Marketing Site", "http://mysaasproduct.com/blog",
             "production", "US/Eastern", "2013-10-04T05:02:11+00:00"),
            (PRODUCT_OTHER, ACCOUNT_B, "Other Corp Store", "http://store.example.org",
             "production", "Europe/Berlin", "2014-03-01T09:45:00+00:00"),
        ):
            self.products[pid] = {
                "id": pid, "account_id": account, "name": name, "url": url, "status": "active",
                "environment": env, "timezone": tz, "created_at": created}
        # Position of each product in the generated-id scheme.
        self._product_keys = {pid: i + 1 for i, pid in enumerate(self.products)}
        self._product_by_key = {k: pid for pid, k in self._product_keys.items()}
        self._event_counts = {PRODUCT_SAAS: events, PRODUCT_SITE: 11, PRODUCT_OTHER: 7}
        self._property_counts = dict.fromkeys(self.products, properties)
        self._fixed_events: dict[str, list[Record]] = {pid: [] for pid in self.products}
        self._fixed_events[PRODUCT_SITE].append({
            "last_sent_at": "2014-08-29T15:41:08+00:00",
            "first_sent_at": "2013-12-03T01:26:21+00:00",
            "last_used_at": "2014-08-29T14:58:30+00:00",
            "id": "d71bf5f0-3de7-0131-aa07-1231392acb4b", "product_id": PRODUCT_SITE,
            "name": "search engine hit", "display_name": "Search engine hit",
            "description": None, "is_visible": True, "total": 8,
            "first_used_at": "2013-12-03T01:02:05+00:00"})
        self._fixed_properties: dict[str, list[Record]] = {pid: [] for pid in self.products}
        self._fixed_properties[PRODUCT_SITE].append({
            "last_sent_at": "2014-08-29T22:43:17+00:00",
            "first_sent_at": "2013-10-04T05:58:54+00:00",
            "last_used_at": "2014-08-29T21:50:32+00:00",
            "id": "6234e85e-2941-11e4-a20e-12313932e372", "product_id": PRODUCT_SITE,
            "type": None, "name": "referrer", "display_name": "Referrer", "description": None,
            "is_visible": True, "first_used_at": "2013-10-04T05:00:09+00:00"})
        self._fixed_by_id: dict[str, tuple[str, Record]] = {}
        for kind, table in (("event", self._fixed_events), ("property", self._fixed_properties)):
            for records in table.values():
                for record in records:
                    self._fixed_by_id[record["id"]] = (kind, record)
        self.reports: dict[str, Record] = {}
        for rid, pid, name, rtype, created in (
            (REPORT_PEOPLE, PRODUCT_SITE, "My People Search", "people_search_v2",
             "2013-12-18T19:27:43+00:00"),
            ("0b6f2d80-4a48-0131-0cbb-22000a9f1c0f", PRODUCT_SAAS, "Trial Signups",
             "people_search_v2", "2014-01-07T10:12:00+00:00"),
            ("1c7a3e90-4a48-0131-0cbb-22000a9f1c0f", PRODUCT_SAAS, "Checkout Funnel", "funnel",
             "2014-01-08T11:00:00+00:00"),
            ("2d8b4fa0-4a48-0131-0cbb-22000a9f1c0f", PRODUCT_SAAS, "Monthly Cohorts", "cohort",
             "2014-02-01T08:30:00+00:00"),
            ("3e9c50b0-7c1d-0132-bd41-22000a9f1c10", PRODUCT_OTHER, "Store Buyers",
             "people_search_v2", "2014-03-02T12:00:00+00:00"),
        ):
            self.reports[rid] = {
                "created_at": created, "name": name, "report_type": rtype,
                "account_id": self.products[pid]["account_id"], "product_id": pid, "id": rid}
        self.metrics: dict[str, Record] = {}
        for pid in self.products:
            for i, (name, agg) in enumerate((("Signups", "count"), ("Revenue", "sum"),
                                             ("Active People", "unique_people"))):
                mid = str(uuid.UUID(int=(self._product_keys[pid] << 64 | 0xA << 56 | i)
                                    ^ self._mask))
                self.metrics[mid] = {
                    "id": mid, "product_id": pid, "name": name.lower().replace(" ", "_"),
                    "display_name": name, "aggregation": agg,
                    "description": f"{name} per day ({agg})",
                    "created_at": _iso(_EPOCH + timedelta(days=30 + i))}

    # -- scoping ------------------------------------------------------------------------

    def products_of(self, account_id: str) -> list[Record]:
        return [self._edited("product", p) for p in self.products.values()
                if p["account_id"] == account_id]

    def reports_of(self, product_ids: Sequence[str]) -> list[Record]:
        return [r for r in self.reports.values() if r["product_id"] in product_ids]

    def metrics_of(self, product_ids: Sequence[str]) -> list[Record]:
        return [m for m in self.metrics.values() if m["product_id"] in product_ids]

    def count(self, kind: str, product_ids: Sequence[str]) -> int:
        counts, fixed = self._tables(kind)
        return sum(counts[p] + len(fixed[p]) for p in product_ids)

    def page(self, kind: str, product_ids: Sequence[str], offset: int, limit: int
             ) -> list[Record]:
        """Records ``offset .. offset+limit`` of the concatenated per-product lists."""
        counts, fixed = self._tables(kind)
        out: list[Record] = []
        for pid in product_ids:
            size = counts[pid] + len(fixed[pid])
            if offset >= size:
                offset -= size
                continue
            while offset < size and len(out) < limit:
                if offset < len(fixed[pid]):
                    record = fixed[pid][offset]
                else:
                    record = self._generate(kind, pid, offset - len(fixed[pid]))
                out.append(self._edited(kind, record))
                offset += 1
            offset = 0
            if len(out) >= limit:
                break
        return out

    def _tables(self, kind: str) -> tuple[dict[str, int], dict[str, list[Record]]]:
        if kind == "event":
            return self._event_counts, self._fixed_events
        if kind == "property":
            return self._property_counts, self._fixed_properties
        raise KeyError(kind)

    # -- lookups ------------------------------------------------------------------------

    def get(self, kind: str, rid: str) -> Record | None:
        """The record of ``kind`` with id ``rid``, edits applied, or ``None``."""
        table = {"account": self.accounts, "product": self.products, "report": self.reports,
                 "metric": self.metrics}.get(kind)
        if table is not None:
            record = table.get(rid)
            return self._edited(kind, record) if record else None
        fixed = self._fixed_by_id.get(rid)
        if fixed is not None:
            return self._edited(kind, fixed[1]) if fixed[0] == kind else None
        try:
            value = uuid.UUID(rid).int ^ self._mask
        except ValueError:
            return None
        key, code, position = value >> 64, (value >> 56) & 0xFF, value & ((1 << 56) - 1)
        pid = self._product_by_key.get(key)
        if pid is None or _KIND_CODES.get(kind) != code or value >> 128:
            return None
        counts, _ = self._tables(kind)
        if position >= counts[pid]:
            return None
        return self._edited(kind, self._generate(kind, pid, position))

    def _generate(self, kind: str, pid: str, i: int) -> Record:
        rid = str(uuid.UUID(int=(self._product_keys[pid] << 64 | _KIND_CODES[kind] << 56 | i)
                            ^ self._mask))
        rng = random.Random(f"{self.seed}:{kind}:{pid}:{i}")
        first = _EPOCH + timedelta(minutes=rng.randrange(0, 500_000))
        last = first + timedelta(minutes=rng.randrange(1, 200_000))
        if kind == "event":
            name = f"{rng.choice(_VERBS)} {rng.choice(_OBJECTS)}"
            if i >= len(_VERBS) * len(_OBJECTS) // 4:
                name += f" #{i}"
            return {
                "last_sent_at": _iso(last), "first_sent_at": _iso(first),
                "last_used_at": _iso(last - timedelta(minutes=7)), "id": rid,
                "product_id": pid, "name": name.lower(), "display_name": name,
                "description": None, "is_visible": rng.random() > 0.1,
                "total": rng.randrange(1, 50_000),
                "first_used_at": _iso(first - timedelta(minutes=3))}
        name = _PROPERTY_NAMES[i % len(_PROPERTY_NAMES)] + (
            f" {i // len(_PROPERTY_NAMES) + 1}" if i >= len(_PROPERTY_NAMES) else "")
        return {
            "last_sent_at": _iso(last), "first_sent_at": _iso(first),
            "last_used_at": _iso(last - timedelta(minutes=5)), "id": rid, "product_id": pid,
            "type": rng.choice(["automatic", "text", "number"]), "name": name,
            "display_name": name.title(), "description": None, "is_visible": True,
            "first_used_at": _iso(first - timedelta(minutes=2))}

    # -- edits --------------------------------------------------------------------------

    def _edited(self, kind: str, record: Record) -> Record:
        edit = self._edits.get((kind, record["id"]))
        return {**record, **edit} if edit else record

    def version(self, kind: str, rid: str) -> int:
        return self.versions.get((kind, rid), 0)

    def update(self, kind: str, rid: str, changes: Record) -> Record:
        """Apply ``changes`` to a record and bump its version."""
        with self._lock:
            key = (kind, rid)
            self._edits[key] = {**self._edits.get(key, {}), **changes}
            self.versions[key] = self.versions.get(key, 0) + 1
            self.writes += 1
        record = self.get(kind, rid)
        assert record is not None
        return record
