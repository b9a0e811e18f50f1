"""The seller API's promotion module over HTTP, signed as a client signs, on both databases:
each activity type created onto the native promotions (and pricing a quote through the native
API), search with filters and paging, detail, update, products added, changed and removed,
deactivation, coupons search and detail; another shop's ids not found, scopes and a
restricted shop refused, with nothing changed. Answers are validated by our models."""

from __future__ import annotations

import time
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from clipshop.catalog import products
from clipshop.catalog.schemas import ProductCreate, SkuCreate
from clipshop.core.db import Database
from clipshop.identity.principal import Principal, Role
from clipshop.models import Bundle, FreeShippingPromotion, Promotion
from clipshop.partner import promotions_schemas as api
from clipshop.partner import scopes
from tests.conftest import World
from tests.integration.checkout_api import API, ok, quote
from tests.integration.coupon_support import coupon_body, create, set_standing
from tests.integration.promotion_support import (
    cuts,
    live_session,
    post_promotion,
    promotion_body,
)
from tests.partner_support import PartnerClient, answer, connect, refused

A = "/promotion/202309/activities"
BOTH = [scopes.PROMOTION_INFO, scopes.PROMOTION_WRITE]
DAY = 86400


def window(**more: Any) -> dict[str, Any]:
    now = int(time.time())
    return {"begin_time": now - 3600, "end_time": now + 30 * DAY} | more


def activity(title: str, kind: str, products: list[dict[str, Any]], **more: Any) -> dict[str, Any]:
    return window(title=title, activity_type=kind, products=products) | more


def whole(product_id: int, **terms: Any) -> dict[str, Any]:
    return {"id": str(product_id), "skus": []} | terms


def two_sku_product(db: Database, world: World) -> tuple[int, list[int]]:
    """A product of shop A with SKUs at 20.00 and 30.00 USD."""
    shop = world.shop_a.id
    seller = Principal(world.seller_a.id, Role.SELLER, frozenset({shop}), frozenset({shop}))
    skus = [
        SkuCreate(seller_sku="DUO-S", name="Small", price="20.00"),
        SkuCreate(seller_sku="DUO-L", name="Large", price="30.00"),
    ]
    with db.unit_of_work() as session:
        product, made = products.create_product(
            session, seller, shop, ProductCreate(title="Duo", skus=skus)
        )
        return product.id, [s.id for s in made]


def rows(db: Database, model: Any = Promotion) -> int:
    with db.unit_of_work(write=False) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def made(partner: PartnerClient, body: dict[str, Any]) -> api.Created:
    return answer(partner.post(A, body), api.Created)


def shown(partner: PartnerClient, activity_id: str) -> api.ActivityDetail:
    return answer(partner.get(f"{A}/{activity_id}"), api.ActivityDetail)


