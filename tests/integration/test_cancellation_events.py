"""Cancellations announce their status changes (``cancellation.status_changed``): a request
opened, approved, rejected or withdrawn, a cancel that took effect at once; each in the
outbox with the change, in the owning shop's feed once relayed. Both databases."""

from __future__ import annotations

from fastapi.testclient import TestClient

from clipshop.core.db import Database
from clipshop.worker.relay import relay
from tests.conftest import World
from tests.fulfillment_support import paid_orders
from tests.integration.checkout_api import API, ok
from tests.integration.deadline_support import Week, awaiting_shipment
from tests.integration.outbox_support import outbox
from tests.integration.test_cancellations import ask, post

CANCELLATION = "cancellation.status_changed"
PENDING = "CANCELLATION_REQUEST_PENDING"
COMPLETE = "CANCELLATION_REQUEST_COMPLETE"
OVER = "CANCELLATION_REQUEST_CANCEL"


def cancellation_moves(db: Database, shop_id: int) -> list[tuple[str, str, str | None, str, str]]:
    """(cancellation, order, from, to, actor) of the shop's cancellation events."""
    return [
        (p["cancellation_id"], str(key), p["from_status"], p["to_status"], p["actor"])
        for kind, shop, key, p in outbox(db)
        if kind == CANCELLATION and shop == shop_id
    ]


def test_requests_announce_each_status_change(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    order = awaiting_shipment(client, world, week, units=2)
    oid = order["id"]
    first = ok(ask(client, world.buyer, oid), 201)["cancel_id"]
    reject = {"reject_reason": "seller_reject_apply_product_has_been_packed", "comment": ""}
    ok(post(client, world.seller_a, f"/cancellations/{first}/reject", reject))
    second = ok(ask(client, world.buyer, oid), 201)["cancel_id"]
    ok(post(client, world.buyer, f"/cancellations/{second}/withdraw", {"reason": "kept"}))
    third = ok(ask(client, world.buyer, oid), 201)["cancel_id"]
    ok(post(client, world.seller_a, f"/cancellations/{third}/approve", {}))

    assert cancellation_moves(db, world.shop_a.id) == [
        (first, oid, None, PENDING, "BUYER"),
        (first, oid, PENDING, OVER, "SELLER"),
        (second, oid, None, PENDING, "BUYER"),
        (second, oid, PENDING, OVER, "BUYER"),
        (third, oid, None, PENDING, "BUYER"),
        (third, oid, PENDING, COMPLETE, "SELLER"),
    ]
    assert cancellation_moves(db, world.shop_b.id) == []

    relay(db)
    seen = client.get(f"{API}/events", headers=world.seller_a.headers, params={"limit": 100})
    feed = [e for e in ok(seen)["items"] if e["type"] == CANCELLATION]
    assert [(e["order_id"], e["data"]["to_status"]) for e in feed] == [
        (oid, PENDING),
        (oid, OVER),
        (oid, PENDING),
        (oid, OVER),
        (oid, PENDING),
        (oid, COMPLETE),
    ]
    other = client.get(f"{API}/events", headers=world.seller_b.headers)
    assert [e for e in ok(other)["items"] if e["type"] == CANCELLATION] == []


def test_a_cancel_that_takes_effect_at_once_is_announced_complete(
    client: TestClient, db: Database, world: World
) -> None:
    (order,) = paid_orders(client, world.buyer, {world.shop_b.sku_id: 1})
    c = ok(ask(client, world.buyer, order["id"]), 201)  # ON_HOLD: cancelled at once
    assert c["cancel_status"] == COMPLETE
    assert cancellation_moves(db, world.shop_b.id) == [
        (c["cancel_id"], order["id"], None, COMPLETE, "BUYER")
    ]
