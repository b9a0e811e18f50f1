"""Helpers of the live, video and affiliate tests: products, lives, offers, a creator's orders."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from clipshop.catalog import products
from clipshop.catalog.schemas import ProductCreate, SkuCreate
from clipshop.core.db import Database
from tests.conftest import Actor, World
from tests.integration.checkout_api import API, ok


def add_product(db: Database, world: World, name: str, price: str = "10.00") -> int:
    """Another product of shop A (one SKU, no stock); its id."""
    with db.unit_of_work() as session:
        product, _ = products.create_product(
            session,
            world.admin.principal,
            world.shop_a.id,
            ProductCreate(
                title=f"{name} tee",
                skus=[SkuCreate(seller_sku=f"A-{name}", name=name, price=price)],
            ),
        )
        return product.id


def start_live(client: TestClient, host: Actor, title: str, shop_id: int | None) -> dict[str, Any]:
    body: dict[str, Any] = {"title": title}
    if shop_id is not None:
        body["shop_id"] = str(shop_id)
    result: dict[str, Any] = ok(client.post(f"{API}/lives", json=body, headers=host.headers), 201)
    return result


def pinned(live: dict[str, Any]) -> list[int]:
    return [int(p["product_id"]) for p in live["pinned"]]


def open_offer(client: TestClient, world: World, rate_bps: int) -> dict[str, Any]:
    """Shop A opens its tee to every creator at ``rate_bps``."""
    path = f"{API}/shops/{world.shop_a.id}/affiliate/offers/{world.shop_a.product_id}"
    result: dict[str, Any] = ok(
        client.put(path, json={"rate_bps": rate_bps}, headers=world.seller_a.headers)
    )
    return result