def test_fixed_price_prices_the_quote_and_follows_its_changes(
    client: TestClient, db: Database, world: World
) -> None:
    partner = connect(client, db, [world.shop_a.id], BOTH)
    product = world.shop_a.product_id
    body = activity("Weekend", "FIXED_PRICE", [whole(product, activity_price_amount="8.00")])
    created = made(partner, body)
    assert created.status == "ONGOING"
    detail = shown(partner, created.activity_id)
    assert (detail.activity_type, detail.product_level, detail.title) == (
        "FIXED_PRICE",
        "PRODUCT",
        "Weekend",
    )
    assert detail.products[0].activity_price == api.Price(amount="8.00", currency="USD")
    assert [s.id for s in detail.products[0].skus] == [str(world.shop_a.sku_id)]
    q = ok(quote(client, world.buyer, {world.shop_a.sku_id: 1}))
    assert cuts(q) == [[("PRODUCT_DISCOUNT", 200)]]

    change = {"products": [whole(product, activity_price_amount="7.50")]}
    put = answer(
        partner.call("PUT", f"{A}/{created.activity_id}/products", json_body=change),
        api.ProductsUpdated,
    )
    assert (put.total_count, put.status) == (1, "ONGOING")
    assert cuts(ok(quote(client, world.buyer, {world.shop_a.sku_id: 1}))) == [
        [("PRODUCT_DISCOUNT", 250)]
    ]
    assert rows(db) == 1  # the SKU's promotion changed, none added

    end = int(time.time()) + 2 * DAY
    renamed = {"title": "Long weekend", "end_time": end}
    updated = answer(
        partner.call("PUT", f"{A}/{created.activity_id}", json_body=renamed), api.Updated
    )
    assert (updated.activity_id, updated.title) == (created.activity_id, "Long weekend")
    assert shown(partner, created.activity_id).end_time == end

    off = answer(partner.post(f"{A}/{created.activity_id}/deactivate"), api.Deactivated)
    assert off.status == "DEACTIVATED"
    assert cuts(ok(quote(client, world.buyer, {world.shop_a.sku_id: 1}))) == [[]]
    again = partner.post(f"{A}/{created.activity_id}/deactivate")
    assert "DEACTIVATED" in refused(again, 409, 36009006)
    late = partner.call("PUT", f"{A}/{created.activity_id}/products", json_body=change)
    refused(late, 409, 36009006)
    assert shown(partner, created.activity_id).products == []


def test_direct_discount_by_variation_add_and_remove_skus(
    client: TestClient, db: Database, world: World
) -> None:
    partner = connect(client, db, [world.shop_a.id], BOTH)
    product, (small, large) = two_sku_product(db, world)
    one = {"id": str(product), "skus": [{"id": str(small), "discount": "10"}]}
    created = made(
        partner, activity("Duo days", "DIRECT_DISCOUNT", [one], product_level="VARIATION")
    )
    detail = shown(partner, created.activity_id)
    assert detail.product_level == "VARIATION"
    assert [(s.id, s.discount) for s in detail.products[0].skus] == [(str(small), "10")]

    both = {"id": str(product), "skus": [{"id": str(large), "discount": "20"}]}
    path = f"{A}/{created.activity_id}/products"
    answer(partner.call("PUT", path, json_body={"products": [both]}), api.ProductsUpdated)
    skus = shown(partner, created.activity_id).products[0].skus
    assert [(s.id, s.discount) for s in skus] == [(str(small), "10"), (str(large), "20")]
    assert cuts(ok(quote(client, world.buyer, {large: 1}))) == [[("PRODUCT_DISCOUNT", 600)]]

    gone = answer(
        partner.call("DELETE", path, json_body={"sku_ids": [str(small)]}), api.ProductsRemoved
    )
    assert gone.status == "ONGOING"
    assert [s.id for s in shown(partner, created.activity_id).products[0].skus] == [str(large)]
    assert cuts(ok(quote(client, world.buyer, {small: 1}))) == [[]]
    stranger = partner.call("DELETE", path, json_body={"sku_ids": [str(small)]})
    refused(stranger, 404, 36009005)
    last = partner.call("DELETE", path, json_body={"product_ids": [str(product)]})
    assert answer(last, api.ProductsRemoved).status == "DEACTIVATED"


