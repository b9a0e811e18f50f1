"""Tracking through the HTTP API: every order move past AWAITING_COLLECTION comes from carrier
events, either through the signed webhook POST /carriers/{carrier}/events or from the simulated
carrier's scripts as the sandbox clock moves. Duplicated, out-of-order, tampered and
unknown-package events; failed attempts; estimated delivery; the buyer's tracking view."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from clipshop.core.db import Database
from clipshop.fulfillment.tracking import signature
from clipshop.identity.principal import Role
from clipshop.models import PackageEvent
from tests.conftest import World, make_actor, problem_code
from tests.fulfillment_support import (
    advance_to,
    carrier_event,
    day,
    event_rows,
    frozen_clock,  # noqa: F401  (fixture)
    now,
    package,
    paid_orders,
    raw_batch,
    ready_order,
    release,
    send,
    ship,
    signed_post,
    start,
    status,
    status_moves,
    tracking_number,
    tracking_view,
    webhook_secret,
    z,
)
from tests.integration.checkout_api import count, get_order

pytestmark = pytest.mark.usefixtures("frozen_clock")

SX1 = tracking_number("SX", "3000000001")
SX2 = tracking_number("SX", "3000000002")
SP1 = tracking_number("SP", "4000000001")
H = timedelta(hours=1)
D = timedelta(days=1)


def t0() -> datetime:
    """When the order leaves the remorse window and is shipped (10:00 + 1 h)."""
    return start() + H


def shipped_order(
    client: TestClient, world: World, number: str = SX1, scenario: str = "never_collected"
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A one-item order of shop A shipped by its seller at t0: (order, package)."""
    order = ready_order(client, world.buyer, world.admin, {world.shop_a.sku_id: 1})
    parcel = ship(client, world.seller_a, [order["id"]], number, scenario=scenario)
    assert now() == t0()
    return order, parcel


def the_package(client: TestClient, world: World, order_id: str) -> dict[str, Any]:
    (only,) = tracking_view(client, world.buyer, order_id)["packages"]
    return only


def carrier_moves(order: dict[str, Any]) -> list[tuple[str | None, str]]:
    """(actor_id, reason) of the order's CARRIER status changes."""
    return [
        (e["actor_id"], e["reason"])
        for e in order["timeline"]
        if e["kind"] == "STATUS_CHANGED" and e["actor_type"] == "CARRIER"
    ]


# --- the webhook ----------------------------------------------------------------------------


