"""A SKU's available stock announces each change (``stock.changed``): the seller's adjust and
set, a checkout's hold, a cancel's release; each in the outbox with the change (a checkout's
in the one outbox INSERT of its orders' events), in the shop's feed once relayed. Both
databases."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from clipshop.core import rawsql
from clipshop.core.db import Database
from clipshop.worker.relay import relay
from tests.conftest import World
from tests.fulfillment_support import paid_orders
from tests.integration.checkout_api import API, ok
from tests.integration.outbox_support import outbox
from tests.integration.test_cancellations import ask
from tests.integration.test_stock_api import adjust, set_stock

STOCK = "stock.changed"


def stock_moves(db: Database, shop_id: int) -> list[tuple[str, str, int, int, str]]:
    """The shop's stock events: (sku, warehouse, delta, available after, reason)."""
    return [
        (p["sku_id"], p["warehouse_id"], p["delta"], p["available"], p["reason"])
        for kind, shop, key, p in outbox(db)
        if kind == STOCK and shop == shop_id and key is None
    ]


@pytest.fixture
def outbox_inserts(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The rows of each outbox INSERT sent to the driver (a spy: the statements still run)."""
    sizes: list[int] = []
    send = rawsql._execute

    def spy(cursor: Any, sql: str, params: Any, many: bool) -> None:
        if sql.startswith("INSERT INTO outbox"):
            sizes.append(len(params) if many else 1)
        send(cursor, sql, params, many)

    monkeypatch.setattr(rawsql, "_execute", spy)
    yield sizes


def test_each_change_of_available_stock_is_announced(
    client: TestClient, db: Database, world: World
) -> None:
    shop, seller = world.shop_a, world.seller_a
    sku, wh = str(shop.sku_id), str(shop.warehouse_id)
    assert stock_moves(db, shop.id) == [(sku, wh, 10, 10, "SET")]  # the world's stock
    ok(adjust(client, seller, sku, wh, delta=5, reason="RECEIVED"))  # 10 -> 15
    ok(set_stock(client, seller, sku, wh, available=12))
    ok(set_stock(client, seller, sku, wh, available=12))  # no change: no event
    (order,) = paid_orders(client, world.buyer, {shop.sku_id: 2})
    ok(ask(client, world.buyer, order["id"]), 201)  # ON_HOLD: cancelled at once, released

    assert stock_moves(db, shop.id)[1:] == [
        (sku, wh, 5, 15, "RECEIVED"),
        (sku, wh, -3, 12, "SET"),
        (sku, wh, -2, 10, "ORDER_HOLD"),
        (sku, wh, 2, 12, "ORDER_RELEASE"),
    ]
    assert [m[2:] for m in stock_moves(db, world.shop_b.id)] == [(10, 10, "SET")]

    relay(db)
    seen = client.get(f"{API}/events", headers=seller.headers, params={"limit": 100})
    feed = [e for e in ok(seen)["items"] if e["type"] == STOCK]
    assert [(e["order_id"], e["data"]["delta"], e["data"]["available"]) for e in feed] == [
        (None, 10, 10),
        (None, 5, 15),
        (None, -3, 12),
        (None, -2, 10),
        (None, 2, 12),
    ]
    other = client.get(f"{API}/events", headers=world.seller_b.headers)
    theirs = [e["data"]["sku_id"] for e in ok(other)["items"] if e["type"] == STOCK]
    assert theirs == [str(world.shop_b.sku_id)]


def test_a_checkout_writes_its_stock_and_order_events_in_one_insert(
    client: TestClient, db: Database, world: World, outbox_inserts: list[int]
) -> None:
    items = {world.shop_a.sku_id: 1, world.shop_b.sku_id: 3}
    before = len(outbox(db))
    paid_orders(client, world.buyer, items)
    # The checkout's transaction: two orders placed and two SKUs held, one INSERT of four
    # rows (then the payment's transaction announces the orders paid).
    assert outbox_inserts[0] == 4
    kinds = [(kind, shop) for kind, shop, _key, _p in outbox(db)][before:]
    a, b = world.shop_a.id, world.shop_b.id
    placed = "order.status_changed"
    assert kinds[:4] == [(placed, a), (placed, b), (STOCK, a), (STOCK, b)]