def test_flash_sale_keeps_units_and_limits_and_refuses_bad_terms(
    client: TestClient, db: Database, world: World
) -> None:
    partner = connect(client, db, [world.shop_a.id], BOTH)
    product = world.shop_a.product_id
    deal = whole(product, activity_price_amount="5.00", quantity_limit=3, quantity_per_user=1)
    created = made(partner, activity("Flash", "FLASHSALE", [deal]))
    with db.unit_of_work(write=False) as session:
        row = session.get_one(Promotion, int(created.activity_id))
        assert (row.kind, row.deal_price, row.quantity, row.per_buyer_limit) == (
            "FLASH_DEAL",
            500,
            3,
            1,
        )
    sku = shown(partner, created.activity_id).products[0]
    assert (sku.quantity_limit, sku.quantity_per_user) == (3, 1)
    assert cuts(ok(quote(client, world.buyer, {world.shop_a.sku_id: 2}))) == [
        [("FLASH_DEAL", 500)],
        [],
    ]
    unlimited = whole(product, activity_price_amount="5.00")
    bad_bodies = [
        activity("No units", "FLASHSALE", [unlimited]),
        activity("Too dear", "FIXED_PRICE", [whole(product, activity_price_amount="12.00")]),
        activity("Cents", "FIXED_PRICE", [whole(product, activity_price_amount="1.005")]),
        activity("Capped", "DIRECT_DISCOUNT", [whole(product, discount="10", quantity_limit=5)]),
        activity("Empty", "FIXED_PRICE", []),
        activity("Gift", "GIFT_WITH_PURCHASE", [unlimited]),
        activity("Flash", "FLASHSALE", [deal]) | {"end_time": 1},
    ]
    for body in bad_bodies:
        refused(partner.post(A, body), 400 if body["title"] != "Too dear" else 422, 36009004)
    taken = partner.post(A, activity("Flash", "FIXED_PRICE", [unlimited]))
    assert "already has an activity" in refused(taken, 409, 36009006)
    assert rows(db) == 1


def test_buy_more_save_more_and_shipping_discount(
    client: TestClient, db: Database, world: World
) -> None:
    partner = connect(client, db, [world.shop_a.id], BOTH)
    product = world.shop_a.product_id
    tiers = [
        {
            "threshold_type": "MINIMAL_ITEM_QUANTITY",
            "threshold_value": "2",
            "type": "PERCENTAGE_OFF",
            "value": "10",
        },
        {
            "threshold_type": "MINIMAL_ITEM_QUANTITY",
            "threshold_value": "3",
            "type": "PERCENTAGE_OFF",
            "value": "15",
        },
    ]
    bmsm = activity(
        "Buy more",
        "BUY_MORE_SAVE_MORE",
        [whole(product)],
        discount={"bmsm_discount": {"details": tiers}},
    )
    created = made(partner, bmsm)
    detail = shown(partner, created.activity_id)
    assert detail.discount.bmsm_discount is not None
    assert [(t.threshold_value, t.value) for t in detail.discount.bmsm_discount["details"]] == [
        ("2", "10"),
        ("3", "15"),
    ]
    assert [p.id for p in detail.products] == [str(product)]
    assert cuts(ok(quote(client, world.buyer, {world.shop_a.sku_id: 2}))) == [[("BUNDLE", 100)]] * 2

    shipping = {
        "type": "FREE_SHIPPING",
        "threshold_type": "MINIMAL_ORDER_AMOUNT",
        "threshold_value": "15.00",
    }
    free = window(title="Ship free", activity_type="SHIPPING_DISCOUNT", product_level="SHOP")
    free_made = made(partner, free | {"discount": {"shipping_discount": shipping}})
    with db.unit_of_work(write=False) as session:
        row = session.get_one(FreeShippingPromotion, int(free_made.activity_id))
        assert row.threshold == 1500
    free_shown = shown(partner, free_made.activity_id)
    assert (free_shown.product_level, free_shown.title) == ("SHOP", "Free shipping from 15.00 USD")
    assert free_shown.discount.shipping_discount is not None
    assert free_shown.discount.shipping_discount.threshold_value == "15.00"
    add = {"products": [whole(product)]}
    refused(
        partner.call("PUT", f"{A}/{free_made.activity_id}/products", json_body=add), 409, 36009006
    )
    amount_off = [dict(tiers[0], type="AMOUNT_OFF")]
    bad = activity(
        "Amounts",
        "BUY_MORE_SAVE_MORE",
        [whole(product)],
        discount={"bmsm_discount": {"details": amount_off}},
    )
    refused(partner.post(A, bad), 400, 36009004)
    assert (rows(db, Bundle), rows(db, FreeShippingPromotion)) == (1, 1)