def test_every_status_move_comes_from_carrier_events(
    client: TestClient, db: Database, world: World
) -> None:
    buyer = world.buyer
    order, parcel = shipped_order(client, world)
    oid, pid = order["id"], parcel["id"]
    assert status(client, buyer, oid) == "AWAITING_COLLECTION"
    first_estimate = (t0() + 7 * D).date()
    assert day(parcel["estimated_delivery"]) == first_estimate
    advance_to(client, world.admin, t0() + 4 * D)

    # Pickup scan: the only package is collected, the order is in transit.
    results = send(
        client, "SIMEX", carrier_event("ev-1", SX1, "PICKED_UP", t0() + 2 * H, "Springfield, IL")
    )
    assert results == [{"event_id": "ev-1", "result": "APPLIED", "package_id": pid}]
    fresh = get_order(client, buyer, oid)
    assert fresh["status"] == "IN_TRANSIT"
    assert {line["status"] for line in fresh["line_items"]} == {"IN_TRANSIT"}
    assert status_moves(fresh) == [
        ("SELLER", "AWAITING_SHIPMENT", "AWAITING_COLLECTION"),
        ("CARRIER", "AWAITING_COLLECTION", "IN_TRANSIT"),
    ]
    assert carrier_moves(fresh) == [(None, "carrier: PICKED_UP")]
    got = the_package(client, world, oid)
    assert (got["status"], got["collected_at"], got["last_event_kind"]) == (
        "FULFILLING",
        z(t0() + 2 * H),
        "PICKED_UP",
    )
    assert day(got["estimated_delivery"]) == first_estimate

    # Hub scan with the carrier's own words; out for delivery moves the estimate.
    send(
        client,
        "SIMEX",
        carrier_event("ev-2", SX1, "IN_TRANSIT", t0() + D, "Chicago hub", "Arrived at hub"),
    )
    send(client, "SIMEX", carrier_event("ev-3", SX1, "OUT_FOR_DELIVERY", t0() + 3 * D, "Depot"))
    got = the_package(client, world, oid)
    assert day(got["estimated_delivery"]) == (t0() + 3 * D).date()
    assert got["failed_attempts"] == 0

    # A failed attempt is counted; the order stays in transit.
    send(
        client,
        "SIMEX",
        carrier_event("ev-4", SX1, "DELIVERY_FAILED", t0() + 3 * D + 6 * H, "Recipient"),
    )
    got = the_package(client, world, oid)
    assert (got["failed_attempts"], got["status"], got["last_event_kind"]) == (
        1,
        "FULFILLING",
        "DELIVERY_FAILED",
    )
    assert status(client, buyer, oid) == "IN_TRANSIT"

    # Second try: out for delivery the next morning, then delivered.
    send(
        client,
        "SIMEX",
        carrier_event("ev-5", SX1, "OUT_FOR_DELIVERY", t0() + 4 * D - 3 * H, "Depot"),
    )
    assert day(the_package(client, world, oid)["estimated_delivery"]) == (t0() + 4 * D).date()
    send(client, "SIMEX", carrier_event("ev-6", SX1, "DELIVERED", t0() + 4 * D - H, "Porch"))

    view = tracking_view(client, buyer, oid)
    assert (view["order_id"], view["status"]) == (oid, "DELIVERED")
    (got,) = view["packages"]
    assert got["id"] == pid
    assert (got["provider_code"], got["tracking_number"]) == ("SIMEX", SX1)
    assert got["status"] == "COMPLETED"
    assert got["collected_at"] == z(t0() + 2 * H)
    assert got["delivered_at"] == z(t0() + 4 * D - H)
    assert day(got["estimated_delivery"]) == (t0() + 4 * D - H).date()
    assert got["failed_attempts"] == 1
    assert got["returned_at"] is None
    assert got["last_event_kind"] == "DELIVERED"
    assert event_rows(got) == [
        ("PICKED_UP", t0() + 2 * H, "Springfield, IL", "Picked up by the carrier"),
        ("IN_TRANSIT", t0() + D, "Chicago hub", "Arrived at hub"),
        ("OUT_FOR_DELIVERY", t0() + 3 * D, "Depot", "Out for delivery"),
        ("DELIVERY_FAILED", t0() + 3 * D + 6 * H, "Recipient", "Delivery attempt failed"),
        ("OUT_FOR_DELIVERY", t0() + 4 * D - 3 * H, "Depot", "Out for delivery"),
        ("DELIVERED", t0() + 4 * D - H, "Porch", "Delivered"),
    ]
    fresh = get_order(client, buyer, oid)
    assert status_moves(fresh) == [
        ("SELLER", "AWAITING_SHIPMENT", "AWAITING_COLLECTION"),
        ("CARRIER", "AWAITING_COLLECTION", "IN_TRANSIT"),
        ("CARRIER", "IN_TRANSIT", "DELIVERED"),
    ]
    assert carrier_moves(fresh) == [(None, "carrier: PICKED_UP"), (None, "carrier: DELIVERED")]
    assert {line["status"] for line in fresh["line_items"]} == {"DELIVERED"}
    # The seller reads the same package.
    assert package(client, world.seller_a, pid) == got


