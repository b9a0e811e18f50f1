"""The native API of shop coupons, bundles and free-shipping promotions (sellers, scoped by
shop) and of the buyer's coupon wallet."""

from __future__ import annotations

from fastapi.testclient import TestClient

from clipshop.core.db import Database
from clipshop.identity.principal import Role
from clipshop.models import Bundle, FreeShippingPromotion, ShopCoupon
from tests.conftest import World, make_actor, problem_code
from tests.integration.checkout_api import API, count, ok
from tests.integration.coupon_support import (
    claim,
    coupon_body,
    create,
    set_standing,
    window,
)


def test_seller_creates_changes_lists_and_stops_a_coupon(
    client: TestClient, db: Database, world: World
) -> None:
    seller, shop = world.seller_a, world.shop_a
    made = ok(create(client, seller, shop.id, "coupons", coupon_body()), 201)
    assert (made["code"], made["amount_off"], made["uses"], made["active"]) == (
        "SAVE5",
        500,
        0,
        True,
    )
    url = f"{API}/shops/{shop.id}/coupons/{made['id']}"
    changed = ok(client.patch(url, json={"total_limit": 3}, headers=seller.headers))
    assert changed["total_limit"] == 3 and changed["amount_off"] == 500
    listed = ok(client.get(f"{API}/shops/{shop.id}/coupons", headers=seller.headers))
    assert [c["id"] for c in listed] == [made["id"]]
    stopped = ok(client.post(f"{url}/deactivate", headers=seller.headers))
    assert stopped["active"] is False
    assert ok(client.get(url, headers=seller.headers))["active"] is False


def test_coupon_refusals_change_nothing(client: TestClient, db: Database, world: World) -> None:
    seller, shop = world.seller_a, world.shop_a
    ok(create(client, seller, shop.id, "coupons", coupon_body()), 201)
    again = create(client, seller, shop.id, "coupons", coupon_body(title="Again"))
    assert again.status_code == 409 and problem_code(again) == "promotion_conflict"
    mixed = create(client, seller, shop.id, "coupons", coupon_body("MIX", percent_off=10))
    assert mixed.status_code == 422
    foreign = create(client, world.seller_b, shop.id, "coupons", coupon_body("BBB"))
    assert foreign.status_code == 404
    by_buyer = create(client, world.buyer, shop.id, "coupons", coupon_body("CCC"))
    assert by_buyer.status_code in (403, 404)
    assert count(db, ShopCoupon) == 1


def test_another_shops_coupon_is_not_found(client: TestClient, world: World) -> None:
    made = ok(create(client, world.seller_a, world.shop_a.id, "coupons", coupon_body()), 201)
    for shop_id in (world.shop_a.id, world.shop_b.id):
        url = f"{API}/shops/{shop_id}/coupons/{made['id']}"
        response = client.get(url, headers=world.seller_b.headers)
        assert response.status_code == 404
        patched = client.patch(url, json={"total_limit": 1}, headers=world.seller_b.headers)
        assert patched.status_code == 404
    mine = f"{API}/shops/{world.shop_a.id}/coupons/{made['id']}"
    assert ok(client.get(mine, headers=world.seller_a.headers))["total_limit"] == 100


def test_restricted_shop_creates_no_promotions(
    client: TestClient, db: Database, world: World
) -> None:
    seller, shop = world.seller_a, world.shop_a
    made = ok(create(client, seller, shop.id, "coupons", coupon_body()), 201)
    set_standing(db, shop.id, "RESTRICTED")
    bodies = {
        "coupons": coupon_body("LATER"),
        "bundles": window(title="Two", kind="TIERS", product_ids=[str(shop.product_id)], tiers=[])
        | {"tiers": [{"min_quantity": 2, "percent_off": 10}]},
        "free-shipping-promotions": window(threshold=1000),
    }
    for path, body in bodies.items():
        response = create(client, seller, shop.id, path, body)
        assert response.status_code == 409, path
        assert problem_code(response) == "shop_restricted"
    url = f"{API}/shops/{shop.id}/coupons/{made['id']}"
    patched = client.patch(url, json={"total_limit": 5}, headers=seller.headers)
    assert problem_code(patched) == "shop_restricted"
    # stopping a promotion stays allowed
    assert ok(client.post(f"{url}/deactivate", headers=seller.headers))["active"] is False
    assert (count(db, ShopCoupon), count(db, Bundle), count(db, FreeShippingPromotion)) == (1, 0, 0)
    assert ok(client.get(url, headers=seller.headers))["total_limit"] == 100


