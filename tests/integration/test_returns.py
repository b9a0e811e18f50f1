"""Returns and refunds end to end on SQLite and PostgreSQL: refund-only, return and refund,
a rejected package, the money (exact refunds, tax and shipping by rule, caps), the window,
calculate = what approval refunds, and refusals that change nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from clipshop.core.db import Database
from clipshop.models import Shop
from tests.conftest import World, problem_code
from tests.fulfillment_support import paid_orders, tracking_number
from tests.integration.checkout_api import API, get_order, minor, ok, parse_time, stock
from tests.integration.deadline_support import (
    D,
    Week,
    move_to,
    refunds,
    timers_of,
)
from tests.integration.returns_support import (
    act,
    calculate,
    decide,
    decide_raw,
    delivered,
    get_return,
    line_ids,
    post_return,
    record_events,
    request_return,
    return_rows,
)
from tests.integration.returns_support import minor as units
from tests.integration.test_order_changes import taxes
from tests.pdf_reading import page_texts

S = timedelta(seconds=1)
TN = tracking_number("SP", "5000000001")


def test_refund_only_request_approved_refunds_line_tax_and_shipping(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    order, _ = delivered(client, world, week)
    total = minor(order, "total_amount")
    quoted = calculate(client, world.buyer, order["id"], line_ids(order)).json()
    ret = request_return(client, world.buyer, order)
    assert ret["return_status"] == "RETURN_OR_REFUND_REQUEST_PENDING"
    assert units(ret["refund_amount"]) == units(quoted["order_refund_amount"]["refund_total"])
    approved = decide(client, world.seller_a, ret["return_id"], "APPROVE_REFUND")
    assert approved["return_status"] == "RETURN_OR_REFUND_REQUEST_COMPLETE"
    assert approved["refund_status"] == "SUCCEEDED"
    assert units(approved["refund_amount"]) == total
    assert refunds(db, order["id"]) == [(total, "SUCCEEDED")]
    fresh = get_order(client, world.buyer, order["id"])
    assert fresh["status"] == "COMPLETED"
    assert record_events(client, world.buyer, ret["return_id"]) == [
        ("REQUESTED", "BUYER", "RETURN_OR_REFUND_REQUEST_PENDING"),
        ("APPROVED", "SELLER", "RETURN_OR_REFUND_REQUEST_PENDING"),
        ("REFUNDED", "SELLER", "RETURN_OR_REFUND_REQUEST_COMPLETE"),
    ]


def restocks(client: TestClient, world: World) -> list[tuple[int, str]]:
    """(delta, note) of the SKU's RETURN_RESTOCK movements."""
    url = f"{API}/skus/{world.shop_a.sku_id}/movements"
    rows = ok(client.get(url, params={"limit": 100}, headers=world.seller_a.headers))["items"]
    return [(m["delta_available"], m["note"]) for m in rows if m["reason"] == "RETURN_RESTOCK"]


