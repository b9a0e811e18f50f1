"""Disputes announce their status changes (``dispute.status_changed``): opened, then
withdrawn; each in the outbox with the change, and in the shop's event feed once relayed.
Both databases."""

from __future__ import annotations

from fastapi.testclient import TestClient

from clipshop.core.db import Database
from clipshop.worker.relay import relay
from tests.conftest import World
from tests.integration.checkout_api import API, ok
from tests.integration.deadline_support import D, Week, move_to
from tests.integration.dispute_support import claim, delivered
from tests.integration.outbox_support import outbox
from tests.integration.returns_support import line_ids


def test_a_dispute_announces_its_opening_and_its_end(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    order, at = delivered(client, world, week)
    first, _ = line_ids(order)
    move_to(client, world, at + D)
    opened = ok(claim(client, world.buyer, order["id"], "DAMAGE_CLAIM", "DAMAGED", [first]), 201)
    body = {"reason": "found it"}
    url = f"{API}/disputes/{opened['id']}/withdraw"
    ok(client.post(url, json=body, headers=world.buyer.headers))

    changes = [
        (p["dispute_id"], p["order_id"], p["kind"], p["from_status"], p["to_status"])
        for kind, shop_id, order_id, p in outbox(db)
        if kind == "dispute.status_changed"
        and (shop_id, str(order_id)) == (world.shop_a.id, order["id"])
    ]
    assert changes == [
        (opened["id"], order["id"], "DAMAGE_CLAIM", None, "IN_PROGRESS"),
        (opened["id"], order["id"], "DAMAGE_CLAIM", "IN_PROGRESS", "CLOSED"),
    ]

    relay(db)
    seen = client.get(f"{API}/events", headers=world.seller_a.headers, params={"limit": 100})
    feed = [e for e in ok(seen)["items"] if e["type"] == "dispute.status_changed"]
    assert [(e["data"]["from_status"], e["data"]["to_status"]) for e in feed] == [
        (None, "IN_PROGRESS"),
        ("IN_PROGRESS", "CLOSED"),
    ]
    other = client.get(f"{API}/events", headers=world.seller_b.headers)
    assert ok(other)["items"] == []
