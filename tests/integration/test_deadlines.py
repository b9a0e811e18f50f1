"""Every deadline rule, driven by moving the sandbox clock, on SQLite and PostgreSQL: the
status, the timeline event, the stock, the refund, and the timers left behind.

The week (``deadline_support.week``): the clock starts Monday 10:00 UTC; Wednesday is a
holiday; business days skip it and the weekend."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update

from clipshop.core.clock import clock
from clipshop.core.db import Database
from clipshop.models import Shop
from tests.conftest import World
from tests.fulfillment_support import (
    carrier_event,
    paid_orders,
    ship,
    tracking_number,
)
from tests.integration.checkout_api import (
    DECLINED_CARD,
    OK_CARD,
    add_card,
    charged,
    checkout,
    get_order,
    minor,
    stock,
)
from tests.integration.deadline_support import (
    D,
    H,
    Week,
    at,
    awaiting_shipment,
    event_times,
    move_to,
    picked_up,
    refunded,
    refunds,
    scan,
    status_events,
    timers_of,
)

S = timedelta(seconds=1)
TN1 = tracking_number("SX", "1000000001")
TN2 = tracking_number("SX", "1000000002")


def test_unpaid_order_is_cancelled_at_its_deadline_and_its_stock_released(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    add_card(client, world.buyer, DECLINED_CARD)
    result = checkout(client, world.buyer, {world.shop_a.sku_id: 2})
    (order,) = result["orders"]
    oid, deadline = order["id"], week.monday + 48 * H
    assert order["status"] == "UNPAID"
    assert at(order, "cancel_order_sla_time") == deadline
    assert timers_of(db, oid) == {"UNPAID_CANCEL": deadline}
    assert stock(client, world.seller_a, world.shop_a.sku_id) == (8, 2)

    move_to(client, world, deadline - S)
    assert get_order(client, world.buyer, oid)["status"] == "UNPAID"
    report = move_to(client, world, deadline)
    assert report["expired_unpaid"] == 1
    assert report["rules_applied"] == {"UNPAID_CANCEL": 1}
    fresh = get_order(client, world.buyer, oid)
    assert (fresh["status"], fresh["cancelled_by"], fresh["cancel_reason"]) == (
        "CANCELLED",
        "SYSTEM",
        "not paid in time",
    )
    assert status_events(fresh)[-1] == ("UNPAID", "CANCELLED", "SYSTEM", "not paid in time")
    assert event_times(db, oid, "STATUS_CHANGED")[-1] == deadline
    assert stock(client, world.seller_a, world.shop_a.sku_id) == (10, 0)
    assert refunds(db, oid) == []
    assert timers_of(db, oid) == {}


def test_paying_disarms_the_unpaid_deadline(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    (order,) = paid_orders(client, world.buyer, {world.shop_a.sku_id: 1})
    assert timers_of(db, order["id"]) == {"RELEASE_HOLD": week.monday + H}
    assert at(order, "cancel_order_sla_time") == week.monday + 48 * H  # stamped at placement


def test_remorse_window_releases_the_order_and_stamps_its_shipping_deadlines(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    (order,) = paid_orders(client, world.buyer, {world.shop_a.sku_id: 1})
    oid = order["id"]
    assert at(order, "hold_until") == week.monday + H
    move_to(client, world, week.monday + H - S)
    assert get_order(client, world.buyer, oid)["status"] == "ON_HOLD"
    report = move_to(client, world, week.monday + H)
    assert report["released_from_hold"] == 1
    fresh = get_order(client, world.seller_a, oid)
    assert fresh["status"] == "AWAITING_SHIPMENT"
    released = week.monday + H
    assert status_events(fresh)[-1] == (
        "ON_HOLD",
        "AWAITING_SHIPMENT",
        "SYSTEM",
        "remorse window ended",
    )
    # 2 business days from Monday 11:00: Tuesday, (Wednesday holiday), Thursday 11:00.
    rts = released + 3 * D
    # 7 business days: Tue, Thu, Fri, (weekend), Mon, Tue, Wed, Thu -> the next Thursday.
    shipping_due = released + 10 * D
    assert at(fresh, "rts_sla_time") == rts
    assert at(fresh, "shipping_due_time") == shipping_due
    assert at(fresh, "delivery_sla_time") == rts + fresh["delivery_max_days"] * D
    assert fresh["late_dispatch"] is False
    assert timers_of(db, oid) == {"LATE_DISPATCH": rts, "SHIP_DUE": shipping_due}


def test_missing_the_ready_to_ship_deadline_marks_a_late_dispatch_once(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    order = awaiting_shipment(client, world, week)
    oid, rts = order["id"], at(order, "rts_sla_time")
    assert rts is not None
    move_to(client, world, rts - S)
    assert get_order(client, world.seller_a, oid)["late_dispatch"] is False
    report = move_to(client, world, rts)
    assert report["rules_applied"] == {"LATE_DISPATCH": 1}
    fresh = get_order(client, world.seller_a, oid)
    assert (fresh["status"], fresh["late_dispatch"]) == ("AWAITING_SHIPMENT", True)
    assert event_times(db, oid, "LATE_DISPATCH") == [rts]

    move_to(client, world, rts + 2 * H)
    ship(client, world.seller_a, [oid], TN1)
    shipped = get_order(client, world.seller_a, oid)
    assert shipped["status"] == "AWAITING_COLLECTION"
    assert at(shipped, "rts_time") == rts + 2 * H
    assert at(shipped, "tts_sla_time") == rts + 2 * H + 48 * H
    assert at(shipped, "collection_due_time") == rts + 2 * H + 15 * D
    assert event_times(db, oid, "LATE_DISPATCH") == [rts]  # still one
    assert timers_of(db, oid) == {"COLLECTION_DUE": rts + 2 * H + 15 * D}


def test_shipping_in_time_is_not_late_and_disarms_the_shipping_deadlines(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    order = awaiting_shipment(client, world, week)
    oid, rts = order["id"], at(order, "rts_sla_time")
    assert rts is not None
    ship(client, world.seller_a, [oid], TN1)
    move_to(client, world, rts + D)
    fresh = get_order(client, world.seller_a, oid)
    assert fresh["late_dispatch"] is False
    assert event_times(db, oid, "LATE_DISPATCH") == []
    assert set(timers_of(db, oid)) == {"COLLECTION_DUE"}


def test_late_shipment_after_the_deadline_fired_is_late_too(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    """Shipped after rts_sla_time though the sweeper never ran in between (a stopped worker):
    shipping itself records the late dispatch."""
    order = awaiting_shipment(client, world, week)
    oid, rts = order["id"], at(order, "rts_sla_time")
    assert rts is not None
    clock.advance(rts + H - clock.now())  # time passes with no sweep
    ship(client, world.seller_a, [oid], TN1)
    fresh = get_order(client, world.seller_a, oid)
    assert fresh["late_dispatch"] is True
    assert event_times(db, oid, "LATE_DISPATCH") == [rts + H]
    move_to(client, world, rts + 2 * H)  # the stale LATE_DISPATCH timer is gone
    assert event_times(db, oid, "LATE_DISPATCH") == [rts + H]


def test_no_shipment_by_the_due_time_cancels_and_refunds_through_the_gateway(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    order = awaiting_shipment(client, world, week, units=2)
    oid, due = order["id"], at(order, "shipping_due_time")
    assert due is not None
    total = minor(order, "total_amount")
    taken = charged(client)
    assert stock(client, world.seller_a, world.shop_a.sku_id) == (8, 2)
    move_to(client, world, due - S)
    assert get_order(client, world.buyer, oid)["status"] == "AWAITING_SHIPMENT"
    report = move_to(client, world, due)
    assert report["rules_applied"] == {"SHIP_DUE": 1}  # LATE_DISPATCH fired days earlier
    fresh = get_order(client, world.buyer, oid)
    reason = "no shipment arranged in time"
    assert (fresh["status"], fresh["cancelled_by"], fresh["cancel_reason"]) == (
        "CANCELLED",
        "SYSTEM",
        reason,
    )
    assert status_events(fresh)[-1] == ("AWAITING_SHIPMENT", "CANCELLED", "SYSTEM", reason)
    assert stock(client, world.seller_a, world.shop_a.sku_id) == (10, 0)
    assert refunds(db, oid) == [(total, "SUCCEEDED")]
    assert refunded(db, order["payment_id"]) == total
    assert charged(client) == taken - total  # the gateway paid it back, once
    assert timers_of(db, oid) == {}
    move_to(client, world, due + D)  # running again changes nothing
    assert refunds(db, oid) == [(total, "SUCCEEDED")]
    assert charged(client) == taken - total


def test_partly_shipped_order_loses_only_its_unshipped_items(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    order = awaiting_shipment(client, world, week, units=2)
    oid, due = order["id"], at(order, "shipping_due_time")
    assert due is not None
    first, second = order["line_items"]
    ship(client, world.seller_a, [oid], TN1, line_item_ids=[first["id"]])
    assert get_order(client, world.buyer, oid)["status"] == "PARTIALLY_SHIPPING"
    assert stock(client, world.seller_a, world.shop_a.sku_id) == (8, 1)
    total = minor(order, "total_amount")
    line_amount = int(second["sale_price"]["minor_units"]) + int(second["tax"]["minor_units"])

    move_to(client, world, due)
    fresh = get_order(client, world.buyer, oid)
    assert fresh["status"] == "AWAITING_COLLECTION"
    lines = {x["id"]: x for x in fresh["line_items"]}
    assert lines[second["id"]]["status"] == "CANCELLED"
    assert lines[second["id"]]["cancel_reason"] == "no shipment arranged in time"
    assert lines[first["id"]]["status"] == "AWAITING_COLLECTION"
    assert minor(fresh, "total_amount") == total  # what was charged
    assert minor(fresh, "refunded_amount") == line_amount
    assert int(lines[second["id"]]["refunded_amount"]["minor_units"]) == line_amount
    assert int(lines[first["id"]]["refunded_amount"]["minor_units"]) == 0
    assert refunds(db, oid) == [(line_amount, "SUCCEEDED")]
    assert stock(client, world.seller_a, world.shop_a.sku_id) == (9, 0)
    assert [e["kind"] for e in fresh["timeline"]].count("LINES_CANCELLED") == 1


def test_handed_over_but_never_scanned_is_cancelled_after_the_collection_deadline(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    order = awaiting_shipment(client, world, week)
    oid = order["id"]
    shipped_at = week.monday + 2 * H
    move_to(client, world, shipped_at)
    parcel = ship(client, world.seller_a, [oid], TN1)  # never_collected: no scans
    assert stock(client, world.seller_a, world.shop_a.sku_id) == (9, 0)  # left the warehouse
    due = shipped_at + 15 * D
    assert at(get_order(client, world.buyer, oid), "collection_due_time") == due
    move_to(client, world, due - S)
    assert get_order(client, world.buyer, oid)["status"] == "AWAITING_COLLECTION"
    move_to(client, world, due)
    fresh = get_order(client, world.buyer, oid)
    reason = "no tracking progress from the carrier"
    assert (fresh["status"], fresh["cancel_reason"]) == ("CANCELLED", reason)
    assert status_events(fresh)[-1] == ("AWAITING_COLLECTION", "CANCELLED", "SYSTEM", reason)
    assert refunds(db, oid) == [(minor(order, "total_amount"), "SUCCEEDED")]
    # Shipped units are not put back: they are not in the warehouse.
    assert stock(client, world.seller_a, world.shop_a.sku_id) == (9, 0)
    assert parcel["id"]


def test_two_failed_delivery_attempts_make_the_package_lost_and_refunded(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    order = awaiting_shipment(client, world, week)
    oid = order["id"]
    ship(client, world.seller_a, [oid], TN1)
    t = week.monday + 2 * H
    scan(client, world, carrier_event("e1", TN1, "PICKED_UP", t))
    scan(client, world, carrier_event("e2", TN1, "DELIVERY_FAILED", t + 2 * D))
    assert get_order(client, world.buyer, oid)["status"] == "IN_TRANSIT"
    scan(client, world, carrier_event("e3", TN1, "DELIVERY_FAILED", t + 3 * D))
    assert get_order(client, world.buyer, oid)["status"] == "IN_TRANSIT"  # the sweeper decides
    report = move_to(client, world, t + 3 * D + S)
    assert report["rules_applied"] == {"FAILED_DELIVERY": 1}
    fresh = get_order(client, world.buyer, oid)
    reason = "package lost after failed delivery attempts"
    assert status_events(fresh)[-1] == ("IN_TRANSIT", "CANCELLED", "SYSTEM", reason)
    assert refunds(db, oid) == [(minor(order, "total_amount"), "SUCCEEDED")]
    assert timers_of(db, oid) == {}


def test_collected_but_never_delivered_is_lost_after_twelve_days(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    order, parcel, scanned = picked_up(client, world, week, TN1)
    oid = order["id"]
    lost_at = scanned + 12 * D
    assert timers_of(db, parcel["id"]) == {"PACKAGE_LOST": lost_at}
    assert at(get_order(client, world.buyer, oid), "delivery_due_time") is not None
    move_to(client, world, lost_at - S)
    assert get_order(client, world.buyer, oid)["status"] == "IN_TRANSIT"
    move_to(client, world, lost_at)
    fresh = get_order(client, world.buyer, oid)
    reason = "package lost: no delivery acknowledged"
    assert (fresh["status"], fresh["cancel_reason"]) == ("CANCELLED", reason)
    assert refunds(db, oid) == [(minor(order, "total_amount"), "SUCCEEDED")]
    assert timers_of(db, parcel["id"]) == {}


def test_one_lost_package_of_a_split_order_refunds_its_items_only(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    order = awaiting_shipment(client, world, week, units=2)
    oid = order["id"]
    first, second = order["line_items"]
    ship(client, world.seller_a, [oid], TN1, line_item_ids=[first["id"]])
    ship(client, world.seller_a, [oid], TN2, line_item_ids=[second["id"]])
    t = week.monday + 3 * H
    scan(
        client,
        world,
        carrier_event("a1", TN1, "PICKED_UP", t),
        carrier_event("b1", TN2, "PICKED_UP", t),
    )
    scan(client, world, carrier_event("a2", TN1, "DELIVERED", t + 2 * D))
    assert get_order(client, world.buyer, oid)["status"] == "IN_TRANSIT"
    move_to(client, world, t + 12 * D)
    fresh = get_order(client, world.buyer, oid)
    assert fresh["status"] == "DELIVERED"
    lines = {x["id"]: x["status"] for x in fresh["line_items"]}
    assert lines == {first["id"]: "DELIVERED", second["id"]: "CANCELLED"}
    line = int(second["sale_price"]["minor_units"]) + int(second["tax"]["minor_units"])
    assert refunds(db, oid) == [(line, "SUCCEEDED")]
    # Delivered when its last live package was: the return window runs from then.
    assert at(fresh, "delivered_at") == t + 2 * D
    assert timers_of(db, oid) == {"AUTO_COMPLETE": t + 32 * D}


def test_delivered_order_completes_when_the_return_window_closes(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    order, parcel, t = picked_up(client, world, week, TN1)
    oid = order["id"]
    scan(client, world, carrier_event("e2", TN1, "DELIVERED", t + 3 * D))
    delivered = get_order(client, world.buyer, oid)
    assert delivered["status"] == "DELIVERED"
    assert at(delivered, "delivered_at") == t + 3 * D
    assert timers_of(db, parcel["id"]) == {}  # no longer lost-able
    closes = t + 33 * D
    assert timers_of(db, oid) == {"AUTO_COMPLETE": closes}
    move_to(client, world, closes - S)
    assert get_order(client, world.buyer, oid)["status"] == "DELIVERED"
    move_to(client, world, closes)
    fresh = get_order(client, world.buyer, oid)
    assert fresh["status"] == "COMPLETED"
    assert at(fresh, "completed_at") == closes
    assert status_events(fresh)[-1] == ("DELIVERED", "COMPLETED", "SYSTEM", "return window closed")
    assert refunds(db, oid) == []
    assert timers_of(db, oid) == {}


def test_a_region_with_a_shorter_return_window_completes_sooner(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    with db.unit_of_work() as session:
        session.execute(update(Shop).where(Shop.id == world.shop_a.id).values(region="GB"))
    order, _, t = picked_up(client, world, week, TN1)
    assert order["region"] == "GB"
    oid = order["id"]
    scan(client, world, carrier_event("e2", TN1, "DELIVERED", t + D))
    assert timers_of(db, oid) == {"AUTO_COMPLETE": t + 15 * D}  # 14 days in GB
    move_to(client, world, t + 15 * D)
    assert get_order(client, world.buyer, oid)["status"] == "COMPLETED"


def test_one_advance_runs_a_chain_of_deadlines_each_at_its_own_time(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    (order,) = paid_orders(client, world.buyer, {world.shop_a.sku_id: 1})
    oid = order["id"]
    report = move_to(client, world, week.monday + 20 * D)
    assert report["rules_applied"] == {"RELEASE_HOLD": 1, "LATE_DISPATCH": 1, "SHIP_DUE": 1}
    assert report["stops"] >= 3
    released = week.monday + H
    assert event_times(db, oid, "STATUS_CHANGED") == [
        week.monday,  # paid
        released,
        released + 10 * D,  # cancelled at shipping_due_time
    ]
    assert event_times(db, oid, "LATE_DISPATCH") == [released + 3 * D]
    assert get_order(client, world.buyer, oid)["status"] == "CANCELLED"


def test_an_order_on_review_waits_and_is_released_once_cleared(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    add_card(client, world.buyer, OK_CARD)
    billing = {
        "name": "Ada Buyer",
        "phone": "+1 555 0100",
        "address_line1": "9 Oak Ave",
        "city": "Chicago",
        "state": "IL",
        "postal_code": "60601",
        "country": "US",
    }
    (order,) = checkout(client, world.buyer, {world.shop_a.sku_id: 1}, billing_address=billing)[
        "orders"
    ]
    oid = order["id"]
    assert (order["status"], order["review_hold"]) == ("ON_HOLD", True)
    move_to(client, world, week.monday + 3 * H)
    assert get_order(client, world.buyer, oid)["status"] == "ON_HOLD"
    assert timers_of(db, oid) == {}  # the release found it on review and let go
    response = client.post(
        f"/api/v1/orders/{oid}/review",
        json={"decision": "CLEAR", "note": "called the buyer"},
        headers=world.agent.headers,
    )
    assert response.status_code == 200, response.text
    assert timers_of(db, oid) == {"RELEASE_HOLD": week.monday + 3 * H}
    move_to(client, world, week.monday + 3 * H + S)
    assert get_order(client, world.buyer, oid)["status"] == "AWAITING_SHIPMENT"


def test_a_cross_border_parcel_is_not_lost_inside_its_delivery_estimate(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    with db.unit_of_work() as session:
        session.execute(
            update(Shop).where(Shop.id == world.shop_a.id).values(shop_type="CROSS_BORDER")
        )
    order, parcel, scanned = picked_up(client, world, week, TN1)
    oid, longest = order["id"], order["delivery_max_days"]
    assert longest > 12  # transit and customs added
    lost_at = scanned + (longest + 3) * D  # the estimate plus the grace, not 12 days
    assert timers_of(db, parcel["id"]) == {"PACKAGE_LOST": lost_at}
    assert at(get_order(client, world.buyer, oid), "delivery_due_time") == lost_at
    move_to(client, world, scanned + 12 * D)
    assert get_order(client, world.buyer, oid)["status"] == "IN_TRANSIT"
    move_to(client, world, lost_at)
    assert get_order(client, world.buyer, oid)["cancel_reason"] == (
        "package lost: no delivery acknowledged"
    )


def test_platform_shipping_promises_delivery_within_120_hours_of_placement(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    order = awaiting_shipment(client, world, week)
    response = client.post(
        "/api/v1/packages",
        json={
            "order_ids": [order["id"]],
            "shipping_type": "PLATFORM",
            "provider_code": "SIMPOST",
            "handover_method": "DROP_OFF",
        },
        headers=world.seller_a.headers,
    )
    assert response.status_code == 201, response.text
    fresh = get_order(client, world.buyer, order["id"])
    assert fresh["status"] == "AWAITING_COLLECTION"
    assert at(fresh, "delivery_sla_time") == week.monday + 120 * H
