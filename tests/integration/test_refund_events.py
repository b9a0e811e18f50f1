"""Refunds announce their status changes (``refund.status_changed``): queued with the change
that owes them, then ended by the gateway after commit; in order after the order's own
status change. Both databases."""

from __future__ import annotations

from fastapi.testclient import TestClient

from clipshop.core.db import Database
from tests.conftest import World
from tests.integration.checkout_api import OK_CARD, add_card, cancel, checkout, minor, ok
from tests.integration.outbox_support import outbox


def test_a_cancelled_paid_order_announces_its_refund(
    client: TestClient, db: Database, world: World
) -> None:
    add_card(client, world.buyer, OK_CARD)
    (order,) = checkout(client, world.buyer, {world.shop_a.sku_id: 1})["orders"]
    assert order["status"] == "ON_HOLD"
    ok(cancel(client, world.buyer, order["id"]))

    happened = [
        (kind, p["from_status"], p["to_status"], p.get("amount"))
        for kind, shop_id, order_id, p in outbox(db)
        if str(order_id) == order["id"] and shop_id == world.shop_a.id
    ]
    paid = minor(order, "total_amount")
    assert happened == [
        ("order.status_changed", None, "UNPAID", None),
        ("order.status_changed", "UNPAID", "ON_HOLD", None),
        ("order.status_changed", "ON_HOLD", "CANCELLED", None),
        ("refund.status_changed", None, "PENDING", paid),
        ("cancellation.status_changed", None, "CANCELLATION_REQUEST_COMPLETE", None),
        ("refund.status_changed", "PENDING", "SUCCEEDED", paid),
    ]
