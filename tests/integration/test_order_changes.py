"""Address changes and order edits before shipment, through the HTTP API.

Shop A ships STANDARD at 5.00 in the US (rural postal codes 995xx: +3.00) and 15.00 to
Canada, EXPRESS at 12.00 in the US only; tax is 10 % in Illinois, 13 % in Canada, none in
Oregon. Every money assertion is exact: the order's waterfall, its lines, the payment's
amount / captured / refunded, the ledger rows of the order and the simulated gateway's net
take. Refused requests are checked to have changed nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select

from clipshop.api.app import create_app
from clipshop.core.clock import utcnow
from clipshop.core.db import Database
from clipshop.fulfillment.carriers import SimulatedCarrier
from clipshop.fulfillment.packages import ShipRequest, create_package
from clipshop.identity.principal import Role
from clipshop.models import (
    InventoryMovement,
    Order,
    OrderEdit,
    OrderEvent,
    OrderLineItem,
    Payment,
    PaymentTransaction,
    StockLevel,
)
from clipshop.orders import actions, lifecycle
from clipshop.orders.states import Actor as StateActor
from clipshop.payments.refunds import execute_refunds
from clipshop.payments.simulated import SimulatedGateway
from tests.conftest import Actor, World, make_actor, problem_code
from tests.fulfillment_support import paid_orders, ready_order, ship, tracking_number
from tests.integration.checkout_api import (
    ANSWER_LOST_CARD,
    API,
    DECLINED_CARD,
    OK_CARD,
    TIMEOUT_CARD,
    add_card,
    address,
    advance,
    cancel,
    charged,
    checkout,
    gateway,
    get_order,
    minor,
    ok,
    payment_row,
    set_stock,
    stock,
)
from tests.integration.native_api import snapshot

OREGON = address(address_line1="5 Pine Rd", city="Portland", state="OR", postal_code="97201")
RURAL_OREGON = address(
    address_line1="1 Ridge Rd", city="Fairbanks", state="OR", postal_code="99501"
)
TORONTO = address(
    address_line1="10 King St W", city="Toronto", state="ON", postal_code="M5H 1A1", country="CA"
)
NEXT_DOOR = address(address_line1="4 Elm St")  # Springfield IL too: same prices
WATCHED = (Order, OrderLineItem, Payment, PaymentTransaction, StockLevel, OrderEdit, OrderEvent)


# -- set-up --------------------------------------------------------------------------------


def profiles(client: TestClient, world: World) -> None:
    shop = world.shop_a
    standard = {
        "name": "Standard",
        "min_days": 3,
        "max_days": 6,
        "rates": [
            {"zone": "US", "max_weight_grams": None, "fee": 500},
            {"zone": "CA", "max_weight_grams": None, "fee": 1500},
        ],
        "rural_surcharge": 300,
        "rural_postal_prefixes": ["995"],
    }
    express = {
        "name": "Express",
        "min_days": 1,
        "max_days": 2,
        "rates": [{"zone": "US", "max_weight_grams": None, "fee": 1200}],
    }
    for service, body in (("STANDARD", standard), ("EXPRESS", express)):
        ok(
            client.put(
                f"{API}/shops/{shop.id}/shipping-profiles/{service}",
                json=body,
                headers=shop.owner.headers,
            )
        )


def taxes(client: TestClient, world: World) -> None:
    for country, state, rate in (("US", "IL", "10"), ("CA", "*", "13")):
        ok(
            client.put(
                f"{API}/tax-rates/{country}/{state}",
                json={"rate_percent": rate},
                headers=world.admin.headers,
            )
        )


@pytest.fixture
def priced(client: TestClient, world: World) -> World:
    profiles(client, world)
    taxes(client, world)
    return world


def one_order(client: TestClient, world: World, quantity: int = 2, **extra: Any) -> dict[str, Any]:
    """A paid order of shop A's 10.00 tee to Illinois (ON_HOLD)."""
    (order,) = paid_orders(client, world.buyer, {world.shop_a.sku_id: quantity}, **extra)
    return order


# -- reading -------------------------------------------------------------------------------


def post_address(client: TestClient, actor: Actor, order_id: str, body: dict[str, Any]) -> Response:
    response: Response = client.post(
        f"{API}/orders/{order_id}/address", json=body, headers=actor.headers
    )
    return response


