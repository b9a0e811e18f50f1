"""Packages through the HTTP API: split and combined shipments, ship by seller (providers
allowed per delivery option, check-digit tracking numbers, one correction within 72 h) and
platform shipping (pickup in an offered slot, or drop-off); nothing ships while ON_HOLD.

Status moves that need the carrier come through the signed webhook (ship-by-seller packages
use the ``never_collected`` scenario so the simulated carrier stays silent) or, where the
simulated carrier is the point, through the sandbox clock."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient

from clipshop.core.db import Database
from clipshop.fulfillment.providers import luhn_valid
from clipshop.identity.principal import Role
from clipshop.models import Package, SimCarrierStep
from tests.conftest import World, make_actor, problem_code
from tests.fulfillment_support import (
    bad_tracking_number,
    carrier_event,
    day,
    frozen_clock,  # noqa: F401  (fixture)
    package,
    paid_orders,
    post_package,
    ready_order,
    release,
    send,
    ship,
    start,
    status,
    status_moves,
    tracking_number,
    tracking_view,
    z,
)
from tests.integration.checkout_api import API, address, advance, cancel, count, get_order, ok

pytestmark = pytest.mark.usefixtures("frozen_clock")

SX1 = tracking_number("SX", "1000000001")
SX2 = tracking_number("SX", "1000000002")
SX3 = tracking_number("SX", "1000000003")
SP1 = tracking_number("SP", "2000000001")


def t0() -> datetime:
    """When the orders leave the remorse window (and the packages are made)."""
    return start() + timedelta(hours=1)


def test_split_shipment_moves_the_order_through_partially_shipping(
    client: TestClient, db: Database, world: World
) -> None:
    seller = world.seller_a
    order = ready_order(client, world.buyer, world.admin, {world.shop_a.sku_id: 3})
    oid = order["id"]
    first, second, third = (line["id"] for line in order["line_items"])

    p1 = ship(client, seller, [oid], SX1, line_item_ids=[first])
    assert p1["order_ids"] == [oid]
    assert p1["line_item_ids"] == [first]
    assert p1["status"] == "PROCESSING"
    assert p1["shipping_type"] == "SELLER"
    assert p1["provider_code"] == "SIMEX"
    assert p1["tracking_number"] == SX1
    assert p1["handover_method"] is None
    assert p1["events"] == []
    assert day(p1["estimated_delivery"]) == (t0() + timedelta(days=7)).date()
    assert status(client, world.buyer, oid) == "PARTIALLY_SHIPPING"

    # Two more items in a second package, another provider: every item is now arranged.
    p2 = ship(client, seller, [oid], SP1, provider="SIMPOST", line_item_ids=[third, second])
    assert p2["line_item_ids"] == [second, third]
    assert p2["provider_code"] == "SIMPOST"
    fresh = get_order(client, world.buyer, oid)
    assert fresh["status"] == "AWAITING_COLLECTION"
    assert {line["status"] for line in fresh["line_items"]} == {"AWAITING_COLLECTION"}
    assert status_moves(fresh) == [
        ("SELLER", "AWAITING_SHIPMENT", "PARTIALLY_SHIPPING"),
        ("SELLER", "PARTIALLY_SHIPPING", "AWAITING_COLLECTION"),
    ]
    created = [e for e in fresh["timeline"] if e["kind"] == "PACKAGE_CREATED"]
    assert [(e["actor_type"], e["actor_id"], e["reason"]) for e in created] == [
        ("SELLER", str(seller.id), f"package {p1['id']}: Simulated Express {SX1}"),
        ("SELLER", str(seller.id), f"package {p2['id']}: Simulated Post {SP1}"),
    ]
    moves = [e for e in fresh["timeline"] if e["kind"] == "STATUS_CHANGED"][-2:]
    assert [e["actor_id"] for e in moves] == [str(seller.id)] * 2

    # Nothing left to ship.
    again = post_package(
        client,
        seller,
        order_ids=[oid],
        provider_code="SIMEX",
        tracking_number=SX2,
    )
    assert again.status_code == 409
    assert problem_code(again) == "order_not_shippable"
    view = tracking_view(client, world.buyer, oid)
    assert [p["id"] for p in view["packages"]] == [p1["id"], p2["id"]]
    assert count(db, Package) == 2


def test_split_refuses_items_already_packed_or_of_another_order(
    client: TestClient, db: Database, world: World
) -> None:
    seller = world.seller_a
    (order, other) = [
        ready_order(client, world.buyer, world.admin, {world.shop_a.sku_id: 2}) for _ in range(2)
    ]
    first, second = (line["id"] for line in order["line_items"])
    ship(client, seller, [order["id"]], SX1, line_item_ids=[first])

    foreign_line = other["line_items"][0]["id"]
    for lines, wrong in (
        ([first], first),
        ([second, first], first),
        ([foreign_line], foreign_line),
        (["12345"], "12345"),
    ):
        response = post_package(
            client,
            seller,
            order_ids=[order["id"]],
            provider_code="SIMEX",
            tracking_number=SX2,
            line_item_ids=lines,
        )
        assert response.status_code == 409, lines
        assert problem_code(response) == "line_items_not_shippable"
        assert response.json()["line_item_id"] == wrong
    assert count(db, Package) == 1
    assert status(client, world.buyer, order["id"]) == "PARTIALLY_SHIPPING"
    assert status(client, world.buyer, other["id"]) == "AWAITING_SHIPMENT"

    # The same item twice in one request is shipped once.
    p2 = ship(client, seller, [order["id"]], SX2, line_item_ids=[second, second])
    assert p2["line_item_ids"] == [second]
    assert status(client, world.buyer, order["id"]) == "AWAITING_COLLECTION"


def test_two_orders_of_one_buyer_share_a_package(
    client: TestClient, db: Database, world: World
) -> None:
    buyer, seller = world.buyer, world.seller_a
    (one,) = paid_orders(client, buyer, {world.shop_a.sku_id: 1})
    (two,) = paid_orders(client, buyer, {world.shop_a.sku_id: 2})
    release(client, world.admin)

    shared = ship(client, seller, [two["id"], one["id"]], SX1)
    assert shared["order_ids"] == sorted([one["id"], two["id"]])
    lines = [line["id"] for o in (one, two) for line in o["line_items"]]
    assert shared["line_item_ids"] == sorted(lines, key=int)
    assert count(db, Package) == 1
    for order in (one, two):
        fresh = get_order(client, buyer, order["id"])
        assert fresh["status"] == "AWAITING_COLLECTION"
        assert status_moves(fresh) == [("SELLER", "AWAITING_SHIPMENT", "AWAITING_COLLECTION")]
        assert [e["reason"] for e in fresh["timeline"] if e["kind"] == "PACKAGE_CREATED"] == [
            f"package {shared['id']}: Simulated Express {SX1}"
        ]

    # One carrier scan moves both orders; so does the delivery.
    at = t0()
    send(client, "SIMEX", carrier_event("c-1", SX1, "PICKED_UP", at + timedelta(hours=2)))
    assert [status(client, buyer, o["id"]) for o in (one, two)] == ["IN_TRANSIT"] * 2
    send(client, "SIMEX", carrier_event("c-2", SX1, "DELIVERED", at + timedelta(days=3)))
    for order in (one, two):
        fresh = get_order(client, buyer, order["id"])
        assert fresh["status"] == "DELIVERED"
        assert status_moves(fresh)[1:] == [
            ("CARRIER", "AWAITING_COLLECTION", "IN_TRANSIT"),
            ("CARRIER", "IN_TRANSIT", "DELIVERED"),
        ]
        view = tracking_view(client, buyer, order["id"])
        assert [(p["id"], p["status"]) for p in view["packages"]] == [(shared["id"], "COMPLETED")]


def test_orders_of_another_buyer_address_or_shop_are_not_combined(
    client: TestClient, db: Database, world: World
) -> None:
    seller = world.seller_a
    other_buyer = make_actor(db, Role.BUYER, "other.buyer@test.dev")
    (mine,) = paid_orders(client, world.buyer, {world.shop_a.sku_id: 1})
    (elsewhere,) = paid_orders(
        client, world.buyer, {world.shop_a.sku_id: 1}, shipping_address=address(postal_code="62703")
    )
    (theirs,) = paid_orders(client, other_buyer, {world.shop_a.sku_id: 1})
    (other_shop,) = paid_orders(client, world.buyer, {world.shop_b.sku_id: 1})
    release(client, world.admin)

    for actor, partner in (
        (seller, theirs),
        (seller, elsewhere),
        (world.admin, other_shop),  # the admin sees both shops; they still do not combine
    ):
        response = post_package(
            client,
            actor,
            order_ids=[mine["id"], partner["id"]],
            provider_code="SIMEX",
            tracking_number=SX1,
        )
        assert response.status_code == 409, partner
        assert problem_code(response) == "orders_not_combinable"
    # Seller A does not see shop B's order at all.
    response = post_package(
        client,
        seller,
        order_ids=[mine["id"], other_shop["id"]],
        provider_code="SIMEX",
        tracking_number=SX1,
    )
    assert response.status_code == 404
    assert problem_code(response) == "not_found"

    assert count(db, Package) == 0
    for order in (mine, elsewhere, theirs, other_shop):
        assert status(client, world.admin, order["id"]) == "AWAITING_SHIPMENT"
        assert [e["kind"] for e in get_order(client, world.admin, order["id"])["timeline"]] == [
            "ORDER_PLACED",
            "STATUS_CHANGED",
            "STATUS_CHANGED",
        ]


def test_nothing_ships_while_on_hold(client: TestClient, db: Database, world: World) -> None:
    seller = world.seller_a
    (held,) = paid_orders(client, world.buyer, {world.shop_a.sku_id: 1})
    platform = {"shipping_type": "PLATFORM", "handover_method": "DROP_OFF"}
    for body in ({"tracking_number": SX1}, platform):
        response = post_package(
            client, seller, order_ids=[held["id"]], provider_code="SIMEX", **body
        )
        assert response.status_code == 409
        assert problem_code(response) == "order_on_hold"
        assert response.json()["order_id"] == held["id"]
    assert count(db, Package) == 0
    assert status(client, world.buyer, held["id"]) == "ON_HOLD"

    # Combined with a ready order: still refused, and the ready order is untouched.
    release(client, world.admin)
    (fresh_hold,) = paid_orders(client, world.buyer, {world.shop_a.sku_id: 1})
    response = post_package(
        client,
        seller,
        order_ids=[held["id"], fresh_hold["id"]],
        provider_code="SIMEX",
        tracking_number=SX1,
    )
    assert response.status_code == 409
    assert problem_code(response) == "order_on_hold"
    assert response.json()["order_id"] == fresh_hold["id"]
    assert count(db, Package) == 0
    assert status(client, world.buyer, held["id"]) == "AWAITING_SHIPMENT"

    # Out of the window, it ships with the same tracking number.
    assert ship(client, seller, [held["id"]], SX1)["tracking_number"] == SX1

    # A cancelled order does not ship either.
    assert cancel(client, world.buyer, fresh_hold["id"]).status_code == 200
    response = post_package(
        client, seller, order_ids=[fresh_hold["id"]], provider_code="SIMEX", tracking_number=SX2
    )
    assert response.status_code == 409
    assert problem_code(response) == "order_not_shippable"
    assert count(db, Package) == 1


def test_only_the_shops_seller_ships_its_orders(
    client: TestClient, db: Database, world: World
) -> None:
    order = ready_order(client, world.buyer, world.admin, {world.shop_a.sku_id: 1})
    body = {"order_ids": [order["id"]], "provider_code": "SIMEX", "tracking_number": SX1}

    foreign = post_package(client, world.seller_b, **body)
    assert foreign.status_code == 404
    assert problem_code(foreign) == "not_found"
    by_buyer = post_package(client, world.buyer, **body)
    assert by_buyer.status_code == 403
    assert problem_code(by_buyer) == "forbidden"
    assert count(db, Package) == 0
    assert status(client, world.buyer, order["id"]) == "AWAITING_SHIPMENT"

    mine = ship(client, world.seller_a, [order["id"]], SX1)
    for outsider in (world.seller_b, make_actor(db, Role.BUYER, "nosy@test.dev")):
        got = client.get(f"{API}/packages/{mine['id']}", headers=outsider.headers)
        assert got.status_code == 404
        assert problem_code(got) == "not_found"
    assert package(client, world.buyer, mine["id"])["tracking_number"] == SX1


def test_provider_must_carry_the_orders_delivery_option(
    client: TestClient, db: Database, world: World
) -> None:
    seller, shop = world.seller_a, world.shop_a
    express = ready_order(
        client,
        world.buyer,
        world.admin,
        {shop.sku_id: 1},
        shipping_services={str(shop.id): "EXPRESS"},
    )
    assert express["shipping_service"] == "EXPRESS"
    assert express["delivery_max_days"] == 3

    for provider, number in (("SIMPOST", SP1), ("OTHER", "OTH-123456"), ("NOPE", SX1)):
        response = post_package(
            client,
            seller,
            order_ids=[express["id"]],
            provider_code=provider,
            tracking_number=number,
        )
        assert response.status_code == 422, provider
        assert problem_code(response) == "shipping_provider_not_allowed"
    assert count(db, Package) == 0
    assert status(client, world.buyer, express["id"]) == "AWAITING_SHIPMENT"

    shipped = ship(client, seller, [express["id"]], SX1)
    assert shipped["shipping_service"] == "EXPRESS"
    assert shipped["provider_code"] == "SIMEX"

    # STANDARD: any of the three for ship-by-seller; OTHER sells no labels.
    standard = ready_order(client, world.buyer, world.admin, {shop.sku_id: 1})
    response = post_package(
        client,
        seller,
        order_ids=[standard["id"]],
        shipping_type="PLATFORM",
        provider_code="OTHER",
        handover_method="DROP_OFF",
    )
    assert response.status_code == 422
    assert problem_code(response) == "shipping_provider_not_allowed"
    other = ship(client, seller, [standard["id"]], " oth-123456 ", provider="OTHER", scenario=None)
    assert other["provider_code"] == "OTHER"
    assert other["tracking_number"] == "OTH-123456"
    assert status(client, world.buyer, standard["id"]) == "AWAITING_COLLECTION"


def test_tracking_numbers_have_a_check_digit_and_are_unique_per_provider(
    client: TestClient, db: Database, world: World
) -> None:
    seller = world.seller_a
    one, two, three = (
        ready_order(client, world.buyer, world.admin, {world.shop_a.sku_id: 1}) for _ in range(3)
    )
    bad = bad_tracking_number("SX", "1000000001")
    for number in (bad, SP1, "SX123", SX1 + "0", "hello"):
        response = post_package(
            client, seller, order_ids=[one["id"]], provider_code="SIMEX", tracking_number=number
        )
        assert response.status_code == 422, number
        assert problem_code(response) == "invalid_tracking_number"
    assert count(db, Package) == 0

    # Lowercase with blanks is the same number.
    assert ship(client, seller, [one["id"]], f"  {SX1.lower()} ")["tracking_number"] == SX1
    taken = post_package(
        client, seller, order_ids=[two["id"]], provider_code="SIMEX", tracking_number=SX1
    )
    assert taken.status_code == 409
    assert problem_code(taken) == "tracking_number_taken"
    assert count(db, Package) == 1
    assert status(client, world.buyer, two["id"]) == "AWAITING_SHIPMENT"

    # The same digits at another provider are another parcel.
    same_digits = "SP" + SX1[2:]
    assert ship(client, seller, [two["id"]], same_digits, "SIMPOST")["tracking_number"] == (
        same_digits
    )
    assert ship(client, seller, [three["id"]], SX2)["tracking_number"] == SX2
    assert count(db, Package) == 3


def test_tracking_number_is_corrected_once(client: TestClient, db: Database, world: World) -> None:
    seller = world.seller_a
    one, two = (
        ready_order(client, world.buyer, world.admin, {world.shop_a.sku_id: 1}) for _ in range(2)
    )
    p1 = ship(client, seller, [one["id"]], SX1)
    ship(client, seller, [two["id"]], SX2)
    url = f"{API}/packages/{p1['id']}/tracking"

    # Refusals do not use up the one correction.
    for body, code, http in (
        (
            {"tracking_number": bad_tracking_number("SX", "1000000003")},
            "invalid_tracking_number",
            422,
        ),
        ({"tracking_number": SX2}, "tracking_number_taken", 409),
        ({"tracking_number": SX3, "provider_code": "NOPE"}, "shipping_provider_not_allowed", 422),
    ):
        response = client.post(url, json=body, headers=seller.headers)
        assert response.status_code == http, body
        assert problem_code(response) == code
        assert package(client, seller, p1["id"])["tracking_number"] == SX1
    buyer_try = client.post(url, json={"tracking_number": SX3}, headers=world.buyer.headers)
    assert buyer_try.status_code == 403
    foreign = client.post(url, json={"tracking_number": SX3}, headers=world.seller_b.headers)
    assert foreign.status_code == 404

    # 71 hours later: still in time. Moving it to another provider is a correction too.
    advance(client, world.admin, hours=71)
    corrected = ok(
        client.post(
            url, json={"tracking_number": SP1, "provider_code": "SIMPOST"}, headers=seller.headers
        )
    )
    assert (corrected["provider_code"], corrected["tracking_number"]) == ("SIMPOST", SP1)
    assert corrected["status"] == "PROCESSING"

    again = client.post(url, json={"tracking_number": SX3}, headers=seller.headers)
    assert again.status_code == 409
    assert problem_code(again) == "tracking_not_editable"
    assert package(client, world.buyer, p1["id"])["tracking_number"] == SP1
    # The buyer's view shows the corrected number; the old one is free again.
    assert [
        p["tracking_number"] for p in tracking_view(client, world.buyer, one["id"])["packages"]
    ] == [SP1]
    (three,) = paid_orders(client, world.buyer, {world.shop_a.sku_id: 1})
    release(client, world.admin)
    assert ship(client, seller, [three["id"]], SX1)["tracking_number"] == SX1


def test_tracking_correction_after_72_hours_or_a_carrier_event_is_refused(
    client: TestClient, db: Database, world: World
) -> None:
    seller = world.seller_a
    one, two = (
        ready_order(client, world.buyer, world.admin, {world.shop_a.sku_id: 1}) for _ in range(2)
    )
    late = ship(client, seller, [one["id"]], SX1)
    scanned = ship(client, seller, [two["id"]], SX2)
    send(client, "SIMEX", carrier_event("s-1", SX2, "PICKED_UP", t0()))

    response = client.post(
        f"{API}/packages/{scanned['id']}/tracking",
        json={"tracking_number": SX3},
        headers=seller.headers,
    )
    assert response.status_code == 409
    assert problem_code(response) == "tracking_not_editable"
    assert package(client, seller, scanned["id"])["tracking_number"] == SX2

    advance(client, world.admin, hours=72, seconds=1)
    response = client.post(
        f"{API}/packages/{late['id']}/tracking",
        json={"tracking_number": SX3},
        headers=seller.headers,
    )
    assert response.status_code == 409
    assert problem_code(response) == "tracking_not_editable"
    assert package(client, seller, late["id"])["tracking_number"] == SX1


def test_the_simulated_carrier_reports_under_the_corrected_number(
    client: TestClient, db: Database, world: World
) -> None:
    seller = world.seller_a
    order = ready_order(client, world.buyer, world.admin, {world.shop_a.sku_id: 1})
    shipped = ship(client, seller, [order["id"]], SX1, scenario="on_time")
    ok(
        client.post(
            f"{API}/packages/{shipped['id']}/tracking",
            json={"tracking_number": SX2},
            headers=seller.headers,
        )
    )
    with db.unit_of_work(write=False) as session:
        steps = session.query(SimCarrierStep).filter_by(package_id=int(shipped["id"])).all()
        assert {s.tracking_number for s in steps} == {SX2}

    assert advance(client, world.admin, days=7)["carrier_events"] == 5
    view = tracking_view(client, world.buyer, order["id"])
    assert view["status"] == "DELIVERED"
    (only,) = view["packages"]
    assert (only["tracking_number"], only["status"]) == (SX2, "COMPLETED")
    assert only["delivered_at"] == z(t0() + timedelta(days=7))
    # The old number is nobody's parcel any more.
    (result,) = send(client, "SIMEX", carrier_event("old-1", SX1, "IN_TRANSIT", start()))
    assert result == {"event_id": "old-1", "result": "UNKNOWN_PACKAGE", "package_id": None}


def test_platform_shipping_pickup_in_an_offered_slot(
    client: TestClient, db: Database, world: World
) -> None:
    seller = world.seller_a
    order = ready_order(client, world.buyer, world.admin, {world.shop_a.sku_id: 1})
    slots = ok(client.get(f"{API}/orders/{order['id']}/handover-slots", headers=seller.headers))
    tomorrow = (start() + timedelta(days=1)).replace(hour=9)
    expected = [tomorrow + timedelta(days=d, hours=h) for d in range(3) for h in (0, 2, 4, 6)]
    assert [(s["start"], s["end"]) for s in slots] == [
        (z(begin), z(begin + timedelta(hours=2))) for begin in expected
    ]
    foreign = client.get(
        f"{API}/orders/{order['id']}/handover-slots", headers=world.seller_b.headers
    )
    assert foreign.status_code == 404

    base = {
        "order_ids": [order["id"]],
        "shipping_type": "PLATFORM",
        "provider_code": "SIMEX",
        "handover_method": "PICKUP",
        "sim_scenario": "on_time",
    }
    for given in (None, z(tomorrow + timedelta(hours=1)), z(start())):
        response = post_package(client, seller, **base, pickup_slot_start=given)
        assert response.status_code == 422, given
        assert problem_code(response) == "invalid_pickup_slot"
    with_number = post_package(client, seller, **base, tracking_number=SX1)
    assert with_number.status_code == 422
    assert problem_code(with_number) == "invalid_request"
    no_method = post_package(
        client, seller, **{**base, "handover_method": None}, pickup_slot_start=slots[5]["start"]
    )
    assert no_method.status_code == 422
    assert problem_code(no_method) == "invalid_handover"
    assert count(db, Package) == 0

    # The sixth slot, given in another offset: the same instant.
    slot = expected[5]
    label = ok(
        post_package(
            client,
            seller,
            **base,
            pickup_slot_start=slot.astimezone(timezone(timedelta(hours=2))).isoformat(),
        ),
        201,
    )
    number = label["tracking_number"]
    assert number.startswith("SX")
    assert len(number) == 13
    assert luhn_valid(number[2:])
    assert (label["shipping_type"], label["handover_method"]) == ("PLATFORM", "PICKUP")
    assert (label["pickup_slot_start"], label["pickup_slot_end"]) == (
        z(slot),
        z(slot + timedelta(hours=2)),
    )
    assert status(client, world.buyer, order["id"]) == "AWAITING_COLLECTION"
    # Platform labels are not corrected by the seller.
    response = client.post(
        f"{API}/packages/{label['id']}/tracking",
        json={"tracking_number": SX1},
        headers=seller.headers,
    )
    assert response.status_code == 409
    assert problem_code(response) == "tracking_not_editable"

    # The carrier collects 4 hours into the slot (the clock is at t0 = start + 1 h).
    until_scan = slot + timedelta(hours=4) - t0()
    assert (
        advance(client, world.admin, seconds=int(until_scan.total_seconds()) - 1)["carrier_events"]
        == 0
    )
    assert status(client, world.buyer, order["id"]) == "AWAITING_COLLECTION"
    assert advance(client, world.admin, seconds=1)["carrier_events"] == 1
    view = tracking_view(client, world.buyer, order["id"])
    assert view["status"] == "IN_TRANSIT"
    (parcel,) = view["packages"]
    assert parcel["collected_at"] == z(slot + timedelta(hours=4))
    assert [(e["kind"], e["location"]) for e in parcel["events"]] == [
        ("PICKED_UP", "Origin facility")
    ]


def test_platform_shipping_drop_off(client: TestClient, db: Database, world: World) -> None:
    seller = world.seller_a
    order = ready_order(client, world.buyer, world.admin, {world.shop_a.sku_id: 2})
    first, second = (line["id"] for line in order["line_items"])
    label = ok(
        post_package(
            client,
            seller,
            order_ids=[order["id"]],
            line_item_ids=[first],
            shipping_type="PLATFORM",
            provider_code="SIMPOST",
            handover_method="DROP_OFF",
        ),
        201,
    )
    assert label["tracking_number"].startswith("SP")
    assert luhn_valid(label["tracking_number"][2:])
    assert (label["handover_method"], label["pickup_slot_start"], label["pickup_slot_end"]) == (
        "DROP_OFF",
        None,
        None,
    )
    assert status(client, world.buyer, order["id"]) == "PARTIALLY_SHIPPING"
    ship(client, seller, [order["id"]], SX1, line_item_ids=[second])
    assert status(client, world.buyer, order["id"]) == "AWAITING_COLLECTION"

    # Dropped off now: the simulated post scans it four hours later. The seller-shipped half
    # is not collected, so the order waits.
    assert advance(client, world.admin, hours=4)["carrier_events"] == 1
    fresh = package(client, world.buyer, label["id"])
    assert fresh["status"] == "FULFILLING"
    assert fresh["collected_at"] == z(t0() + timedelta(hours=4))
    assert status(client, world.buyer, order["id"]) == "AWAITING_COLLECTION"