def test_search_filters_and_pages(client: TestClient, db: Database, world: World) -> None:
    partner = connect(client, db, [world.shop_a.id], BOTH)
    product = world.shop_a.product_id
    ids = []
    for i in range(3):
        body = activity(f"Sale {i}", "FIXED_PRICE", [whole(product, activity_price_amount="9.00")])
        if i == 2:
            body |= {"begin_time": int(time.time()) + DAY, "end_time": int(time.time()) + 2 * DAY}
        ids.append(made(partner, body).activity_id)
    free = window(title="Ship", activity_type="SHIPPING_DISCOUNT", product_level="SHOP")
    ids.append(made(partner, free | {"discount": {"shipping_discount": {}}}).activity_id)
    seen, token = [], ""
    while True:
        page = answer(
            partner.post(f"{A}/search", {"page_size": 1, "page_token": token}),
            api.SearchActivitiesData,
        )
        assert page.total_count == 4
        seen += [a.id for a in page.activities]
        token = page.next_page_token
        if not token:
            break
    assert seen == sorted(ids, key=int, reverse=True)

    def found(**filters: Any) -> list[str]:
        data = answer(partner.post(f"{A}/search", filters), api.SearchActivitiesData)
        return [a.id for a in data.activities]

    assert found(activity_type="SHIPPING_DISCOUNT") == [ids[3]]
    assert found(status="NOT_START") == [ids[2]]
    assert found(activity_title="Sale 1") == [ids[1]]
    assert found(activity_title="Sale") == []
    refused(partner.post(f"{A}/search", {"status": "LIVE"}), 400, 36009004)


def test_coupons_search_and_detail(client: TestClient, db: Database, world: World) -> None:
    seller, shop = world.seller_a, world.shop_a
    first = ok(create(client, seller, shop.id, "coupons", coupon_body("SAVE5")), 201)
    percent = coupon_body(
        "PCT10", title="Ten", kind="PERCENT", percent_off=10, max_discount=300, min_spend=2000
    )
    percent.pop("amount_off")
    second = ok(create(client, seller, shop.id, "coupons", percent), 201)
    ok(create(client, world.seller_b, world.shop_b.id, "coupons", coupon_body("ELSE")), 201)
    ok(
        client.post(
            f"{API}/coupon-claims",
            json={"shop_id": str(shop.id), "code": "PCT10"},
            headers=world.buyer.headers,
        )
    )
    partner = connect(client, db, [shop.id], BOTH)
    path = "/promotion/202406/coupons/search"
    page = answer(partner.post(path, {}, {"page_size": 1}), api.SearchCouponsData)
    assert ([c.id for c in page.coupons], page.total_count) == ([second["id"]], 2)
    rest = answer(
        partner.post(path, {}, {"page_size": 1, "page_token": page.next_page_token}),
        api.SearchCouponsData,
    )
    assert ([c.id for c in rest.coupons], rest.next_page_token) == ([first["id"]], "")
    by_title = answer(
        partner.post(path, {"title_keyword": "Ten", "status": ["ONGOING"]}), api.SearchCouponsData
    )
    assert [c.id for c in by_title.coupons] == [second["id"]]
    none = answer(partner.post(path, {"display_type": ["LIVE"]}), api.SearchCouponsData)
    assert none.coupons == [] and none.total_count == 0

    got = answer(partner.get(f"/promotion/202406/coupons/{second['id']}"), api.CouponData).coupon
    assert (got.promo_code, got.status, got.discount.type, got.discount.percentage) == (
        "PCT10",
        "ONGOING",
        "PERCENT_OFF",
        "10",
    )
    assert got.discount.max_discount == api.Price(amount="3.00", currency="USD")
    assert got.threshold.min_spend == api.Price(amount="20.00", currency="USD")
    assert (got.usage_stats.claimed_count, got.usage_stats.redeemed_count) == (1, 0)
    foreign = ok(
        client.get(f"{API}/shops/{world.shop_b.id}/coupons", headers=world.seller_b.headers)
    )
    refused(partner.get(f"/promotion/202406/coupons/{foreign[0]['id']}"), 404, 36009005)