def test_goods_marked_not_resellable_or_received_by_the_deadline_stay_out_of_stock(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    """resellable: false keeps the units out (record NOT_RESTOCKED); a receipt the system
    confirms for a silent seller restocks nothing either: nobody inspected the goods."""
    order, at = delivered(client, world, week, units=2)
    first, second = line_ids(order)
    by_seller = request_return(client, world.buyer, order, "RETURN_AND_REFUND", "DAMAGED", [first])
    by_clock = request_return(client, world.buyer, order, "RETURN_AND_REFUND", "DAMAGED", [second])
    for ret in (by_seller, by_clock):
        decide(client, world.seller_a, ret["return_id"], "APPROVE_RETURN")
        ok(act(client, world.buyer, ret["return_id"], "ship"))
    before = stock(client, world.seller_a, world.shop_a.sku_id)
    done = decide(
        client, world.seller_a, by_seller["return_id"], "APPROVE_RECEIVED_PACKAGE", resellable=False
    )
    assert done["return_status"] == "RETURN_OR_REFUND_REQUEST_COMPLETE"
    assert record_events(client, world.seller_a, by_seller["return_id"])[-2][:2] == (
        "NOT_RESTOCKED",
        "SELLER",
    )
    move_to(client, world, at + 11 * D)  # RETURN_RECEIVE: refunded for the silent seller
    assert get_return(client, world.buyer, by_clock["return_id"])["return_status"] == (
        "RETURN_OR_REFUND_REQUEST_COMPLETE"
    )
    assert stock(client, world.seller_a, world.shop_a.sku_id) == before
    assert restocks(client, world) == []


def test_return_and_refund_ships_back_on_the_platform_label_and_refunds_on_receipt(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    taxes(client, world)
    order, _ = delivered(client, world, week, units=2)
    first, second = order["line_items"]
    assert (units(first["sale_price"]), units(first["tax"])) == (1000, 100)
    ret = request_return(
        client, world.buyer, order, "RETURN_AND_REFUND", "CHANGED_MIND", [first["id"]]
    )
    assert units(ret["refund_amount"]) == 1100  # the line with its tax; no shipping
    approved = decide(client, world.seller_a, ret["return_id"], "APPROVE_RETURN")
    assert approved["return_status"] == "AWAITING_BUYER_SHIP"
    assert refunds(db, order["id"]) == []
    label = client.get(f"{API}/returns/{ret['return_id']}/label", headers=world.buyer.headers)
    assert label.status_code == 200 and label.content.startswith(b"%PDF")
    shipped = ok(act(client, world.buyer, ret["return_id"], "ship"))
    assert shipped["return_status"] == "BUYER_SHIPPED_ITEM"
    assert shipped["return_provider"] == "SIMEX"
    assert shipped["return_tracking_number"] in page_texts(label.content)[0]
    before = stock(client, world.seller_a, world.shop_a.sku_id)
    done = decide(client, world.seller_a, ret["return_id"], "APPROVE_RECEIVED_PACKAGE")
    assert done["return_status"] == "RETURN_OR_REFUND_REQUEST_COMPLETE"
    # The returned unit is resellable (the default): back in available stock, one movement.
    assert stock(client, world.seller_a, world.shop_a.sku_id) == (before[0] + 1, before[1])
    assert restocks(client, world) == [
        (1, f"return {ret['return_id']}: returned goods back in stock")
    ]
    assert units(done["refund_amount"]) == 1100
    assert [units(x["refund_amount"]) for x in done["return_line_items"]] == [1100]
    assert refunds(db, order["id"]) == [(1100, "SUCCEEDED")]
    fresh = get_order(client, world.buyer, order["id"])
    assert fresh["status"] == "DELIVERED"  # the other line is still the buyer's
    assert [units(x["refunded_amount"]) for x in fresh["line_items"]] == [1100, 0]
    assert [e for e, _, _ in record_events(client, world.seller_a, ret["return_id"])] == [
        "REQUESTED",
        "APPROVED",
        "BUYER_SHIPPED",
        "APPROVED",
        "RESTOCKED",
        "REFUNDED",
    ]
    kinds = [e["kind"] for e in fresh["timeline"] if e["kind"].startswith("RETURN_")]
    assert kinds == [
        "RETURN_REQUESTED",
        "RETURN_APPROVED",
        "RETURN_BUYER_SHIPPED",
        "RETURN_APPROVED",
        "RETURN_RESTOCKED",
        "RETURN_REFUNDED",
    ]
    # The other line, damaged: now the whole order is refunded, so the shipping fee too.
    quoted = ok(calculate(client, world.buyer, order["id"], [second["id"]]))
    amounts = quoted["order_refund_amount"]
    shipping = minor(order, "shipping_fee")
    assert [units(amounts[k]) for k in ("refund_subtotal", "refund_tax")] == [1000, 100]
    assert units(amounts["refund_shipping_fee"]) == shipping
    other = request_return(client, world.buyer, order, "REFUND", "DAMAGED", [second["id"]])
    paid = decide(client, world.seller_a, other["return_id"], "APPROVE_REFUND")
    assert units(paid["refund_amount"]) == units(amounts["refund_total"]) == 1100 + shipping
    assert units(paid["refund_shipping_fee"]) == shipping
    final = get_order(client, world.buyer, order["id"])
    assert minor(final, "refunded_amount") == minor(final, "total_amount") == 2200 + shipping
    assert final["status"] == "COMPLETED"


def test_seller_rejects_the_received_package_and_nothing_is_refunded(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    order, _ = delivered(client, world, week)
    ret = request_return(client, world.buyer, order, "RETURN_AND_REFUND", "NOT_AS_DESCRIBED")
    decide(client, world.seller_a, ret["return_id"], "APPROVE_RETURN")
    ok(
        act(
            client,
            world.buyer,
            ret["return_id"],
            "ship",
            provider_code="SIMPOST",
            tracking_number=TN,
        )
    )
    rejected = ok(
        act(client, world.seller_a, ret["return_id"], "reject", reject_reason="item used")
    )
    assert rejected["return_status"] == "REJECT_RECEIVE_PACKAGE"
    assert rejected["reject_reason"] == "item used"
    assert refunds(db, order["id"]) == []
    assert timers_of(db, ret["return_id"]) == {}
    again = decide_raw(client, world.seller_a, ret["return_id"], "APPROVE_RECEIVED_PACKAGE")
    assert (again.status_code, problem_code(again)) == (409, "invalid_return_status")


def test_a_line_is_refunded_once_and_in_one_open_request_at_a_time(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    order, _ = delivered(client, world, week)
    ret = request_return(client, world.buyer, order)
    twice = post_return(client, world.buyer, order["id"], line_ids(order))
    assert (twice.status_code, problem_code(twice)) == (409, "return_already_open")
    decide(client, world.seller_a, ret["return_id"], "APPROVE_REFUND")
    before = return_rows(db)
    again = post_return(client, world.buyer, order["id"], line_ids(order))
    # The order completed when fully refunded; the line has nothing left to give back.
    assert (again.status_code, problem_code(again)) == (409, "line_fully_refunded")
    assert return_rows(db) == before
    assert len(refunds(db, order["id"])) == 1


def test_window_closes_at_delivery_plus_the_regions_days(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    order, at = delivered(client, world, week)
    move_to(client, world, at + 30 * D - S)
    ok(calculate(client, world.buyer, order["id"], line_ids(order)))
    move_to(client, world, at + 30 * D)
    before = return_rows(db)
    late = post_return(client, world.buyer, order["id"], line_ids(order))
    assert (late.status_code, problem_code(late)) == (409, "return_window_closed")
    quoted = calculate(client, world.buyer, order["id"], line_ids(order))
    assert (quoted.status_code, problem_code(quoted)) == (409, "return_window_closed")
    assert return_rows(db) == before


@pytest.mark.parametrize(("region", "days"), [("GB", 14), ("MY", 7)])
def test_the_window_is_the_orders_region_policy(
    client: TestClient, db: Database, world: World, week: Week, region: str, days: int
) -> None:
    """GB 14 days, MY 7 (policies.toml): open to the last second, closed at the instant, on
    the request, the quote and the eligibility endpoint alike."""
    with db.unit_of_work() as session:
        session.execute(update(Shop).where(Shop.id == world.shop_a.id).values(region=region))
    order, at = delivered(client, world, week)
    assert order["region"] == region
    closes = at + days * D
    url = f"{API}/orders/{order['id']}/aftersale-eligibility"

    def refund_verdict() -> dict[str, object]:
        body = ok(client.get(url, headers=world.buyer.headers))
        (line,) = body["line_item_eligibility"]
        found: dict[str, object] = next(a for a in line["actions"] if a["request_type"] == "REFUND")
        return found

    move_to(client, world, closes - S)
    verdict = refund_verdict()
    assert verdict["eligible"] is True
    assert parse_time(str(verdict["deadline"])) == closes
    ok(calculate(client, world.buyer, order["id"], line_ids(order)))
    move_to(client, world, closes)
    assert refund_verdict()["ineligible_code"] == "return_window_closed"
    before = return_rows(db)
    late = post_return(client, world.buyer, order["id"], line_ids(order))
    assert (late.status_code, problem_code(late)) == (409, "return_window_closed")
    assert parse_time(late.json()["closed_at"]) == closes
    assert return_rows(db) == before


@pytest.mark.parametrize("how", ["APPROVE_REFUND", "buyer_keep_item"])
def test_returnless_refund_of_a_return_and_refund_request(
    client: TestClient, db: Database, world: World, week: Week, how: str
) -> None:
    """The seller refunds a RETURN_AND_REFUND request without the item coming back (either
    decision form): COMPLETE at once, nothing to ship, no label, no timers, no restock."""
    taxes(client, world)
    order, _ = delivered(client, world, week, units=2)
    first, _second = line_ids(order)
    ret = request_return(client, world.buyer, order, "RETURN_AND_REFUND", "DAMAGED", [first])
    extra = {"buyer_keep_item": True} if how == "buyer_keep_item" else {}
    decision = "APPROVE_RETURN" if extra else "APPROVE_REFUND"
    before = stock(client, world.seller_a, world.shop_a.sku_id)
    done = decide(client, world.seller_a, ret["return_id"], decision, **extra)
    assert done["return_status"] == "RETURN_OR_REFUND_REQUEST_COMPLETE"
    assert (done["buyer_ship_by"], done["return_tracking_number"]) == (None, None)
    assert units(done["refund_amount"]) == 1100  # the line and its tax, no shipping
    assert refunds(db, order["id"]) == [(1100, "SUCCEEDED")]
    assert timers_of(db, ret["return_id"]) == {}
    assert stock(client, world.seller_a, world.shop_a.sku_id) == before
    assert restocks(client, world) == []
    assert record_events(client, world.seller_a, ret["return_id"]) == [
        ("REQUESTED", "BUYER", "RETURN_OR_REFUND_REQUEST_PENDING"),
        ("APPROVED", "SELLER", "RETURN_OR_REFUND_REQUEST_PENDING"),
        ("REFUNDED", "SELLER", "RETURN_OR_REFUND_REQUEST_COMPLETE"),
    ]
    label = client.get(f"{API}/returns/{ret['return_id']}/label", headers=world.buyer.headers)
    assert (label.status_code, problem_code(label)) == (409, "invalid_return_status")
    shipped = act(client, world.buyer, ret["return_id"], "ship")
    assert (shipped.status_code, problem_code(shipped)) == (409, "invalid_return_status")
    assert get_order(client, world.buyer, order["id"])["status"] == "DELIVERED"


def test_requests_name_lines_of_the_order_and_only_after_delivery(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    order, _ = delivered(client, world, week)
    (waiting,) = paid_orders(client, world.buyer, {world.shop_a.sku_id: 1})  # ON_HOLD
    before = return_rows(db)
    foreign_line = post_return(client, world.buyer, order["id"], line_ids(waiting))
    assert (foreign_line.status_code, problem_code(foreign_line)) == (422, "line_not_in_order")
    early = post_return(client, world.buyer, waiting["id"], line_ids(waiting))
    assert (early.status_code, problem_code(early)) == (409, "order_not_delivered")
    assert return_rows(db) == before


def test_other_roles_and_foreign_callers_are_refused_and_nothing_changes(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    order, _ = delivered(client, world, week)
    by_seller = post_return(client, world.seller_a, order["id"], line_ids(order))
    assert (by_seller.status_code, problem_code(by_seller)) == (403, "buyers_only")
    ret = request_return(client, world.buyer, order)
    rid = ret["return_id"]
    before = return_rows(db)
    cases = [
        (world.seller_b, "approve", {"decision": "APPROVE_REFUND"}, 404),
        (world.buyer, "approve", {"decision": "APPROVE_REFUND"}, 403),
        (world.agent, "approve", {"decision": "APPROVE_REFUND"}, 403),
        (world.seller_b, "reject", {"reject_reason": "no"}, 404),
        (world.seller_a, "cancel", {}, 403),
        (world.seller_a, "partial-refund/accept", {}, 403),
    ]
    for actor, path, body, status in cases:
        response = act(client, actor, rid, path, **body)
        assert response.status_code == status, (actor.role, path, response.text)
    hidden = client.get(f"{API}/returns/{rid}", headers=world.seller_b.headers)
    assert hidden.status_code == 404
    listed = ok(client.get(f"{API}/returns", headers=world.seller_b.headers))
    assert listed["items"] == []
    assert return_rows(db) == before
    assert refunds(db, order["id"]) == []
    assert get_return(client, world.agent, rid)["return_status"] == ret["return_status"]