def refused(response: Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert problem_code(response) == code, response.text
    body: dict[str, Any] = response.json()
    return body


def waterfall(order: dict[str, Any]) -> dict[str, int]:
    return {k: v["minor_units"] for k, v in order["payment"].items()}


def line_money(order: dict[str, Any]) -> list[tuple[str, int, int, int, int, int]]:
    """(status, original, seller discount, platform discount, sale price, tax) per line."""
    return [
        (
            line["status"],
            line["original_price"]["minor_units"],
            line["seller_discount"]["minor_units"],
            line["platform_discount"]["minor_units"],
            line["sale_price"]["minor_units"],
            line["tax"]["minor_units"],
        )
        for line in order["line_items"]
    ]


def assert_identities(order: dict[str, Any]) -> None:
    """The order's waterfall adds up, and equals the sum of its open lines."""
    p = waterfall(order)
    assert p["sub_total"] == (
        p["original_total_product_price"] - p["seller_discount"] - p["platform_discount"]
    )
    assert p["shipping_fee"] == (
        p["original_shipping_fee"]
        - p["shipping_fee_seller_discount"]
        - p["shipping_fee_platform_discount"]
    )
    assert p["total_amount"] == p["sub_total"] + p["shipping_fee"] + p["tax"]
    live = [x for x in line_money(order) if x[0] != "CANCELLED"]
    for _, original, seller, platform, sale, _ in live:
        assert sale == original - seller - platform
    assert p["original_total_product_price"] == sum(x[1] for x in live)
    assert p["seller_discount"] == sum(x[2] for x in live)
    assert p["platform_discount"] == sum(x[3] for x in live)
    assert p["sub_total"] == sum(x[4] for x in live)
    assert p["tax"] == sum(x[5] for x in live)


def ledger(db: Database, order_id: str) -> list[tuple[str, str, int]]:
    """(kind, status, amount) of the order's ledger rows, oldest first."""
    with db.unit_of_work(write=False) as session:
        rows = session.scalars(
            select(PaymentTransaction)
            .where(PaymentTransaction.order_id == int(order_id))
            .order_by(PaymentTransaction.id)
        ).all()
        return [(r.kind, r.status, r.amount) for r in rows]


def ledger_rows(db: Database, order_id: str) -> list[PaymentTransaction]:
    with db.unit_of_work(write=False) as session:
        return list(
            session.scalars(
                select(PaymentTransaction)
                .where(PaymentTransaction.order_id == int(order_id))
                .order_by(PaymentTransaction.id)
            )
        )


def money_of(db: Database, payment_id: str) -> tuple[int, int, int]:
    payment = payment_row(db, payment_id)
    return payment.amount, payment.captured_amount, payment.refunded_amount


def assert_money_held(db: Database, order: dict[str, Any]) -> None:
    """What the platform holds for the order (captures minus refunds) is its total."""
    rows = ledger(db, order["id"])
    held = sum(a for k, s, a in rows if k == "CAPTURE" and s == "SUCCEEDED") - sum(
        a for k, s, a in rows if k == "REFUND" and s != "FAILED"
    )
    expected = 0 if order["status"] == "CANCELLED" else minor(order, "total_amount")
    assert held == expected
    amount, captured, refunded = money_of(db, order["payment_id"])
    assert refunded <= captured <= amount


def timeline(order: dict[str, Any], *kinds: str) -> list[tuple[str, str, str | None, str]]:
    """(kind, actor_type, actor_id, reason) of the timeline entries of these kinds."""
    return [
        (e["kind"], e["actor_type"], e["actor_id"], e["reason"])
        for e in order["timeline"]
        if e["kind"] in kinds
    ]


CHANGE_KINDS = (
    "ADDRESS_CHANGED",
    "CHANGE_PAYMENT_FAILED",
    "CHANGE_NOT_APPLIED",
    "EDIT_PROPOSED",
    "EDIT_ACCEPTED",
    "EDIT_DECLINED",
    "EDIT_WITHDRAWN",
)


# -- the shipping address ------------------------------------------------------------------


def test_a_dearer_address_charges_the_difference(
    client: TestClient, db: Database, priced: World
) -> None:
    world = priced
    order = one_order(client, world)
    oid = order["id"]
    assert waterfall(order)["total_amount"] == 2000 + 500 + 200
    assert charged(client) == 2700

    body = ok(post_address(client, world.buyer, oid, TORONTO))
    assert body["amount_change"] == {"amount": "10.60", "currency": "USD", "minor_units": 1060}
    fresh = body["order"]
    assert fresh["recipient_address"] == {**TORONTO, "address_line2": None}
    assert waterfall(fresh) == {
        "original_total_product_price": 2000,
        "seller_discount": 0,
        "platform_discount": 0,
        "sub_total": 2000,
        "original_shipping_fee": 1500,
        "shipping_fee_seller_discount": 0,
        "shipping_fee_platform_discount": 0,
        "shipping_fee": 1500,
        "tax": 260,
        "total_amount": 3760,
        "refunded_amount": 0,  # an address change re-prices; it is not an after-sales refund
        "shipping_refunded": 0,
    }
    assert [x[5] for x in line_money(fresh)] == [130, 130]
    assert (fresh["delivery_min_days"], fresh["delivery_max_days"]) == (3, 6)
    assert fresh["status"] == "ON_HOLD"
    assert_identities(fresh)

    assert charged(client) == 3760
    assert money_of(db, order["payment_id"]) == (3760, 3760, 0)
    assert ledger(db, oid) == [("CAPTURE", "SUCCEEDED", 2700), ("CAPTURE", "SUCCEEDED", 1060)]
    extra = ledger_rows(db, oid)[1]
    assert extra.reason == "address change"
    assert extra.gateway_ref is not None and extra.gateway_ref.startswith("sim_CAPTURE_")
    assert_money_held(db, fresh)
    assert timeline(fresh, *CHANGE_KINDS) == [
        (
            "ADDRESS_CHANGED",
            "BUYER",
            str(world.buyer.id),
            "shipping address changed; total 27.00 USD -> 37.60 USD; charged 10.60 USD",
        )
    ]
    assert get_order(client, world.buyer, oid) == fresh


def test_a_cheaper_address_refunds_the_difference(
    client: TestClient, db: Database, priced: World
) -> None:
    world = priced
    order = one_order(client, world)
    oid, pid = order["id"], order["payment_id"]

    body = ok(post_address(client, world.buyer, oid, OREGON))
    assert body["amount_change"]["minor_units"] == -200
    fresh = body["order"]
    p = waterfall(fresh)
    assert (p["shipping_fee"], p["tax"], p["total_amount"]) == (500, 0, 2500)
    assert [x[5] for x in line_money(fresh)] == [0, 0]
    assert_identities(fresh)
    assert charged(client) == 2500
    assert money_of(db, pid) == (2700, 2700, 200)
    assert ledger(db, oid) == [("CAPTURE", "SUCCEEDED", 2700), ("REFUND", "SUCCEEDED", 200)]
    assert ledger_rows(db, oid)[1].reason == "address change"
    assert_money_held(db, fresh)

    # Rural Oregon costs 3.00 more to ship: charged, then the buyer cancels (ON_HOLD) and
    # gets exactly everything back.
    body = ok(post_address(client, world.buyer, oid, RURAL_OREGON))
    assert body["amount_change"]["minor_units"] == 300
    assert waterfall(body["order"])["original_shipping_fee"] == 800
    assert money_of(db, pid) == (3000, 3000, 200)
    assert charged(client) == 2800
    ok(cancel(client, world.buyer, oid))
    assert charged(client) == 0
    assert money_of(db, pid) == (3000, 3000, 3000)
    assert_money_held(db, get_order(client, world.buyer, oid))
    reasons = [e[3] for e in timeline(get_order(client, world.buyer, oid), "ADDRESS_CHANGED")]
    assert reasons == [
        "shipping address changed; total 27.00 USD -> 25.00 USD; refunded 2.00 USD",
        "shipping address changed; total 25.00 USD -> 28.00 USD; charged 3.00 USD",
    ]


def test_an_address_at_the_same_price_and_the_same_address(
    client: TestClient, db: Database, priced: World
) -> None:
    world = priced
    order = one_order(client, world)
    oid = order["id"]

    body = ok(post_address(client, world.buyer, oid, NEXT_DOOR))
    assert body["amount_change"]["minor_units"] == 0
    assert body["order"]["recipient_address"]["address_line1"] == "4 Elm St"
    assert waterfall(body["order"]) == waterfall(order)
    assert charged(client) == 2700
    assert ledger(db, oid) == [("CAPTURE", "SUCCEEDED", 2700)]
    assert timeline(body["order"], *CHANGE_KINDS) == [
        (
            "ADDRESS_CHANGED",
            "BUYER",
            str(world.buyer.id),
            "shipping address changed; total 27.00 USD -> 27.00 USD; nothing to pay or refund",
        )
    ]

    # Sending the current address again (a double tap) changes nothing at all.
    before = snapshot(db, *WATCHED)
    again = ok(post_address(client, world.buyer, oid, NEXT_DOOR))
    assert again["amount_change"]["minor_units"] == 0
    assert snapshot(db, *WATCHED) == before


def test_address_change_while_awaiting_shipment_and_never_after_a_package(
    client: TestClient, db: Database, priced: World
) -> None:
    world = priced
    order = ready_order(client, world.buyer, world.admin, {world.shop_a.sku_id: 2})
    oid = order["id"]
    ok(post_address(client, world.buyer, oid, OREGON))
    # The seller sees the new address once the order awaits shipment.
    seen = get_order(client, world.seller_a, oid)
    assert seen["recipient_address"]["city"] == "Portland"

    package = ship(client, world.seller_a, [oid], tracking_number("SX", "1000000001"))
    assert package["order_ids"] == [oid]
    before = snapshot(db, *WATCHED)
    body = refused(post_address(client, world.buyer, oid, TORONTO), 409, "already_shipped")
    assert "AWAITING_COLLECTION" in body["detail"]
    assert snapshot(db, *WATCHED) == before
    assert charged(client) == 2500


def test_address_change_refused_for_unpaid_and_cancelled_orders(
    client: TestClient, db: Database, priced: World
) -> None:
    world = priced
    add_card(client, world.buyer, DECLINED_CARD)
    result = checkout(client, world.buyer, {world.shop_a.sku_id: 1})
    (unpaid,) = result["orders"]
    assert unpaid["status"] == "UNPAID"
    before = snapshot(db, *WATCHED)
    refused(post_address(client, world.buyer, unpaid["id"], OREGON), 409, "order_not_paid")
    assert snapshot(db, *WATCHED) == before

    ok(cancel(client, world.buyer, unpaid["id"]))
    before = snapshot(db, *WATCHED)
    refused(post_address(client, world.buyer, unpaid["id"], OREGON), 409, "order_cancelled")
    assert snapshot(db, *WATCHED) == before


def test_only_the_buyer_changes_the_address(
    client: TestClient, db: Database, priced: World
) -> None:
    world = priced
    order = one_order(client, world)
    oid = order["id"]
    other_buyer = make_actor(db, Role.BUYER, "other.buyer@test.dev")
    before = snapshot(db, *WATCHED)
    refused(post_address(client, other_buyer, oid, OREGON), 404, "not_found")
    for actor in (world.seller_a, world.seller_b, world.agent, world.admin):
        refused(post_address(client, actor, oid, OREGON), 403, "forbidden")
    anon = client.post(f"{API}/orders/{oid}/address", json=OREGON)
    refused(anon, 401, "missing_token")
    refused(post_address(client, world.buyer, "123", OREGON), 404, "not_found")
    assert snapshot(db, *WATCHED) == before
    # Malformed addresses are 422, and a buyer can post no prices.
    bad = post_address(client, world.buyer, oid, {**OREGON, "country": "usa"})
    refused(bad, 422, "invalid_request")
    extra = post_address(client, world.buyer, oid, {**OREGON, "shipping_fee": 0})
    refused(extra, 422, "invalid_request")
    assert snapshot(db, *WATCHED) == before


def test_an_address_the_service_does_not_reach_is_refused(
    client: TestClient, db: Database, priced: World
) -> None:
    world = priced
    order = one_order(client, world, shipping_services={str(world.shop_a.id): "EXPRESS"})
    assert waterfall(order)["shipping_fee"] == 1200
    before = snapshot(db, *WATCHED)
    body = refused(post_address(client, world.buyer, order["id"], TORONTO), 422, "not_deliverable")
    assert body["country"] == "CA"
    assert snapshot(db, *WATCHED) == before


def remove_card(client: TestClient, buyer: Actor, method_id: str) -> None:
    ok(client.delete(f"{API}/payment-methods/{method_id}", headers=buyer.headers))


def paid_then_switch_card(client: TestClient, world: World, card: str | None) -> dict[str, Any]:
    """An order paid with the 4242 card, which the buyer then removes; ``card`` becomes the
    default method (or none is left)."""
    order = one_order(client, world)
    (method,) = ok(client.get(f"{API}/payment-methods", headers=world.buyer.headers))
    remove_card(client, world.buyer, method["id"])
    if card is not None:
        add_card(client, world.buyer, card, make_default=True)
    return order


def test_a_declined_charge_leaves_the_address_and_says_why(
    client: TestClient, db: Database, priced: World
) -> None:
    world = priced
    order = paid_then_switch_card(client, world, DECLINED_CARD)
    oid = order["id"]
    before = snapshot(db, Order, OrderLineItem, Payment, StockLevel)

    body = refused(post_address(client, world.buyer, oid, TORONTO), 402, "payment_failed")
    assert body["failure_code"] == "card_declined"
    assert body["detail"] == (
        "charging the difference of 10.60 USD failed: The card was declined by the issuer. "
        "The order was not changed."
    )
    assert snapshot(db, Order, OrderLineItem, Payment, StockLevel) == before
    assert charged(client) == 2700
    assert ledger(db, oid) == [("CAPTURE", "SUCCEEDED", 2700), ("CAPTURE", "FAILED", 1060)]
    assert ledger_rows(db, oid)[1].reason == "address change (card_declined)"
    fresh = get_order(client, world.buyer, oid)
    assert fresh["recipient_address"]["city"] == "Springfield"
    assert timeline(fresh, *CHANGE_KINDS) == [
        (
            "CHANGE_PAYMENT_FAILED",
            "BUYER",
            str(world.buyer.id),
            "address change: 10.60 USD: The card was declined by the issuer.",
        )
    ]
    # A cheaper address needs no card: it still works.
    assert ok(post_address(client, world.buyer, oid, OREGON))["amount_change"]["minor_units"] == (
        -200
    )


def test_no_card_left_to_charge(client: TestClient, db: Database, priced: World) -> None:
    world = priced
    order = paid_then_switch_card(client, world, None)
    before = snapshot(db, *WATCHED)
    refused(post_address(client, world.buyer, order["id"], TORONTO), 409, "no_payment_method")
    assert snapshot(db, *WATCHED) == before


def test_an_unanswered_charge_blocks_changes_until_the_reconciler_settles_it(
    client: TestClient, db: Database, priced: World
) -> None:
    world = priced
    order = paid_then_switch_card(client, world, TIMEOUT_CARD)
    oid, pid = order["id"], order["payment_id"]
    before = snapshot(db, Order, OrderLineItem, Payment, StockLevel)
    refused(post_address(client, world.buyer, oid, TORONTO), 409, "payment_unconfirmed")
    assert ledger(db, oid) == [("CAPTURE", "SUCCEEDED", 2700), ("CAPTURE", "PENDING", 1060)]
    # While the bank's answer is unknown, no other change of the order runs.
    refused(post_address(client, world.buyer, oid, OREGON), 409, "change_in_progress")
    assert snapshot(db, Order, OrderLineItem, Payment, StockLevel) == before

    assert advance(client, world.admin, minutes=1)["reconciled_payments"] == 0
    assert advance(client, world.admin, minutes=2)["reconciled_payments"] == 1
    assert ledger(db, oid) == [("CAPTURE", "SUCCEEDED", 2700), ("CAPTURE", "FAILED", 1060)]
    assert ledger_rows(db, oid)[1].reason == "address change (no_answer)"
    assert snapshot(db, Order, OrderLineItem, Payment, StockLevel) == before
    assert charged(client) == 2700
    assert money_of(db, pid) == (2700, 2700, 0)
    # Settled: changes run again.
    ok(post_address(client, world.buyer, oid, OREGON))


def test_a_charge_whose_answer_was_lost_is_refunded_by_the_reconciler(
    client: TestClient, db: Database, priced: World
) -> None:
    world = priced
    order = paid_then_switch_card(client, world, ANSWER_LOST_CARD)
    oid, pid = order["id"], order["payment_id"]
    refused(post_address(client, world.buyer, oid, TORONTO), 409, "payment_unconfirmed")
    assert charged(client) == 2700  # authorized, not captured yet

    assert advance(client, world.admin, minutes=3)["reconciled_payments"] == 1
    assert ledger(db, oid) == [
        ("CAPTURE", "SUCCEEDED", 2700),
        ("CAPTURE", "SUCCEEDED", 1060),
        ("REFUND", "SUCCEEDED", 1060),
    ]
    assert money_of(db, pid) == (3760, 3760, 1060)
    assert charged(client) == 2700
    fresh = get_order(client, world.buyer, oid)
    assert fresh["recipient_address"]["city"] == "Springfield"
    assert waterfall(fresh)["total_amount"] == 2700
    assert_money_held(db, fresh)
    assert timeline(fresh, *CHANGE_KINDS) == [
        (
            "CHANGE_NOT_APPLIED",
            "SYSTEM",
            None,
            "address change: the bank answered late (10.60 USD charged and refunded)",
        )
    ]
    assert advance(client, world.admin, minutes=3)["reconciled_payments"] == 0


class HookedGateway(SimulatedGateway):
    """The simulated gateway, running ``hook`` once right after capturing a change's charge:
    something else happens to the order while its buyer is paying."""

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self.hook: Callable[[], None] | None = None

    def capture(self, reference: str, amount: int, currency: str, idempotency_key: str) -> Any:
        result = super().capture(reference, amount, currency, idempotency_key)
        hook, self.hook = self.hook, None
        if hook is not None and idempotency_key.startswith("chgcap_"):
            hook()
        return result


@pytest.fixture
def hooked(db: Database) -> tuple[TestClient, HookedGateway]:
    gateway = HookedGateway(db)
    app = create_app(db.settings, db, gateway=gateway)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        return test_client, gateway


def test_shipped_while_paying_the_difference_refunds_it(
    db: Database, world: World, hooked: tuple[TestClient, HookedGateway]
) -> None:
    client, gateway = hooked
    profiles(client, world)
    taxes(client, world)
    order = ready_order(client, world.buyer, world.admin, {world.shop_a.sku_id: 2})
    oid, pid = order["id"], order["payment_id"]

    def seller_ships() -> None:
        request = ShipRequest(
            order_ids=[int(oid)],
            line_item_ids=None,
            shipping_type="SELLER",
            provider_code="SIMEX",
            tracking_number=tracking_number("SX", "1000000002"),
            sim_scenario="never_collected",
        )
        with db.unit_of_work() as session:
            create_package(session, world.seller_a.principal, SimulatedCarrier(), request)

    gateway.hook = seller_ships
    body = refused(post_address(client, world.buyer, oid, TORONTO), 409, "already_shipped")
    assert "AWAITING_COLLECTION" in body["detail"]
    fresh = get_order(client, world.buyer, oid)
    assert fresh["status"] == "AWAITING_COLLECTION"
    assert fresh["recipient_address"]["city"] == "Springfield"
    assert waterfall(fresh)["total_amount"] == 2700
    assert ledger(db, oid) == [
        ("CAPTURE", "SUCCEEDED", 2700),
        ("CAPTURE", "SUCCEEDED", 1060),
        ("REFUND", "SUCCEEDED", 1060),
    ]
    assert ledger_rows(db, oid)[2].reason == "address change not applied: refund"
    assert money_of(db, pid) == (3760, 3760, 1060)
    assert charged(client) == 2700
    assert_money_held(db, fresh)
    ((kind, actor, _, reason),) = timeline(fresh, *CHANGE_KINDS)
    assert (kind, actor) == ("CHANGE_NOT_APPLIED", "SYSTEM")
    assert reason.endswith("(10.60 USD charged and refunded)")


def test_cancelled_while_paying_the_difference_refunds_everything(
    db: Database, world: World, hooked: tuple[TestClient, HookedGateway]
) -> None:
    client, gateway = hooked
    profiles(client, world)
    taxes(client, world)
    order = one_order(client, world)
    oid, pid = order["id"], order["payment_id"]

    def buyer_cancels() -> None:
        actions.buyer_cancel(db, gateway, world.buyer.principal, int(oid), "changed my mind")

    gateway.hook = buyer_cancels
    refused(post_address(client, world.buyer, oid, TORONTO), 409, "order_cancelled")
    fresh = get_order(client, world.buyer, oid)
    assert fresh["status"] == "CANCELLED"
    assert ledger(db, oid) == [
        ("CAPTURE", "SUCCEEDED", 2700),
        ("CAPTURE", "SUCCEEDED", 1060),  # opened before the cancellation
        ("REFUND", "SUCCEEDED", 2700),  # the cancellation: the total before the change
        ("REFUND", "SUCCEEDED", 1060),  # the charge of the change that could not apply
    ]
    assert money_of(db, pid) == (3760, 3760, 3760)
    assert charged(client) == 0
    assert_money_held(db, fresh)
    assert stock(client, world.seller_a, world.shop_a.sku_id) == (10, 0)


# -- order edits ---------------------------------------------------------------------------


def sized(client: TestClient, world: World) -> dict[str, int]:
    """A hoodie in S (10.00), M (12.00), L (9.00) and XL (15.00), 5 of each in stock."""
    shop = world.shop_a
    prices = {"S": "10.00", "M": "12.00", "L": "9.00", "XL": "15.00"}
    body = {
        "title": "Hoodie",
        "skus": [
            {"seller_sku": f"HOOD-{size}", "name": size, "attributes": {"size": size}, "price": p}
            for size, p in prices.items()
        ],
    }
    product = ok(
        client.post(f"{API}/shops/{shop.id}/products", json=body, headers=shop.owner.headers), 201
    )
    ids = {sku["name"]: int(sku["id"]) for sku in product["skus"]}
    for sku_id in ids.values():
        set_stock(client, shop, sku_id, 5)
    return ids


@pytest.fixture
def hoodies(client: TestClient, world: World) -> dict[str, int]:
    taxes(client, world)
    return sized(client, world)


def edit_order(
    client: TestClient, world: World, sizes: dict[str, int], total: int = 4019
) -> dict[str, Any]:
    """Two S and one M to Illinois, awaiting shipment: 32.00 + 4.99 shipping (the default
    rate table) + 3.20 tax = 40.19."""
    order = ready_order(client, world.buyer, world.admin, {sizes["S"]: 2, sizes["M"]: 1})
    assert waterfall(order)["total_amount"] == total
    return order


def lines_by_sku(order: dict[str, Any], sku_id: int) -> list[str]:
    return [x["id"] for x in order["line_items"] if x["sku_id"] == str(sku_id)]


def propose(
    client: TestClient, actor: Actor, order_id: str, changes: list[dict[str, Any]], note: str = ""
) -> Response:
    response: Response = client.post(
        f"{API}/orders/{order_id}/edits",
        json={"changes": changes, "note": note},
        headers=actor.headers,
    )
    return response


def decide(
    client: TestClient, actor: Actor, order_id: str, edit_id: str, verb: str, **body: Any
) -> Response:
    response: Response = client.post(
        f"{API}/orders/{order_id}/edits/{edit_id}/{verb}", json=body or None, headers=actor.headers
    )
    return response


def stocks(client: TestClient, world: World, sizes: dict[str, int]) -> dict[str, tuple[int, int]]:
    return {size: stock(client, world.seller_a, sku_id) for size, sku_id in sizes.items()}


def test_edit_remove_releases_stock_and_refunds(
    client: TestClient, db: Database, world: World, hoodies: dict[str, int]
) -> None:
    order = edit_order(client, world, hoodies)
    oid, pid = order["id"], order["payment_id"]
    first_s = lines_by_sku(order, hoodies["S"])[0]
    proposed = ok(
        propose(
            client,
            world.seller_a,
            oid,
            [{"action": "REMOVE", "line_item_id": first_s}],
            note="only one S left in a good state",
        ),
        201,
    )
    assert proposed["status"] == "PROPOSED"
    assert proposed["changes"] == [
        {"action": "REMOVE", "line_item_id": first_s, "new_sku_id": None, "sku_id": None}
    ]
    assert proposed["proposed_by"] == str(world.seller_a.id)
    assert proposed["preview"] == {
        "total_amount": {"amount": "29.19", "currency": "USD", "minor_units": 2919},
        "amount_change": {"amount": "-11.00", "currency": "USD", "minor_units": -1100},
    }
    assert proposed["amount_change"] is None
    # Proposing changes nothing yet.
    assert stocks(client, world, hoodies)["S"] == (3, 2)
    assert charged(client) == 4019

    accepted = ok(decide(client, world.buyer, oid, proposed["id"], "accept"))
    assert accepted["status"] == "ACCEPTED"
    assert accepted["amount_change"]["minor_units"] == -1100
    assert accepted["decided_by"] == str(world.buyer.id)
    assert accepted["preview"] is None
    fresh = get_order(client, world.buyer, oid)
    removed = next(x for x in fresh["line_items"] if x["id"] == first_s)
    assert removed["status"] == "CANCELLED"
    assert removed["cancel_reason"] == f"removed by order edit {proposed['id']}"
    assert [x["status"] for x in fresh["line_items"]].count("AWAITING_SHIPMENT") == 2
    p = waterfall(fresh)
    assert (p["sub_total"], p["shipping_fee"], p["tax"], p["total_amount"]) == (
        2200,
        499,
        220,
        2919,
    )
    assert_identities(fresh)
    assert stocks(client, world, hoodies) == {"S": (4, 1), "M": (4, 1), "L": (5, 0), "XL": (5, 0)}
    assert money_of(db, pid) == (4019, 4019, 1100)
    assert ledger(db, oid) == [("CAPTURE", "SUCCEEDED", 4019), ("REFUND", "SUCCEEDED", 1100)]
    assert ledger_rows(db, oid)[1].reason == f"order edit {proposed['id']}"
    assert charged(client) == 2919
    assert_money_held(db, fresh)
    eid = proposed["id"]
    assert timeline(fresh, *CHANGE_KINDS) == [
        (
            "EDIT_PROPOSED",
            "SELLER",
            str(world.seller_a.id),
            f"edit {eid} proposed: remove 1; only one S left in a good state",
        ),
        (
            "EDIT_ACCEPTED",
            "BUYER",
            str(world.buyer.id),
            f"edit {eid} applied; total 40.19 USD -> 29.19 USD; refunded 11.00 USD",
        ),
    ]
    # The released unit is recorded in the stock ledger.
    with db.unit_of_work(write=False) as session:
        moves = session.scalars(
            select(InventoryMovement)
            .where(InventoryMovement.sku_id == hoodies["S"])
            .order_by(InventoryMovement.id)
        ).all()
        assert (moves[-1].reason, moves[-1].delta_available, moves[-1].note) == (
            "ORDER_RELEASE",
            1,
            f"order {oid} edit {eid}",
        )
    # The removed item does not ship: the package takes the two others.
    package = ship(client, world.seller_a, [oid], tracking_number("SX", "1000000003"))
    assert first_s not in package["line_item_ids"]
    assert len(package["line_item_ids"]) == 2


def test_edit_swaps_cheaper_and_dearer_with_the_seller_discount(
    client: TestClient, db: Database, world: World, hoodies: dict[str, int]
) -> None:
    order = edit_order(client, world, hoodies)
    oid, pid = order["id"], order["payment_id"]
    s1, s2 = lines_by_sku(order, hoodies["S"])
    # XL has a 2.00 seller discount now: 13.00, tax 1.30.
    now = utcnow()
    ok(
        client.post(
            f"{API}/skus/{hoodies['XL']}/discounts",
            json={
                "discount_amount": 200,
                "starts_at": (now - timedelta(hours=1)).isoformat(),
                "ends_at": (now + timedelta(days=1)).isoformat(),
            },
            headers=world.seller_a.headers,
        ),
        201,
    )
    cheaper = ok(
        propose(
            client,
            world.seller_a,
            oid,
            [{"action": "SWAP", "line_item_id": s1, "new_sku_id": str(hoodies["L"])}],
        ),
        201,
    )
    assert cheaper["preview"]["amount_change"]["minor_units"] == 900 + 90 - 1100
    ok(decide(client, world.buyer, oid, cheaper["id"], "accept"))
    dearer = ok(
        propose(
            client,
            world.seller_a,
            oid,
            [{"action": "SWAP", "line_item_id": s2, "new_sku_id": str(hoodies["XL"])}],
        ),
        201,
    )
    assert dearer["preview"]["amount_change"]["minor_units"] == 1300 + 130 - 1100
    accepted = ok(decide(client, world.buyer, oid, dearer["id"], "accept"))
    assert accepted["amount_change"]["minor_units"] == 330

    fresh = get_order(client, world.buyer, oid)
    by_id = {x["id"]: x for x in fresh["line_items"]}
    assert (by_id[s1]["sku_id"], by_id[s1]["sku_name"], by_id[s1]["seller_sku"]) == (
        str(hoodies["L"]),
        "L",
        "HOOD-L",
    )
    assert (by_id[s2]["sku_id"], by_id[s2]["sku_name"]) == (str(hoodies["XL"]), "XL")
    assert line_money({"line_items": [by_id[s1], by_id[s2]]}) == [
        ("AWAITING_SHIPMENT", 900, 0, 0, 900, 90),
        ("AWAITING_SHIPMENT", 1500, 200, 0, 1300, 130),
    ]
    p = waterfall(fresh)
    assert (p["original_total_product_price"], p["seller_discount"], p["tax"]) == (
        900 + 1500 + 1200,
        200,
        90 + 130 + 120,
    )
    assert p["total_amount"] == 4019 - 110 + 330
    assert_identities(fresh)
    assert stocks(client, world, hoodies) == {"S": (5, 0), "M": (4, 1), "L": (4, 1), "XL": (4, 1)}
    assert money_of(db, pid) == (4019 + 330, 4019 + 330, 110)
    assert ledger(db, oid) == [
        ("CAPTURE", "SUCCEEDED", 4019),
        ("REFUND", "SUCCEEDED", 110),
        ("CAPTURE", "SUCCEEDED", 330),
    ]
    assert ledger_rows(db, oid)[2].reason == f"order edit {dearer['id']}"
    assert charged(client) == 4019 - 110 + 330
    assert_money_held(db, fresh)


def test_edit_add_holds_stock_and_charges_at_todays_price(
    client: TestClient, db: Database, world: World, hoodies: dict[str, int]
) -> None:
    order = edit_order(client, world, hoodies)
    oid, pid = order["id"], order["payment_id"]
    # M costs 12.50 now: the added unit pays today's price, the ordered one keeps its own.
    ok(
        client.patch(
            f"{API}/skus/{hoodies['M']}", json={"price": "12.50"}, headers=world.seller_a.headers
        )
    )
    edit = ok(
        propose(client, world.seller_a, oid, [{"action": "ADD", "sku_id": str(hoodies["M"])}]), 201
    )
    accepted = ok(decide(client, world.buyer, oid, edit["id"], "accept"))
    assert accepted["amount_change"]["minor_units"] == 1250 + 125
    fresh = get_order(client, world.buyer, oid)
    assert len(fresh["line_items"]) == 4
    added = fresh["line_items"][-1]
    assert added["id"] not in {x["id"] for x in order["line_items"]}
    assert (added["sku_id"], added["product_name"], added["seller_sku"], added["status"]) == (
        str(hoodies["M"]),
        "Hoodie",
        "HOOD-M",
        "AWAITING_SHIPMENT",
    )
    assert [x[1] for x in line_money(fresh) if x[4] > 1000] == [1200, 1250]
    assert waterfall(fresh)["total_amount"] == 4019 + 1375
    assert_identities(fresh)
    assert stocks(client, world, hoodies)["M"] == (3, 2)
    assert money_of(db, pid) == (5394, 5394, 0)
    assert charged(client) == 5394
    assert_money_held(db, fresh)
    # Shipping the order ships the added unit too.
    package = ship(client, world.seller_a, [oid], tracking_number("SX", "1000000004"))
    assert added["id"] in package["line_item_ids"]


def test_edit_with_several_changes_and_the_list_of_edits(
    client: TestClient, db: Database, world: World, hoodies: dict[str, int]
) -> None:
    order = edit_order(client, world, hoodies)
    oid = order["id"]
    s1, s2 = lines_by_sku(order, hoodies["S"])
    changes = [
        {"action": "REMOVE", "line_item_id": s1},
        {"action": "SWAP", "line_item_id": s2, "new_sku_id": str(hoodies["L"])},
        {"action": "ADD", "sku_id": str(hoodies["M"])},
    ]
    first = ok(propose(client, world.seller_a, oid, changes), 201)
    # -1100 (S) - 110 (S -> L) + 1320 (M) = +110
    assert first["preview"]["amount_change"]["minor_units"] == 110
    refused(propose(client, world.seller_a, oid, changes), 409, "edit_pending")
    ok(decide(client, world.seller_a, oid, first["id"], "withdraw"))
    second = ok(propose(client, world.seller_a, oid, changes, note="again"), 201)
    ok(decide(client, world.buyer, oid, second["id"], "accept"))
    fresh = get_order(client, world.buyer, oid)
    assert waterfall(fresh)["total_amount"] == 4019 + 110
    assert [x[0] for x in line_money(fresh)] == [
        "CANCELLED",
        "AWAITING_SHIPMENT",
        "AWAITING_SHIPMENT",
        "AWAITING_SHIPMENT",
    ]
    assert_identities(fresh)
    assert stocks(client, world, hoodies) == {"S": (5, 0), "M": (3, 2), "L": (4, 1), "XL": (5, 0)}
    assert_money_held(db, fresh)

    listed = ok(client.get(f"{API}/orders/{oid}/edits", headers=world.buyer.headers))["items"]
    assert [(e["id"], e["status"]) for e in listed] == [
        (second["id"], "ACCEPTED"),
        (first["id"], "WITHDRAWN"),
    ]
    assert listed[0]["amount_change"]["minor_units"] == 110
    assert listed[1]["decided_by"] == str(world.seller_a.id)
    assert ok(client.get(f"{API}/orders/{oid}/edits", headers=world.seller_a.headers)) == {
        "items": listed
    }
    one = ok(client.get(f"{API}/orders/{oid}/edits/{first['id']}", headers=world.agent.headers))
    assert one == listed[1]
    for actor in (world.seller_b, make_actor(db, Role.BUYER, "b2@test.dev")):
        refused(client.get(f"{API}/orders/{oid}/edits", headers=actor.headers), 404, "not_found")
    assert [e[0] for e in timeline(fresh, *CHANGE_KINDS)] == [
        "EDIT_PROPOSED",
        "EDIT_WITHDRAWN",
        "EDIT_PROPOSED",
        "EDIT_ACCEPTED",
    ]
    assert timeline(fresh, "EDIT_PROPOSED")[1][3] == (
        f"edit {second['id']} proposed: remove 1, swap 1, add 1; again"
    )


def test_declined_and_withdrawn_edits_change_nothing(
    client: TestClient, db: Database, world: World, hoodies: dict[str, int]
) -> None:
    order = edit_order(client, world, hoodies)
    oid = order["id"]
    s1 = lines_by_sku(order, hoodies["S"])[0]
    remove = [{"action": "REMOVE", "line_item_id": s1}]
    money_tables = (Order, OrderLineItem, Payment, PaymentTransaction, StockLevel)
    before = snapshot(db, *money_tables)

    edit = ok(propose(client, world.seller_a, oid, remove), 201)
    declined = ok(decide(client, world.buyer, oid, edit["id"], "decline", reason="keep both"))
    assert (declined["status"], declined["decision_note"], declined["decided_by"]) == (
        "DECLINED",
        "keep both",
        str(world.buyer.id),
    )
    assert declined["decided_at"] is not None
    refused(decide(client, world.buyer, oid, edit["id"], "accept"), 409, "edit_not_open")
    refused(decide(client, world.seller_a, oid, edit["id"], "withdraw"), 409, "edit_not_open")

    edit2 = ok(propose(client, world.seller_a, oid, remove), 201)
    ok(decide(client, world.seller_a, oid, edit2["id"], "withdraw"))
    refused(decide(client, world.buyer, oid, edit2["id"], "accept"), 409, "edit_not_open")
    assert snapshot(db, *money_tables) == before
    assert charged(client) == 4019
    fresh = get_order(client, world.buyer, oid)
    assert timeline(fresh, "EDIT_DECLINED", "EDIT_WITHDRAWN") == [
        ("EDIT_DECLINED", "BUYER", str(world.buyer.id), f"edit {edit['id']} declined: keep both"),
        ("EDIT_WITHDRAWN", "SELLER", str(world.seller_a.id), f"edit {edit2['id']} withdrawn"),
    ]


def test_a_sold_out_swap_is_refused_and_nothing_changes(
    client: TestClient, db: Database, world: World, hoodies: dict[str, int]
) -> None:
    order = edit_order(client, world, hoodies)
    oid = order["id"]
    s1 = lines_by_sku(order, hoodies["S"])[0]
    for size in ("L", "XL"):  # cheaper (applied at once) and dearer (checked before charging)
        edit = ok(
            propose(
                client,
                world.seller_a,
                oid,
                [{"action": "SWAP", "line_item_id": s1, "new_sku_id": str(hoodies[size])}],
            ),
            201,
        )
        set_stock(client, world.shop_a, hoodies[size], 0)
        before = snapshot(db, *WATCHED, InventoryMovement)
        body = refused(decide(client, world.buyer, oid, edit["id"], "accept"), 409, "sold_out")
        assert body["sku_id"] == str(hoodies[size])
        assert snapshot(db, *WATCHED, InventoryMovement) == before
        assert charged(client) == 4019
        ok(decide(client, world.seller_a, oid, edit["id"], "withdraw"))
    assert waterfall(get_order(client, world.buyer, oid))["total_amount"] == 4019


def test_edits_only_while_awaiting_shipment_and_nothing_packed(
    client: TestClient, db: Database, world: World, hoodies: dict[str, int]
) -> None:
    on_hold = one_order(client, world, quantity=2)
    line = on_hold["line_items"][0]["id"]
    remove = [{"action": "REMOVE", "line_item_id": line}]
    refused(propose(client, world.seller_a, on_hold["id"], remove), 409, "order_on_hold")

    order = edit_order(client, world, hoodies)
    oid = order["id"]
    s1, s2 = lines_by_sku(order, hoodies["S"])
    edit = ok(propose(client, world.seller_a, oid, [{"action": "REMOVE", "line_item_id": s1}]), 201)
    ship(client, world.seller_a, [oid], tracking_number("SX", "1000000005"), line_item_ids=[s2])
    before = snapshot(db, *WATCHED)
    refused(decide(client, world.buyer, oid, edit["id"], "accept"), 409, "already_shipped")
    refused(
        propose(client, world.seller_a, oid, [{"action": "REMOVE", "line_item_id": s1}]),
        409,
        "already_shipped",
    )
    assert snapshot(db, *WATCHED) == before
    listed = ok(client.get(f"{API}/orders/{oid}/edits", headers=world.buyer.headers))["items"]
    assert (listed[0]["status"], listed[0]["preview"]) == ("PROPOSED", None)


def test_edits_that_make_no_sense_are_refused(
    client: TestClient, db: Database, world: World, hoodies: dict[str, int]
) -> None:
    order = edit_order(client, world, hoodies)
    other = ready_order(client, world.buyer, world.admin, {world.shop_a.sku_id: 1})
    oid = order["id"]
    s1, s2 = lines_by_sku(order, hoodies["S"])
    (m1,) = lines_by_sku(order, hoodies["M"])
    tee = world.shop_a.sku_id
    before = snapshot(db, *WATCHED)
    cases: list[tuple[list[dict[str, Any]], int, str]] = [
        (
            [{"action": "REMOVE", "line_item_id": x} for x in (s1, s2, m1)],
            409,
            "edit_removes_all_items",
        ),
        ([{"action": "SWAP", "line_item_id": s1, "new_sku_id": str(tee)}], 422, "invalid_edit"),
        (
            [{"action": "SWAP", "line_item_id": s1, "new_sku_id": str(hoodies["S"])}],
            422,
            "invalid_edit",
        ),
        ([{"action": "SWAP", "line_item_id": s1, "new_sku_id": "123"}], 409, "sku_not_sellable"),
        ([{"action": "ADD", "sku_id": str(hoodies["L"])}], 422, "invalid_edit"),
        ([{"action": "REMOVE", "line_item_id": other["line_items"][0]["id"]}], 422, "invalid_edit"),
        (
            [
                {"action": "REMOVE", "line_item_id": s1},
                {"action": "SWAP", "line_item_id": s1, "new_sku_id": str(hoodies["L"])},
            ],
            422,
            "invalid_edit",
        ),
        ([], 422, "invalid_request"),
        ([{"action": "RENAME", "line_item_id": s1}], 422, "invalid_request"),
        ([{"action": "REMOVE", "line_item_id": s1, "price": 0}], 422, "invalid_request"),
    ]
    for changes, status, code in cases:
        refused(propose(client, world.seller_a, oid, changes), status, code)
    # Another shop's SKU of the same kind is not a variant of this product either.
    foreign = world.shop_b.sku_id
    refused(
        propose(
            client,
            world.seller_a,
            oid,
            [{"action": "SWAP", "line_item_id": s1, "new_sku_id": str(foreign)}],
        ),
        422,
        "invalid_edit",
    )
    assert snapshot(db, *WATCHED) == before


def test_who_proposes_and_who_decides(
    client: TestClient, db: Database, world: World, hoodies: dict[str, int]
) -> None:
    order = edit_order(client, world, hoodies)
    oid = order["id"]
    remove = [{"action": "REMOVE", "line_item_id": lines_by_sku(order, hoodies["S"])[0]}]
    other_buyer = make_actor(db, Role.BUYER, "other.buyer@test.dev")
    before = snapshot(db, *WATCHED)
    refused(propose(client, world.buyer, oid, remove), 403, "forbidden")
    refused(propose(client, world.agent, oid, remove), 403, "forbidden")
    refused(propose(client, world.seller_b, oid, remove), 404, "not_found")
    assert snapshot(db, *WATCHED) == before

    edit = ok(propose(client, world.seller_a, oid, remove), 201)
    eid = edit["id"]
    other = ready_order(client, world.buyer, world.admin, {world.shop_a.sku_id: 1})
    before = snapshot(db, *WATCHED)
    for actor in (world.seller_a, world.admin, world.agent):
        refused(decide(client, actor, oid, eid, "accept"), 403, "forbidden")
        refused(decide(client, actor, oid, eid, "decline"), 403, "forbidden")
    refused(decide(client, other_buyer, oid, eid, "accept"), 404, "not_found")
    refused(decide(client, other_buyer, oid, eid, "decline"), 404, "not_found")
    refused(decide(client, world.buyer, oid, eid, "withdraw"), 403, "forbidden")
    refused(decide(client, world.seller_b, oid, eid, "withdraw"), 404, "not_found")
    refused(decide(client, world.buyer, oid, "123", "accept"), 404, "not_found")
    # An edit is reached only through its own order.
    refused(decide(client, world.buyer, other["id"], eid, "accept"), 404, "not_found")
    assert snapshot(db, *WATCHED) == before
    # An admin may propose and withdraw for the shop (recorded as the operator).
    ok(decide(client, world.admin, oid, eid, "withdraw"))
    fresh = get_order(client, world.buyer, oid)
    assert timeline(fresh, "EDIT_WITHDRAWN")[0][:3] == (
        "EDIT_WITHDRAWN",
        "OPERATOR",
        str(world.admin.id),
    )


def test_a_swap_keeps_its_voucher_share_up_to_the_new_price(
    client: TestClient, db: Database, world: World, hoodies: dict[str, int]
) -> None:
    now = utcnow()
    ok(
        client.post(
            f"{API}/vouchers",
            json={
                "code": "TENOFF",
                "currency": "USD",
                "percent_off": 10,
                "max_discount": 10_000,
                "starts_at": (now - timedelta(hours=1)).isoformat(),
                "ends_at": (now + timedelta(days=1)).isoformat(),
            },
            headers=world.admin.headers,
        ),
        201,
    )
    order = ready_order(
        client, world.buyer, world.admin, {hoodies["S"]: 2, hoodies["M"]: 1}, voucher_code="TENOFF"
    )
    oid = order["id"]
    assert [x[3] for x in line_money(order)] == [100, 100, 120]
    s1 = lines_by_sku(order, hoodies["S"])[0]
    edit = ok(
        propose(
            client,
            world.seller_a,
            oid,
            [{"action": "SWAP", "line_item_id": s1, "new_sku_id": str(hoodies["L"])}],
        ),
        201,
    )
    ok(decide(client, world.buyer, oid, edit["id"], "accept"))
    fresh = get_order(client, world.buyer, oid)
    swapped = next(x for x in fresh["line_items"] if x["id"] == s1)
    assert line_money({"line_items": [swapped]}) == [("AWAITING_SHIPMENT", 900, 0, 100, 800, 80)]
    assert waterfall(fresh)["platform_discount"] == 320
    assert_identities(fresh)
    # 9.00 + 0.90 before, 8.00 + 0.80 now.
    assert ledger(db, oid)[-1] == ("REFUND", "SUCCEEDED", 110)
    assert_money_held(db, fresh)


def test_a_declined_charge_leaves_the_edit_open(
    client: TestClient, db: Database, world: World, hoodies: dict[str, int]
) -> None:
    order = edit_order(client, world, hoodies)
    oid = order["id"]
    (method,) = ok(client.get(f"{API}/payment-methods", headers=world.buyer.headers))
    remove_card(client, world.buyer, method["id"])
    add_card(client, world.buyer, DECLINED_CARD, make_default=True)
    edit = ok(
        propose(client, world.seller_a, oid, [{"action": "ADD", "sku_id": str(hoodies["S"])}]), 201
    )
    before = snapshot(db, Order, OrderLineItem, Payment, StockLevel, OrderEdit)
    body = refused(decide(client, world.buyer, oid, edit["id"], "accept"), 402, "payment_failed")
    assert body["failure_code"] == "card_declined"
    assert snapshot(db, Order, OrderLineItem, Payment, StockLevel, OrderEdit) == before
    assert ledger(db, oid)[-1] == ("CAPTURE", "FAILED", 1100)
    assert ledger_rows(db, oid)[-1].reason == f"order edit {edit['id']} (card_declined)"
    assert charged(client) == 4019
    # The buyer fixes the card and accepts again.
    add_card(client, world.buyer, OK_CARD, make_default=True)
    ok(decide(client, world.buyer, oid, edit["id"], "accept"))
    assert charged(client) == 4019 + 1100
    assert stocks(client, world, hoodies)["S"] == (2, 3)


def test_the_address_of_an_order_edited_before(
    client: TestClient, db: Database, world: World, hoodies: dict[str, int]
) -> None:
    """An address change after an edit prices only the open lines."""
    profiles(client, world)
    order = edit_order(client, world, hoodies, total=4020)  # 5.00 shipping: shop A's profile
    oid = order["id"]
    s1 = lines_by_sku(order, hoodies["S"])[0]
    edit = ok(propose(client, world.seller_a, oid, [{"action": "REMOVE", "line_item_id": s1}]), 201)
    ok(decide(client, world.buyer, oid, edit["id"], "accept"))
    assert waterfall(get_order(client, world.buyer, oid))["total_amount"] == 2200 + 500 + 220
    body = ok(post_address(client, world.buyer, oid, TORONTO))
    # 22.00 + 15.00 + 13 % of 10.00 and 12.00 (1.30 + 1.56)
    assert waterfall(body["order"])["total_amount"] == 2200 + 1500 + 130 + 156
    assert body["amount_change"]["minor_units"] == (2200 + 1500 + 286) - 2920
    assert_identities(body["order"])
    assert_money_held(db, body["order"])


def test_cancelling_an_edited_order_refunds_what_is_left_and_keeps_the_edit_reason(
    client: TestClient, db: Database, world: World, hoodies: dict[str, int]
) -> None:
    order = edit_order(client, world, hoodies)
    oid, pid = order["id"], order["payment_id"]
    s1 = lines_by_sku(order, hoodies["S"])[0]
    edit = ok(propose(client, world.seller_a, oid, [{"action": "REMOVE", "line_item_id": s1}]), 201)
    ok(decide(client, world.buyer, oid, edit["id"], "accept"))
    # The seller cancels the rest (no route yet: through the service, as the seller).
    with db.unit_of_work() as session:
        row = session.get_one(Order, int(oid))
        txn = lifecycle.cancel(session, row, StateActor.SELLER, world.seller_a.id, "out of stock")
        assert txn is not None
        refund_id = txn.id
    execute_refunds(db, gateway(client), [refund_id])
    fresh = get_order(client, world.buyer, oid)
    reasons = {x["id"]: x["cancel_reason"] for x in fresh["line_items"]}
    assert reasons[s1] == f"removed by order edit {edit['id']}"
    assert sorted(r for i, r in reasons.items() if i != s1) == ["out of stock"] * 2
    assert money_of(db, pid) == (4019, 4019, 4019)
    assert ledger(db, oid)[-1] == ("REFUND", "SUCCEEDED", 2919)
    assert charged(client) == 0
    assert_money_held(db, fresh)
    assert stocks(client, world, hoodies) == {"S": (5, 0), "M": (5, 0), "L": (5, 0), "XL": (5, 0)}
