"""Packages announce their status changes (``package.status_changed``): created, collected,
delivered, lost; each in the outbox with the change, ordered with the package's first order
and before the order status it causes, in the owning shop's feed once relayed, and none
when the change rolls back. Both databases."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from clipshop.core.db import Database
from clipshop.fulfillment.tracking import CarrierEvent, apply_events
from clipshop.models import OutboxEvent, Package
from clipshop.worker.relay import relay
from tests.conftest import World
from tests.fulfillment_support import carrier_event, paid_orders, release, ship, tracking_number
from tests.integration.checkout_api import API, ok
from tests.integration.deadline_support import (
    D,
    H,
    Week,
    awaiting_shipment,
    move_to,
    picked_up,
    scan,
)
from tests.integration.outbox_support import outbox

TN = tracking_number("SX", "3000000001")
PACKAGE = "package.status_changed"


class Boom(Exception):
    pass


def moves_of(db: Database, order_id: str) -> list[tuple[str, str | None, str]]:
    """The order's package and order status events in the outbox, in outbox order."""
    return [
        (kind.split(".")[0], p["from_status"], p["to_status"])
        for kind, _, key, p in outbox(db)
        if str(key) == order_id and kind in (PACKAGE, "order.status_changed")
    ]


def package_events(db: Database, shop_id: int) -> list[dict[str, Any]]:
    return [p for kind, shop, _, p in outbox(db) if kind == PACKAGE and shop == shop_id]


def test_a_package_announces_creation_collection_and_delivery(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    order = awaiting_shipment(client, world, week)
    parcel = ship(client, world.seller_a, [order["id"]], TN)
    picked = week.monday + 2 * H
    scan(client, world, carrier_event("p1", TN, "PICKED_UP", picked))
    scan(client, world, carrier_event("d1", TN, "DELIVERED", picked + D))

    assert [
        (p["package_id"], p["order_ids"], p["tracking_number"], p["provider_code"])
        for p in package_events(db, world.shop_a.id)
    ] == [(parcel["id"], [order["id"]], TN, "SIMEX")] * 3
    # Each package move comes before the order move it causes, in the order's sequence.
    assert moves_of(db, order["id"])[-6:] == [
        ("package", None, "PROCESSING"),
        ("order", "AWAITING_SHIPMENT", "AWAITING_COLLECTION"),
        ("package", "PROCESSING", "FULFILLING"),
        ("order", "AWAITING_COLLECTION", "IN_TRANSIT"),
        ("package", "FULFILLING", "COMPLETED"),
        ("order", "IN_TRANSIT", "DELIVERED"),
    ]

    relay(db)
    seen = client.get(f"{API}/events", headers=world.seller_a.headers, params={"limit": 100})
    feed = [e for e in ok(seen)["items"] if e["type"] == PACKAGE]
    assert [(e["order_id"], e["data"]["from_status"], e["data"]["to_status"]) for e in feed] == [
        (order["id"], None, "PROCESSING"),
        (order["id"], "PROCESSING", "FULFILLING"),
        (order["id"], "FULFILLING", "COMPLETED"),
    ]
    other = client.get(f"{API}/events", headers=world.seller_b.headers)
    assert ok(other)["items"] == []


def test_a_shared_package_is_ordered_with_its_first_order(
    client: TestClient, db: Database, world: World
) -> None:
    (one,) = paid_orders(client, world.buyer, {world.shop_a.sku_id: 1})
    (two,) = paid_orders(client, world.buyer, {world.shop_a.sku_id: 2})
    release(client, world.admin)
    first, second = sorted([one["id"], two["id"]], key=int)
    shared = ship(client, world.seller_a, [second, first], TN)

    (created,) = [
        (str(key), p["package_id"], p["order_ids"])
        for kind, _, key, p in outbox(db)
        if kind == PACKAGE
    ]
    assert created == (first, shared["id"], [first, second])
    assert moves_of(db, first)[-2:] == [
        ("package", None, "PROCESSING"),
        ("order", "AWAITING_SHIPMENT", "AWAITING_COLLECTION"),
    ]


def test_a_lost_package_announces_its_cancellation(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    _, parcel, scanned = picked_up(client, world, week, TN)
    move_to(client, world, scanned + 12 * D)  # lost: no delivery acknowledged in time
    last = package_events(db, world.shop_a.id)[-1]
    assert (last["package_id"], last["from_status"], last["to_status"]) == (
        parcel["id"],
        "FULFILLING",
        "CANCELLED",
    )
    assert last["reason"] == "package lost: no delivery acknowledged"


def test_a_rolled_back_scan_announces_nothing(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    order = awaiting_shipment(client, world, week)
    ship(client, world.seller_a, [order["id"]], TN)
    before = outbox(db)
    scan_at = week.monday + 2 * H
    with pytest.raises(Boom), db.unit_of_work() as session:
        applied = apply_events(session, "SIMEX", [CarrierEvent("p1", TN, "PICKED_UP", scan_at)])
        assert [o.result for o in applied] == ["APPLIED"]
        written = session.scalars(select(OutboxEvent.payload).where(OutboxEvent.type == PACKAGE))
        assert [p["to_status"] for p in written][-1] == "FULFILLING"  # in this transaction
        raise Boom
    assert outbox(db) == before
    with db.unit_of_work(write=False) as session:
        assert session.scalars(select(Package.status)).all() == ["PROCESSING"]