def test_split_packages_reach_in_transit_at_different_times(
    client: TestClient, db: Database, world: World
) -> None:
    buyer, seller = world.buyer, world.seller_a
    order = ready_order(client, buyer, world.admin, {world.shop_a.sku_id: 2})
    oid = order["id"]
    first, second = (line["id"] for line in order["line_items"])
    p1 = ship(client, seller, [oid], SX1, line_item_ids=[first])
    advance_to(client, world.admin, t0() + 3 * D)

    # The first package is scanned while the second item is not even packed.
    send(client, "SIMEX", carrier_event("a-1", SX1, "PICKED_UP", t0() + 2 * H))
    assert status(client, buyer, oid) == "PARTIALLY_SHIPPING"
    p2 = ship(client, seller, [oid], SP1, provider="SIMPOST", line_item_ids=[second])
    assert status(client, buyer, oid) == "AWAITING_COLLECTION"
    view = tracking_view(client, buyer, oid)
    assert [(p["id"], p["status"]) for p in view["packages"]] == [
        (p1["id"], "FULFILLING"),
        (p2["id"], "PROCESSING"),
    ]

    # The second package's scan (a day later) puts the whole order in transit.
    send(client, "SIMPOST", carrier_event("b-1", SP1, "PICKED_UP", t0() + 3 * D))
    fresh = get_order(client, buyer, oid)
    assert fresh["status"] == "IN_TRANSIT"
    assert status_moves(fresh) == [
        ("SELLER", "AWAITING_SHIPMENT", "PARTIALLY_SHIPPING"),
        ("SELLER", "PARTIALLY_SHIPPING", "AWAITING_COLLECTION"),
        ("CARRIER", "AWAITING_COLLECTION", "IN_TRANSIT"),
    ]

    # One delivered is not the order delivered.
    advance_to(client, world.admin, t0() + 6 * D)
    send(client, "SIMPOST", carrier_event("b-2", SP1, "DELIVERED", t0() + 5 * D))
    assert status(client, buyer, oid) == "IN_TRANSIT"
    send(client, "SIMEX", carrier_event("a-2", SX1, "DELIVERED", t0() + 6 * D))
    view = tracking_view(client, buyer, oid)
    assert view["status"] == "DELIVERED"
    one, two = view["packages"]
    assert (one["collected_at"], one["delivered_at"]) == (z(t0() + 2 * H), z(t0() + 6 * D))
    assert (two["collected_at"], two["delivered_at"]) == (z(t0() + 3 * D), z(t0() + 5 * D))
    assert [e[0] for e in event_rows(one)] == ["PICKED_UP", "DELIVERED"]
    assert [e[0] for e in event_rows(two)] == ["PICKED_UP", "DELIVERED"]
    assert status_moves(get_order(client, buyer, oid))[-1] == ("CARRIER", "IN_TRANSIT", "DELIVERED")


def test_unsigned_or_tampered_webhooks_are_refused_and_change_nothing(
    client: TestClient, db: Database, world: World
) -> None:
    order, parcel = shipped_order(client, world)
    raw = raw_batch(carrier_event("sig-1", SX1, "PICKED_UP", t0()))
    good = signature(webhook_secret(client), raw)
    tampered = raw.replace(b"PICKED_UP", b"DELIVERED")
    assert tampered != raw

    for body, header in (
        (raw, None),
        (raw, ""),
        (raw, "sha256="),
        (raw, "sha256=" + signature("not-the-secret", raw)),
        (raw, "sha256=" + good[:-1] + ("0" if good[-1] != "0" else "1")),
        (tampered, "sha256=" + good),
        (raw + b" ", "sha256=" + good),
    ):
        response = signed_post(client, "SIMEX", body, header)
        assert response.status_code == 401, header
        assert problem_code(response) == "invalid_signature"

    assert count(db, PackageEvent) == 0
    got = the_package(client, world, order["id"])
    assert (got["status"], got["events"], got["collected_at"]) == ("PROCESSING", [], None)
    assert status(client, world.buyer, order["id"]) == "AWAITING_COLLECTION"

    # The event itself was never taken: properly signed, it applies.
    response = signed_post(client, "SIMEX", raw, "sha256=" + good)
    assert response.status_code == 202
    assert response.json()["results"] == [
        {"event_id": "sig-1", "result": "APPLIED", "package_id": parcel["id"]}
    ]
    assert status(client, world.buyer, order["id"]) == "IN_TRANSIT"

    # Signed, but for a carrier we do not know, or not a batch of events.
    nobody = raw_batch(carrier_event("sig-2", SX1, "DELIVERED", t0()))
    response = signed_post(
        client, "ACME", nobody, "sha256=" + signature(webhook_secret(client), nobody)
    )
    assert response.status_code == 404
    assert problem_code(response) == "not_found"
    junk = b'{"events": [{"event_id": "sig-3"}]}'
    response = signed_post(
        client, "SIMEX", junk, "sha256=" + signature(webhook_secret(client), junk)
    )
    assert response.status_code == 422
    assert problem_code(response) == "invalid_request"
    assert count(db, PackageEvent) == 1
    assert status(client, world.buyer, order["id"]) == "IN_TRANSIT"


