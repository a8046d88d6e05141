"""A HAL API written with fastapi-hypermodel (its own HAL support), seeded with items."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, HTTPException
from fastapi_hypermodel import FrozenDict, HALFor, HALHyperModel, HALLinks, HALResponse
from pydantic import BaseModel

SEEDED = 25
items: dict[str, Any] = {"items": [
    {"id_": f"item{i:02d}", "name": f"Item {i}", "price": float(i), "description": None}
    for i in range(SEEDED)]}


class ItemSummary(HALHyperModel):
    name: str
    id_: str

    links: HALLinks = FrozenDict({
        "self": HALFor("read_item", {"id_": "<id_>"}),
        "update": HALFor("update_item", {"id_": "<id_>"}),
    })


class Item(ItemSummary):
    description: str | None = None
    price: float


class ItemUpdate(BaseModel):
    name: str | None = None
    description: str | None = None
    price: float | None = None


class ItemCollection(HALHyperModel):
    items: Sequence[Item]

    links: HALLinks = FrozenDict({
        "self": HALFor("read_items"),
        "find": HALFor("read_item", templated=True),
        "update": HALFor("update_item", templated=True),
    })


app = FastAPI()
HALHyperModel.init_app(app)


def hal(model: type[HALHyperModel], value: Any) -> HALResponse:
    # The models' own serialisation: FastAPI's response_model round trip drops _embedded
    # with the FastAPI releases this version of fastapi-hypermodel is installed beside.
    return HALResponse(model.model_validate(value).model_dump(by_alias=True, mode="json"))


def find(id_: str) -> dict[str, Any]:
    found = next((i for i in items["items"] if i["id_"] == id_), None)
    if found is None:
        raise HTTPException(status_code=404, detail=f"No item {id_}")
    return found


@app.get("/items")
def read_items() -> Any:
    return hal(ItemCollection, items)


@app.get("/items/{id_}")
def read_item(id_: str) -> Any:
    return hal(Item, find(id_))


@app.put("/items/{id_}")
def update_item(id_: str, item: ItemUpdate) -> Any:
    base = find(id_)
    base.update(item.model_dump(exclude_none=True))
    return hal(Item, base)
