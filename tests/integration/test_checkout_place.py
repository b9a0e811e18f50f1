"""Placing a checkout through the HTTP API: orders per shop, stock holds, payment, remorse."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from clipshop.core.db import Database
from clipshop.identity.principal import Role
from clipshop.models import InventoryMovement, Order, OrderLineItem, Payment, PaymentAttempt
from tests.conftest import World, make_actor, problem_code
from tests.integration.checkout_api import (
    ADDRESS,
    API,
    OK_CARD,
    add_card,
    advance,
    charged,
    checkout,
    checkout_body,
    count,
    events,
    get_order,
    minor,
    ok,
    parse_time,
    post_checkout,
    set_stock,
    stock,
)


def test_checkout_needs_an_idempotency_key(client: TestClient, db: Database, world: World) -> None:
    add_card(client, world.buyer, OK_CARD)
    response = client.post(
        f"{API}/checkout",
        json=checkout_body({world.shop_a.sku_id: 1}),
        headers=world.buyer.headers,
    )
    assert response.status_code == 400
    assert problem_code(response) == "idempotency_key_required"
    assert count(db, Order) == 0
    assert count(db, Payment) == 0
    assert stock(client, world.seller_a, world.shop_a.sku_id) == (10, 0)


def test_two_shop_checkout_places_one_order_per_shop_and_pays_once(
    client: TestClient, db: Database, world: World
) -> None:
    buyer, a, b = world.buyer, world.shop_a, world.shop_b
    card = add_card(client, buyer, OK_CARD)
    result = checkout(client, buyer, {a.sku_id: 2, b.sku_id: 1})

    orders = {o["shop_id"]: o for o in result["orders"]}
    assert set(orders) == {str(a.id), str(b.id)}
    order_a, order_b = orders[str(a.id)], orders[str(b.id)]
    # One line item per unit, each priced on its own.
    assert [line["sku_id"] for line in order_a["line_items"]] == [str(a.sku_id)] * 2
    assert [line["sku_id"] for line in order_b["line_items"]] == [str(b.sku_id)]
    assert {line["status"] for line in order_a["line_items"] + order_b["line_items"]} == {"ON_HOLD"}
    # 2 x 10.00 + default STANDARD 4.99 (no tax rate), and 10.00 + 4.99.
    assert minor(order_a, "total_amount") == 2499
    assert minor(order_b, "total_amount") == 1499
    total = 2499 + 1499

    # Stock moved from available to committed, exactly.
    assert stock(client, world.seller_a, a.sku_id) == (8, 2)
    assert stock(client, world.seller_b, b.sku_id) == (9, 1)
    with db.unit_of_work(write=False) as session:
        holds = session.query(InventoryMovement).filter_by(reason="ORDER_HOLD").all()
        assert sorted((m.sku_id, m.delta_available, m.delta_committed) for m in holds) == sorted(
            [(a.sku_id, -2, 2), (b.sku_id, -1, 1)]
        )

    # One payment, captured once, for both orders.
    payment = result["payment"]
    assert payment["status"] == "CAPTURED"
    assert payment["amount"]["minor_units"] == total
    assert payment["captured_amount"]["minor_units"] == total
    assert payment["refunded_amount"]["minor_units"] == 0
    assert sorted(payment["order_ids"]) == sorted([order_a["id"], order_b["id"]])
    assert charged(client) == total
    assert count(db, Payment) == 1
    assert count(db, PaymentAttempt) == 1
    with db.unit_of_work(write=False) as session:
        assert session.get_one(Payment, int(payment["id"])).method_id == card

    # Paid: ON_HOLD for the remorse window.
    for order in (order_a, order_b):
        assert order["status"] == "ON_HOLD"
        assert order["payment_failure"] is None
        assert order["review_hold"] is False
        assert order["buyer_id"] == str(buyer.id)
        paid_at, hold_until = parse_time(order["paid_at"]), parse_time(order["hold_until"])
        assert hold_until - paid_at == timedelta(minutes=60)
        assert order["recipient_address"] == {**ADDRESS, "address_line2": None}


def test_seller_sees_the_address_only_after_the_remorse_window(
    client: TestClient, db: Database, world: World
) -> None:
    buyer, a = world.buyer, world.shop_a
    add_card(client, buyer, OK_CARD)
    order = checkout(client, buyer, {a.sku_id: 1, world.shop_b.sku_id: 1})["orders"][0]
    assert order["shop_id"] == str(a.id)
    order_id = order["id"]

    seen = get_order(client, world.seller_a, order_id)
    assert seen["status"] == "ON_HOLD"
    assert seen["recipient_address"] is None
    listed = ok(client.get(f"{API}/orders", headers=world.seller_a.headers))["items"]
    assert [o["recipient_address"] for o in listed] == [None]
    # The other shop's seller does not see this order at all.
    assert client.get(f"{API}/orders/{order_id}", headers=world.seller_b.headers).status_code == 404
    # The buyer always sees it.
    assert get_order(client, buyer, order_id)["recipient_address"]["postal_code"] == "62702"

    # 59 minutes: still in the remorse window.
    report = advance(client, world.admin, minutes=59)
    assert report["released_from_hold"] == 0
    assert get_order(client, world.seller_a, order_id)["status"] == "ON_HOLD"

    report = advance(client, world.admin, minutes=2)
    assert report["released_from_hold"] == 2
    seen = get_order(client, world.seller_a, order_id)
    assert seen["status"] == "AWAITING_SHIPMENT"
    assert seen["recipient_address"] == {**ADDRESS, "address_line2": None}
    assert {line["status"] for line in seen["line_items"]} == {"AWAITING_SHIPMENT"}
    # Stock stays committed: the order still needs it.
    assert stock(client, world.seller_a, a.sku_id) == (9, 1)

    assert events(seen) == [
        ("ORDER_PLACED", "BUYER", None, "UNPAID"),
        ("STATUS_CHANGED", "BUYER", "UNPAID", "ON_HOLD"),
        ("STATUS_CHANGED", "SYSTEM", "ON_HOLD", "AWAITING_SHIPMENT"),
    ]
    assert [e["reason"] for e in seen["timeline"]] == [
        "",
        "payment captured",
        "remorse window ended",
    ]
    assert seen["timeline"][0]["actor_id"] == str(buyer.id)
    assert seen["timeline"][2]["actor_id"] is None


def test_sandbox_clock_is_for_admins_and_sellers_only(client: TestClient, world: World) -> None:
    for actor in (world.buyer, world.agent):
        response = client.post(
            f"{API}/sandbox/clock/advance", json={"minutes": 61}, headers=actor.headers
        )
        assert response.status_code == 403, response.text


def test_buyer_under_18_cannot_check_out(client: TestClient, db: Database, world: World) -> None:
    minor_buyer = make_actor(db, Role.BUYER, "kid@test.dev", age=17)
    add_card(client, minor_buyer, OK_CARD)
    response = post_checkout(client, minor_buyer, {world.shop_a.sku_id: 1})
    assert response.status_code == 403
    assert problem_code(response) == "buyer_under_18"
    assert count(db, Order) == 0
    assert count(db, Payment) == 0
    assert stock(client, world.seller_a, world.shop_a.sku_id) == (10, 0)
    assert charged(client) == 0
    quote = client.post(
        f"{API}/checkout/quote",
        json=checkout_body({world.shop_a.sku_id: 1}),
        headers=minor_buyer.headers,
    )
    assert quote.status_code == 403
    assert problem_code(quote) == "buyer_under_18"


def test_buyer_aged_18_can_check_out(client: TestClient, db: Database, world: World) -> None:
    adult = make_actor(db, Role.BUYER, "adult@test.dev", age=18)  # born on 1 January
    add_card(client, adult, OK_CARD)
    result = checkout(client, adult, {world.shop_a.sku_id: 1})
    assert result["payment"]["status"] == "CAPTURED"


def test_sold_out_line_fails_the_whole_checkout(
    client: TestClient, db: Database, world: World
) -> None:
    buyer, a, b = world.buyer, world.shop_a, world.shop_b
    add_card(client, buyer, OK_CARD)
    set_stock(client, b, b.sku_id, 1)
    movements_before = count(db, InventoryMovement)
    charged_before = charged(client)

    response = post_checkout(client, buyer, {a.sku_id: 3, b.sku_id: 2})
    assert response.status_code == 409
    assert problem_code(response) == "sold_out"
    assert response.json()["sku_id"] == str(b.sku_id)

    # Nothing for either shop: no order, no line, no stock held, no payment, no charge.
    assert count(db, Order) == 0
    assert count(db, OrderLineItem) == 0
    assert count(db, Payment) == 0
    assert count(db, PaymentAttempt) == 0
    assert count(db, InventoryMovement) == movements_before
    assert stock(client, world.seller_a, a.sku_id) == (10, 0)
    assert stock(client, world.seller_b, b.sku_id) == (1, 0)
    assert charged(client) == charged_before == 0

    # The last unit sells, and then the SKU is sold out for the next buyer.
    ok(post_checkout(client, buyer, {b.sku_id: 1}), 201)
    assert stock(client, world.seller_b, b.sku_id) == (0, 1)
    again = post_checkout(client, buyer, {b.sku_id: 1})
    assert again.status_code == 409
    assert problem_code(again) == "sold_out"


def test_checkout_of_the_cart_clears_the_checked_out_lines(
    client: TestClient, db: Database, world: World
) -> None:
    buyer, a, b = world.buyer, world.shop_a, world.shop_b
    add_card(client, buyer, OK_CARD)
    for sku, quantity in ((a.sku_id, 2), (b.sku_id, 1)):
        ok(
            client.put(
                f"{API}/cart/items/{sku}", json={"quantity": quantity}, headers=buyer.headers
            )
        )
    result = checkout(client, buyer, None)
    assert sorted(len(o["line_items"]) for o in result["orders"]) == [1, 2]
    assert ok(client.get(f"{API}/cart", headers=buyer.headers)) == {"items": []}

    # With explicit items the cart is left as it is.
    ok(client.put(f"{API}/cart/items/{a.sku_id}", json={"quantity": 1}, headers=buyer.headers))
    checkout(client, buyer, {b.sku_id: 1})
    assert ok(client.get(f"{API}/cart", headers=buyer.headers))["items"] == [
        {"sku_id": str(a.sku_id), "quantity": 1}
    ]
    # A failed checkout of the cart keeps it.
    set_stock(client, a, a.sku_id, 0)
    assert post_checkout(client, buyer, None).status_code == 409
    assert len(ok(client.get(f"{API}/cart", headers=buyer.headers))["items"]) == 1


def test_checkout_needs_a_payment_method_and_refuses_the_same_backup(
    client: TestClient, db: Database, world: World
) -> None:
    buyer, sku = world.buyer, world.shop_a.sku_id
    none = post_checkout(client, buyer, {sku: 1})
    assert none.status_code == 404
    assert problem_code(none) == "no_payment_method"
    card = add_card(client, buyer, OK_CARD)
    same = post_checkout(
        client, buyer, {sku: 1}, payment_method_id=str(card), backup_payment_method_id=str(card)
    )
    assert same.status_code == 422
    assert problem_code(same) == "invalid_backup_method"
    other_buyer = make_actor(db, Role.BUYER, "other@test.dev")
    foreign = post_checkout(client, other_buyer, {sku: 1}, payment_method_id=str(card))
    assert foreign.status_code == 404
    assert count(db, Order) == 0
    assert stock(client, world.seller_a, sku) == (10, 0)


def test_sellers_cannot_check_out(client: TestClient, world: World) -> None:
    response = post_checkout(client, world.seller_a, {world.shop_b.sku_id: 1})
    assert response.status_code == 403
    assert problem_code(response) == "buyers_only"


def test_a_line_split_over_two_warehouses_is_held_and_released_exactly(
    client: TestClient, db: Database, world: World
) -> None:
    buyer, a, seller = world.buyer, world.shop_a, world.seller_a
    add_card(client, buyer, "4000000000000002")  # declined: the orders stay UNPAID
    second = ok(
        client.post(
            f"{API}/shops/{a.id}/warehouses",
            json={
                "name": "Overflow",
                "address_line1": "5 Dock Rd",
                "city": "Peoria",
                "state": "IL",
                "postal_code": "61602",
                "country": "US",
            },
            headers=seller.headers,
        ),
        201,
    )["id"]
    ok(
        client.put(
            f"{API}/skus/{a.sku_id}/stock/{a.warehouse_id}",
            json={"available": 2},
            headers=seller.headers,
        )
    )
    ok(
        client.put(
            f"{API}/skus/{a.sku_id}/stock/{second}", json={"available": 3}, headers=seller.headers
        )
    )

    def levels() -> dict[str, tuple[int, int]]:
        body = ok(client.get(f"{API}/skus/{a.sku_id}/stock", headers=seller.headers))
        return {lv["warehouse_id"]: (lv["available"], lv["committed"]) for lv in body["levels"]}

    [order] = checkout(client, buyer, {a.sku_id: 4})["orders"]
    assert len(order["line_items"]) == 4
    # No single warehouse has 4: the larger gives 3, the other 1.
    assert levels() == {str(a.warehouse_id): (1, 1), second: (0, 3)}
    too_many = post_checkout(client, buyer, {a.sku_id: 2})
    assert too_many.status_code == 409
    assert problem_code(too_many) == "sold_out"
    assert levels() == {str(a.warehouse_id): (1, 1), second: (0, 3)}

    ok(client.post(f"{API}/orders/{order['id']}/cancel", json={}, headers=buyer.headers))
    assert levels() == {str(a.warehouse_id): (2, 0), second: (3, 0)}