def test_events_for_unknown_packages_change_nothing(
    client: TestClient, db: Database, world: World
) -> None:
    order, parcel = shipped_order(client, world)
    stranger = tracking_number("SX", "9999999999")
    results = send(
        client,
        "SIMEX",
        carrier_event("u-1", stranger, "DELIVERED", t0()),
        carrier_event("u-2", "NOT-A-NUMBER", "PICKED_UP", t0()),
    )
    assert results == [
        {"event_id": "u-1", "result": "UNKNOWN_PACKAGE", "package_id": None},
        {"event_id": "u-2", "result": "UNKNOWN_PACKAGE", "package_id": None},
    ]
    # Our number, reported by another carrier, is not our package either.
    assert send(client, "SIMPOST", carrier_event("u-3", SX1, "DELIVERED", t0())) == [
        {"event_id": "u-3", "result": "UNKNOWN_PACKAGE", "package_id": None}
    ]
    assert count(db, PackageEvent) == 0
    got = the_package(client, world, order["id"])
    assert (got["status"], got["events"], got["last_event_kind"]) == ("PROCESSING", [], None)
    assert status(client, world.buyer, order["id"]) == "AWAITING_COLLECTION"

    # An unknown event is not remembered: once the number is known, its retry applies.
    assert send(client, "SIMEX", carrier_event("u-3", SX1, "PICKED_UP", t0())) == [
        {"event_id": "u-3", "result": "APPLIED", "package_id": parcel["id"]}
    ]
    assert status(client, world.buyer, order["id"]) == "IN_TRANSIT"


def test_duplicated_events_are_kept_once_and_counted_once(
    client: TestClient, db: Database, world: World
) -> None:
    order, parcel = shipped_order(client, world)
    pid = parcel["id"]
    advance_to(client, world.admin, t0() + 5 * D)
    pickup = carrier_event("d-0", SX1, "PICKED_UP", t0() + 2 * H)
    failed = carrier_event("d-1", SX1, "DELIVERY_FAILED", t0() + 3 * D, "Recipient")
    assert [r["result"] for r in send(client, "SIMEX", pickup, failed)] == ["APPLIED", "APPLIED"]
    timeline_length = len(get_order(client, world.buyer, order["id"])["timeline"])

    # The same events again, alone or in a batch, and d-1 again with other content.
    assert send(client, "SIMEX", failed) == [
        {"event_id": "d-1", "result": "DUPLICATE", "package_id": pid}
    ]
    assert [r["result"] for r in send(client, "SIMEX", pickup, failed)] == [
        "DUPLICATE",
        "DUPLICATE",
    ]
    rewritten = carrier_event("d-1", SX1, "DELIVERED", t0() + 4 * D)
    assert send(client, "SIMEX", rewritten)[0]["result"] == "DUPLICATE"
    got = the_package(client, world, order["id"])
    assert (got["failed_attempts"], got["status"], got["delivered_at"]) == (1, "FULFILLING", None)
    assert [e[0] for e in event_rows(got)] == ["PICKED_UP", "DELIVERY_FAILED"]

    # Twice in one batch: applied once.
    second = carrier_event("d-2", SX1, "DELIVERY_FAILED", t0() + 4 * D, "Recipient")
    assert [r["result"] for r in send(client, "SIMEX", second, second)] == [
        "APPLIED",
        "DUPLICATE",
    ]
    got = the_package(client, world, order["id"])
    assert got["failed_attempts"] == 2
    assert [e[0] for e in event_rows(got)] == ["PICKED_UP", "DELIVERY_FAILED", "DELIVERY_FAILED"]
    assert count(db, PackageEvent) == 3
    fresh = get_order(client, world.buyer, order["id"])
    assert fresh["status"] == "IN_TRANSIT"
    assert len(fresh["timeline"]) == timeline_length


