"""Force-majeure extensions (orders.extensions) on SQLite and PostgreSQL: the deadlines and
their timers move, the sweeper honours the new times, the late-dispatch metric stops judging
the order, refusals change nothing, extensions add up to the region's maximum.

The week (``deadline_support.week``): the clock starts Monday 10:00 UTC; the order leaves
its remorse window at 11:00."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from clipshop.core.clock import utcnow
from clipshop.core.db import Database
from clipshop.core.errors import Conflict
from clipshop.deadlines.policies import for_region
from clipshop.models import OutboxEvent
from clipshop.orders.extensions import extend_shipping_deadlines
from clipshop.standing.performance import LATE_DISPATCH, shop_metrics
from tests.conftest import World
from tests.fulfillment_support import paid_orders, ship, tracking_number
from tests.integration.checkout_api import get_order
from tests.integration.deadline_support import (
    D,
    H,
    Week,
    at,
    awaiting_shipment,
    event_times,
    move_to,
    status_events,
    timers_of,
)

S = timedelta(seconds=1)
TN1 = tracking_number("SX", "1000000001")


def extend(db: Database, world: World, order_id: str, hours: int, why: str = "flood") -> None:
    with db.unit_of_work() as session:
        extend_shipping_deadlines(session, int(order_id), hours, why, world.agent.id)


def refused(db: Database, world: World, order_id: str, hours: int) -> Conflict:
    with pytest.raises(Conflict) as caught:
        extend(db, world, order_id, hours)
    assert caught.value.status == 409
    return caught.value


def delays(db: Database, order_id: str) -> list[dict[str, Any]]:
    with db.unit_of_work(write=False) as session:
        rows = session.scalars(
            select(OutboxEvent.payload)
            .where(OutboxEvent.order_id == int(order_id), OutboxEvent.type == "order.delayed")
            .order_by(OutboxEvent.id)
        )
        return list(rows)


def late_dispatch_counts(db: Database, world: World) -> tuple[float, int]:
    """(late, judged) in the shop's 7-day window ending now."""
    with db.unit_of_work(write=False) as session:
        (window,) = shop_metrics(session, world.shop_a.id, utcnow(), windows=(7,))
    metric = window.metrics[LATE_DISPATCH]
    return metric.numerator, metric.denominator


def deadlines(order: dict[str, Any]) -> tuple[datetime | None, ...]:
    return tuple(at(order, f) for f in ("rts_sla_time", "shipping_due_time", "delivery_sla_time"))