def test_other_shops_scopes_and_restricted_shops(
    client: TestClient, db: Database, world: World
) -> None:
    theirs = connect(client, db, [world.shop_b.id], BOTH)
    body = activity(
        "Theirs", "FIXED_PRICE", [whole(world.shop_b.product_id, activity_price_amount="8.00")]
    )
    foreign = made(theirs, body).activity_id
    ours = connect(client, db, [world.shop_a.id], BOTH)
    for method, path, sent in (
        ("GET", f"{A}/{foreign}", None),
        ("PUT", f"{A}/{foreign}", {"title": "Mine now"}),
        ("POST", f"{A}/{foreign}/deactivate", {}),
        ("DELETE", f"{A}/{foreign}/products", {"product_ids": [str(world.shop_b.product_id)]}),
    ):
        refused(ours.call(method, path, json_body=sent), 404, 36009005)
    elsewhere = activity(
        "Grab", "FIXED_PRICE", [whole(world.shop_b.product_id, activity_price_amount="8.00")]
    )
    refused(ours.post(A, elsewhere), 404, 36009005)
    assert shown(theirs, foreign).status == "ONGOING" and shown(theirs, foreign).title == "Theirs"

    reader = connect(client, db, [world.shop_a.id], [scopes.PROMOTION_INFO])
    mine = activity(
        "Mine", "FIXED_PRICE", [whole(world.shop_a.product_id, activity_price_amount="8.00")]
    )
    refused(reader.post(A, mine), 403, 105005)
    answer(reader.post(f"{A}/search", {}), api.SearchActivitiesData)
    blind = connect(client, db, [world.shop_a.id], [scopes.PRODUCT_BASIC])
    refused(blind.post(f"{A}/search", {}), 403, 105005)
    refused(blind.get("/promotion/202406/coupons/1"), 403, 105005)

    set_standing(db, world.shop_a.id, "RESTRICTED")
    refused(ours.post(A, mine), 409, 36009006)
    assert rows(db) == 1
    set_standing(db, world.shop_b.id, "RESTRICTED")
    assert shown(theirs, foreign).status == "NOT_EFFECTIVE"
    off = answer(theirs.post(f"{A}/{foreign}/deactivate"), api.Deactivated)
    assert off.status == "DEACTIVATED"  # stopping is always allowed


def test_native_promotions_are_activities_and_keep_their_live_session(
    client: TestClient, db: Database, world: World
) -> None:
    product, (small, large) = two_sku_product(db, world)
    live = live_session(db, world)
    body = promotion_body(small, title="Live hour", percent_off=15, live_session_id=str(live))
    native = ok(post_promotion(client, world.seller_a, world.shop_a.id, **body), 201)
    partner = connect(client, db, [world.shop_a.id], BOTH)
    listed = answer(partner.post(f"{A}/search", {}), api.SearchActivitiesData).activities
    assert [(a.id, a.activity_type, a.title) for a in listed] == [
        (native["id"], "DIRECT_DISCOUNT", "Live hour")
    ]
    more = {"id": str(product), "skus": [{"id": str(large), "discount": "15"}]}
    path = f"{A}/{native['id']}/products"
    answer(partner.call("PUT", path, json_body={"products": [more]}), api.ProductsUpdated)
    detail = shown(partner, native["id"])
    assert [s.id for s in detail.products[0].skus] == [str(small), str(large)]
    assert detail.product_level == "PRODUCT"  # every SKU of the product, at one discount
    with db.unit_of_work(write=False) as session:
        sessions = session.scalars(select(Promotion.live_session_id).order_by(Promotion.id))
        assert list(sessions) == [live, live]