def test_delivered_before_picked_up_walks_the_order_through_in_transit(
    client: TestClient, db: Database, world: World
) -> None:
    order, _parcel = shipped_order(client, world)
    oid = order["id"]
    advance_to(client, world.admin, t0() + 4 * D)

    send(client, "SIMEX", carrier_event("o-1", SX1, "DELIVERED", t0() + 3 * D, "Porch"))
    fresh = get_order(client, world.buyer, oid)
    assert fresh["status"] == "DELIVERED"
    assert status_moves(fresh) == [
        ("SELLER", "AWAITING_SHIPMENT", "AWAITING_COLLECTION"),
        ("CARRIER", "AWAITING_COLLECTION", "IN_TRANSIT"),
        ("CARRIER", "IN_TRANSIT", "DELIVERED"),
    ]
    got = the_package(client, world, oid)
    assert (got["status"], got["collected_at"], got["delivered_at"]) == (
        "COMPLETED",
        z(t0() + 3 * D),
        z(t0() + 3 * D),
    )

    # The scans that should have come first arrive now: kept in the timeline, in time order,
    # and the first one is when the package was collected; nothing moves back.
    send(
        client,
        "SIMEX",
        carrier_event("o-2", SX1, "OUT_FOR_DELIVERY", t0() + 2 * D, "Depot"),
        carrier_event("o-3", SX1, "PICKED_UP", t0() + 2 * H, "Origin"),
    )
    send(client, "SIMEX", carrier_event("o-4", SX1, "IN_TRANSIT", t0() + D, "Hub"))
    got = the_package(client, world, oid)
    assert got["status"] == "COMPLETED"
    assert got["collected_at"] == z(t0() + 2 * H)
    assert got["delivered_at"] == z(t0() + 3 * D)
    assert got["last_event_kind"] == "DELIVERED"
    assert day(got["estimated_delivery"]) == (t0() + 3 * D).date()
    assert [(e[0], e[1]) for e in event_rows(got)] == [
        ("PICKED_UP", t0() + 2 * H),
        ("IN_TRANSIT", t0() + D),
        ("OUT_FOR_DELIVERY", t0() + 2 * D),
        ("DELIVERED", t0() + 3 * D),
    ]
    fresh = get_order(client, world.buyer, oid)
    assert fresh["status"] == "DELIVERED"
    assert len(status_moves(fresh)) == 3


def test_a_batch_is_applied_by_event_time(client: TestClient, db: Database, world: World) -> None:
    order, parcel = shipped_order(client, world)
    advance_to(client, world.admin, t0() + 4 * D)
    results = send(
        client,
        "SIMEX",
        carrier_event("b-3", SX1, "DELIVERED", t0() + 3 * D),
        carrier_event("b-2", SX1, "OUT_FOR_DELIVERY", t0() + 3 * D - 4 * H),
        carrier_event("b-1", SX1, "PICKED_UP", t0() + 2 * H),
    )
    assert {r["event_id"]: (r["result"], r["package_id"]) for r in results} == {
        e: ("APPLIED", parcel["id"]) for e in ("b-1", "b-2", "b-3")
    }
    got = the_package(client, world, order["id"])
    assert (got["status"], got["collected_at"], got["last_event_kind"]) == (
        "COMPLETED",
        z(t0() + 2 * H),
        "DELIVERED",
    )
    assert [e[0] for e in event_rows(got)] == ["PICKED_UP", "OUT_FOR_DELIVERY", "DELIVERED"]
    assert status(client, world.buyer, order["id"]) == "DELIVERED"


