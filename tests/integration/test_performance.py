"""Seller performance through the HTTP API: metrics per window on a known mix of orders, the
daily review counting a breach once per review window and escalating a shop's standing, what
RESTRICTED and SUSPENDED forbid, admins setting the standing, and who may read or set it.

The platform clock is frozen at 10:00 UTC tomorrow and moved with the sandbox endpoint, so
every deadline (late dispatch, no shipment in time) and every daily review at 00:00 UTC fires
at its own time on the way."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select

from clipshop.core.db import Database
from clipshop.deadlines.standing import next_review_at
from clipshop.identity.principal import Role
from clipshop.models import CartItem, Order, Payment, Shop, SkuDiscount, StockLevel, Timer
from tests.conftest import World, make_actor
from tests.fulfillment_support import (
    advance_to,
    carrier_event,
    frozen_clock,  # noqa: F401  (fixture)
    now,
    paid_orders,
    release,
    send,
    ship,
    start,
)
from tests.integration.checkout_api import (
    API,
    cancel,
    charged,
    get_order,
    ok,
    parse_time,
    post_checkout,
    quote,
    set_stock,
)
from tests.integration.fulfillment_files_api import sx
from tests.integration.native_api import refused, snapshot

pytestmark = pytest.mark.usefixtures("frozen_clock")

H = timedelta(hours=1)
D = timedelta(days=1)
LATE = "late_dispatch_rate"
TRACKING = "valid_tracking_rate"
ON_TIME = "on_time_delivery_rate"
FAULT = "seller_fault_cancellation_rate"
PROCESSING = "average_processing_hours"
CHAT = "chat_response_rate"  # no conversations here: nothing judged (docs/conversations.md)
RATES = (LATE, TRACKING, ON_TIME, FAULT)


# --- helpers --------------------------------------------------------------------------------


def performance(client: TestClient, world: World, **params: Any) -> dict[str, Any]:
    url = f"{API}/shops/{world.shop_a.id}/performance"
    result: dict[str, Any] = ok(client.get(url, params=params, headers=world.seller_a.headers))
    return result


def windows(perf: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {w["days"]: w for w in perf["windows"]}


def fractions(window: dict[str, Any]) -> dict[str, tuple[float, int]]:
    """(numerator, denominator) of each rate."""
    return {name: (m["numerator"], m["denominator"]) for name, m in window["metrics"].items()}


def place(client: TestClient, world: World, count: int) -> list[str]:
    """``count`` paid one-unit orders of shop A (ON_HOLD), one checkout each."""
    return [
        paid_orders(client, world.buyer, {world.shop_a.sku_id: 1})[0]["id"] for _ in range(count)
    ]


class Parcels:
    """Ships orders one package each and reports their carrier scans through the webhook."""

    def __init__(self, client: TestClient, world: World) -> None:
        self.client, self.world = client, world
        self.numbers: dict[str, str] = {}  # order id -> tracking number

    def ship(self, *order_ids: str, scan: bool = True) -> None:
        for order_id in order_ids:
            number = self.numbers[order_id] = sx(len(self.numbers) + 1)
            ship(self.client, self.world.seller_a, [order_id], number)
        if scan:
            self.scan("PICKED_UP", *order_ids)

    def scan(self, kind: str, *order_ids: str) -> None:
        events = [
            carrier_event(f"{kind}-{oid}", self.numbers[oid], kind, now()) for oid in order_ids
        ]
        send(self.client, "SIMEX", *events)


def sla(client: TestClient, world: World, order_id: str, field: str) -> datetime:
    return parse_time(get_order(client, world.seller_a, order_id)[field])


def standing(client: TestClient, world: World) -> tuple[str, int]:
    perf = performance(client, world)
    return perf["standing"], perf["breach_count"]


def set_standing(client: TestClient, world: World, value: str, **extra: Any) -> dict[str, Any]:
    body = {"standing": value, "note": f"admin: {value.lower()}", **extra}
    url = f"{API}/shops/{world.shop_a.id}/standing"
    result: dict[str, Any] = ok(client.post(url, json=body, headers=world.admin.headers))
    return result


def history(perf: dict[str, Any]) -> list[tuple[str, str, str, list[str]]]:
    return [
        (e["kind"], e["from_standing"], e["to_standing"], e["breaches"]) for e in perf["history"]
    ]


# --- metrics --------------------------------------------------------------------------------


def test_metrics_exact_over_7_30_and_90_days(client: TestClient, world: World) -> None:
    """Z (63 days before the reading), A (23 days), C (10 days) and B (3 days):

    - z1 shipped at release, scanned, delivered on time;
    - a1, a2 shipped 4 h after release; a1 scanned at once and delivered on time; a2 scanned
      after the ready-to-ship deadline and delivered after its delivery SLA; a3 shipped an
      hour after its deadline (late), delivered on time; a4 never shipped: late, then
      cancelled by the platform (no shipment arranged in time: the seller's fault);
    - c1 cancelled by the buyer in the remorse window;
    - b1, b2 shipped an hour after release; b1 scanned and delivered, b2 never scanned (its
      scan deadline has passed); b3 cancelled by the buyer."""
    admin, t0 = world.admin, start()
    set_stock(client, world.shop_a, world.shop_a.sku_id, 50)
    parcels = Parcels(client, world)

    (z1,) = place(client, world, 1)
    release(client, admin)
    parcels.ship(z1)
    advance_to(client, admin, t0 + D)
    parcels.scan("DELIVERED", z1)

    a0 = t0 + 40 * D
    advance_to(client, admin, a0)
    a1, a2, a3, a4 = place(client, world, 4)
    release(client, admin)
    advance_to(client, admin, a0 + 5 * H)
    parcels.ship(a1)
    parcels.ship(a2, scan=False)
    advance_to(client, admin, a0 + D)
    parcels.scan("DELIVERED", a1)
    rts_a = sla(client, world, a3, "rts_sla_time")
    advance_to(client, admin, rts_a + H)
    parcels.ship(a3)
    parcels.scan("PICKED_UP", a2)
    advance_to(client, admin, rts_a + D)
    parcels.scan("DELIVERED", a3)
    advance_to(client, admin, sla(client, world, a2, "delivery_sla_time") + H)
    parcels.scan("DELIVERED", a2)

    advance_to(client, admin, a0 + 13 * D)
    (c1,) = place(client, world, 1)
    ok(cancel(client, world.buyer, c1))
    order_a4 = get_order(client, world.seller_a, a4)
    assert (order_a4["status"], order_a4["cancelled_by"], order_a4["late_dispatch"]) == (
        "CANCELLED",
        "SYSTEM",
        True,
    )
    assert order_a4["cancel_reason"] == "no shipment arranged in time"

    b0 = a0 + 20 * D
    advance_to(client, admin, b0)
    b1, b2, b3 = place(client, world, 3)
    ok(cancel(client, world.buyer, b3))
    release(client, admin)
    advance_to(client, admin, b0 + 2 * H)
    parcels.ship(b1)
    parcels.ship(b2, scan=False)
    advance_to(client, admin, b0 + D)
    parcels.scan("DELIVERED", b1)
    reading = b0 + 3 * D
    advance_to(client, admin, reading)

    statuses = {o: get_order(client, world.seller_a, o)["status"] for o in (a1, a2, a3, b1, b2)}
    assert statuses == {
        a1: "DELIVERED",
        a2: "DELIVERED",
        a3: "DELIVERED",
        b1: "DELIVERED",
        b2: "AWAITING_COLLECTION",
    }
    perf = performance(client, world)
    assert parse_time(perf["as_of"]) == reading
    by_days = windows(perf)
    assert sorted(by_days) == [7, 30, 90]
    assert {d: parse_time(w["start"]) for d, w in by_days.items()} == {
        d: reading - d * D for d in (7, 30, 90)
    }
    assert {d: w["orders"] for d, w in by_days.items()} == {7: 3, 30: 8, 90: 9}

    a3_hours = (rts_a - a0) / H  # released at a0 + 1 h, shipped at its deadline + 1 h
    assert fractions(by_days[7]) == {
        LATE: (0, 2),  # b1, b2 shipped before their deadline
        TRACKING: (1, 2),  # b2 never scanned
        ON_TIME: (1, 1),
        FAULT: (0, 3),  # b3 was the buyer's cancellation
        PROCESSING: (2.0, 2),
        CHAT: (0.0, 0),
    }
    assert fractions(by_days[30]) == {
        LATE: (2, 6),  # a3 shipped late, a4 never shipped
        TRACKING: (4, 5),  # a2 scanned late but delivered: valid
        ON_TIME: (3, 4),  # a2 delivered late
        FAULT: (1, 8),  # a4; c1 (10 days old) counts here, not in 7 days
        PROCESSING: (pytest.approx(10 + a3_hours, abs=0.01), 5),
        CHAT: (0.0, 0),
    }
    assert fractions(by_days[90]) == {
        LATE: (2, 7),
        TRACKING: (5, 6),
        ON_TIME: (4, 5),
        FAULT: (1, 9),
        PROCESSING: (pytest.approx(10 + a3_hours, abs=0.01), 6),
        CHAT: (0.0, 0),
    }
    seven, thirty = by_days[7]["metrics"], by_days[30]["metrics"]
    assert seven[LATE] == {
        "value": 0.0,
        "numerator": 0,
        "denominator": 2,
        "target": 0.04,
        "bound": "max",
        "met": True,
    }
    assert (seven[TRACKING]["value"], seven[TRACKING]["met"]) == (0.5, False)
    assert (seven[PROCESSING]["value"], seven[PROCESSING]["target"]) == (1.0, 48)
    assert thirty[LATE]["value"] == pytest.approx(1 / 3)
    assert thirty[FAULT]["value"] == pytest.approx(0.125)
    assert thirty[PROCESSING]["value"] == pytest.approx((10 + a3_hours) / 5, abs=0.01)
    assert [name for name, m in thirty.items() if not m["met"]] == [LATE, TRACKING, ON_TIME, FAULT]
    # Fewer than 10 orders in every review window: never judged, nothing recorded.
    assert not any(w["judged"] for w in perf["windows"])
    assert all(w["breaches"] == [] for w in perf["windows"])
    assert (perf["standing"], perf["breach_count"], perf["history"]) == ("GOOD", 0, [])
    assert parse_time(perf["next_review_at"]) == next_review_at(reading)


def request_cancel(client: TestClient, world: World, order_id: str) -> str:
    """The buyer asks to cancel an order waiting to ship; the pending request's id."""
    url = f"{API}/orders/{order_id}/cancellations"
    body = ok(
        client.post(url, json={"reason": "found it cheaper"}, headers=world.buyer.headers), 201
    )
    assert body["cancel_status"] == "CANCELLATION_REQUEST_PENDING"
    return str(body["cancel_id"])


def answer(client: TestClient, world: World, cancel_id: str, verb: str, **body: str) -> None:
    url = f"{API}/cancellations/{cancel_id}/{verb}"
    ok(client.post(url, json=body, headers=world.seller_a.headers))


def test_buyer_requested_cancellations_are_not_the_sellers_lateness(
    client: TestClient, world: World
) -> None:
    """Five orders released together (same ready-to-ship deadline ``rts``):

    - r1: the buyer asks to cancel an hour before ``rts``; marked late at ``rts``; the
      request is auto-approved 48 h after it: not judged, not the seller's fault;
    - r2: asked an hour before ``rts``, approved by the seller after ``rts``: not judged;
    - r3: asked an hour after ``rts`` (already late), auto-approved: judged late;
    - r4: asked an hour before ``rts``; the seller rejects it and ships after ``rts``:
      judged late (not judged while the request was pending);
    - r5: shipped before ``rts``: judged on time."""
    parcels = Parcels(client, world)
    r1, r2, r3, r4, r5 = place(client, world, 5)
    release(client, world.admin)
    parcels.ship(r5)
    rts = sla(client, world, r1, "rts_sla_time")
    assert {sla(client, world, o, "rts_sla_time") for o in (r2, r3, r4, r5)} == {rts}
    advance_to(client, world.admin, rts - H)
    asked = {o: request_cancel(client, world, o) for o in (r1, r2, r4)}
    advance_to(client, world.admin, rts + H)
    marked = {o: get_order(client, world.seller_a, o)["late_dispatch"] for o in (r1, r2, r3, r4)}
    assert marked == {r1: True, r2: True, r3: True, r4: True}
    # While r1, r2 and r4 wait for the seller's answer, only r3 is judged late.
    assert fractions(windows(performance(client, world))[7])[LATE] == (1, 2)

    answer(client, world, asked[r2], "approve")
    answer(client, world, asked[r4], "reject", reject_reason="already packed")
    request_cancel(client, world, r3)
    parcels.ship(r4)
    advance_to(client, world.admin, rts + 50 * H)  # r1's and r3's requests auto-approved
    orders = {o: get_order(client, world.seller_a, o) for o in (r1, r2, r3, r4)}
    assert {o: (v["status"], v["cancelled_by"]) for o, v in orders.items()} == {
        r1: ("CANCELLED", "BUYER"),
        r2: ("CANCELLED", "BUYER"),
        r3: ("CANCELLED", "BUYER"),
        r4: ("IN_TRANSIT", None),
    }
    seven = fractions(windows(performance(client, world))[7])
    assert seven[LATE] == (2, 3)  # r3 and r4 late, r5 on time; r1 and r2 not judged
    assert seven[FAULT] == (0, 5)  # every cancellation was the buyer's


def test_a_new_shop_has_nothing_to_judge(client: TestClient, world: World) -> None:
    perf = performance(client, world)
    assert perf["next_review_at"] is None  # no order yet: not reviewed
    for window in perf["windows"]:
        assert window["orders"] == 0
        assert all(m["value"] is None and m["met"] for m in window["metrics"].values())
        assert {m["denominator"] for m in window["metrics"].values()} == {0}


def test_review_timer_armed_once_per_shop_and_rearmed_daily(
    client: TestClient, db: Database, world: World
) -> None:
    first = next_review_at(start())
    assert first == (start() + D).replace(hour=0)
    place(client, world, 2)
    assert parse_time(performance(client, world)["next_review_at"]) == first
    advance_to(client, world.admin, first + H)
    assert parse_time(performance(client, world)["next_review_at"]) == first + D
    place(client, world, 1)  # a later order leaves the due time alone
    assert parse_time(performance(client, world)["next_review_at"]) == first + D

    # A shop from before reviews existed (no timer) is scheduled by its next order.
    with db.unit_of_work() as session:
        session.execute(delete(Timer).where(Timer.kind == "SHOP_REVIEW"))
    assert performance(client, world)["next_review_at"] is None
    place(client, world, 1)
    assert parse_time(performance(client, world)["next_review_at"]) == first + D
    with db.unit_of_work(write=False) as session:
        kinds = session.scalars(select(Timer.kind).where(Timer.subject_id == world.shop_a.id))
        assert list(kinds) == ["SHOP_REVIEW"]


# --- reviews and standing -------------------------------------------------------------------


def ten_orders_one_unshipped(client: TestClient, world: World, parcels: Parcels) -> list[str]:
    """Ten orders: nine shipped and scanned at release, the tenth left unshipped."""
    set_stock(client, world.shop_a, world.shop_a.sku_id, 50)
    orders = place(client, world, 10)
    release(client, world.admin)
    parcels.ship(*orders[:9])
    return orders


def late_batch(client: TestClient, world: World, parcels: Parcels) -> datetime:
    """Ten more orders: nine shipped and scanned at release, the tenth shipped an hour after
    its ready-to-ship deadline (late, but never cancelled); that deadline."""
    orders = place(client, world, 10)
    release(client, world.admin)
    parcels.ship(*orders[:9])
    deadline = sla(client, world, orders[9], "rts_sla_time")
    advance_to(client, world.admin, deadline + H)
    parcels.ship(orders[9])
    return deadline


def missed(perf: dict[str, Any]) -> list[str]:
    """The targets the 30-day window misses now (it must be judged)."""
    thirty = windows(perf)[30]
    assert thirty["judged"]
    breaches: list[str] = thirty["breaches"]
    return breaches


def test_a_breach_counts_once_per_review_window(client: TestClient, world: World) -> None:
    """One late order is one breach while it stays in the window, however many daily reviews
    see it; the shop is RESTRICTED only when it still fails 30 days later, over orders the
    first breach did not judge; after a recovery the next miss counts at once."""
    admin = world.admin
    parcels = Parcels(client, world)
    orders = ten_orders_one_unshipped(client, world, parcels)
    deadline = sla(client, world, orders[9], "rts_sla_time")
    advance_to(client, admin, deadline - H)  # reviews before the deadline: every target met
    assert standing(client, world) == ("GOOD", 0)
    assert performance(client, world)["history"] == []

    first = next_review_at(deadline)
    advance_to(client, admin, first)
    perf = performance(client, world)
    assert (perf["standing"], perf["breach_count"]) == ("WARNING", 1)
    assert history(perf) == [("REVIEW", "GOOD", "WARNING", [LATE])]
    assert perf["history"][0]["note"] == "breach 1: late_dispatch_rate 0.1 > 0.04"

    # (1) The next daily reviews still see the miss (days 1-3 took the shop to SUSPENDED
    # before), and count nothing: same standing, same count, no event.
    for day in (1, 2, 3, 4):
        advance_to(client, admin, first + day * D)
        perf = performance(client, world)
        assert missed(perf) == [LATE], day
        assert (perf["standing"], perf["breach_count"], len(perf["history"])) == (
            "WARNING",
            1,
            1,
        ), day

    # (2) Still failing in the next window: ten new orders, one shipped late.
    advance_to(client, admin, first + 20 * D)
    late_batch(client, world, parcels)
    advance_to(client, admin, first + 30 * D - H)  # the last review inside the period
    perf = performance(client, world)
    assert LATE in missed(perf)  # (the unshipped order was cancelled meanwhile: FAULT too)
    assert (perf["standing"], perf["breach_count"], len(perf["history"])) == ("WARNING", 1, 1)

    second = first + 30 * D  # the first breach is review_window_days old: a new window
    advance_to(client, admin, second)
    perf = performance(client, world)
    assert (perf["standing"], perf["breach_count"]) == ("RESTRICTED", 2)
    assert parse_time(perf["standing_changed_at"]) == second
    assert history(perf) == [
        ("REVIEW", "WARNING", "RESTRICTED", [LATE]),
        ("REVIEW", "GOOD", "WARNING", [LATE]),
    ]
    newest = perf["history"][0]
    assert parse_time(newest["created_at"]) == second
    assert newest["window_days"] == 30
    assert newest["metrics"]["orders"] == 10  # only the new orders: the windows do not overlap
    assert (newest["metrics"][LATE]["numerator"], newest["metrics"][LATE]["denominator"]) == (
        1,
        10,
    )
    assert newest["note"] == "breach 2: late_dispatch_rate 0.1 > 0.04"
    assert len(performance(client, world, history_limit=1)["history"]) == 1
    advance_to(client, admin, second + D)  # a new period: the same miss counts nothing
    assert (standing(client, world), len(performance(client, world)["history"])) == (
        ("RESTRICTED", 2),
        2,
    )

    # (3) Sixteen orders shipped at once: 1 late in 26 is under 4%, the shop has recovered
    # (recorded, though RESTRICTED stays until an admin lifts it).
    more = place(client, world, 16)
    release(client, admin)
    parcels.ship(*more)
    recovered = second + 2 * D
    advance_to(client, admin, recovered)
    perf = performance(client, world)
    assert missed(perf) == []
    assert (perf["standing"], perf["breach_count"]) == ("RESTRICTED", 2)
    assert history(perf)[0] == ("REVIEW", "RESTRICTED", "RESTRICTED", [])
    assert perf["history"][0]["note"] == "every target met"
    assert parse_time(perf["standing_changed_at"]) == second
    advance_to(client, admin, recovered + D)  # clean again: nothing more recorded
    assert len(performance(client, world)["history"]) == 3

    # A new miss (2 late in 27) days after the recovery counts at once, though the last
    # breach is far from 30 days old.
    (relapse,) = place(client, world, 1)
    release(client, admin)
    third = next_review_at(sla(client, world, relapse, "rts_sla_time"))
    assert third - second < 30 * D
    advance_to(client, admin, third)
    perf = performance(client, world)
    assert (perf["standing"], perf["breach_count"]) == ("RESTRICTED", 3)
    assert history(perf)[:2] == [
        ("REVIEW", "RESTRICTED", "RESTRICTED", [LATE]),
        ("REVIEW", "RESTRICTED", "RESTRICTED", []),
    ]
    assert perf["history"][0]["note"].startswith("breach 3: late_dispatch_rate 0.07")
    assert parse_time(perf["history"][0]["created_at"]) == third
    advance_to(client, admin, third + D)
    assert len(performance(client, world)["history"]) == 4


def test_an_admin_decision_restarts_the_breach_period(client: TestClient, world: World) -> None:
    """An admin lifting a warning inside a breach period: the same failing performance is not
    counted again until a window wholly after the decision, review_window_days later."""
    admin = world.admin
    parcels = Parcels(client, world)
    orders = ten_orders_one_unshipped(client, world, parcels)
    first = next_review_at(sla(client, world, orders[9], "rts_sla_time"))
    advance_to(client, admin, first)
    assert standing(client, world) == ("WARNING", 1)
    decided = first + 10 * D
    advance_to(client, admin, decided)
    set_standing(client, world, "GOOD", breach_count=0)

    advance_to(client, admin, first + 20 * D)
    late_batch(client, world, parcels)
    # 30 days after the breach, still failing: not counted, the admin decided 20 days ago.
    advance_to(client, admin, first + 30 * D)
    perf = performance(client, world)
    assert missed(perf) == [LATE]
    assert (perf["standing"], perf["breach_count"]) == ("GOOD", 0)
    assert history(perf) == [
        ("ADMIN", "WARNING", "GOOD", []),
        ("REVIEW", "GOOD", "WARNING", [LATE]),
    ]
    advance_to(client, admin, decided + 30 * D - H)
    assert (standing(client, world), len(performance(client, world)["history"])) == (
        ("GOOD", 0),
        2,
    )

    advance_to(client, admin, decided + 30 * D)  # a window wholly after the decision
    perf = performance(client, world)
    assert (perf["standing"], perf["breach_count"]) == ("WARNING", 1)
    assert history(perf)[0] == ("REVIEW", "GOOD", "WARNING", [LATE])
    assert perf["history"][0]["note"] == "breach 1: late_dispatch_rate 0.1 > 0.04"


def test_a_clean_review_returns_a_warned_shop_to_good(client: TestClient, world: World) -> None:
    admin = world.admin
    parcels = Parcels(client, world)
    orders = ten_orders_one_unshipped(client, world, parcels)
    first_breach = next_review_at(sla(client, world, orders[9], "rts_sla_time"))
    advance_to(client, admin, first_breach)
    assert standing(client, world) == ("WARNING", 1)

    # The late order ships and 16 more ship at once: 1 late in 26 is under 4%.
    more = place(client, world, 16)
    release(client, admin)
    parcels.ship(orders[9], *more)
    advance_to(client, admin, first_breach + D)
    perf = performance(client, world)
    assert (perf["standing"], perf["breach_count"]) == ("GOOD", 1)
    assert history(perf) == [
        ("REVIEW", "WARNING", "GOOD", []),
        ("REVIEW", "GOOD", "WARNING", [LATE]),
    ]
    assert perf["history"][0]["note"] == "every target met"
    assert perf["history"][0]["metrics"][LATE]["numerator"] == 1
    assert perf["history"][0]["metrics"][LATE]["denominator"] == 26
    advance_to(client, admin, first_breach + 2 * D)  # clean again: nothing more recorded
    assert len(performance(client, world)["history"]) == 2


def test_restricted_and_suspended_shops_create_no_discounts(
    client: TestClient, db: Database, world: World
) -> None:
    url = f"{API}/skus/{world.shop_a.sku_id}/discounts"
    body = {
        "discount_amount": 100,
        "starts_at": "2020-01-01T00:00:00Z",
        "ends_at": "2099-01-01T00:00:00Z",
    }
    for value in ("RESTRICTED", "SUSPENDED"):
        set_standing(client, world, value)
        before = snapshot(db, SkuDiscount)
        for actor in (world.seller_a, world.admin):
            body_out = refused(
                client.post(url, json=body, headers=actor.headers), 409, "shop_restricted"
            )
            assert body_out["shop_id"] == str(world.shop_a.id)
            assert body_out["standing"] == value
        assert snapshot(db, SkuDiscount) == before
    set_standing(client, world, "WARNING")  # a warning forbids nothing
    ok(client.post(url, json=body, headers=world.seller_a.headers), 201)
    set_standing(client, world, "GOOD")
    ok(client.post(url, json=body, headers=world.seller_a.headers), 201)
    # Shop B is not affected by shop A's standing.
    other = f"{API}/skus/{world.shop_b.sku_id}/discounts"
    set_standing(client, world, "SUSPENDED")
    ok(client.post(other, json=body, headers=world.seller_b.headers), 201)


def test_a_suspended_shop_sells_nothing(client: TestClient, db: Database, world: World) -> None:
    buyer, a, b = world.buyer, world.shop_a.sku_id, world.shop_b.sku_id
    paid_orders(client, buyer, {b: 1})  # the buyer's card, and an order of shop B
    set_standing(client, world, "SUSPENDED")
    tables = (Order, Payment, StockLevel, CartItem, SkuDiscount)
    before, taken = snapshot(db, *tables), charged(client)
    for items in ({a: 1}, {a: 1, b: 2}):
        for response in (quote(client, buyer, items), post_checkout(client, buyer, items)):
            problem = refused(response, 409, "shop_suspended")
            assert problem["shop_id"] == str(world.shop_a.id)
            assert problem["shop_name"] == "ShopA"
            assert "ShopA" in problem["detail"]
    assert snapshot(db, *tables) == before
    assert charged(client) == taken
    ok(quote(client, buyer, {b: 1}))  # the other shop still sells

    set_standing(client, world, "GOOD")
    (order,) = paid_orders(client, buyer, {a: 1})
    assert order["shop_id"] == str(world.shop_a.id)


def test_admin_sets_and_lifts_standing(client: TestClient, world: World) -> None:
    lifted = set_standing(client, world, "SUSPENDED", breach_count=4)
    assert (lifted["standing"], lifted["breach_count"]) == ("SUSPENDED", 4)
    changed_at = parse_time(lifted["standing_changed_at"])
    assert changed_at == now()
    advance_to(client, world.admin, now() + H)
    out = set_standing(client, world, "GOOD", breach_count=0)
    assert (out["standing"], out["breach_count"]) == ("GOOD", 0)
    assert parse_time(out["standing_changed_at"]) == changed_at + H
    event = out["event"]
    assert (event["kind"], event["window_days"], event["from_standing"]) == (
        "ADMIN",
        None,
        "SUSPENDED",
    )
    assert event["note"] == "admin: good"
    assert event["metrics"] == {"set_by": str(world.admin.id), "breach_count": 0}
    # The same standing again is recorded too (the admin's note), without a change of time.
    again = set_standing(client, world, "GOOD")
    assert parse_time(again["standing_changed_at"]) == changed_at + H
    perf = performance(client, world)
    assert history(perf) == [
        ("ADMIN", "GOOD", "GOOD", []),
        ("ADMIN", "SUSPENDED", "GOOD", []),
        ("ADMIN", "GOOD", "SUSPENDED", []),
    ]
    assert [e["id"] for e in perf["history"]][1] == event["id"]

    url = f"{API}/shops/{world.shop_a.id}/standing"
    for bad in (
        {"standing": "BANNED", "note": "x"},
        {"standing": "GOOD"},
        {"standing": "GOOD", "note": ""},
        {"standing": "GOOD", "note": "x", "breach_count": -1},
        {"standing": "GOOD", "note": "x", "verified": True},
    ):
        refused(client.post(url, json=bad, headers=world.admin.headers), 422, "invalid_request")
    assert len(performance(client, world)["history"]) == 3


# --- who may read and set -------------------------------------------------------------------


def test_who_reads_performance_and_sets_standing(
    client: TestClient, db: Database, world: World
) -> None:
    staff = make_actor(db, Role.SELLER, "staff.a@test.dev")
    ok(
        client.post(
            f"{API}/shops/{world.shop_a.id}/members",
            json={"user_id": str(staff.id), "role": "STAFF"},
            headers=world.seller_a.headers,
        ),
        201,
    )
    callers = {**world.by_role(), "staff": staff, "anon": None}
    read_expected = {"admin": 200, "agent": 200, "supervisor": 200, "seller": 200, "staff": 200}
    set_expected = {"admin": 200}
    for name, actor in callers.items():
        headers = actor.headers if actor else {}
        for shop, own in ((world.shop_a, True), (world.shop_b, False)):
            read = client.get(f"{API}/shops/{shop.id}/performance", headers=headers)
            body = {"standing": "WARNING", "note": "check"}
            write = client.post(f"{API}/shops/{shop.id}/standing", json=body, headers=headers)
            seller_like = name in ("seller", "staff")
            want_read = 401 if actor is None else read_expected.get(name, 403)
            want_set = 401 if actor is None else set_expected.get(name, 403)
            if seller_like and not own:
                want_read = want_set = 404
            assert read.status_code == want_read, (name, own, read.text)
            assert write.status_code == want_set, (name, own, write.text)
    with db.unit_of_work(write=False) as session:
        standings = {
            row.id: row.standing for row in session.execute(select(Shop.id, Shop.standing))
        }
    assert standings == {world.shop_a.id: "WARNING", world.shop_b.id: "WARNING"}