def test_bundles_and_free_shipping_promotions(
    client: TestClient, db: Database, world: World
) -> None:
    seller, shop = world.seller_a, world.shop_a
    tiers = [{"min_quantity": 2, "percent_off": 10}, {"min_quantity": 3, "percent_off": 15}]
    body = window(title="More for less", kind="TIERS", product_ids=[str(shop.product_id)])
    bundle = ok(create(client, seller, shop.id, "bundles", body | {"tiers": tiers}), 201)
    assert bundle["tiers"] == tiers and bundle["product_ids"] == [str(shop.product_id)]
    b2g1 = window(title="B2G1", kind="BUY_X_GET_Y", product_ids=[str(shop.product_id)])
    made = ok(
        create(client, seller, shop.id, "bundles", b2g1 | {"buy_quantity": 2, "free_quantity": 1}),
        201,
    )
    assert (made["buy_quantity"], made["free_quantity"]) == (2, 1)
    foreign = window(title="Not mine", kind="TIERS", product_ids=[str(world.shop_b.product_id)])
    refused = create(client, seller, shop.id, "bundles", foreign | {"tiers": tiers})
    assert refused.status_code == 422 and problem_code(refused) == "unknown_product"
    assert count(db, Bundle) == 2

    free = ok(
        create(client, seller, shop.id, "free-shipping-promotions", window(threshold=2500)), 201
    )
    url = f"{API}/shops/{shop.id}/free-shipping-promotions/{free['id']}"
    assert (
        ok(client.patch(url, json={"threshold": 2000}, headers=seller.headers))["threshold"] == 2000
    )
    bad = client.patch(url, json={"ends_at": "2001-01-01T00:00:00Z"}, headers=seller.headers)
    assert bad.status_code == 422 and problem_code(bad) == "invalid_window"
    assert ok(client.get(url, headers=seller.headers))["threshold"] == 2000


def test_buyer_claims_a_coupon_into_the_wallet(
    client: TestClient, db: Database, world: World
) -> None:
    buyer, shop = world.buyer, world.shop_a
    ok(create(client, world.seller_a, shop.id, "coupons", coupon_body()), 201)
    held = ok(claim(client, buyer, shop.id, "SAVE5"))
    assert held["coupon"]["code"] == "SAVE5" and held["uses"] == 0 and held["claimed_at"]
    assert ok(claim(client, buyer, shop.id, "SAVE5"))["claimed_at"] == held["claimed_at"]
    mine = ok(client.get(f"{API}/me/coupons", headers=buyer.headers))
    assert [c["coupon"]["code"] for c in mine] == ["SAVE5"]

    unknown = claim(client, buyer, shop.id, "NOPE")
    assert unknown.status_code == 409 and problem_code(unknown) == "unknown_coupon"
    elsewhere = claim(client, buyer, world.shop_b.id, "SAVE5")
    assert problem_code(elsewhere) == "unknown_coupon"
    assert claim(client, buyer, 2**62, "SAVE5").status_code == 404  # no such shop
    by_seller = claim(client, world.seller_a, shop.id, "SAVE5")
    assert by_seller.status_code == 403
    set_standing(db, shop.id, "RESTRICTED")
    other = make_actor(db, Role.BUYER, "other.buyer@test.dev")
    restricted = claim(client, other, shop.id, "SAVE5")
    assert restricted.status_code == 409 and problem_code(restricted) == "coupon_not_valid"
    assert ok(client.get(f"{API}/me/coupons", headers=other.headers)) == []
    assert len(ok(client.get(f"{API}/me/coupons", headers=buyer.headers))) == 1


def test_loyalty_coupon_claim_needs_completed_orders(client: TestClient, world: World) -> None:
    shop = world.shop_a
    body = coupon_body("LOYAL", min_completed_orders=2)
    ok(create(client, world.seller_a, shop.id, "coupons", body), 201)
    refused = claim(client, world.buyer, shop.id, "LOYAL")
    assert refused.status_code == 409 and problem_code(refused) == "coupon_not_eligible"
    assert ok(client.get(f"{API}/me/coupons", headers=world.buyer.headers)) == []