def test_a_late_in_transit_after_delivered_moves_nothing_back(
    client: TestClient, db: Database, world: World
) -> None:
    order, _parcel = shipped_order(client, world)
    oid = order["id"]
    advance_to(client, world.admin, t0() + 5 * D)
    send(
        client,
        "SIMEX",
        carrier_event("l-1", SX1, "PICKED_UP", t0() + 2 * H),
        carrier_event("l-2", SX1, "DELIVERED", t0() + 3 * D),
    )
    timeline = get_order(client, world.buyer, oid)["timeline"]

    send(client, "SIMEX", carrier_event("l-3", SX1, "IN_TRANSIT", t0() + D, "Hub"))
    send(client, "SIMEX", carrier_event("l-4", SX1, "OUT_FOR_DELIVERY", t0() + 2 * D, "Depot"))
    # Even a scan stamped after the delivery does not undo it.
    send(client, "SIMEX", carrier_event("l-5", SX1, "IN_TRANSIT", t0() + 4 * D, "Hub"))

    got = the_package(client, world, oid)
    assert got["status"] == "COMPLETED"
    assert got["delivered_at"] == z(t0() + 3 * D)
    assert day(got["estimated_delivery"]) == (t0() + 3 * D).date()
    assert got["last_event_kind"] == "IN_TRANSIT"
    assert [e[0] for e in event_rows(got)] == [
        "PICKED_UP",
        "IN_TRANSIT",
        "OUT_FOR_DELIVERY",
        "DELIVERED",
        "IN_TRANSIT",
    ]
    fresh = get_order(client, world.buyer, oid)
    assert fresh["status"] == "DELIVERED"
    assert fresh["timeline"] == timeline


def test_a_late_out_for_delivery_does_not_move_the_estimate_back(
    client: TestClient, db: Database, world: World
) -> None:
    order, _ = shipped_order(client, world)
    advance_to(client, world.admin, t0() + 5 * D)
    send(
        client,
        "SIMEX",
        carrier_event("e-1", SX1, "PICKED_UP", t0() + 2 * H),
        carrier_event("e-2", SX1, "OUT_FOR_DELIVERY", t0() + 4 * D),
    )
    assert day(the_package(client, world, order["id"])["estimated_delivery"]) == (
        (t0() + 4 * D).date()
    )
    send(client, "SIMEX", carrier_event("e-3", SX1, "OUT_FOR_DELIVERY", t0() + 2 * D))
    got = the_package(client, world, order["id"])
    assert day(got["estimated_delivery"]) == (t0() + 4 * D).date()
    assert got["last_event_kind"] == "OUT_FOR_DELIVERY"


def test_only_the_buyer_and_the_shop_see_the_tracking(
    client: TestClient, db: Database, world: World
) -> None:
    order, parcel = shipped_order(client, world)
    (unshipped,) = paid_orders(client, world.buyer, {world.shop_a.sku_id: 1})
    release(client, world.admin)
    send(client, "SIMEX", carrier_event("v-1", SX1, "PICKED_UP", now()))
    other_buyer = make_actor(db, Role.BUYER, "other.buyer@test.dev")

    for outsider in (other_buyer, world.seller_b):
        response = client.get(f"/api/v1/orders/{order['id']}/tracking", headers=outsider.headers)
        assert response.status_code == 404
        assert problem_code(response) == "not_found"
    mine = tracking_view(client, world.buyer, order["id"])
    assert [p["id"] for p in mine["packages"]] == [parcel["id"]]
    assert tracking_view(client, world.seller_a, order["id"]) == mine
    assert tracking_view(client, world.agent, order["id"]) == mine
    assert tracking_view(client, world.buyer, unshipped["id"]) == {
        "order_id": unshipped["id"],
        "status": "AWAITING_SHIPMENT",
        "packages": [],
    }


# --- the simulated carrier, driven by the sandbox clock --------------------------------------

