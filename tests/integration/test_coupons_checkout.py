"""Shop coupons, bundles and free-shipping promotions in quotes and orders through the
checkout API: minimum spend, per-buyer limit, loyalty, give-back on cancellation, restricted
shops (docs/promotions.md)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from clipshop.core import events
from clipshop.core.clock import utcnow
from clipshop.core.db import Database
from clipshop.core.events import RefundStatusChanged
from clipshop.core.ids import new_id
from clipshop.models import CouponUse, Order
from clipshop.promotions import coupon_uses, waterfall
from clipshop.promotions.coupon_errors import CouponBuyerLimit, CouponUsedUp
from clipshop.promotions.lines import Claim, Kind
from tests.conftest import World, problem_code
from tests.integration.checkout_api import (
    API,
    OK_CARD,
    add_card,
    cancel,
    checkout,
    count,
    minor,
    ok,
    post_checkout,
    quote,
)
from tests.integration.coupon_support import (
    coupon_body,
    create,
    set_standing,
    wallet_uses,
    window,
)
from tests.integration.coupon_support import (
    coupon_uses as uses_of,
)


def cuts_of(order: dict[str, Any], kind: str) -> list[int]:
    return [
        c["amount"]["minor_units"]
        for line in order["line_items"]
        for c in line.get("cuts", [])
        if c["kind"] == kind
    ]


def coupon(client: TestClient, world: World, code: str = "SAVE5", **fields: Any) -> int:
    body = coupon_body(code, min_spend=2000, **fields)
    return int(ok(create(client, world.seller_a, world.shop_a.id, "coupons", body), 201)["id"])


def test_coupon_in_a_quote_and_an_order(client: TestClient, db: Database, world: World) -> None:
    coupon(client, world)
    add_card(client, world.buyer, OK_CARD, make_default=True)
    shop, codes = world.shop_a, {str(world.shop_a.id): "SAVE5"}
    quoted = ok(quote(client, world.buyer, {shop.sku_id: 3}, coupon_codes=codes))["orders"][0]
    assert cuts_of(quoted, "COUPON") == [167, 167, 166]  # 500 by largest remainder
    assert minor(quoted, "seller_discount") == 500
    assert quoted["funded_by"]["SELLER"]["minor_units"] == 500
    assert uses_of(db, shop.id) == {"SAVE5": 0}  # a quote takes nothing

    order = checkout(client, world.buyer, {shop.sku_id: 3}, coupon_codes=codes)["orders"][0]
    assert minor(order, "seller_discount") == 500
    assert minor(order, "total_amount") == 3000 - 500 + 499
    assert uses_of(db, shop.id) == {"SAVE5": 1}
    assert wallet_uses(db, world.buyer.id) == 1


def test_minimum_spend_counts_after_bundles(client: TestClient, db: Database, world: World) -> None:
    coupon(client, world)
    add_card(client, world.buyer, OK_CARD, make_default=True)
    shop, codes = world.shop_a, {str(world.shop_a.id): "SAVE5"}
    tiers = [{"min_quantity": 2, "percent_off": 10}]
    body = window(title="Two", kind="TIERS", product_ids=[str(shop.product_id)], tiers=tiers)
    ok(create(client, world.seller_a, shop.id, "bundles", body), 201)
    # 2 x 10.00 less 10% = 18.00 < the minimum spend of 20.00
    refused = quote(client, world.buyer, {shop.sku_id: 2}, coupon_codes=codes)
    assert refused.status_code == 409 and problem_code(refused) == "coupon_not_eligible"
    placed = post_checkout(client, world.buyer, {shop.sku_id: 2}, coupon_codes=codes)
    assert placed.status_code == 409 and problem_code(placed) == "coupon_not_eligible"
    assert count(db, Order) == 0 and uses_of(db, shop.id) == {"SAVE5": 0}
    # 3 units: 15% is no tier here, 10% of 30.00 leaves 27.00: the coupon applies
    quoted = ok(quote(client, world.buyer, {shop.sku_id: 3}, coupon_codes=codes))["orders"][0]
    assert cuts_of(quoted, "BUNDLE") == [100, 100, 100]
    assert sum(cuts_of(quoted, "COUPON")) == 500
    assert minor(quoted, "sub_total") == 3000 - 300 - 500


def test_per_buyer_limit_and_give_back_on_cancel(
    client: TestClient, db: Database, world: World
) -> None:
    coupon(client, world, per_buyer_limit=1)
    add_card(client, world.buyer, OK_CARD, make_default=True)
    shop, codes = world.shop_a, {str(world.shop_a.id): "SAVE5"}
    first = checkout(client, world.buyer, {shop.sku_id: 2}, coupon_codes=codes)["orders"][0]
    again = post_checkout(client, world.buyer, {shop.sku_id: 2}, coupon_codes=codes)
    assert again.status_code == 409 and problem_code(again) == "coupon_buyer_limit"
    assert count(db, Order) == 1 and uses_of(db, shop.id) == {"SAVE5": 1}

    ok(cancel(client, world.buyer, first["id"]))  # ON_HOLD: before shipment
    assert uses_of(db, shop.id) == {"SAVE5": 0}
    assert wallet_uses(db, world.buyer.id) == 0
    with db.unit_of_work() as session:  # given back once only
        assert coupon_uses.give_back(session, int(first["id"])) is False
    assert uses_of(db, shop.id) == {"SAVE5": 0}
    checkout(client, world.buyer, {shop.sku_id: 2}, coupon_codes=codes)
    assert uses_of(db, shop.id) == {"SAVE5": 1} and count(db, CouponUse) == 2


def test_full_refund_gives_back_once_and_a_partial_one_does_not(
    client: TestClient, db: Database, world: World
) -> None:
    coupon(client, world)
    add_card(client, world.buyer, OK_CARD, make_default=True)
    shop, codes = world.shop_a, {str(world.shop_a.id): "SAVE5"}
    order = checkout(client, world.buyer, {shop.sku_id: 3}, coupon_codes=codes)["orders"][0]
    order_id, total = int(order["id"]), minor(order, "total_amount")

    def refunded(amount: int) -> None:
        """The order's refunded amount set to ``amount`` and a refund of it announced."""
        with db.unit_of_work() as session:
            session.execute(
                update(Order).where(Order.id == order_id).values(refunded_amount=amount)
            )
            events.announce(
                session,
                RefundStatusChanged(
                    shop_id=shop.id,
                    at=utcnow(),
                    refund_id=new_id(),
                    payment_id=int(order["payment_id"]),
                    order_id=order_id,
                    amount=amount,
                    currency="USD",
                    from_status="PENDING",
                    to_status="SUCCEEDED",
                    reason="test",
                ),
            )

    refunded(total - 1)  # partial: the use is kept
    assert uses_of(db, shop.id) == {"SAVE5": 1}
    refunded(total)
    assert uses_of(db, shop.id) == {"SAVE5": 0} and wallet_uses(db, world.buyer.id) == 0
    refunded(total)  # announced again: given back once only
    assert uses_of(db, shop.id) == {"SAVE5": 0} and wallet_uses(db, world.buyer.id) == 0