def test_an_extension_moves_the_shipping_deadlines_and_their_timers(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    order = awaiting_shipment(client, world, week)
    oid = order["id"]
    rts, due, promise = deadlines(order)
    assert rts and due and promise
    assert timers_of(db, oid) == {"LATE_DISPATCH": rts, "SHIP_DUE": due}

    extend(db, world, oid, 36, "warehouse flooded")
    fresh = get_order(client, world.seller_a, oid)
    assert deadlines(fresh) == (rts + 36 * H, due + 36 * H, promise + 36 * H)
    assert fresh["deadline_extension_hours"] == 36
    assert at(fresh, "force_majeure_at") == week.monday + H
    assert (fresh["status"], fresh["late_dispatch"]) == ("AWAITING_SHIPMENT", False)
    assert timers_of(db, oid) == {"LATE_DISPATCH": rts + 36 * H, "SHIP_DUE": due + 36 * H}
    (event,) = [e for e in fresh["timeline"] if e["kind"] == "DEADLINES_EXTENDED"]
    assert (event["actor_type"], event["actor_id"]) == ("OPERATOR", str(world.agent.id))
    assert event["reason"] == (
        "shipping deadlines extended by 36 h (36 h in total): warehouse flooded"
    )
    (delay,) = delays(db, oid)
    assert (delay["reason"], delay["order_id"], delay["buyer_id"]) == (
        "FORCE_MAJEURE",
        oid,
        order["buyer_id"],
    )
    assert datetime.fromisoformat(delay["ship_by"]) == rts + 36 * H
    assert get_order(client, world.buyer, oid)["deadline_extension_hours"] == 36


def test_the_sweeper_marks_a_late_dispatch_at_the_new_deadline_not_the_old(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    order = awaiting_shipment(client, world, week)
    oid, rts = order["id"], at(order, "rts_sla_time")
    assert rts is not None
    extend(db, world, oid, 24)
    report = move_to(client, world, rts + S)  # just after the old deadline
    assert "LATE_DISPATCH" not in report["rules_applied"]
    assert get_order(client, world.seller_a, oid)["late_dispatch"] is False
    assert event_times(db, oid, "LATE_DISPATCH") == []

    report = move_to(client, world, rts + 24 * H + S)  # just after the new one
    assert report["rules_applied"].get("LATE_DISPATCH") == 1
    assert get_order(client, world.seller_a, oid)["late_dispatch"] is True
    assert event_times(db, oid, "LATE_DISPATCH") == [rts + 24 * H]


def test_shipping_between_the_old_and_the_new_deadline_is_on_time(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    order = awaiting_shipment(client, world, week)
    oid, rts = order["id"], at(order, "rts_sla_time")
    assert rts is not None
    extend(db, world, oid, 24)
    move_to(client, world, rts + 2 * H)
    ship(client, world.seller_a, [oid], TN1)
    fresh = get_order(client, world.seller_a, oid)
    assert (fresh["status"], fresh["late_dispatch"]) == ("AWAITING_COLLECTION", False)
    assert set(timers_of(db, oid)) == {"COLLECTION_DUE"}
    assert late_dispatch_counts(db, world) == (0, 0)  # not judged at all


def test_the_platform_carriers_delivery_promise_carries_the_extension(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    order = awaiting_shipment(client, world, week)
    extend(db, world, order["id"], 30)
    body = {"order_ids": [order["id"]], "shipping_type": "PLATFORM", "provider_code": "SIMPOST"}
    response = client.post(
        "/api/v1/packages",
        json=body | {"handover_method": "DROP_OFF"},
        headers=world.seller_a.headers,
    )
    assert response.status_code == 201, response.text
    fresh = get_order(client, world.buyer, order["id"])
    placed = datetime.fromisoformat(fresh["created_at"])
    assert at(fresh, "delivery_sla_time") == placed + (120 + 30) * H


def test_the_sweeper_cancels_an_unshipped_order_at_the_new_ship_due_time(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    order = awaiting_shipment(client, world, week)
    oid, due = order["id"], at(order, "shipping_due_time")
    assert due is not None
    extend(db, world, oid, 48)
    report = move_to(client, world, due + S)  # just after the old deadline
    assert "SHIP_DUE" not in report["rules_applied"]
    assert get_order(client, world.buyer, oid)["status"] == "AWAITING_SHIPMENT"

    report = move_to(client, world, due + 48 * H + S)
    assert report["rules_applied"].get("SHIP_DUE") == 1
    fresh = get_order(client, world.buyer, oid)
    reason = "no shipment arranged in time"
    assert (fresh["status"], fresh["cancel_reason"]) == ("CANCELLED", reason)
    assert status_events(fresh)[-1] == ("AWAITING_SHIPMENT", "CANCELLED", "SYSTEM", reason)
    assert timers_of(db, oid) == {}


def test_an_order_already_late_stays_marked_and_leaves_the_metric(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    order = awaiting_shipment(client, world, week)
    oid, rts = order["id"], at(order, "rts_sla_time")
    assert rts is not None
    move_to(client, world, rts + S)
    assert get_order(client, world.seller_a, oid)["late_dispatch"] is True
    assert late_dispatch_counts(db, world) == (1, 1)

    extend(db, world, oid, 72)
    fresh = get_order(client, world.seller_a, oid)
    assert fresh["late_dispatch"] is True
    assert at(fresh, "rts_sla_time") == rts + 72 * H
    assert late_dispatch_counts(db, world) == (0, 0)  # its new deadline is ahead anyway
    # its LATE_DISPATCH rule ran: only the ship-due deadline has a timer again
    assert set(timers_of(db, oid)) == {"SHIP_DUE"}
    report = move_to(client, world, rts + 72 * H + S)
    assert "LATE_DISPATCH" not in report["rules_applied"]
    assert event_times(db, oid, "LATE_DISPATCH") == [rts]
    assert late_dispatch_counts(db, world) == (0, 0)  # past the new deadline: still excluded


def test_refusals_change_nothing(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    (on_hold,) = paid_orders(client, world.buyer, {world.shop_a.sku_id: 1})
    before_hold = get_order(client, world.seller_a, on_hold["id"])
    timers_hold = timers_of(db, on_hold["id"])
    error = refused(db, world, on_hold["id"], 24)
    assert error.code == "order_not_extendable"
    assert "ON_HOLD" in error.detail
    assert get_order(client, world.seller_a, on_hold["id"]) == before_hold
    assert timers_of(db, on_hold["id"]) == timers_hold

    order = awaiting_shipment(client, world, week)
    oid = order["id"]
    before, timers_before = get_order(client, world.seller_a, oid), timers_of(db, oid)
    max_hours = for_region("US").force_majeure_max_days * 24
    for hours in (0, -5, max_hours + 1):
        error = refused(db, world, oid, hours)
        assert error.code == "extension_out_of_range"
        assert f"1 to {max_hours} hours" in error.detail
    assert get_order(client, world.seller_a, oid) == before
    assert timers_of(db, oid) == timers_before
    assert delays(db, oid) == [] and delays(db, on_hold["id"]) == []

    ship(client, world.seller_a, [oid], TN1)
    shipped = get_order(client, world.seller_a, oid)
    assert refused(db, world, oid, 24).code == "order_not_extendable"
    assert get_order(client, world.seller_a, oid) == shipped


def test_extensions_add_up_to_the_regions_maximum(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    order = awaiting_shipment(client, world, week)
    oid = order["id"]
    rts, due, promise = deadlines(order)
    assert rts and due and promise
    max_hours = for_region("US").force_majeure_max_days * 24
    extend(db, world, oid, 24)
    extend(db, world, oid, 48)
    fresh = get_order(client, world.seller_a, oid)
    assert fresh["deadline_extension_hours"] == 72
    assert deadlines(fresh) == (rts + 72 * H, due + 72 * H, promise + 72 * H)
    assert timers_of(db, oid) == {"LATE_DISPATCH": rts + 72 * H, "SHIP_DUE": due + 72 * H}

    error = refused(db, world, oid, max_hours - 72 + 1)
    assert f"1 to {max_hours - 72} hours" in error.detail
    assert get_order(client, world.seller_a, oid) == fresh

    extend(db, world, oid, max_hours - 72)  # exactly the rest
    full = get_order(client, world.seller_a, oid)
    assert full["deadline_extension_hours"] == max_hours
    assert at(full, "rts_sla_time") == rts + max_hours * H
    assert timers_of(db, oid)["SHIP_DUE"] == due + max_hours * H
    assert refused(db, world, oid, 1).code == "extension_out_of_range"
    ships_by = [datetime.fromisoformat(d["ship_by"]) for d in delays(db, oid)]
    assert ships_by == [rts + 24 * H, rts + 72 * H, rts + max_hours * H]
    assert max_hours == 30 * D / H  # the built-in policy: 30 days