COLLECTED = [("PICKED_UP", 4 * H, "Origin facility"), ("IN_TRANSIT", 20 * H, "Regional hub")]
ARRIVE = [
    ("IN_TRANSIT", 7 * D - 10 * H, "Destination hub"),
    ("OUT_FOR_DELIVERY", 7 * D - 4 * H, "Local depot"),
]
LATE_ARRIVE = [(k, at + 3 * D, where) for k, at, where in ARRIVE]
FAILED = ("DELIVERY_FAILED", 7 * D, "Recipient")
SCRIPTS: dict[str, list[tuple[str, timedelta, str]]] = {
    "on_time": [*COLLECTED, *ARRIVE, ("DELIVERED", 7 * D, "Recipient")],
    "late": [*COLLECTED, *LATE_ARRIVE, ("DELIVERED", 10 * D, "Recipient")],
    "fail_once": [
        *COLLECTED,
        *ARRIVE,
        FAILED,
        ("OUT_FOR_DELIVERY", 8 * D - 4 * H, "Local depot"),
        ("DELIVERED", 8 * D, "Recipient"),
    ],
    "fail_twice": [*COLLECTED, *ARRIVE, FAILED, ("DELIVERY_FAILED", 8 * D, "Recipient")],
    "exception": [*COLLECTED, ("EXCEPTION", 30 * H, "Regional hub")],
    "return_to_sender": [
        *COLLECTED,
        *ARRIVE,
        FAILED,
        ("RETURNED_TO_SENDER", 12 * D, "Origin facility"),
    ],
    "lost_in_transit": COLLECTED,
    "never_collected": [],
}
# order status, package status, failed attempts, delivered after, returned after, estimate
# (the time whose date it is; None: the first estimate, t0 + 7 days)
OUTCOMES: dict[str, tuple[str, str, int, timedelta | None, timedelta | None, timedelta | None]] = {
    "on_time": ("DELIVERED", "COMPLETED", 0, 7 * D, None, 7 * D),
    "late": ("DELIVERED", "COMPLETED", 0, 10 * D, None, 10 * D),
    "fail_once": ("DELIVERED", "COMPLETED", 1, 8 * D, None, 8 * D),
    # The second failed attempt, and a return to sender, make the package lost: the platform
    # cancels and refunds the order at once (rules: FAILED_DELIVERY, PACKAGE_LOST).
    "fail_twice": ("CANCELLED", "CANCELLED", 2, None, None, 7 * D - 4 * H),
    "exception": ("IN_TRANSIT", "FULFILLING", 0, None, None, None),
    "return_to_sender": ("CANCELLED", "CANCELLED", 1, None, 12 * D, 7 * D - 4 * H),
    "lost_in_transit": ("IN_TRANSIT", "FULFILLING", 0, None, None, None),
    "never_collected": ("AWAITING_COLLECTION", "PROCESSING", 0, None, None, None),
}


@pytest.mark.parametrize("scenario", list(SCRIPTS))
def test_simulated_carrier_scenarios(
    client: TestClient, db: Database, world: World, scenario: str
) -> None:
    order, parcel = shipped_order(client, world, scenario=scenario)
    script = SCRIPTS[scenario]
    end = max((at for _, at, _ in script), default=7 * D)

    assert advance_to(client, world.admin, t0() + end) == len(script)
    order_status, package_status, failed, delivered, returned, estimate = OUTCOMES[scenario]
    view = tracking_view(client, world.buyer, order["id"])
    assert view["status"] == order_status
    (got,) = view["packages"]
    assert got["id"] == parcel["id"]
    assert got["status"] == package_status
    assert got["failed_attempts"] == failed
    assert got["delivered_at"] == (None if delivered is None else z(t0() + delivered))
    assert got["returned_at"] == (None if returned is None else z(t0() + returned))
    assert got["collected_at"] == (z(t0() + 4 * H) if script else None)
    assert got["last_event_kind"] == (script[-1][0] if script else None)
    assert day(got["estimated_delivery"]) == (t0() + (estimate or 7 * D)).date()
    assert [(k, at, where) for k, at, where, _ in event_rows(got)] == [
        (k, t0() + at, where) for k, at, where in script
    ]
    moves = status_moves(get_order(client, world.buyer, order["id"]))
    expected = [("SELLER", "AWAITING_SHIPMENT", "AWAITING_COLLECTION")]
    if script:
        expected.append(("CARRIER", "AWAITING_COLLECTION", "IN_TRANSIT"))
    if order_status == "DELIVERED":
        expected.append(("CARRIER", "IN_TRANSIT", "DELIVERED"))
    if order_status == "CANCELLED":
        expected.append(("SYSTEM", "IN_TRANSIT", "CANCELLED"))
    assert moves == expected
    # Nothing more is due.
    assert advance_to(client, world.admin, now() + D) == 0
    assert status(client, world.buyer, order["id"]) == order_status


