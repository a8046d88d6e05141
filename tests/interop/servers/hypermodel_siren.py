"""A Siren API written with fastapi-hypermodel (its own Siren support), seeded with items."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, HTTPException
from fastapi_hypermodel import SirenActionFor, SirenHyperModel, SirenLinkFor, SirenResponse
from pydantic import BaseModel

SEEDED = 25
items: dict[str, Any] = {"items": [
    {"id_": f"item{i:02d}", "name": f"Item {i}", "price": float(i), "description": None}
    for i in range(SEEDED)]}


class ItemSummary(SirenHyperModel):
    id_: str
    name: str

    links: Sequence[SirenLinkFor] = (
        SirenLinkFor("read_item", {"id_": "<id_>"}, rel=["self"]),
    )

    actions: Sequence[SirenActionFor] = (
        SirenActionFor("update_item", {"id_": "<id_>"}, name="update"),
    )


class Item(ItemSummary):
    description: str | None = None
    price: float


class ItemUpdate(BaseModel):
    name: str | None = None
    description: str | None = None
    price: float | None = None


class ItemCollection(SirenHyperModel):
    items: Sequence[Item]

    links: Sequence[SirenLinkFor] = (SirenLinkFor("read_items", rel=["self"]),)

    actions: Sequence[SirenActionFor] = (
        SirenActionFor("read_item", templated=True, name="find"),
        SirenActionFor("update_item", templated=True, name="update"),
    )


app = FastAPI()
SirenHyperModel.init_app(app)


@app.get("/items", response_model=ItemCollection, response_model_exclude_unset=True,
         response_class=SirenResponse)
def read_items() -> Any:
    return items


@app.get("/items/{id_}", response_model=Item, response_model_exclude_unset=True,
         response_class=SirenResponse)
def read_item(id_: str) -> Any:
    found = next((i for i in items["items"] if i["id_"] == id_), None)
    if found is None:
        raise HTTPException(status_code=404, detail=f"No item {id_}")
    return found


@app.put("/items/{id_}", response_model=Item, response_model_exclude_unset=True,
         response_class=SirenResponse)
def update_item(id_: str, item: ItemUpdate) -> Any:
    base = read_item(id_)
    base.update(item.model_dump(exclude_none=True))
    return base