def test_total_limit_refuses_the_next_order(client: TestClient, db: Database, world: World) -> None:
    coupon(client, world, total_limit=1, per_buyer_limit=5)
    add_card(client, world.buyer, OK_CARD, make_default=True)
    shop, codes = world.shop_a, {str(world.shop_a.id): "SAVE5"}
    checkout(client, world.buyer, {shop.sku_id: 2}, coupon_codes=codes)
    refused = post_checkout(client, world.buyer, {shop.sku_id: 2}, coupon_codes=codes)
    assert refused.status_code == 409 and problem_code(refused) == "coupon_used_up"
    assert count(db, Order) == 1 and uses_of(db, shop.id) == {"SAVE5": 1}


def test_take_holds_both_limits_whatever_was_read(
    client: TestClient, db: Database, world: World
) -> None:
    """A checkout that read the limits before another took the last use is refused by
    ``take``'s conditional UPDATEs, and its unit of work changes nothing."""
    coupon_id = coupon(client, world, total_limit=2, per_buyer_limit=1)
    add_card(client, world.buyer, OK_CARD, make_default=True)
    shop, codes = world.shop_a, {str(world.shop_a.id): "SAVE5"}
    checkout(client, world.buyer, {shop.sku_id: 2}, coupon_codes=codes)
    plain = checkout(client, world.buyer, {shop.sku_id: 1})["orders"][0]
    claim = Claim(Kind.COUPON, coupon_id, shop.id, 1)
    with pytest.raises(CouponBuyerLimit), db.unit_of_work() as session:
        waterfall.take(session, claim, int(plain["id"]), world.buyer.id)
    url = f"{API}/shops/{shop.id}/coupons/{coupon_id}"
    ok(client.patch(url, json={"total_limit": 1}, headers=world.seller_a.headers))
    with pytest.raises(CouponUsedUp), db.unit_of_work() as session:
        waterfall.take(session, claim, int(plain["id"]), world.agent.id)
    assert uses_of(db, shop.id) == {"SAVE5": 1} and count(db, CouponUse) == 1
    assert wallet_uses(db, world.buyer.id) == 1 and wallet_uses(db, world.agent.id) == 0


