"""Cancellations end to end on SQLite and PostgreSQL: buyer requests (immediate, pending,
approved, rejected, auto-approved at respond_by, overtaken by a shipment), partial
cancellations, seller cancels with reason codes (out of stock zeroes the SKU), operator
cancels, lists and records; refusals change nothing.

The clock is the deadline tests' week: Monday 10:00 UTC; an order paid then leaves its
remorse window at 11:00 (``awaiting_shipment``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select

from clipshop.aftersales.cancel_reasons import SELLER_REASONS
from clipshop.core.db import Database
from clipshop.identity.principal import Role
from clipshop.models import (
    AftersaleRecord,
    Cancellation,
    Dispute,
    InventoryMovement,
    Order,
    OrderEvent,
    OrderLineItem,
    PaymentTransaction,
    StockLevel,
    Timer,
)
from clipshop.standing.performance import NO_SHIPMENT_IN_TIME, SELLER_FAULT_REASONS
from tests.conftest import Actor, World, make_actor
from tests.fulfillment_support import paid_orders, ship
from tests.integration.checkout_api import (
    ADDRESS,
    API,
    DECLINED_CARD,
    add_card,
    charged,
    checkout,
    get_order,
    minor,
    ok,
    parse_time,
    stock,
)
from tests.integration.deadline_support import (
    H,
    Week,
    awaiting_shipment,
    move_to,
    refunds,
    timers_of,
)
from tests.integration.fulfillment_files_api import sx
from tests.integration.native_api import pages, refused, snapshot

SECOND = timedelta(seconds=1)
RESPONSE = timedelta(hours=48)  # seller_response_hours
TABLES = (
    Cancellation,
    AftersaleRecord,
    Order,
    OrderLineItem,
    OrderEvent,
    PaymentTransaction,
    StockLevel,
    InventoryMovement,
    Timer,
)


# -- helpers ---------------------------------------------------------------------------------


def post(client: TestClient, actor: Actor, path: str, body: Any, **headers: str) -> Response:
    response: Response = client.post(
        f"{API}{path}", json=body, headers={**actor.headers, **headers}
    )
    return response


def ask(
    client: TestClient, buyer: Actor, order_id: str, lines: list[str] | None = None
) -> Response:
    body: dict[str, Any] = {"reason": "changed my mind"}
    if lines is not None:
        body["line_item_ids"] = lines
    return post(client, buyer, f"/orders/{order_id}/cancellations", body)


def cancellation(client: TestClient, actor: Actor, cancel_id: str) -> dict[str, Any]:
    result: dict[str, Any] = ok(
        client.get(f"{API}/cancellations/{cancel_id}", headers=actor.headers)
    )
    return result


def records(c: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(r["event"], r["actor_role"], r["status_after"]) for r in c["records"]]


def kinds(order: dict[str, Any]) -> list[str]:
    return [e["kind"] for e in order["timeline"] if e["kind"] != "STATUS_CHANGED"]


def last_status_change(order: dict[str, Any]) -> tuple[str, str, str]:
    e = [e for e in order["timeline"] if e["kind"] == "STATUS_CHANGED"][-1]
    return e["from_status"], e["to_status"], e["actor_type"]


def line_cost(line: dict[str, Any]) -> int:
    return int(line["sale_price"]["minor_units"]) + int(line["tax"]["minor_units"])


def line_ids(order: dict[str, Any]) -> list[str]:
    return [line["id"] for line in order["line_items"]]


def money(c: dict[str, Any]) -> dict[str, int]:
    return {k: v["minor_units"] for k, v in c["refund_amount"].items() if k != "currency"}


def sku_stock_rows(db: Database, sku_id: int) -> list[tuple[int, int, int]]:
    with db.unit_of_work(write=False) as session:
        rows = session.scalars(
            select(StockLevel).where(StockLevel.sku_id == sku_id).order_by(StockLevel.warehouse_id)
        )
        return [(r.warehouse_id, r.available, r.committed) for r in rows]


def fault_rate(client: TestClient, world: World) -> tuple[float, int]:
    perf = ok(
        client.get(f"{API}/shops/{world.shop_a.id}/performance", headers=world.seller_a.headers)
    )
    metric = next(w for w in perf["windows"] if w["days"] == 7)["metrics"][
        "seller_fault_cancellation_rate"
    ]
    return metric["numerator"], metric["denominator"]


# -- buyer: at once in UNPAID / ON_HOLD ------------------------------------------------------


def test_buyer_cancels_on_hold_order_at_once(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    (order,) = paid_orders(client, world.buyer, {world.shop_a.sku_id: 2})
    total = minor(order, "total_amount")
    assert charged(client) == total
    assert stock(client, world.seller_a, world.shop_a.sku_id) == (8, 2)

    c = ok(ask(client, world.buyer, order["id"]), 201)
    assert (c["cancel_type"], c["role"], c["cancel_status"]) == (
        "BUYER_CANCEL",
        "BUYER",
        "CANCELLATION_REQUEST_COMPLETE",
    )
    assert [i["order_line_item_id"] for i in c["cancel_line_items"]] == line_ids(order)
    assert money(c)["refund_total"] == total
    assert money(c)["refund_shipping_fee"] == minor(order, "shipping_fee")
    assert c["seller_next_action_response"] == [] and c["respond_by"] is None
    assert records(c) == [("CANCELLED", "BUYER", "CANCELLATION_REQUEST_COMPLETE")]

    fresh = get_order(client, world.buyer, order["id"])
    assert (fresh["status"], fresh["cancelled_by"]) == ("CANCELLED", "BUYER")
    assert last_status_change(fresh) == ("ON_HOLD", "CANCELLED", "BUYER")
    assert kinds(fresh)[-1] == "CANCELLATION_COMPLETED"
    assert stock(client, world.seller_a, world.shop_a.sku_id) == (10, 0)
    assert refunds(db, order["id"]) == [(total, "SUCCEEDED")]
    assert charged(client) == 0


def test_unpaid_order_is_cancelled_whole_without_refund(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    add_card(client, world.buyer, DECLINED_CARD)
    (order,) = checkout(client, world.buyer, {world.shop_a.sku_id: 2})["orders"]
    assert order["status"] == "UNPAID"
    before = snapshot(db, *TABLES)
    refused(
        ask(client, world.buyer, order["id"], line_ids(order)[:1]), 409, "partial_cancel_unpaid"
    )
    assert snapshot(db, *TABLES) == before

    c = ok(ask(client, world.buyer, order["id"]), 201)
    assert c["cancel_status"] == "CANCELLATION_REQUEST_COMPLETE"
    assert money(c)["refund_total"] == 0
    assert get_order(client, world.buyer, order["id"])["status"] == "CANCELLED"
    assert stock(client, world.seller_a, world.shop_a.sku_id) == (10, 0)
    assert refunds(db, order["id"]) == []


# -- buyer request the seller decides ----------------------------------------------------------


def test_request_waits_for_the_seller_who_approves_it(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    order = awaiting_shipment(client, world, week, units=2)
    total = minor(order, "total_amount")
    c = ok(ask(client, world.buyer, order["id"]), 201)
    respond_by = week.monday + H + RESPONSE
    assert (c["cancel_status"], c["cancel_type"], c["role"]) == (
        "CANCELLATION_REQUEST_PENDING",
        "BUYER_CANCEL",
        "BUYER",
    )
    assert c["respond_by"] == respond_by.isoformat().replace("+00:00", "Z")
    assert [a["action"] for a in c["seller_next_action_response"]] == ["SELLER_RESPOND_CANCEL"]
    assert money(c)["refund_total"] == total  # what approving would refund
    assert timers_of(db, c["cancel_id"]) == {"CANCEL_AUTO_APPROVE": respond_by}
    fresh = get_order(client, world.buyer, order["id"])
    assert fresh["status"] == "AWAITING_SHIPMENT"
    assert kinds(fresh)[-1] == "CANCELLATION_REQUESTED"
    assert stock(client, world.seller_a, world.shop_a.sku_id) == (8, 2)
    assert refunds(db, order["id"]) == []

    before = snapshot(db, *TABLES)
    refused(ask(client, world.buyer, order["id"]), 409, "cancellation_pending")
    assert snapshot(db, *TABLES) == before

    done = ok(post(client, world.seller_a, f"/cancellations/{c['cancel_id']}/approve", {}))
    assert done["cancel_status"] == "CANCELLATION_REQUEST_COMPLETE"
    assert money(done)["refund_total"] == total
    assert done["seller_next_action_response"] == []
    assert records(cancellation(client, world.buyer, c["cancel_id"])) == [
        ("REQUESTED", "BUYER", "CANCELLATION_REQUEST_PENDING"),
        ("APPROVED", "SELLER", "CANCELLATION_REQUEST_COMPLETE"),
    ]
    fresh = get_order(client, world.buyer, order["id"])
    # The buyer asked for it: the seller approving is not a seller-fault cancellation.
    assert (fresh["status"], fresh["cancelled_by"]) == ("CANCELLED", "BUYER")
    assert last_status_change(fresh) == ("AWAITING_SHIPMENT", "CANCELLED", "SELLER")
    assert kinds(fresh)[-2:] == ["CANCELLATION_REQUESTED", "CANCELLATION_COMPLETED"]
    assert stock(client, world.seller_a, world.shop_a.sku_id) == (10, 0)
    assert refunds(db, order["id"]) == [(total, "SUCCEEDED")]
    assert charged(client) == 0
    assert timers_of(db, c["cancel_id"]) == {}
    assert fault_rate(client, world) == (0, 1)

    before = snapshot(db, *TABLES)
    again = post(client, world.seller_a, f"/cancellations/{c['cancel_id']}/approve", {})
    refused(again, 409, "cancellation_not_pending")
    assert snapshot(db, *TABLES) == before


def test_unanswered_request_is_approved_exactly_at_respond_by(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    order = awaiting_shipment(client, world, week)
    total = minor(order, "total_amount")
    c = ok(ask(client, world.buyer, order["id"]), 201)
    respond_by = week.monday + H + RESPONSE

    move_to(client, world, respond_by - SECOND)
    assert cancellation(client, world.buyer, c["cancel_id"])["cancel_status"] == (
        "CANCELLATION_REQUEST_PENDING"
    )
    assert refunds(db, order["id"]) == []

    report = move_to(client, world, respond_by)
    assert report["rules_applied"]["CANCEL_AUTO_APPROVE"] == 1
    done = cancellation(client, world.buyer, c["cancel_id"])
    assert done["cancel_status"] == "CANCELLATION_REQUEST_COMPLETE"
    assert done["decided_at"] == respond_by.isoformat().replace("+00:00", "Z")
    assert records(done)[-1] == ("AUTO_APPROVED", "SYSTEM", "CANCELLATION_REQUEST_COMPLETE")
    fresh = get_order(client, world.buyer, order["id"])
    assert (fresh["status"], fresh["cancelled_by"]) == ("CANCELLED", "BUYER")
    assert last_status_change(fresh) == ("AWAITING_SHIPMENT", "CANCELLED", "SYSTEM")
    assert stock(client, world.seller_a, world.shop_a.sku_id) == (10, 0)
    assert refunds(db, order["id"]) == [(total, "SUCCEEDED")]
    assert charged(client) == 0
    assert timers_of(db, c["cancel_id"]) == {}


def test_seller_rejects_request_and_the_order_goes_on(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    order = awaiting_shipment(client, world, week)
    total = minor(order, "total_amount")
    c = ok(ask(client, world.buyer, order["id"]), 201)
    path = f"/cancellations/{c['cancel_id']}/reject"
    body = {"reject_reason": "seller_reject_apply_product_has_been_packed", "comment": "packed"}
    done = ok(post(client, world.seller_a, path, body))
    assert done["cancel_status"] == "CANCELLATION_REQUEST_CANCEL"
    assert done["reject_reason"] == "seller_reject_apply_product_has_been_packed"
    assert money(done)["refund_total"] == total  # what it would have refunded
    assert records(cancellation(client, world.seller_a, c["cancel_id"]))[-1] == (
        "REJECTED",
        "SELLER",
        "CANCELLATION_REQUEST_CANCEL",
    )
    fresh = get_order(client, world.buyer, order["id"])
    assert fresh["status"] == "AWAITING_SHIPMENT"
    assert kinds(fresh)[-1] == "CANCELLATION_REJECTED"
    assert stock(client, world.seller_a, world.shop_a.sku_id) == (9, 1)
    assert refunds(db, order["id"]) == []
    assert timers_of(db, c["cancel_id"]) == {}
    move_to(client, world, week.monday + H + RESPONSE)  # nothing auto-approves it now
    assert cancellation(client, world.buyer, c["cancel_id"])["cancel_status"] == (
        "CANCELLATION_REQUEST_CANCEL"
    )
    # The request is over: the buyer may ask again.
    assert ok(ask(client, world.buyer, order["id"]), 201)["cancel_status"] == (
        "CANCELLATION_REQUEST_PENDING"
    )


def test_a_rejected_cancellation_request_cannot_be_escalated(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    """Decision: the seller's rejection of a cancellation request ends it; the order goes on
    (the buyer may refuse delivery, or ask for a return or refund once delivered). Escalation
    is for return / refund / replacement requests: none here, even 72 h after the request."""
    order = awaiting_shipment(client, world, week)
    c = ok(ask(client, world.buyer, order["id"]), 201)
    body = {"reject_reason": "seller_reject_apply_product_has_been_packed"}
    ok(post(client, world.seller_a, f"/cancellations/{c['cancel_id']}/reject", body))
    move_to(client, world, parse_time(c["create_time"]) + timedelta(hours=72))
    assert get_order(client, world.buyer, order["id"])["status"] == "AWAITING_SHIPMENT"
    before = snapshot(db, Dispute, *TABLES)
    lines = [line["id"] for line in order["line_items"]]
    for named in ([], lines):
        claim = {"kind": "ESCALATION", "reason": "REQUEST_REJECTED", "line_item_ids": named}
        no = post(client, world.buyer, f"/orders/{order['id']}/disputes", claim)
        refused(no, 409, "nothing_to_escalate")
    shown = client.get(
        f"{API}/orders/{order['id']}/aftersale-eligibility", headers=world.buyer.headers
    )
    (row,) = ok(shown)["line_item_eligibility"]
    escalate = {a["request_type"]: a for a in row["actions"]}["ESCALATE"]
    assert (escalate["eligible"], escalate["ineligible_code"]) == (False, "nothing_to_escalate")
    assert snapshot(db, Dispute, *TABLES) == before  # nothing opened, nothing recorded


def test_shipping_rejects_the_pending_request(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    order = awaiting_shipment(client, world, week)
    c = ok(ask(client, world.buyer, order["id"]), 201)
    ship(client, world.seller_a, [order["id"]], sx(1))
    done = cancellation(client, world.buyer, c["cancel_id"])
    assert done["cancel_status"] == "CANCELLATION_REQUEST_CANCEL"
    assert done["reject_reason"] == "shipment arranged for the items"
    assert records(done)[-1] == ("REJECTED", "SYSTEM", "CANCELLATION_REQUEST_CANCEL")
    fresh = get_order(client, world.buyer, order["id"])
    assert fresh["status"] == "AWAITING_COLLECTION"
    assert kinds(fresh)[-1] == "CANCELLATION_REJECTED"
    assert timers_of(db, c["cancel_id"]) == {}
    assert refunds(db, order["id"]) == []

    before = snapshot(db, *TABLES)
    refused(ask(client, world.buyer, order["id"]), 409, "already_shipped")
    assert snapshot(db, *TABLES) == before


def test_partial_request_for_unshipped_lines(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    order = awaiting_shipment(client, world, week, units=3)
    first, second, third = order["line_items"]
    ship(client, world.seller_a, [order["id"]], sx(2), line_item_ids=[first["id"]])
    assert get_order(client, world.buyer, order["id"])["status"] == "PARTIALLY_SHIPPING"
    assert stock(client, world.seller_a, world.shop_a.sku_id) == (7, 2)

    before = snapshot(db, *TABLES)
    refused(ask(client, world.buyer, order["id"], [first["id"]]), 409, "already_shipped")
    assert snapshot(db, *TABLES) == before

    c = ok(ask(client, world.buyer, order["id"], [second["id"]]), 201)
    assert [i["order_line_item_id"] for i in c["cancel_line_items"]] == [second["id"]]
    assert money(c) == {
        "refund_subtotal": int(second["sale_price"]["minor_units"]),
        "refund_tax": int(second["tax"]["minor_units"]),
        "refund_shipping_fee": 0,
        "refund_total": line_cost(second),
    }
    ok(post(client, world.seller_a, f"/cancellations/{c['cancel_id']}/approve", {}))
    fresh = get_order(client, world.buyer, order["id"])
    assert fresh["status"] == "PARTIALLY_SHIPPING"
    assert [line["status"] for line in fresh["line_items"]] == [
        "PARTIALLY_SHIPPING",
        "CANCELLED",
        "PARTIALLY_SHIPPING",
    ]
    assert minor(fresh, "refunded_amount") == line_cost(second)
    assert minor(fresh, "shipping_refunded") == 0
    assert stock(client, world.seller_a, world.shop_a.sku_id) == (8, 1)
    assert refunds(db, order["id"]) == [(line_cost(second), "SUCCEEDED")]
    assert charged(client) == minor(order, "total_amount") - line_cost(second)
    assert kinds(fresh)[-2:] == ["LINES_CANCELLED", "CANCELLATION_COMPLETED"]

    # The last unshipped line: approving it leaves only shipped items, the order moves on.
    c2 = ok(ask(client, world.buyer, order["id"]), 201)
    assert [i["order_line_item_id"] for i in c2["cancel_line_items"]] == [third["id"]]
    ok(post(client, world.seller_a, f"/cancellations/{c2['cancel_id']}/approve", {}))
    fresh = get_order(client, world.buyer, order["id"])
    assert fresh["status"] == "AWAITING_COLLECTION"
    assert stock(client, world.seller_a, world.shop_a.sku_id) == (9, 0)
    assert refunds(db, order["id"]) == [
        (line_cost(second), "SUCCEEDED"),
        (line_cost(third), "SUCCEEDED"),
    ]


def test_a_deadline_cancel_closes_the_pending_request(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    order = awaiting_shipment(client, world, week)
    due = parse_time(order["shipping_due_time"])
    move_to(client, world, due - H)
    c = ok(ask(client, world.buyer, order["id"]), 201)
    assert timers_of(db, c["cancel_id"]) == {"CANCEL_AUTO_APPROVE": due - H + RESPONSE}
    move_to(client, world, due)  # SHIP_DUE: nothing shipped, the platform cancels
    fresh = get_order(client, world.buyer, order["id"])
    assert (fresh["status"], fresh["cancelled_by"]) == ("CANCELLED", "SYSTEM")
    done = cancellation(client, world.buyer, c["cancel_id"])
    assert (done["cancel_status"], done["reject_reason"]) == (
        "CANCELLATION_REQUEST_CANCEL",
        "the items were cancelled otherwise",
    )
    assert records(done)[-1] == ("REJECTED", "SYSTEM", "CANCELLATION_REQUEST_CANCEL")
    assert timers_of(db, c["cancel_id"]) == {}
    assert refunds(db, order["id"]) == [(minor(order, "total_amount"), "SUCCEEDED")]


# -- seller and operator cancels ---------------------------------------------------------------


def test_out_of_stock_cancels_some_lines_and_zeroes_the_sku(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    warehouse = ok(
        client.post(
            f"{API}/shops/{world.shop_a.id}/warehouses",
            json={
                "name": "Second DC",
                "address_line1": "5 Side St",
                "city": "Springfield",
                "state": "IL",
                "postal_code": "62701",
                "country": "US",
            },
            headers=world.seller_a.headers,
        ),
        201,
    )
    second_wh = int(warehouse["id"])
    sku = world.shop_a.sku_id
    ok(
        client.put(
            f"{API}/skus/{sku}/stock/{second_wh}",
            json={"available": 4},
            headers=world.seller_a.headers,
        )
    )
    order = awaiting_shipment(client, world, week, units=3)
    first, second, _third = order["line_items"]
    assert stock(client, world.seller_a, sku) == (11, 3)

    body = {
        "reason_code": "OUT_OF_STOCK",
        "line_item_ids": [first["id"], second["id"]],
        "note": "last units damaged",
    }
    c = ok(post(client, world.seller_a, f"/orders/{order['id']}/seller-cancel", body), 201)
    assert (c["cancel_type"], c["role"], c["cancel_status"]) == (
        "CANCEL",
        "SELLER",
        "CANCELLATION_REQUEST_COMPLETE",
    )
    assert c["cancel_reason"] == "OUT_OF_STOCK: last units damaged"
    assert money(c)["refund_total"] == line_cost(first) + line_cost(second)
    fresh = get_order(client, world.buyer, order["id"])
    assert fresh["status"] == "AWAITING_SHIPMENT"
    assert [line["cancel_reason"] for line in fresh["line_items"]] == [
        "seller cancelled: out of stock",
        "seller cancelled: out of stock",
        None,
    ]
    assert "seller cancelled: out of stock" in SELLER_FAULT_REASONS
    # The two units went back, then every warehouse's available stock was set to 0; the
    # third line's unit stays committed.
    assert sku_stock_rows(db, sku) == sorted([(world.shop_a.warehouse_id, 0, 1), (second_wh, 0, 0)])
    with db.unit_of_work(write=False) as session:
        moves = session.execute(
            select(InventoryMovement.warehouse_id, InventoryMovement.reason, InventoryMovement.note)
            .where(InventoryMovement.sku_id == sku, InventoryMovement.reason == "SET")
            .order_by(InventoryMovement.id)
        ).all()
    note = f"order {order['id']} cancelled: out of stock"
    assert sorted(moves[-2:]) == sorted(
        [(world.shop_a.warehouse_id, "SET", note), (second_wh, "SET", note)]
    )
    assert refunds(db, order["id"]) == [(line_cost(first) + line_cost(second), "SUCCEEDED")]
    assert kinds(fresh)[-2:] == ["LINES_CANCELLED", "CANCELLATION_COMPLETED"]
    assert fault_rate(client, world) == (1, 1)


def test_seller_cancel_reasons_and_fault(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    assert {code for code, (_, fault) in SELLER_REASONS.items() if not fault} == {"BUYER_REQUESTED"}
    buyer_asked = awaiting_shipment(client, world, week)
    body = {"reason_code": "BUYER_REQUESTED"}
    ok(post(client, world.seller_a, f"/orders/{buyer_asked['id']}/seller-cancel", body), 201)
    fresh = get_order(client, world.buyer, buyer_asked["id"])
    assert (fresh["status"], fresh["cancelled_by"]) == ("CANCELLED", "BUYER")
    assert fresh["cancel_reason"] == "seller cancelled at the buyer's request"
    assert last_status_change(fresh) == ("AWAITING_SHIPMENT", "CANCELLED", "SELLER")
    assert fault_rate(client, world) == (0, 1)

    (on_hold,) = paid_orders(client, world.buyer, {world.shop_a.sku_id: 1})
    body = {"reason_code": "PRICING_ERROR"}
    ok(post(client, world.seller_a, f"/orders/{on_hold['id']}/seller-cancel", body), 201)
    fresh = get_order(client, world.buyer, on_hold["id"])
    assert (fresh["status"], fresh["cancelled_by"]) == ("CANCELLED", "SELLER")
    assert refunds(db, on_hold["id"]) == [(minor(on_hold, "total_amount"), "SUCCEEDED")]
    assert stock(client, world.seller_a, world.shop_a.sku_id) == (10, 0)
    assert fault_rate(client, world) == (1, 2)
    assert charged(client) == 0


def test_seller_cancel_closes_an_overtaken_request(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    order = awaiting_shipment(client, world, week)
    c = ok(ask(client, world.buyer, order["id"]), 201)
    body = {"reason_code": "UNABLE_TO_DELIVER"}
    ok(post(client, world.seller_a, f"/orders/{order['id']}/seller-cancel", body), 201)
    done = cancellation(client, world.buyer, c["cancel_id"])
    assert done["cancel_status"] == "CANCELLATION_REQUEST_CANCEL"
    assert timers_of(db, c["cancel_id"]) == {}
    assert refunds(db, order["id"]) == [(minor(order, "total_amount"), "SUCCEEDED")]


def test_operator_cancels_an_order_in_transit(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    order = awaiting_shipment(client, world, week, units=2)
    ship(client, world.seller_a, [order["id"]], sx(3))
    assert stock(client, world.seller_a, world.shop_a.sku_id) == (8, 0)
    before = snapshot(db, *TABLES)
    body = {"reason": "carrier lost the parcel"}
    path = f"/orders/{order['id']}/operator-cancel"
    refused(post(client, world.seller_a, path, body), 403, "forbidden")
    assert snapshot(db, *TABLES) == before

    c = ok(post(client, world.agent, path, body), 201)
    assert (c["cancel_type"], c["role"], c["cancel_status"]) == (
        "CANCEL",
        "OPERATOR",
        "CANCELLATION_REQUEST_COMPLETE",
    )
    fresh = get_order(client, world.buyer, order["id"])
    assert (fresh["status"], fresh["cancelled_by"]) == ("CANCELLED", "OPERATOR")
    assert last_status_change(fresh) == ("AWAITING_COLLECTION", "CANCELLED", "OPERATOR")
    # Shipped units left the warehouse: nothing goes back to stock.
    assert stock(client, world.seller_a, world.shop_a.sku_id) == (8, 0)
    assert refunds(db, order["id"]) == [(minor(order, "total_amount"), "SUCCEEDED")]
    assert charged(client) == 0
    refused(post(client, world.agent, path, body), 409, "order_cancelled")


# -- refusals ---------------------------------------------------------------------------------


def test_refusals_change_nothing(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    order = awaiting_shipment(client, world, week, units=2)
    stranger = make_actor(db, Role.BUYER, "stranger@test.dev")
    c = ok(ask(client, world.buyer, order["id"]), 201)
    oid, cid = order["id"], c["cancel_id"]
    before = snapshot(db, *TABLES)
    cases = [
        # malformed input: 422
        (post(client, world.buyer, f"/orders/{oid}/cancellations", {}), 422, "invalid_request"),
        (
            post(client, world.buyer, f"/orders/{oid}/cancellations", {"reason": "x", "status": 1}),
            422,
            "invalid_request",
        ),
        (
            post(
                client,
                world.buyer,
                f"/orders/{oid}/cancellations",
                {"reason": "x", "line_item_ids": []},
            ),
            422,
            "invalid_request",
        ),
        (
            post(client, world.seller_a, f"/orders/{oid}/seller-cancel", {"reason_code": "BORED"}),
            422,
            "invalid_request",
        ),
        (post(client, world.seller_a, f"/cancellations/{cid}/reject", {}), 422, "invalid_request"),
        (
            post(
                client,
                world.seller_a,
                f"/orders/{oid}/seller-cancel",
                {"reason_code": "OUT_OF_STOCK", "line_item_ids": ["123"]},
            ),
            422,
            "unknown_line_item",
        ),
        # wrong state: 409
        (ask(client, world.buyer, oid), 409, "cancellation_pending"),
        # roles: 403
        (ask(client, world.seller_a, oid), 403, "forbidden"),
        (post(client, world.buyer, f"/cancellations/{cid}/approve", {}), 403, "forbidden"),
        (post(client, world.agent, f"/cancellations/{cid}/approve", {}), 403, "forbidden"),
        (
            post(
                client, world.agent, f"/orders/{oid}/seller-cancel", {"reason_code": "OUT_OF_STOCK"}
            ),
            403,
            "forbidden",
        ),
        (
            post(client, world.buyer, f"/orders/{oid}/operator-cancel", {"reason": "x"}),
            403,
            "forbidden",
        ),
        # foreign objects: 404
        (ask(client, stranger, oid), 404, "not_found"),
        (post(client, world.seller_b, f"/cancellations/{cid}/approve", {}), 404, "not_found"),
        (
            post(
                client,
                world.seller_b,
                f"/cancellations/{cid}/reject",
                {"reject_reason": "no"},
            ),
            404,
            "not_found",
        ),
        (
            post(
                client,
                world.seller_b,
                f"/orders/{oid}/seller-cancel",
                {"reason_code": "OUT_OF_STOCK"},
            ),
            404,
            "not_found",
        ),
        (client.get(f"{API}/cancellations/{cid}", headers=stranger.headers), 404, "not_found"),
        (
            client.get(f"{API}/cancellations/{cid}", headers=world.seller_b.headers),
            404,
            "not_found",
        ),
    ]
    for response, status, code in cases:
        refused(response, status, code)
    assert snapshot(db, *TABLES) == before

    ok(post(client, world.seller_a, f"/cancellations/{cid}/approve", {}))
    before = snapshot(db, *TABLES)
    for response, code in [
        (ask(client, world.buyer, oid), "order_cancelled"),
        (
            post(client, world.seller_a, f"/cancellations/{cid}/reject", {"reject_reason": "no"}),
            "cancellation_not_pending",
        ),
        (
            post(
                client,
                world.seller_a,
                f"/orders/{oid}/seller-cancel",
                {"reason_code": "OUT_OF_STOCK"},
            ),
            "order_cancelled",
        ),
    ]:
        refused(response, 409, code)
    assert snapshot(db, *TABLES) == before


def test_seller_cannot_cancel_a_cancelled_line_or_unpaid_order(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    order = awaiting_shipment(client, world, week, units=2)
    first = order["line_items"][0]["id"]
    body = {"reason_code": "PRICING_ERROR", "line_item_ids": [first]}
    ok(post(client, world.seller_a, f"/orders/{order['id']}/seller-cancel", body), 201)
    before = snapshot(db, *TABLES)
    again = post(client, world.seller_a, f"/orders/{order['id']}/seller-cancel", body)
    refused(again, 409, "line_already_cancelled")
    add_card(client, world.buyer, DECLINED_CARD, make_default=True)
    (unpaid,) = checkout(client, world.buyer, {world.shop_a.sku_id: 1})["orders"]
    before = snapshot(db, *TABLES)
    body = {"reason_code": "PRICING_ERROR"}
    refused(
        post(client, world.seller_a, f"/orders/{unpaid['id']}/seller-cancel", body),
        409,
        "order_not_cancellable",
    )
    assert snapshot(db, *TABLES) == before


# -- lists and idempotency --------------------------------------------------------------------


def test_lists_are_scoped_filtered_and_paged(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    a1 = awaiting_shipment(client, world, week)
    (a2,) = paid_orders(client, world.buyer, {world.shop_a.sku_id: 1})
    (b1,) = paid_orders(client, world.buyer, {world.shop_b.sku_id: 1})
    pending = ok(ask(client, world.buyer, a1["id"]), 201)["cancel_id"]
    done_a = ok(ask(client, world.buyer, a2["id"]), 201)["cancel_id"]
    done_b = ok(ask(client, world.buyer, b1["id"]), 201)["cancel_id"]
    stranger = make_actor(db, Role.BUYER, "stranger@test.dev")
    expected = [
        (world.buyer, {pending, done_a, done_b}),
        (world.seller_a, {pending, done_a}),
        (world.seller_b, {done_b}),
        (world.agent, {pending, done_a, done_b}),
        (stranger, set()),
    ]
    for actor, ids in expected:
        chunks = pages(client, "/cancellations", actor, 1)
        seen = [c["cancel_id"] for chunk in chunks for c in chunk]
        assert seen == sorted(ids, key=int, reverse=True), actor.role  # once each, newest first
        assert len(chunks) == max(len(ids), 1)
    by_status = pages(
        client, "/cancellations", world.seller_a, 10, status="CANCELLATION_REQUEST_PENDING"
    )
    assert [c["cancel_id"] for c in by_status[0]] == [pending]
    by_order = pages(client, "/cancellations", world.admin, 10, order_id=b1["id"])
    assert [c["cancel_id"] for c in by_order[0]] == [done_b]
    assert by_order[0][0]["records"] is None  # the list leaves the records out
    refused(
        client.get(f"{API}/cancellations", params={"status": "NOPE"}, headers=world.admin.headers),
        422,
        "invalid_request",
    )


def test_system_operator_and_direct_buyer_cancels_are_listed(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    """Every cancel is a Cancellation row: the deadline rules' (role SYSTEM), a fraud
    review's rejection (OPERATOR) and the buyer's own cancel of an ON_HOLD order (BUYER),
    each COMPLETE with what it refunded and a CANCELLED record."""
    late = awaiting_shipment(client, world, week)
    (held,) = checkout(
        client,
        world.buyer,
        {world.shop_a.sku_id: 1},
        billing_address={**ADDRESS, "address_line1": "9 Oak Ave", "postal_code": "60601"},
    )["orders"]
    assert held["review_hold"] is True
    reviewed = client.post(
        f"{API}/orders/{held['id']}/review",
        json={"decision": "CANCEL", "note": "stolen card"},
        headers=world.agent.headers,
    )
    ok(reviewed)
    (mine,) = paid_orders(client, world.buyer, {world.shop_a.sku_id: 1})
    ok(
        client.post(
            f"{API}/orders/{mine['id']}/cancel",
            json={"reason": "ordered twice"},
            headers=world.buyer.headers,
        )
    )
    add_card(client, world.buyer, DECLINED_CARD, make_default=True)
    (unpaid,) = checkout(client, world.buyer, {world.shop_a.sku_id: 1})["orders"]
    move_to(
        client,
        world,
        max(parse_time(late["shipping_due_time"]), parse_time(unpaid["cancel_order_sla_time"])),
    )
    listed = {c["order_id"]: c for c in pages(client, "/cancellations", world.admin, 10)[0]}
    expected = {
        late["id"]: ("SYSTEM", "CANCEL", NO_SHIPMENT_IN_TIME, minor(late, "total_amount")),
        held["id"]: (
            "OPERATOR",
            "CANCEL",
            "fraud review: stolen card",
            minor(held, "total_amount"),
        ),
        mine["id"]: ("BUYER", "BUYER_CANCEL", "ordered twice", minor(mine, "total_amount")),
        unpaid["id"]: ("SYSTEM", "CANCEL", "not paid in time", 0),
    }
    assert set(listed) == set(expected)
    for order_id, (role, kind, reason, refund) in expected.items():
        row = listed[order_id]
        assert (row["role"], row["cancel_type"], row["cancel_reason"]) == (role, kind, reason)
        assert row["cancel_status"] == "CANCELLATION_REQUEST_COMPLETE"
        assert row["refund_amount"]["refund_total"]["minor_units"] == refund
        assert get_order(client, world.buyer, order_id)["status"] == "CANCELLED"
        assert records(cancellation(client, world.buyer, row["cancel_id"])) == [
            ("CANCELLED", role, "CANCELLATION_REQUEST_COMPLETE")
        ]
    system = pages(client, "/cancellations", world.seller_a, 10)[0]
    assert {c["order_id"] for c in system} == set(expected)  # the shop sees them too


def test_a_retry_with_the_same_idempotency_key_replays(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    order = awaiting_shipment(client, world, week)
    c = ok(ask(client, world.buyer, order["id"]), 201)
    path = f"/cancellations/{c['cancel_id']}/approve"
    first = post(client, world.seller_a, path, {}, **{"Idempotency-Key": "approve-1"})
    second = post(client, world.seller_a, path, {}, **{"Idempotency-Key": "approve-1"})
    assert first.status_code == second.status_code == 200
    assert second.headers["idempotent-replayed"] == "true"
    assert second.json() == first.json()
    assert refunds(db, order["id"]) == [(minor(order, "total_amount"), "SUCCEEDED")]
    assert charged(client) == 0
