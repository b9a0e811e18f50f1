"""Buyer cancellation (UNPAID, ON_HOLD, too late, not yours) and the fraud review hold."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from clipshop.core.db import Database
from clipshop.identity.principal import Role
from tests.conftest import World, make_actor, problem_code
from tests.integration.checkout_api import (
    ADDRESS,
    API,
    DECLINED_CARD,
    OK_CARD,
    add_card,
    address,
    advance,
    cancel,
    charged,
    checkout,
    events,
    get_order,
    get_payment,
    minor,
    ok,
    payment_row,
    stock,
    transactions,
)

BILLING_ELSEWHERE = address(address_line1="9 Oak Ave", postal_code="60601", city="Chicago")
MISMATCH = "billing address does not match the shipping address"


def by_shop(result: dict[str, Any], world: World) -> tuple[dict[str, Any], dict[str, Any]]:
    orders = {o["shop_id"]: o for o in result["orders"]}
    return orders[str(world.shop_a.id)], orders[str(world.shop_b.id)]


def review(client: TestClient, actor: Any, order_id: str, decision: str, note: str) -> Any:
    return client.post(
        f"{API}/orders/{order_id}/review",
        json={"decision": decision, "note": note},
        headers=actor.headers,
    )


# -- buyer cancel ---------------------------------------------------------------------------


def test_cancel_unpaid_gives_stock_back_without_a_refund(
    client: TestClient, db: Database, world: World
) -> None:
    add_card(client, world.buyer, DECLINED_CARD)
    result = checkout(client, world.buyer, {world.shop_a.sku_id: 3})
    [order] = result["orders"]
    assert order["status"] == "UNPAID"
    assert stock(client, world.seller_a, world.shop_a.sku_id) == (7, 3)

    cancelled = ok(cancel(client, world.buyer, order["id"]))
    assert cancelled["status"] == "CANCELLED"
    assert cancelled["cancelled_by"] == "BUYER"
    assert [line["status"] for line in cancelled["line_items"]] == ["CANCELLED"] * 3
    assert [line["cancel_reason"] for line in cancelled["line_items"]] == ["changed my mind"] * 3
    assert events(cancelled)[-2:] == [
        ("STATUS_CHANGED", "BUYER", "UNPAID", "CANCELLED"),
        ("CANCELLATION_COMPLETED", "BUYER", None, None),  # listed as a Cancellation too
    ]
    assert stock(client, world.seller_a, world.shop_a.sku_id) == (10, 0)
    assert transactions(db, result["payment"]["id"], "REFUND") == []
    assert payment_row(db, result["payment"]["id"]).refunded_amount == 0
    assert charged(client) == 0


def test_cancel_on_hold_refunds_that_order_exactly(
    client: TestClient, db: Database, world: World
) -> None:
    buyer = world.buyer
    add_card(client, buyer, OK_CARD)
    result = checkout(client, buyer, {world.shop_a.sku_id: 2, world.shop_b.sku_id: 1})
    order_a, order_b = by_shop(result, world)
    total_a, total_b = minor(order_a, "total_amount"), minor(order_b, "total_amount")
    payment_id = result["payment"]["id"]
    assert charged(client) == total_a + total_b

    cancelled = ok(cancel(client, buyer, order_a["id"]))
    assert cancelled["status"] == "CANCELLED"
    assert cancelled["cancelled_by"] == "BUYER"
    assert events(cancelled)[-2] == ("STATUS_CHANGED", "BUYER", "ON_HOLD", "CANCELLED")
    assert stock(client, world.seller_a, world.shop_a.sku_id) == (10, 0)
    assert stock(client, world.seller_b, world.shop_b.sku_id) == (9, 1)

    [refund] = transactions(db, payment_id, "REFUND")
    assert (refund.status, refund.amount, refund.order_id, refund.shop_id) == (
        "SUCCEEDED",
        total_a,
        int(order_a["id"]),
        world.shop_a.id,
    )
    payment = get_payment(client, buyer, payment_id)["payment"]
    assert payment["status"] == "CAPTURED"
    assert payment["refunded_amount"]["minor_units"] == total_a
    assert payment["captured_amount"]["minor_units"] == total_a + total_b
    assert charged(client) == total_b  # the cancelled order's money is back
    assert get_order(client, buyer, order_b["id"])["status"] == "ON_HOLD"

    # Cancelling again changes nothing and refunds nothing twice.
    again = cancel(client, buyer, order_a["id"])
    assert again.status_code == 409
    assert problem_code(again) == "order_not_cancellable"
    assert len(transactions(db, payment_id, "REFUND")) == 1
    assert charged(client) == total_b

    ok(cancel(client, buyer, order_b["id"]))
    assert charged(client) == 0
    assert payment_row(db, payment_id).refunded_amount == total_a + total_b
    assert stock(client, world.seller_b, world.shop_b.sku_id) == (10, 0)
    # The remorse window passing later moves nothing.
    assert advance(client, world.admin, minutes=61)["released_from_hold"] == 0


def test_cancel_after_the_remorse_window_is_refused(
    client: TestClient, db: Database, world: World
) -> None:
    add_card(client, world.buyer, OK_CARD)
    [order] = checkout(client, world.buyer, {world.shop_a.sku_id: 1})["orders"]
    advance(client, world.admin, minutes=61)
    assert get_order(client, world.buyer, order["id"])["status"] == "AWAITING_SHIPMENT"
    refused = cancel(client, world.buyer, order["id"])
    assert refused.status_code == 409
    assert problem_code(refused) == "order_not_cancellable"
    assert get_order(client, world.buyer, order["id"])["status"] == "AWAITING_SHIPMENT"
    assert stock(client, world.seller_a, world.shop_a.sku_id) == (9, 1)
    assert charged(client) == minor(order, "total_amount")


def test_only_the_buyer_of_the_order_cancels_it(
    client: TestClient, db: Database, world: World
) -> None:
    add_card(client, world.buyer, OK_CARD)
    [order] = checkout(client, world.buyer, {world.shop_a.sku_id: 1})["orders"]
    stranger = make_actor(db, Role.BUYER, "stranger@test.dev")
    for actor in (stranger, world.seller_a, world.seller_b, world.agent):
        response = cancel(client, actor, order["id"])
        assert response.status_code == 404, (actor.role, response.text)
        assert problem_code(response) == "not_found"
    assert client.get(f"{API}/orders/{order['id']}", headers=stranger.headers).status_code == 404
    assert get_order(client, world.buyer, order["id"])["status"] == "ON_HOLD"
    assert stock(client, world.seller_a, world.shop_a.sku_id) == (9, 1)


# -- review hold ----------------------------------------------------------------------------


def test_billing_mismatch_holds_for_review_until_an_agent_clears(
    client: TestClient, db: Database, world: World
) -> None:
    buyer = world.buyer
    add_card(client, buyer, OK_CARD)
    result = checkout(
        client,
        buyer,
        {world.shop_a.sku_id: 1, world.shop_b.sku_id: 1},
        billing_address=BILLING_ELSEWHERE,
    )
    assert result["payment"]["status"] == "CAPTURED"
    order_a, order_b = by_shop(result, world)
    for order in (order_a, order_b):
        assert order["status"] == "ON_HOLD"
        assert (order["review_hold"], order["review_reason"]) == (True, MISMATCH)

    # The clock alone never releases an order on review.
    report = advance(client, world.admin, minutes=61)
    assert report["released_from_hold"] == 0
    report = advance(client, world.admin, hours=30)
    assert report["released_from_hold"] == 0
    seen = get_order(client, world.seller_a, order_a["id"])
    assert (seen["status"], seen["recipient_address"]) == ("ON_HOLD", None)

    cleared = ok(review(client, world.agent, order_a["id"], "CLEAR", "called the buyer"))
    assert (cleared["status"], cleared["review_hold"]) == ("ON_HOLD", False)
    report = advance(client, world.admin, minutes=1)
    assert report["released_from_hold"] == 1
    released = get_order(client, world.seller_a, order_a["id"])
    assert released["status"] == "AWAITING_SHIPMENT"
    assert released["recipient_address"] == {**ADDRESS, "address_line2": None}
    assert events(released) == [
        ("ORDER_PLACED", "BUYER", None, "UNPAID"),
        ("STATUS_CHANGED", "BUYER", "UNPAID", "ON_HOLD"),
        ("REVIEW_HOLD", "SYSTEM", None, None),
        ("REVIEW_CLEARED", "OPERATOR", None, None),
        ("STATUS_CHANGED", "SYSTEM", "ON_HOLD", "AWAITING_SHIPMENT"),
    ]
    assert released["timeline"][3]["actor_id"] == str(world.agent.id)
    assert released["timeline"][3]["reason"] == "called the buyer"
    # The other order of the checkout is still waiting for its own decision.
    assert get_order(client, buyer, order_b["id"])["status"] == "ON_HOLD"
    assert charged(client) == minor(order_a, "total_amount") + minor(order_b, "total_amount")


def test_review_cancel_cancels_and_refunds(client: TestClient, db: Database, world: World) -> None:
    buyer = world.buyer
    add_card(client, buyer, OK_CARD)
    result = checkout(
        client,
        buyer,
        {world.shop_a.sku_id: 2, world.shop_b.sku_id: 1},
        billing_address=BILLING_ELSEWHERE,
    )
    order_a, order_b = by_shop(result, world)
    total_a, total_b = minor(order_a, "total_amount"), minor(order_b, "total_amount")

    rejected = ok(review(client, world.supervisor, order_a["id"], "CANCEL", "stolen card"))
    assert rejected["status"] == "CANCELLED"
    assert rejected["cancelled_by"] == "OPERATOR"
    assert rejected["cancel_reason"] == "fraud review: stolen card"
    assert rejected["review_hold"] is False
    assert [e[0] for e in events(rejected)][-3:] == [
        "REVIEW_REJECTED",
        "STATUS_CHANGED",
        "CANCELLATION_COMPLETED",  # an OPERATOR Cancellation row
    ]
    assert events(rejected)[-2] == ("STATUS_CHANGED", "OPERATOR", "ON_HOLD", "CANCELLED")

    [refund] = transactions(db, result["payment"]["id"], "REFUND")
    assert (refund.status, refund.amount, refund.order_id) == (
        "SUCCEEDED",
        total_a,
        int(order_a["id"]),
    )
    assert payment_row(db, result["payment"]["id"]).refunded_amount == total_a
    assert charged(client) == total_b
    assert stock(client, world.seller_a, world.shop_a.sku_id) == (10, 0)
    assert stock(client, world.seller_b, world.shop_b.sku_id) == (9, 1)

    # Decided once: a second decision is refused.
    twice = review(client, world.agent, order_a["id"], "CLEAR", "oops")
    assert twice.status_code == 409
    assert problem_code(twice) == "not_on_review"


def test_only_staff_review_and_only_orders_on_review(
    client: TestClient, db: Database, world: World
) -> None:
    add_card(client, world.buyer, OK_CARD)
    [held] = checkout(
        client, world.buyer, {world.shop_a.sku_id: 1}, billing_address=BILLING_ELSEWHERE
    )["orders"]
    for actor in (world.buyer, world.seller_a):
        response = review(client, actor, held["id"], "CLEAR", "me")
        assert response.status_code == 403, response.text
    assert get_order(client, world.buyer, held["id"])["review_hold"] is True

    [plain] = checkout(client, world.buyer, {world.shop_a.sku_id: 1})["orders"]
    assert plain["review_hold"] is False
    response = review(client, world.agent, plain["id"], "CANCEL", "no reason")
    assert response.status_code == 409
    assert problem_code(response) == "not_on_review"
    assert get_order(client, world.buyer, plain["id"])["status"] == "ON_HOLD"


def test_same_billing_place_written_differently_is_no_mismatch(
    client: TestClient, db: Database, world: World
) -> None:
    add_card(client, world.buyer, OK_CARD)
    billing = address(address_line1="  2 ELM st ", name="A. Buyer", phone="+1 555 0199")
    [order] = checkout(client, world.buyer, {world.shop_a.sku_id: 1}, billing_address=billing)[
        "orders"
    ]
    assert (order["review_hold"], order["review_reason"]) == (False, None)


def test_three_failed_payments_in_an_hour_put_the_next_checkout_on_review(
    client: TestClient, db: Database, world: World
) -> None:
    buyer, sku = world.buyer, world.shop_a.sku_id
    add_card(client, buyer, DECLINED_CARD)
    good = add_card(client, buyer, OK_CARD)
    for _ in range(2):
        assert checkout(client, buyer, {sku: 1})["payment"]["status"] == "FAILED"
    [below] = checkout(client, buyer, {sku: 1}, payment_method_id=str(good))["orders"]
    assert below["review_hold"] is False  # two failures are not yet suspicious

    assert checkout(client, buyer, {sku: 1})["payment"]["status"] == "FAILED"
    [held] = checkout(client, buyer, {sku: 1}, payment_method_id=str(good))["orders"]
    assert held["status"] == "ON_HOLD"
    assert held["review_hold"] is True
    assert held["review_reason"] == "3 or more failed payments in the last hour"

    report = advance(client, world.admin, minutes=61)
    assert report["released_from_hold"] == 1  # the order placed before the third failure
    assert get_order(client, buyer, held["id"])["status"] == "ON_HOLD"
    assert get_order(client, buyer, below["id"])["status"] == "AWAITING_SHIPMENT"

    # An hour later the failures no longer count.
    [later] = checkout(client, buyer, {sku: 1}, payment_method_id=str(good))["orders"]
    assert later["review_hold"] is False


def test_longest_allowed_reason_and_note_fit(
    client: TestClient, db: Database, world: World
) -> None:
    """The API accepts a 200-character cancel reason and a 500-character review note; the
    derived texts ("order cancelled: ...", "fraud review: ...") must still be stored."""
    buyer = world.buyer
    add_card(client, buyer, OK_CARD)
    result = checkout(
        client,
        buyer,
        {world.shop_a.sku_id: 1, world.shop_b.sku_id: 1},
        billing_address=BILLING_ELSEWHERE,
    )
    order_a, order_b = by_shop(result, world)

    reason = "r" * 200
    response = client.post(
        f"{API}/orders/{order_a['id']}/cancel", json={"reason": reason}, headers=buyer.headers
    )
    cancelled = ok(response)
    assert cancelled["status"] == "CANCELLED"
    assert cancelled["cancel_reason"] == reason
    assert cancelled["timeline"][-2]["reason"] == reason

    note = "n" * 500
    rejected = ok(review(client, world.agent, order_b["id"], "CANCEL", note))
    assert rejected["status"] == "CANCELLED"
    assert rejected["cancel_reason"].startswith("fraud review: nnn")
    assert len(rejected["cancel_reason"]) <= 200
    assert [line["cancel_reason"] for line in rejected["line_items"]] == [rejected["cancel_reason"]]
    assert [e["reason"] for e in rejected["timeline"] if e["kind"] == "REVIEW_REJECTED"] == [note]

    refunds = transactions(db, result["payment"]["id"], "REFUND")
    assert [(t.status, t.order_id) for t in refunds] == [
        ("SUCCEEDED", int(order_a["id"])),
        ("SUCCEEDED", int(order_b["id"])),
    ]
    assert all(len(t.reason) <= 200 for t in refunds)
    assert charged(client) == 0