def test_loyalty_coupon_needs_completed_orders(
    client: TestClient, db: Database, world: World
) -> None:
    coupon(client, world, "LOYAL", min_completed_orders=1)
    add_card(client, world.buyer, OK_CARD, make_default=True)
    shop, codes = world.shop_a, {str(world.shop_a.id): "LOYAL"}
    refused = post_checkout(client, world.buyer, {shop.sku_id: 2}, coupon_codes=codes)
    assert refused.status_code == 409 and problem_code(refused) == "coupon_not_eligible"
    assert count(db, Order) == 0
    earlier = checkout(client, world.buyer, {shop.sku_id: 1})["orders"][0]
    with db.unit_of_work() as session:
        session.execute(
            update(Order).where(Order.id == int(earlier["id"])).values(status="COMPLETED")
        )
    order = checkout(client, world.buyer, {shop.sku_id: 2}, coupon_codes=codes)["orders"][0]
    assert minor(order, "seller_discount") == 500
    assert uses_of(db, shop.id) == {"LOYAL": 1}


def test_unknown_and_foreign_codes_are_refused(client: TestClient, world: World) -> None:
    coupon(client, world)
    shop = world.shop_a
    for shop_id, code in ((shop.id, "NOPE"), (world.shop_b.id, "SAVE5")):
        items = {shop.sku_id: 3, world.shop_b.sku_id: 1}
        response = quote(client, world.buyer, items, coupon_codes={str(shop_id): code})
        assert response.status_code == 409 and problem_code(response) == "unknown_coupon"


def test_free_shipping_promotion_and_restricted_shop(
    client: TestClient, db: Database, world: World
) -> None:
    shop = world.shop_a
    ok(
        create(client, world.seller_a, shop.id, "free-shipping-promotions", window(threshold=1500)),
        201,
    )
    tiers = [{"min_quantity": 2, "percent_off": 10}]
    body = window(title="Two", kind="TIERS", product_ids=[str(shop.product_id)], tiers=tiers)
    ok(create(client, world.seller_a, shop.id, "bundles", body), 201)
    coupon(client, world)
    quoted = ok(quote(client, world.buyer, {shop.sku_id: 2}))["orders"][0]
    assert minor(quoted, "shipping_fee") == 0
    fee = minor(quoted, "original_shipping_fee")
    assert fee > 0 and minor(quoted, "shipping_fee_seller_discount") == fee
    assert cuts_of(quoted, "BUNDLE") == [100, 100]

    set_standing(db, shop.id, "RESTRICTED")  # its promotions stop applying
    quoted = ok(quote(client, world.buyer, {shop.sku_id: 2}))["orders"][0]
    assert minor(quoted, "shipping_fee") == minor(quoted, "original_shipping_fee") > 0
    assert minor(quoted, "shipping_fee_seller_discount") == 0
    assert cuts_of(quoted, "BUNDLE") == []
    refused = quote(client, world.buyer, {shop.sku_id: 3}, coupon_codes={str(shop.id): "SAVE5"})
    assert refused.status_code == 409 and problem_code(refused) == "coupon_not_valid"