def test_on_time_step_by_step(client: TestClient, db: Database, world: World) -> None:
    order, _ = shipped_order(client, world, scenario="on_time")
    oid = order["id"]
    assert advance_to(client, world.admin, t0() + 4 * H - timedelta(seconds=1)) == 0
    assert status(client, world.buyer, oid) == "AWAITING_COLLECTION"
    assert advance_to(client, world.admin, t0() + 4 * H) == 1
    fresh = get_order(client, world.buyer, oid)
    assert fresh["status"] == "IN_TRANSIT"
    assert carrier_moves(fresh) == [(None, "carrier: PICKED_UP")]
    assert advance_to(client, world.admin, t0() + 7 * D - 4 * H) == 3
    got = the_package(client, world, oid)
    assert (got["last_event_kind"], got["status"]) == ("OUT_FOR_DELIVERY", "FULFILLING")
    assert status(client, world.buyer, oid) == "IN_TRANSIT"
    assert advance_to(client, world.admin, t0() + 7 * D) == 1
    fresh = get_order(client, world.buyer, oid)
    assert fresh["status"] == "DELIVERED"
    assert carrier_moves(fresh) == [(None, "carrier: PICKED_UP"), (None, "carrier: DELIVERED")]


def test_fail_once_counts_the_attempt_then_delivers(
    client: TestClient, db: Database, world: World
) -> None:
    order, _ = shipped_order(client, world, scenario="fail_once")
    oid = order["id"]
    advance_to(client, world.admin, t0() + 7 * D)
    got = the_package(client, world, oid)
    assert (got["failed_attempts"], got["last_event_kind"], got["delivered_at"]) == (
        1,
        "DELIVERY_FAILED",
        None,
    )
    assert day(got["estimated_delivery"]) == (t0() + 7 * D - 4 * H).date()
    assert status(client, world.buyer, oid) == "IN_TRANSIT"

    advance_to(client, world.admin, t0() + 8 * D - 4 * H)
    assert day(the_package(client, world, oid)["estimated_delivery"]) == (
        (t0() + 8 * D - 4 * H).date()
    )
    advance_to(client, world.admin, t0() + 8 * D)
    got = the_package(client, world, oid)
    assert (got["failed_attempts"], got["status"], got["delivered_at"]) == (
        1,
        "COMPLETED",
        z(t0() + 8 * D),
    )
    assert status(client, world.buyer, oid) == "DELIVERED"


def test_late_delivery_moves_the_estimate_when_it_is_out_for_delivery(
    client: TestClient, db: Database, world: World
) -> None:
    order, parcel = shipped_order(client, world, scenario="late")
    oid = order["id"]
    first = (t0() + 7 * D).date()
    assert day(parcel["estimated_delivery"]) == first
    advance_to(client, world.admin, t0() + 7 * D)
    got = the_package(client, world, oid)
    assert (got["status"], got["last_event_kind"]) == ("FULFILLING", "IN_TRANSIT")
    assert day(got["estimated_delivery"]) == first
    advance_to(client, world.admin, t0() + 10 * D - 4 * H)
    assert day(the_package(client, world, oid)["estimated_delivery"]) == (
        (t0() + 10 * D - 4 * H).date()
    )
    assert status(client, world.buyer, oid) == "IN_TRANSIT"
    advance_to(client, world.admin, t0() + 10 * D)
    assert status(client, world.buyer, oid) == "DELIVERED"


def test_webhook_and_simulated_events_share_one_timeline(
    client: TestClient, db: Database, world: World
) -> None:
    """The simulated carrier's events are deduplicated like any carrier's: a webhook event
    with the same id as a scripted one does not count twice."""
    order, parcel = shipped_order(client, world, scenario="fail_twice")
    advance_to(client, world.admin, t0() + 7 * D)
    got = the_package(client, world, order["id"])
    assert got["failed_attempts"] == 1
    with db.unit_of_work(write=False) as session:
        failed = session.query(PackageEvent).filter_by(kind="DELIVERY_FAILED").one()
        event_id = failed.carrier_event_id
    assert send(client, "SIMEX", carrier_event(event_id, SX1, "DELIVERY_FAILED", t0() + 7 * D)) == [
        {"event_id": event_id, "result": "DUPLICATE", "package_id": parcel["id"]}
    ]
    assert the_package(client, world, order["id"])["failed_attempts"] == 1
